//! Issue 5's load and scale figures, against the release `settle` binary,
//! with wrk (Debian's package; `scripts/bench` installs it) generating load
//! on the same machine:
//!
//! - mixed traffic for `BENCH_SECONDS` (60) at 200 connections: pay pages
//!   (150), signed Stripe webhooks that pay orders (25) and POS **Send
//!   invoice** (25), with throughput, p50/p99, errors and the server's peak
//!   memory;
//! - the pay page at 1,000 orders and again after a generator has filled the
//!   database to `BENCH_ORDERS` (1,000,000), with the latency ratio;
//! - finding orders by name at that size: 200 searches one after another
//!   for a full name, the name reversed, a name and the start of a surname,
//!   and a first name alone, through the POS order search, and a full name
//!   on the Orders page; the Orders search's query plan is printed;
//! - Home's day at a glance at that size: each of its queries (needs
//!   attention, expected in store today, overdue, their balances, taken
//!   today) timed 200 times, then the page; each query's plan printed, and
//!   a failure when one reads the whole orders table;
//! - the reminder scheduler at that size: one tick with 50 reminders due
//!   among 100,000 planned, then 200 ticks with nothing due (what each
//!   process pays every minute), and the due query's plan, which must use
//!   its index;
//! - on SQLite and on PostgreSQL (`BENCH_BACKENDS`, default both).
//!
//! Prints a table. Exits non-zero when a correctness check fails: an error
//! or a 4xx/5xx under load, a panic in the server's log, a payment recorded
//! twice, an order paid without a payment, an email left unsent.
//! Env: SETTLE_BIN, BENCH_STRIPE_PORT, BENCH_SMTP_PORT (set by scripts/bench).
#[path = "../common/mod.rs"]
mod common;
mod generate;

use app::email::ssr::model as mail;
use app::orders::model::order;
use app::payments::model as payment;
use common::Settle;
use leptos::server_fn::ServerFn;
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WHSEC: &str = "whsec_bench";
const SAMPLE: i64 = 200;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What one wrk run reports (from the `done` hook below).
#[derive(Debug, Default, Clone)]
struct Wrk {
    requests: u64,
    seconds: f64,
    p50_us: u64,
    p99_us: u64,
    /// Connect, read, write and timeout errors.
    socket_errors: u64,
    /// Answers with a status of 400 or more.
    status_errors: u64,
}

impl Wrk {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds.max(0.001)
    }
    fn errors(&self) -> u64 {
        self.socket_errors + self.status_errors
    }
    fn cell(&self) -> String {
        format!(
            "{:.0}/s p50 {:.1} p99 {:.1} ms",
            self.rps(),
            self.p50_us as f64 / 1000.0,
            self.p99_us as f64 / 1000.0
        )
    }
}

const DONE_LUA: &str = r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"#;

fn lua_string(s: &str) -> String {
    format!("[==[{s}]==]")
}

fn write_script(dir: &Path, name: &str, body: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(format!("{name}.lua"));
    std::fs::write(&path, format!("{body}\n{DONE_LUA}"))?;
    Ok(path)
}

/// A script that cycles through `paths` with GET.
fn get_script(dir: &Path, name: &str, paths: &[String]) -> anyhow::Result<PathBuf> {
    let list: Vec<String> = paths.iter().map(|p| lua_string(p)).collect();
    write_script(
        dir,
        name,
        &format!(
            "local paths = {{ {} }}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend",
            list.join(",\n")
        ),
    )
}

fn spawn_wrk(base: &str, connections: usize, seconds: u64, script: &Path) -> anyhow::Result<Child> {
    Ok(Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--timeout",
            "10s",
            "-s",
        ])
        .arg(script)
        .arg(base)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?)
}

fn finish_wrk(child: Child) -> anyhow::Result<Wrk> {
    let out = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "wrk printed no result: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let n: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    anyhow::ensure!(n.len() == 6, "unexpected wrk result: {line}");
    Ok(Wrk {
        requests: n[0],
        seconds: n[1] as f64 / 1e6,
        p50_us: n[2],
        p99_us: n[3],
        socket_errors: n[4],
        status_errors: n[5],
    })
}

/// The server's peak resident memory so far (VmHWM), in MiB.
fn peak_memory_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn pay_paths(db: &DatabaseConnection, numbers: &[i64]) -> anyhow::Result<Vec<String>> {
    let found = order::Entity::find()
        .filter(order::Column::Number.is_in(numbers.to_vec()))
        .all(db)
        .await?;
    Ok(found
        .iter()
        .map(|o| format!("/pay/{}?key={}", o.number, o.order_key.encode()))
        .collect())
}

/// Views each page once (the first view makes its PaymentIntent), eight at a time.
async fn warm(base: &str, paths: &[String]) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    for chunk in paths.chunks(8) {
        let mut views = Vec::new();
        for p in chunk {
            views.push(client.get(format!("{base}{p}")).send());
        }
        for v in views {
            let res = v.await?;
            anyhow::ensure!(res.status() == 200, "warming a pay page: {}", res.status());
        }
    }
    Ok(())
}

/// `count` numbers spread evenly over `first..=last`.
fn spread(first: i64, last: i64, count: i64) -> Vec<i64> {
    let step = ((last - first + 1) / count).max(1);
    (0..count)
        .map(|i| first + i * step)
        .filter(|n| *n <= last)
        .collect()
}

async fn pay_page_figure(
    dir: &Path,
    settle: &Settle,
    db: &DatabaseConnection,
    numbers: &[i64],
    name: &str,
) -> anyhow::Result<Wrk> {
    let paths = pay_paths(db, numbers).await?;
    warm(&settle.base, &paths).await?;
    let script = get_script(dir, name, &paths)?;
    finish_wrk(spawn_wrk(&settle.base, 16, 10, &script)?)
}

/// One kind of name search, timed over `SAMPLE` searches one at a time.
struct Search {
    label: &'static str,
    p50: Duration,
    p99: Duration,
    /// Searches that found nothing (every name searched exists).
    empty: usize,
}

/// What a search for the `i`th name looks like, by kind; every name exists.
fn search_text(kind: usize, i: i64) -> String {
    let (first, last) = generate::name_of(i * 7);
    match kind {
        0 => format!("{first} {last}"),
        1 => format!("{last} {first}"),
        2 => format!("{first} {}", last.chars().take(2).collect::<String>()),
        _ => first.to_owned(),
    }
}

const SEARCH_KINDS: [&str; 4] = [
    "POS order search: full name",
    "  … reversed (\"lovelace ada\")",
    "  … name, start of surname (\"ada lo\")",
    "  … first name alone (1/30 of orders)",
];

async fn time_searches(
    label: &'static str,
    mut search: impl FnMut(i64) -> reqwest::RequestBuilder,
    found: fn(&str) -> usize,
) -> anyhow::Result<Search> {
    let mut times = Vec::new();
    let mut empty = 0;
    for i in 0..SAMPLE {
        let started = Instant::now();
        let res = search(i).send().await?;
        anyhow::ensure!(res.status() == 200, "{label}: {}", res.status());
        let body = res.text().await?;
        times.push(started.elapsed());
        if found(&body) == 0 {
            empty += 1;
        }
    }
    times.sort();
    Ok(Search {
        label,
        p50: common::percentile(&times, 0.5),
        p99: common::percentile(&times, 0.99),
        empty,
    })
}

/// The name searches at the big database, and the Orders search's plan.
async fn name_searches(
    settle: &Settle,
    db: &DatabaseConnection,
) -> anyhow::Result<(Vec<Search>, String)> {
    let pos = format!("{}{}", settle.base, app::pos::api::FindOrders::PATH);
    let hits =
        |body: &str| serde_json::from_str::<Vec<serde_json::Value>>(body).map_or(0, |h| h.len());
    let mut searches = Vec::new();
    for (kind, label) in SEARCH_KINDS.into_iter().enumerate() {
        let search = |i| {
            settle
                .client
                .post(&pos)
                .form(&[("query", search_text(kind, i))])
        };
        searches.push(time_searches(label, search, hits).await?);
    }
    let orders = format!("{}/orders", settle.base);
    let rows = |body: &str| body.matches("<a href=\"/orders/").count();
    let page = |i| {
        settle
            .client
            .get(&orders)
            .query(&[("q", search_text(0, i))])
    };
    searches.push(time_searches("Orders page search: full name (50 a page)", page, rows).await?);

    let select = order::Entity::find()
        .filter(
            app::orders::list::by_name_or_email(&search_text(0, 1))
                .ok_or_else(|| anyhow::anyhow!("no search"))?,
        )
        .order_by_desc(order::Column::Id)
        .limit(app::orders::list::PAGE_SIZE + 1)
        .build(db.get_database_backend());
    let plan = query_plan(db, select).await?;
    Ok((searches, plan))
}

/// The database's plan for `select`, one line per step.
async fn query_plan(db: &DatabaseConnection, select: Statement) -> anyhow::Result<String> {
    let backend = db.get_database_backend();
    let explain = match backend {
        DbBackend::Postgres => "EXPLAIN",
        _ => "EXPLAIN QUERY PLAN",
    };
    Ok(db
        .query_all_raw(Statement {
            sql: format!("{explain} {}", select.sql),
            ..select
        })
        .await?
        .iter()
        .map(|r| match backend {
            DbBackend::Postgres => r.try_get_by_index::<String>(0),
            _ => r.try_get::<String>("", "detail"),
        })
        .collect::<Result<Vec<_>, _>>()?
        .join("\n"))
}

/// Orders of the big database given to each of Home's lists: more than a
/// list shows, so its LIMIT is what ends the read.
const HOME_MARKED: i64 = 60;

/// Whether a plan reads the whole orders table: SQLite's `SCAN orders`,
/// PostgreSQL's `Seq Scan on orders`, or a walk along the primary key
/// (none of Home's queries look an order up by id).
fn scans_orders(plan: &str) -> bool {
    plan.lines().map(str::trim).any(|l| {
        l == "SCAN orders"
            || l.starts_with("SCAN orders ")
            || l.starts_with("SCAN TABLE orders")
            || l.contains("Seq Scan on orders ")
            || l.contains("using orders_pkey on orders")
    })
}

/// Home's day at a glance at the big database: each of its queries timed
/// on its own (the exact SQL Home runs), then the page itself; and each
/// query's plan, which must not read the whole orders table. Spread over
/// the copies `first..=last`, `HOME_MARKED` orders are flagged, as many
/// expected in store today, and as many made overdue, so every list has
/// more than it shows. Returns the timings, the plans and what failed.
async fn home_queries(
    settle: &Settle,
    db: &DatabaseConnection,
    first: i64,
    last: i64,
) -> anyhow::Result<(Vec<Search>, Vec<(&'static str, String)>, Vec<String>)> {
    use app::setup::day;
    use sea_orm::sea_query::Expr;
    let store = app::settings::ssr::store(db).await?;
    let zone = app::domain::StoreZone::stored(&store.time_zone);
    let today = zone.today(time::OffsetDateTime::now_utc());
    let marks: [(order::Column, sea_orm::Value); 3] = [
        (order::Column::Attention, "Bench: paid twice".into()),
        (order::Column::InStoreOn, today.into()),
        (
            order::Column::DueDate,
            (today - time::Duration::days(5)).into(),
        ),
    ];
    for (i, (column, value)) in marks.into_iter().enumerate() {
        order::Entity::update_many()
            .col_expr(column, Expr::value(value))
            .filter(order::Column::Number.is_in(spread(first + i as i64, last, HOME_MARKED)))
            .exec(db)
            .await?;
    }
    let listed: Vec<i32> = day::expected_query(today)
        .all(db)
        .await?
        .into_iter()
        .chain(day::overdue_query(today).all(db).await?)
        .map(|o| o.id)
        .collect();
    let from = zone.instant(today, 0, 0);
    let until = zone.instant(
        today
            .next_day()
            .ok_or_else(|| anyhow::anyhow!("no day after {today}"))?,
        0,
        0,
    );
    let backend = db.get_database_backend();
    // (label, the query, the index its plan must name, it must find rows).
    // The listed copies have no payments, and today's payments are the
    // mixed run's: neither is a list that must find something.
    let queries: [(&'static str, Statement, Option<&str>, bool); 5] = [
        (
            "Home: needs attention (50 shown)",
            day::attention_query().build(backend),
            Some("ix_orders_attention"),
            true,
        ),
        (
            "  … expected in store today",
            day::expected_query(today).build(backend),
            Some("ix_orders_in_store_on"),
            true,
        ),
        (
            "  … overdue, longest first",
            day::overdue_query(today).build(backend),
            Some("ix_orders_status_due_date"),
            true,
        ),
        (
            "  … balances of the listed orders",
            day::payments_query(listed).build(backend),
            None,
            false,
        ),
        (
            "  … taken today",
            day::taken_query(from, until).build(backend),
            None,
            false,
        ),
    ];
    let mut timings = Vec::new();
    let mut plans = Vec::new();
    let mut failures = Vec::new();
    for (label, select, index, must_find) in queries {
        let mut times = Vec::new();
        let mut empty = 0;
        for _ in 0..SAMPLE {
            let started = Instant::now();
            let rows = db.query_all_raw(select.clone()).await?;
            times.push(started.elapsed());
            if must_find && rows.is_empty() {
                empty += 1;
            }
        }
        times.sort();
        timings.push(Search {
            label,
            p50: common::percentile(&times, 0.5),
            p99: common::percentile(&times, 0.99),
            empty,
        });
        let plan = query_plan(db, select).await?;
        let name = label.trim_start_matches([' ', '…']);
        if scans_orders(&plan) {
            failures.push(format!("{name}: the plan reads the whole orders table"));
        }
        if let Some(index) = index.filter(|i| !plan.contains(i)) {
            failures.push(format!("{name}: the plan does not use {index}"));
        }
        plans.push((label, plan));
    }
    let home = format!("{}/", settle.base);
    let links = |body: &str| body.matches("<a href=\"/orders/").count();
    timings.push(
        time_searches(
            "  … the Home page (GET /)",
            |_| settle.client.get(&home),
            links,
        )
        .await?,
    );
    Ok((timings, plans, failures))
}

/// The reminder scheduler at the big database's size: `PLANNED` orders
/// with a reminder planned (a month away), then `HOME_MARKED` of them due
/// now. One tick that handles those, then `SAMPLE` ticks with nothing due:
/// what every process pays each minute. The due query's plan must use
/// `ix_orders_next_reminder_at`, never read the orders table.
async fn reminder_ticks(
    settle: &Settle,
    db: &DatabaseConnection,
    first: i64,
    last: i64,
) -> anyhow::Result<(Vec<Search>, String, Vec<String>)> {
    use app::reminders::ssr::schedule;
    use sea_orm::sea_query::Expr;
    const PLANNED: i64 = 100_000;
    let now = time::OffsetDateTime::now_utc();
    // The demo policy's steps 0..=2: the due ones are at the last step, so
    // handling them plans nothing after and the idle ticks find nothing.
    let plan_for = |at: time::OffsetDateTime, step: i32| {
        order::Entity::update_many()
            .col_expr(order::Column::NextReminderAt, Expr::value(at))
            .col_expr(order::Column::NextReminderStep, Expr::value(step))
            .col_expr(order::Column::NextReminderRepeat, Expr::value(0))
    };
    plan_for(now + time::Duration::days(30), 0)
        .filter(order::Column::Number.between(first, (first + PLANNED).min(last)))
        .exec(db)
        .await?;
    plan_for(now - time::Duration::minutes(1), 2)
        .filter(order::Column::Number.is_in(spread(first, last, HOME_MARKED)))
        .exec(db)
        .await?;
    let mut failures = Vec::new();
    // Inside the store's sending window whenever the bench runs, so due
    // reminders are handled, not deferred.
    let store = app::settings::ssr::store(db).await?;
    let policy = schedule::policy_of(&store);
    if !policy.enabled {
        // A tick with reminders off returns at once: it would measure nothing.
        failures.push("reminders: the demo store's reminders are off".into());
    }
    let open = policy
        .window
        .next_open(&app::domain::StoreZone::stored(&store.time_zone), now);
    let busy_at = open.max(now);
    let started = Instant::now();
    let busy = schedule::tick(db, &settle.base, busy_at).await?;
    let busy_time = started.elapsed();
    // The server's own scheduler may have taken some of them first.
    if busy.sent + busy.skipped > HOME_MARKED as u32 {
        failures.push(format!(
            "reminders: one tick handled {busy:?} of {HOME_MARKED}"
        ));
    }
    let mut times = Vec::new();
    for _ in 0..SAMPLE {
        let started = Instant::now();
        let idle = schedule::tick(db, &settle.base, busy_at).await?;
        times.push(started.elapsed());
        if idle != schedule::Tick::default() {
            failures.push(format!("reminders: a tick with nothing due did {idle:?}"));
            break;
        }
    }
    times.sort();
    let backend = db.get_database_backend();
    let plan = query_plan(db, schedule::due_query(busy_at).build(backend)).await?;
    if scans_orders(&plan) {
        failures.push("reminders: the due query reads the whole orders table".into());
    }
    if !plan.contains("ix_orders_next_reminder_at") {
        failures.push("reminders: the due query does not use ix_orders_next_reminder_at".into());
    }
    Ok((
        vec![
            Search {
                label: "Reminders: a tick, 60 due (100,000 planned)",
                p50: busy_time,
                p99: busy_time,
                empty: 0,
            },
            Search {
                label: "  … a tick with nothing due",
                p50: common::percentile(&times, 0.5),
                p99: common::percentile(&times, 0.99),
                empty: 0,
            },
        ],
        plan,
        failures,
    ))
}

struct Figures {
    backend: &'static str,
    pay_1k: Wrk,
    pay_big: Wrk,
    orders_big: i64,
    generate_seconds: f64,
    mixed_pay: Wrk,
    mixed_hooks: Wrk,
    mixed_pos: Wrk,
    peak_mib: f64,
    paid_by_webhook: u64,
    emails_sent: u64,
    searches: Vec<Search>,
    /// The Orders search's plan names the name index.
    search_indexed: bool,
    /// Home's queries one by one, then the page.
    home: Vec<Search>,
    /// No plan of Home's reads the whole orders table; each names its index.
    home_indexed: bool,
    /// The reminder scheduler's due query uses its index.
    reminders_indexed: bool,
    failures: Vec<String>,
}

async fn create_database(backend: &str) -> anyhow::Result<(Option<String>, Option<String>)> {
    if backend != "postgres" {
        return Ok((None, None));
    }
    let admin = std::env::var("BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("settle_bench_{}", std::process::id());
    let conn = Database::connect(&admin).await?;
    conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    conn.close().await?;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    Ok((Some(format!("{base}/{name}")), Some(name)))
}

async fn drop_database(name: Option<String>) {
    let Some(name) = name else { return };
    let admin = std::env::var("BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    if let Ok(conn) = Database::connect(&admin).await {
        let _ = conn
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
        let _ = conn.close().await;
    }
}

async fn run(backend: &'static str, stripe: &str, smtp_port: u16) -> anyhow::Result<Figures> {
    let seconds: u64 = env_or("BENCH_SECONDS", 60);
    let big: i64 = env_or("BENCH_ORDERS", 1_000_000);
    let (db_url, pg_name) = create_database(backend).await?;
    let settle = Settle::start_on(
        &format!("load-{backend}"),
        db_url.as_deref(),
        &[
            ("STRIPE_SECRET_KEY", "sk_test_bench".into()),
            ("STRIPE_PUBLISHABLE_KEY", "pk_test_bench".into()),
            ("STRIPE_WEBHOOK_SECRET", WHSEC.into()),
            ("STRIPE_API_BASE", stripe.to_owned()),
            ("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}")),
        ],
    )
    .await?;
    let label = if backend == "postgres" {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let result = measure(label, &settle, stripe, seconds, big).await;
    drop(settle);
    drop_database(pg_name).await;
    result
}

async fn measure(
    backend: &'static str,
    settle: &Settle,
    stripe: &str,
    seconds: u64,
    big: i64,
) -> anyhow::Result<Figures> {
    let dir = std::env::temp_dir().join(format!("settle-load-{backend}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // As the server connects (WAL, busy timeout), so the two share SQLite politely.
    let db = server::db::connect(&settle.db_url).await?;
    let mut failures = Vec::new();

    // One real order through the POS; the rest are its copies.
    let mug = common::demo_mug(&db).await?;
    let send_body = common::send_invoice_body(mug, 2, "load@example.com").to_string();
    let send_path = common::send_invoice_path();
    let res = settle
        .client
        .post(format!("{}{send_path}", settle.base))
        .header("content-type", "application/json")
        .body(send_body.clone())
        .send()
        .await?;
    anyhow::ensure!(
        res.status().is_success(),
        "creating the first invoice failed"
    );
    let template = order::Entity::find()
        .one(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no order"))?;
    let (first, last) = generate::copies(&db, template.id, 999).await?;

    // The pay page at 1,000 orders.
    let pay_1k = pay_page_figure(&dir, settle, &db, &spread(first, last, SAMPLE), "pay-1k").await?;

    // Mixed traffic. Webhooks pay the 999 copies (each event is delivered
    // several times over the run: replays are part of real traffic). Each
    // copy's PaymentIntent is opened by the service the pay page uses, so
    // `stripe_intents` names it as Settle's (events for any other intent
    // change nothing); the event is a succeeded intent of the double's,
    // dressed as that intent.
    let pi = stripe_paid_intent(stripe).await?;
    let copies = order::Entity::find()
        .filter(order::Column::Number.between(first, last))
        .all(&db)
        .await?;
    let gw = app::payments::gateway::Gateway::new(
        "sk_test_bench",
        "pk_test_bench",
        WHSEC,
        stripe,
        "http://x/",
        "bench",
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    let mut bodies = Vec::new();
    let mut sigs = Vec::new();
    for o in &copies {
        let opened = app::payments::intents::ensure_intent(&db, &gw, o, Default::default()).await?;
        let mut intent = pi.clone();
        intent["id"] = opened.intent_id.into();
        intent["amount"] = o.total_minor.into();
        intent["metadata"] = serde_json::json!({ "order_id": o.id.to_string(), "order_number": o.number.to_string() });
        let body = serde_json::json!({
            "id": format!("evt_load_{}", o.id), "object": "event", "api_version": "2017-08-15",
            "created": time::OffsetDateTime::now_utc().unix_timestamp(), "data": { "object": intent },
            "livemode": false, "pending_webhooks": 0, "request": { "id": null, "idempotency_key": null },
            "type": "payment_intent.succeeded",
        })
        .to_string();
        sigs.push(lua_string(&stripe_webhook::Webhook::generate_test_header(
            &body, WHSEC, None,
        )));
        bodies.push(lua_string(&body));
    }
    let hooks = write_script(
        &dir,
        "webhooks",
        &format!(
            "local bodies = {{ {} }}\nlocal sigs = {{ {} }}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  local k = (i % #bodies) + 1\n  return wrk.format(\"POST\", \"/stripe/webhook\", {{ [\"Content-Type\"] = \"application/json\", [\"Stripe-Signature\"] = sigs[k] }}, bodies[k])\nend",
            bodies.join(",\n"),
            sigs.join(",\n")
        ),
    )?;
    let pos = write_script(
        &dir,
        "pos",
        &format!(
            "wrk.method = \"POST\"\nwrk.path = {}\nwrk.body = {}\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Cookie\"] = {}",
            lua_string(send_path),
            lua_string(&send_body),
            lua_string(&settle.cookie)
        ),
    )?;
    // Viewed once first: a first view makes the order's PaymentIntent (a
    // Stripe call), and the figure is for customers opening their pages.
    let mixed_pages = pay_paths(&db, &spread(first, last, 999)).await?;
    warm(&settle.base, &mixed_pages).await?;
    let pages = get_script(&dir, "pay-mixed", &mixed_pages)?;
    let orders_before = order::Entity::find().count(&db).await?;
    let runs = [
        spawn_wrk(&settle.base, 150, seconds, &pages)?,
        spawn_wrk(&settle.base, 25, seconds, &hooks)?,
        spawn_wrk(&settle.base, 25, seconds, &pos)?,
    ];
    let [p, h, s] = runs;
    let mixed_pay = finish_wrk(p)?;
    let mixed_hooks = finish_wrk(h)?;
    let mixed_pos = finish_wrk(s)?;
    let peak_mib = peak_memory_mib(settle.pid());
    for (name, w) in [
        ("pay pages", &mixed_pay),
        ("webhooks", &mixed_hooks),
        ("Send invoice", &mixed_pos),
    ] {
        if w.errors() > 0 {
            failures.push(format!(
                "{backend}: {name}: {} socket errors, {} answers ≥ 400 under load",
                w.socket_errors, w.status_errors
            ));
        }
    }
    // wrk stops with up to one request per connection in flight: those
    // orders are stored but not counted as answered.
    let created = order::Entity::find().count(&db).await? - orders_before;
    if created < mixed_pos.requests || created > mixed_pos.requests + 25 {
        failures.push(format!(
            "{backend}: {} invoices answered, {created} orders stored",
            mixed_pos.requests
        ));
    }

    // Every email goes out; every paid order has exactly one kept payment.
    let drain_until = Instant::now() + Duration::from_secs(300);
    let queued = || async {
        mail::Entity::find()
            .filter(mail::Column::Status.eq("queued"))
            .count(&db)
            .await
    };
    while queued().await? > 0 && Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let unsent = queued().await?;
    if unsent > 0 {
        failures.push(format!(
            "{backend}: {unsent} emails still queued 5 minutes after the run"
        ));
    }
    let emails_sent = mail::Entity::find()
        .filter(mail::Column::Status.eq("sent"))
        .count(&db)
        .await?;
    let mut kept: HashMap<i32, usize> = HashMap::new();
    for p in payment::Entity::find()
        .filter(payment::Column::Status.eq("succeeded"))
        .all(&db)
        .await?
    {
        *kept.entry(p.order_id).or_default() += 1;
    }
    let doubled = kept.values().filter(|n| **n > 1).count();
    if doubled > 0 {
        failures.push(format!(
            "{backend}: {doubled} orders with two kept payments"
        ));
    }
    let paid = order::Entity::find()
        .filter(order::Column::Status.eq("paid"))
        .count(&db)
        .await?;
    if paid != kept.len() as u64 {
        failures.push(format!(
            "{backend}: {paid} orders paid, {} with a kept payment",
            kept.len()
        ));
    }

    // The pay page again, after filling the database to `big` orders.
    let now = order::Entity::find().count(&db).await? as i64;
    let started = Instant::now();
    let (_, big_last) = generate::copies(&db, template.id, (big - now).max(1)).await?;
    let generate_seconds = started.elapsed().as_secs_f64();
    let orders_big = order::Entity::find().count(&db).await? as i64;
    let pay_big = pay_page_figure(
        &dir,
        settle,
        &db,
        &spread(last + 1, big_last, SAMPLE),
        "pay-big",
    )
    .await?;
    if pay_1k.errors() + pay_big.errors() > 0 {
        failures.push(format!("{backend}: errors on the pay page alone"));
    }
    let (searches, plan) = name_searches(settle, &db).await?;
    eprintln!("load: {backend}: the Orders search for a full name at {orders_big} orders:\n{plan}");
    for s in &searches {
        if s.empty > 0 {
            failures.push(format!(
                "{backend}: {}: {} of {SAMPLE} searches found nobody",
                s.label.trim_start_matches([' ', '…']),
                s.empty
            ));
        }
    }
    if settle.log().contains("panicked") {
        failures.push(format!("{backend}: the server panicked (see its log)"));
    }
    let search_indexed = plan.contains("ix_orders_name_key");
    if !search_indexed {
        failures.push(format!(
            "{backend}: the name search's plan does not use its index"
        ));
    }
    let (mut home, home_plans, home_failures) =
        home_queries(settle, &db, last + 1, big_last).await?;
    for (label, plan) in &home_plans {
        eprintln!(
            "load: {backend}: {} at {orders_big} orders:\n{plan}",
            label.trim_start_matches([' ', '…'])
        );
    }
    for s in &home {
        if s.empty > 0 {
            failures.push(format!(
                "{backend}: {}: {} of {SAMPLE} reads found nothing",
                s.label.trim_start_matches([' ', '…']),
                s.empty
            ));
        }
    }
    let home_indexed = home_failures.is_empty();
    failures.extend(home_failures.into_iter().map(|f| format!("{backend}: {f}")));
    let (reminders, reminder_plan, reminder_failures) =
        reminder_ticks(settle, &db, last + 1, big_last).await?;
    eprintln!("load: {backend}: the reminders due at {orders_big} orders:\n{reminder_plan}");
    let reminders_indexed = reminder_failures.is_empty();
    failures.extend(
        reminder_failures
            .into_iter()
            .map(|f| format!("{backend}: {f}")),
    );
    home.extend(reminders);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Figures {
        backend,
        pay_1k,
        pay_big,
        orders_big,
        generate_seconds,
        mixed_pay,
        mixed_hooks,
        mixed_pos,
        peak_mib,
        paid_by_webhook: paid,
        emails_sent,
        searches,
        search_indexed,
        home,
        home_indexed,
        reminders_indexed,
        failures,
    })
}

/// A succeeded PaymentIntent from the Stripe double, to dress up as each order's.
async fn stripe_paid_intent(stripe: &str) -> anyhow::Result<serde_json::Value> {
    let http = reqwest::Client::new();
    let call = |path: String, form: Vec<(&'static str, &'static str)>| {
        http.post(format!("{stripe}{path}"))
            .basic_auth("sk_test_bench", Some(""))
            .form(&form)
            .send()
    };
    let pi: serde_json::Value = call(
        "/v1/payment_intents".into(),
        vec![
            ("amount", "2880"),
            ("currency", "gbp"),
            ("payment_method", "pm_card_visa"),
        ],
    )
    .await?
    .json()
    .await?;
    let id = pi["id"].as_str().unwrap_or_default().to_owned();
    call(format!("/v1/payment_intents/{id}/confirm"), vec![]).await?;
    Ok(http
        .get(format!("{stripe}/v1/payment_intents/{id}"))
        .basic_auth("sk_test_bench", Some(""))
        .send()
        .await?
        .json()
        .await?)
}

fn print_table(all: &[Figures], seconds: u64) {
    let row = |label: &str, cells: Vec<String>| {
        let mut line = format!("| {label:<44} |");
        for c in cells {
            line.push_str(&format!(" {c:<34} |"));
        }
        println!("{line}");
    };
    println!();
    row(
        "Settle under load (release, 2 cores, wrk)",
        all.iter().map(|f| f.backend.to_owned()).collect(),
    );
    row(
        &"-".repeat(44),
        all.iter().map(|_| "-".repeat(34)).collect(),
    );
    row(
        &format!("mixed {seconds} s, 200 conns: total"),
        all.iter()
            .map(|f| {
                let total = f.mixed_pay.requests + f.mixed_hooks.requests + f.mixed_pos.requests;
                format!("{:.0} req/s", total as f64 / f.mixed_pay.seconds.max(0.001))
            })
            .collect(),
    );
    row(
        "  pay pages (150 conns)",
        all.iter().map(|f| f.mixed_pay.cell()).collect(),
    );
    row(
        "  Stripe webhooks (25 conns)",
        all.iter().map(|f| f.mixed_hooks.cell()).collect(),
    );
    row(
        "  POS Send invoice (25 conns)",
        all.iter().map(|f| f.mixed_pos.cell()).collect(),
    );
    row(
        "  errors (expected 0)",
        all.iter()
            .map(|f| {
                (f.mixed_pay.errors() + f.mixed_hooks.errors() + f.mixed_pos.errors()).to_string()
            })
            .collect(),
    );
    row(
        "  server peak memory (VmHWM)",
        all.iter()
            .map(|f| format!("{:.0} MiB", f.peak_mib))
            .collect(),
    );
    row(
        "  orders paid by webhook / emails sent",
        all.iter()
            .map(|f| format!("{} / {}", f.paid_by_webhook, f.emails_sent))
            .collect(),
    );
    row(
        "pay page, 1,000 orders (16 conns, 10 s)",
        all.iter().map(|f| f.pay_1k.cell()).collect(),
    );
    row(
        "pay page, big database (16 conns, 10 s)",
        all.iter()
            .map(|f| format!("{} ({} orders)", f.pay_big.cell(), f.orders_big))
            .collect(),
    );
    row(
        "  p50 / p99 ratio, big ÷ 1,000",
        all.iter()
            .map(|f| {
                format!(
                    "{:.2} / {:.2}",
                    f.pay_big.p50_us as f64 / f.pay_1k.p50_us.max(1) as f64,
                    f.pay_big.p99_us as f64 / f.pay_1k.p99_us.max(1) as f64
                )
            })
            .collect(),
    );
    row(
        "  generator: time to fill",
        all.iter()
            .map(|f| format!("{:.1} s", f.generate_seconds))
            .collect(),
    );
    let kinds = all.first().map_or(0, |f| f.searches.len());
    for k in 0..kinds {
        row(
            all[0].searches[k].label,
            all.iter()
                .map(|f| {
                    f.searches.get(k).map_or_else(String::new, |s| {
                        format!("p50 {} p99 {}", common::ms(s.p50), common::ms(s.p99))
                    })
                })
                .collect(),
        );
    }
    row(
        "  name index in the plan (EXPLAIN)",
        all.iter()
            .map(|f| if f.search_indexed { "yes" } else { "NO" }.to_owned())
            .collect(),
    );
    let home_rows = all.first().map_or(0, |f| f.home.len());
    for k in 0..home_rows {
        row(
            all[0].home[k].label,
            all.iter()
                .map(|f| {
                    f.home.get(k).map_or_else(String::new, |s| {
                        format!("p50 {} p99 {}", common::ms(s.p50), common::ms(s.p99))
                    })
                })
                .collect(),
        );
    }
    row(
        "  Home: indexes, no orders scan (EXPLAIN)",
        all.iter()
            .map(|f| if f.home_indexed { "yes" } else { "NO" }.to_owned())
            .collect(),
    );
    row(
        "  reminders: index, no orders scan (EXPLAIN)",
        all.iter()
            .map(|f| if f.reminders_indexed { "yes" } else { "NO" }.to_owned())
            .collect(),
    );
    println!();
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let stripe = format!("http://127.0.0.1:{}", std::env::var("BENCH_STRIPE_PORT")?);
    let smtp_port: u16 = std::env::var("BENCH_SMTP_PORT")?.parse()?;
    let seconds: u64 = env_or("BENCH_SECONDS", 60);
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let mut all = Vec::new();
    for key in backends.split(',').map(str::trim) {
        let key = match key {
            "sqlite" => "sqlite",
            "postgres" => "postgres",
            other => anyhow::bail!("BENCH_BACKENDS: unknown backend {other}"),
        };
        eprintln!("load: {key} …");
        all.push(run(key, &stripe, smtp_port).await?);
    }
    print_table(&all, seconds);
    let failures: Vec<_> = all.iter().flat_map(|f| f.failures.clone()).collect();
    for f in &failures {
        println!("FAILED: {f}");
    }
    anyhow::ensure!(
        failures.is_empty(),
        "{} correctness checks failed",
        failures.len()
    );
    Ok(())
}
