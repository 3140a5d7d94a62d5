//! Prometheus metrics (issue 13, "Run it in production"): `/metrics` is served
//! on `SETTLE_METRICS_ADDR` and nowhere else, counts what happened under
//! bounded labels and names no customer; and the stuck-email alert of
//! `deploy/prometheus/settle-alerts.yml` (the README's example) is evaluated
//! on scraped values. SQLite and PostgreSQL.
//!
//! Each test runs the `settle` binary as its own process: the `metrics`
//! recorder is global to a process, and the in-process tests of this binary
//! would add their own sales and sign-ins to its counters.
use crate::common::doubles::{free_port, workspace_root, SmtpSink};
use crate::common::process::SettleProcess;
use crate::common::{self, location, server_fn_path, Backend};
use crate::scale::{client, queued, send_invoice, sign_in, store, wait_until};
use crate::stripe::CASHIER;
use app::email::ssr::{model as mail, outbox};
use app::orders::model::order;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use server::metrics::{HTTP_DURATION, HTTP_REQUESTS, OUTBOX_OLDEST, OUTBOX_QUEUED};
use std::time::Duration;

/// The guest the invoice goes to: the address must never reach a metric.
const CUSTOMER: &str = "ada.lovelace@example.com";

/// One sample of the text format: name, labels in order, value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

/// What one `GET /metrics` answered.
struct Scraped {
    text: String,
    samples: Vec<Sample>,
}

impl Scraped {
    /// The value of the series `name` with exactly these labels.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples
            .iter()
            .find(|s| {
                s.name == name
                    && s.labels.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
            })
            .map(|s| s.value)
    }

    fn gauge(&self, name: &str) -> f64 {
        self.value(name, &[])
            .unwrap_or_else(|| panic!("no {name} in\n{}", self.text))
    }
}

async fn scrape(metrics_url: &str) -> Scraped {
    let res = reqwest::get(metrics_url).await.expect("scraping /metrics");
    assert_eq!(res.status(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = res.text().await.unwrap();
    let samples = parse(&text);
    Scraped { text, samples }
}

/// The sample lines of Prometheus's text format (`# HELP`/`# TYPE` skipped).
fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (series, value) = line
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("no value in {line:?}"));
            let value = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                v => v
                    .parse()
                    .unwrap_or_else(|_| panic!("bad value in {line:?}")),
            };
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (
                    name,
                    parse_labels(
                        rest.strip_suffix('}')
                            .unwrap_or_else(|| panic!("unclosed labels in {line:?}")),
                    ),
                ),
                None => (series, Vec::new()),
            };
            Sample {
                name: name.to_owned(),
                labels,
                value,
            }
        })
        .collect()
}

/// `k="v",k2="v2"`, with `\"`, `\\` and `\n` escapes in values.
fn parse_labels(mut rest: &str) -> Vec<(String, String)> {
    let mut labels = Vec::new();
    while !rest.is_empty() {
        let (key, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("not a label: {rest:?}"));
        let mut value = String::new();
        let mut end = None;
        let mut chars = after.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, escaped)) => value.push(escaped),
                    None => break,
                },
                '"' => {
                    end = Some(i);
                    break;
                }
                c => value.push(c),
            }
        }
        let end = end.unwrap_or_else(|| panic!("unclosed label value: {after:?}"));
        labels.push((key.to_owned(), value));
        rest = after[end + 1..].trim_start_matches(',');
    }
    labels
}

/// An alerting rule as the rules file writes it, for the one form it uses:
/// `<series> > <threshold>`.
#[derive(Debug)]
struct AlertRule {
    expr: String,
    series: String,
    threshold: f64,
    hold: String,
}

impl AlertRule {
    /// Reads `- alert: NAME` and its `expr:` and `for:` from the rules file.
    /// Line-based on purpose (no YAML parser for one small file we write):
    /// an `expr` of any other form fails here, so a change to the rule
    /// brings its test along.
    fn from_file(name: &str) -> AlertRule {
        let path = workspace_root().join("deploy/prometheus/settle-alerts.yml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let mut lines = text
            .lines()
            .map(str::trim)
            .skip_while(|l| *l != format!("- alert: {name}"));
        assert!(
            lines.next().is_some(),
            "no alert {name} in {}",
            path.display()
        );
        let (mut expr, mut hold) = (None, None);
        for line in lines.take_while(|l| !l.starts_with("- alert:")) {
            if let Some(v) = line.strip_prefix("expr:") {
                expr = Some(v.trim().to_owned());
            } else if let Some(v) = line.strip_prefix("for:") {
                hold = Some(v.trim().to_owned());
            }
        }
        let expr = expr.unwrap_or_else(|| panic!("{name} has no expr"));
        let (series, threshold) = expr
            .split_once(" > ")
            .unwrap_or_else(|| panic!("{name}: expected `<series> > <threshold>`, got {expr}"));
        AlertRule {
            series: series.trim().to_owned(),
            threshold: threshold
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("{name}: threshold of {expr}")),
            hold: hold.unwrap_or_else(|| panic!("{name} has no for")),
            expr,
        }
    }

    /// Whether the expression is true for this scrape (Prometheus then
    /// waits `for` before firing, which a test cannot sit through).
    fn holds(&self, scraped: &Scraped) -> bool {
        scraped.gauge(&self.series) > self.threshold
    }
}

fn metrics_env(port: u16) -> (&'static str, String) {
    ("SETTLE_METRICS_ADDR", format!("127.0.0.1:{port}"))
}

async fn order_key(db: &DatabaseConnection, number: i64) -> String {
    order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(db)
        .await
        .unwrap()
        .expect("the order just made")
        .order_key
        .encode()
}

async fn metrics_count_what_happened_and_name_no_customer(backend: Backend) {
    let (test_db, db) = store(backend).await;
    let metrics_port = free_port();
    let p = SettleProcess::start(&test_db.url, &[metrics_env(metrics_port)]).await;
    let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let base = p.url("");

    // An invoice, opened by the customer (and once with a wrong key), then
    // paid in cash at the till; one failed sign-in; one webhook while
    // Stripe is not configured.
    let till = client();
    sign_in(&till, &base).await;
    let mug = common::product_id(&db, "MUG-01").await;
    let number = send_invoice(&till, &base, mug, CUSTOMER)
        .await
        .expect("the invoice is made");
    let key = order_key(&db, number).await;
    let customer = reqwest::Client::new();
    let res = customer
        .get(p.url(&format!("/pay/{number}?key={key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let wrong_key = "AAAAAAAAAAAAAAAAAAAAAA";
    let res = customer
        .get(p.url(&format!("/pay/{number}?key={wrong_key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = till
        .post(p.url(&format!("/orders/{number}/settle")))
        .form(&[("method", "cash")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (res.status().as_u16(), location(&res)),
        (303, format!("/orders/{number}?done=paid"))
    );
    let res = client()
        .post(p.url("/login"))
        .form(&[
            ("email", CASHIER.0),
            ("password", "not the password at all"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login?error=invalid");
    let res = customer
        .post(p.url("/stripe/webhook"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "Stripe is not configured");

    // The public address does not serve the metrics.
    let res = customer.get(p.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let body = res.text().await.unwrap();
    assert!(!body.contains(HTTP_REQUESTS), "{body}");

    let m = scrape(&metrics_url).await;
    let requests = |route: &str, method: &str, class: &str| {
        m.value(
            HTTP_REQUESTS,
            &[
                ("route", route),
                ("method", method),
                ("status_class", class),
            ],
        )
    };
    let counted = [
        (
            "settle_payments_total",
            m.value(
                "settle_payments_total",
                &[("method", "cash"), ("outcome", "succeeded")],
            ),
        ),
        (
            "settle_login_failures_total",
            m.value("settle_login_failures_total", &[("reason", "invalid")]),
        ),
        (
            "settle_stripe_webhooks_total",
            m.value(
                "settle_stripe_webhooks_total",
                &[("type", "unknown"), ("result", "refused")],
            ),
        ),
        ("pay page", requests("/pay/{number}", "GET", "2xx")),
        (
            "pay page, wrong key",
            requests("/pay/{number}", "GET", "4xx"),
        ),
        ("settle", requests("/orders/{number}/settle", "POST", "3xx")),
        (
            "Send invoice (its server fn's registered path)",
            requests(server_fn_path::<app::pos::api::SendOrder>(), "POST", "2xx"),
        ),
        (
            "/metrics asked of the public address",
            requests("unmatched", "GET", "4xx"),
        ),
        (
            "pay page latency",
            m.value(
                &format!("{HTTP_DURATION}_count"),
                &[
                    ("route", "/pay/{number}"),
                    ("method", "GET"),
                    ("status_class", "2xx"),
                ],
            ),
        ),
        (
            "pay page latency, +Inf bucket",
            m.value(
                &format!("{HTTP_DURATION}_bucket"),
                &[
                    ("route", "/pay/{number}"),
                    ("method", "GET"),
                    ("status_class", "2xx"),
                    ("le", "+Inf"),
                ],
            ),
        ),
    ];
    for (what, value) in counted {
        assert_eq!(value, Some(1.0), "{what} in\n{}", m.text);
    }
    // The cashier's sign-in and the failed one.
    assert_eq!(requests("/login", "POST", "3xx"), Some(2.0), "{}", m.text);
    // No SMTP_URL: the invoice (and a receipt, if one was queued) wait.
    let waiting = queued(&db).await;
    assert!(waiting >= 1);
    assert_eq!(m.gauge(OUTBOX_QUEUED), waiting as f64, "{}", m.text);
    assert!(m.gauge(OUTBOX_OLDEST) > 0.0, "{}", m.text);

    // Nothing that names an order or a person: no key (right or wrong), no
    // raw pay path, no email address, no order number as a label.
    let raw_path = format!("/pay/{number}");
    for secret in [key.as_str(), wrong_key, raw_path.as_str(), CUSTOMER, "@"] {
        assert!(!m.text.contains(secret), "{secret:?} in\n{}", m.text);
    }
    let number = number.to_string();
    for s in &m.samples {
        for (k, v) in &s.labels {
            assert_ne!(v, &number, "{k} of {} is the order number", s.name);
        }
        if let Some((_, route)) = s.labels.iter().find(|(k, _)| k == "route") {
            assert!(
                route.starts_with('/') || route == "static" || route == "unmatched",
                "{route}"
            );
        }
    }
    p.assert_no_panic();
}

/// The README's example alert, on real scrapes: an invoice that cannot go
/// out (no SMTP, as with the mail server down) makes the oldest-queued gauge
/// grow; at the rule's threshold the rule holds; once SMTP is back and the
/// message is sent, it no longer does.
async fn the_stuck_email_alert_holds_on_the_scraped_gauge_and_clears_once_sent(backend: Backend) {
    let rule = AlertRule::from_file("SettleEmailStuck");
    assert_eq!(rule.series, OUTBOX_OLDEST, "{rule:?}");
    assert_eq!(rule.threshold, 900.0, "15 minutes, as the README says");
    assert_eq!(rule.hold, "5m");
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("expr: {}", rule.expr)),
        "the README shows the rule of deploy/prometheus/settle-alerts.yml"
    );

    let (test_db, db) = store(backend).await;
    let metrics_port = free_port();
    let p = SettleProcess::start(&test_db.url, &[metrics_env(metrics_port)]).await;
    let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let till = client();
    sign_in(&till, &p.url("")).await;
    let mug = common::product_id(&db, "MUG-01").await;
    send_invoice(&till, &p.url(""), mug, CUSTOMER)
        .await
        .expect("the invoice is made");

    let first = scrape(&metrics_url).await;
    assert_eq!(first.gauge(OUTBOX_QUEUED), 1.0, "{}", first.text);
    let age = first.gauge(OUTBOX_OLDEST);
    assert!(age > 0.0, "{}", first.text);
    assert!(!rule.holds(&first), "{age} s is not stuck yet");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let later = scrape(&metrics_url).await.gauge(OUTBOX_OLDEST);
    assert!(later >= age + 1.0, "the age grows: {age} then {later}");

    // Sixteen minutes on: the message is made older rather than waited for.
    for row in mail::Entity::find()
        .filter(mail::Column::Status.eq(outbox::QUEUED))
        .all(&db)
        .await
        .unwrap()
    {
        let queued_at = row.created_at - time::Duration::minutes(16);
        let mut active: mail::ActiveModel = row.into();
        active.created_at = Set(queued_at);
        active.update(&db).await.unwrap();
    }
    let stuck = scrape(&metrics_url).await;
    assert!(stuck.gauge(OUTBOX_OLDEST) >= 960.0, "{}", stuck.text);
    assert!(rule.holds(&stuck), "{}", stuck.text);
    drop(p);

    // The mail server is back: the worker sends it and the rule clears.
    let sink = SmtpSink::start(&[]);
    let metrics_port = free_port();
    let p = SettleProcess::start(
        &test_db.url,
        &[
            ("SMTP_URL", format!("smtp://127.0.0.1:{}", sink.port)),
            metrics_env(metrics_port),
        ],
    )
    .await;
    wait_until(
        "the invoice to go out",
        Duration::from_secs(30),
        async || queued(&db).await == 0,
    )
    .await;
    let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let sent_once = |m: &Scraped| {
        m.value(
            "settle_emails_total",
            &[("kind", "invoice"), ("result", "sent")],
        ) == Some(1.0)
    };
    // Counted just after the row is marked sent, so allow the scrape a moment.
    wait_until(
        "the send to be counted",
        Duration::from_secs(10),
        async || sent_once(&scrape(&metrics_url).await),
    )
    .await;
    let sent = scrape(&metrics_url).await;
    assert!(sent_once(&sent), "{}", sent.text);
    assert_eq!(sent.gauge(OUTBOX_QUEUED), 0.0, "{}", sent.text);
    assert_eq!(sent.gauge(OUTBOX_OLDEST), 0.0, "{}", sent.text);
    assert!(!rule.holds(&sent));
    assert_eq!(sink.messages().len(), 1);
    p.assert_no_panic();
}

both_backends!(
    metrics_count_what_happened_and_name_no_customer,
    the_stuck_email_alert_holds_on_the_scraped_gauge_and_clears_once_sent,
);
