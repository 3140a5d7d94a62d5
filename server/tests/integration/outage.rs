//! Outages of the services Settle depends on (issue 5), on SQLite and
//! PostgreSQL: the SMTP server down for the first half of a run, and Stripe
//! answering 500 or 429 through a fault-injecting proxy in front of the
//! Stripe double.
use crate::common::doubles::{free_port, LocalStripe, SmtpSink};
use crate::common::fault::{FaultProxy, ALWAYS};
use crate::common::{self, location, page, Backend};
use crate::scale::{deliver_event, queued, received, send_invoice, wait_until};
use crate::stripe::{customer_pays, invoices_in, signed_event, CASHIER, SECRET, WHSEC};
use app::email::ssr::model as mail;
use app::orders::model::order;
use app::payments::{intent, model as payment};
use app::staff::Role;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use server::config::StripeConfig;
use std::time::{Duration, Instant};

async fn smtp_down_for_the_first_half_then_everything_goes_out_once(backend: Backend) {
    let port = free_port();
    let app = common::spawn_app_with(backend, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let client = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let mug = common::product_id(&app.db, "MUG-01").await;

    // First half: every invoice is taken and queued; none can go out.
    for i in 0..20 {
        send_invoice(&client, &app.url(""), mug, &format!("down{i}@example.com"))
            .await
            .expect("Send invoice works while SMTP is down");
    }
    wait_until(
        "a failed attempt at each",
        Duration::from_secs(30),
        async || {
            mail::Entity::find()
                .all(&app.db)
                .await
                .unwrap()
                .iter()
                .all(|m| m.attempts >= 1 && m.last_error.is_some())
        },
    )
    .await;
    assert_eq!(queued(&app.db).await, 20, "nothing lost, nothing given up");
    let (status, html) = page(&client, &app.url("/orders/1001")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Waiting to send"), "staff see it: {html}");

    // Second half: the server is back; once the backoff has passed (made due
    // now, standing in for the wait), each invoice goes out once.
    let sink = SmtpSink::start_on(port, &[]);
    app.db
        .execute_unprepared("UPDATE email_outbox SET next_attempt_at = created_at")
        .await
        .unwrap();
    wait_until("the outbox to drain", Duration::from_secs(60), async || {
        queued(&app.db).await == 0
    })
    .await;
    let got = received(&sink);
    assert_eq!(got.len(), 20);
    assert!(got.values().all(|n| *n == 1), "{got:?}");
    let (_, html) = page(&client, &app.url("/orders/1001")).await;
    assert!(html.contains("Sent (250"), "{html}");
    app.stop().await;
}

async fn stripe_failing_is_retried_a_bounded_number_of_times(backend: Backend) {
    let stripe = LocalStripe::start();
    let proxy = FaultProxy::start(&stripe.base_url).await;
    let api = proxy.base_url.clone();
    let app = common::spawn_app_with(backend, move |c| {
        c.stripe = Some(StripeConfig {
            secret_key: SECRET.into(),
            publishable_key: "pk_test_settle".into(),
            webhook_secret: WHSEC.into(),
        });
        c.stripe_api_base = api;
    })
    .await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let path = invoices_in(&app.db, 1).await.remove(0);
    let pending = || async {
        let o = order::Entity::find().one(&app.db).await.unwrap().unwrap();
        o.status == "pending" && payment::Entity::find().count(&app.db).await.unwrap() == 0
    };

    for status in [500, 429] {
        proxy.fail(status, ALWAYS);
        let started = Instant::now();
        let (code, html) = page(&app.client(), &app.url(&path)).await;
        assert_eq!(code, 200, "the page renders with Stripe answering {status}");
        assert!(
            html.contains("Online payment is temporarily unavailable") && html.contains("£28.80"),
            "{html}"
        );
        assert_eq!(proxy.hits(), 3, "three attempts on {status}, then the page");
        assert!(
            // What the README promises: Stripe's part of a page is over in 8 s.
            started.elapsed() < app::payments::gateway::CALL_TIMEOUT,
            "{:?}",
            started.elapsed()
        );
        assert_eq!(intent::Entity::find().count(&app.db).await.unwrap(), 0);
        assert!(pending().await, "nothing marked paid");
    }

    // Stripe accepts the connection and never answers: the page still
    // comes, Stripe's part cut off at the 8 s the README promises.
    proxy.hang(ALWAYS);
    let started = Instant::now();
    let (code, html) = page(&app.client(), &app.url(&path)).await;
    let took = started.elapsed();
    assert_eq!(code, 200);
    assert!(
        html.contains("Online payment is temporarily unavailable"),
        "{html}"
    );
    assert!(
        took < app::payments::gateway::CALL_TIMEOUT + Duration::from_millis(500),
        "Stripe's silence held the page {took:?}"
    );
    assert!(pending().await, "nothing marked paid");

    // Two refusals, then Stripe answers: the customer never notices.
    proxy.fail(429, 2);
    let (code, html) = page(&app.client(), &app.url(&path)).await;
    assert_eq!(code, 200);
    assert!(html.contains("Pay £28.80"), "{html}");
    assert_eq!(proxy.hits(), 3);
    let pi = intent::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("one intent, made on the third attempt");
    assert_eq!(intent::Entity::find().count(&app.db).await.unwrap(), 1);

    // The customer pays at Stripe, but Stripe fails when the return page asks:
    // nothing is recorded on a guess, and the customer is told it is unconfirmed.
    customer_pays(&stripe, &pi.intent_id).await;
    proxy.fail(500, ALWAYS);
    let number_and_key = path
        .trim_start_matches("/pay/")
        .replace("?key=", "/return?key=");
    let res = app
        .client()
        .get(app.url(&format!(
            "/pay/{number_and_key}&payment_intent={}",
            pi.intent_id
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        location(&res).ends_with("notice=unconfirmed"),
        "{}",
        location(&res)
    );
    assert!(proxy.hits() <= 3, "bounded: {}", proxy.hits());
    assert!(pending().await, "not marked paid on a guess");

    // The webhook (which needs no call to Stripe) records it, once.
    proxy.heal();
    let (body, sig) = signed_event(&stripe, "payment_intent.succeeded", &pi.intent_id).await;
    let http = reqwest::Client::new();
    for _ in 0..2 {
        let status = deliver_event(&http, &app.url(""), &body, &sig)
            .await
            .unwrap();
        assert_eq!(status, 200);
    }
    let o = order::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(o.status, "paid");
    assert_eq!(payment::Entity::find().count(&app.db).await.unwrap(), 1);
    app.stop().await;
}

both_backends!(
    smtp_down_for_the_first_half_then_everything_goes_out_once,
    stripe_failing_is_retried_a_bounded_number_of_times,
);
