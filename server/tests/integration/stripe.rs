//! Online payment against the Stripe double (localstripe through
//! `end2end/doubles/localstripe_launcher.py`) and the real router, on SQLite
//! and PostgreSQL: the pay page's PaymentIntent, the signed webhook, replays
//! and out-of-order events, in-store settlement racing an online payment.
use crate::common::{self, doubles::LocalStripe, location, page, Backend, TestApp};
use app::orders::model::order;
use app::payments::{intent, model as payment};
use app::staff::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::config::StripeConfig;
use std::time::{Duration, Instant};

pub(crate) const CASHIER: (&str, &str) = ("till@example.com", "blue river stones 42");
pub(crate) const SECRET: &str = "sk_test_settle";
pub(crate) const WHSEC: &str = "whsec_settle_test";

pub(crate) async fn stripe_app(backend: Backend, stripe: &LocalStripe) -> TestApp {
    let base = stripe.base_url.clone();
    let app = common::spawn_app_with(backend, move |c| {
        c.stripe = Some(StripeConfig {
            secret_key: SECRET.into(),
            publishable_key: "pk_test_settle".into(),
            webhook_secret: WHSEC.into(),
        });
        c.stripe_api_base = base;
    })
    .await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    app
}

/// Creates `n` invoices (2 mugs each, £28.80) and returns their pay paths.
pub(crate) async fn invoices(app: &TestApp, n: usize) -> Vec<String> {
    invoices_in(&app.db, n).await
}

/// The same, straight into a database (as the cashier `CASHIER`).
pub(crate) async fn invoices_in(db: &sea_orm::DatabaseConnection, n: usize) -> Vec<String> {
    let staff = app::staff::ssr::model::Entity::find()
        .filter(app::staff::ssr::model::Column::Email.eq(CASHIER.0))
        .one(db)
        .await
        .unwrap()
        .and_then(|m| m.view())
        .unwrap();
    let mug = common::product_id(db, "MUG-01").await;
    let mut paths = Vec::new();
    for i in 0..n {
        let req = common::invoice(&[(mug, 2)], &format!("guest{i}@example.com"));
        let created = app::orders::service::create_order(db, &staff, "http://x", req)
            .await
            .unwrap();
        let o = order::Entity::find()
            .filter(order::Column::Number.eq(created.number))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        paths.push(format!("/pay/{}?key={}", o.number, o.order_key.encode()));
    }
    paths
}

/// Invoice 1001 (£28.80), its pay page viewed once: the path, the order and
/// the PaymentIntent that view made.
pub(crate) async fn opened_invoice(app: &TestApp) -> (String, order::Model, intent::Model) {
    let path = invoices(app, 1).await.remove(0);
    page(&app.client(), &app.url(&path)).await;
    let o = order_by_number(app, 1001).await;
    let pi = intent_of(app, o.id).await;
    (path, o, pi)
}

pub(crate) async fn order_by_number(app: &TestApp, number: i64) -> order::Model {
    order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// A call to the Stripe double's REST API, as the customer's browser or the dashboard would make it.
pub(crate) async fn stripe_call(
    stripe: &LocalStripe,
    method: reqwest::Method,
    path: &str,
    form: &[(&str, &str)],
) -> serde_json::Value {
    let res = reqwest::Client::new()
        .request(method, format!("{}{path}", stripe.base_url))
        .basic_auth(SECRET, Some(""))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// A gateway of Settle's own to the double, as `settle serve` builds it.
pub(crate) fn gateway_to(stripe: &LocalStripe) -> app::payments::gateway::Gateway {
    app::payments::gateway::Gateway::new(
        SECRET,
        "pk_test_settle",
        WHSEC,
        &stripe.base_url,
        "http://x/",
        "test",
    )
    .unwrap()
}

/// Each order paid the way a real payment goes: its PaymentIntent opened by
/// the service the pay page uses (so `stripe_intents` names it), the
/// customer paying it at the double, and the signed
/// `payment_intent.succeeded` Stripe sends for it, built from the double's
/// own intent.
pub(crate) async fn paid_events(
    stripe: &LocalStripe,
    db: &sea_orm::DatabaseConnection,
    orders: &[order::Model],
) -> Vec<(String, String)> {
    let gw = gateway_to(stripe);
    let mut events = Vec::with_capacity(orders.len());
    for o in orders {
        let pi = app::payments::intents::ensure_intent(db, &gw, o, Default::default())
            .await
            .expect("the pay page's intent");
        customer_pays(stripe, &pi.intent_id).await;
        events.push(signed_event(stripe, "payment_intent.succeeded", &pi.intent_id).await);
    }
    events
}

/// What the Payment Element does when the customer pays with a card that works.
pub(crate) async fn customer_pays(stripe: &LocalStripe, intent_id: &str) {
    let path = format!("/v1/payment_intents/{intent_id}");
    stripe_call(
        stripe,
        reqwest::Method::POST,
        &path,
        &[("payment_method", "pm_card_visa")],
    )
    .await;
    stripe_call(
        stripe,
        reqwest::Method::POST,
        &format!("{path}/confirm"),
        &[],
    )
    .await;
}

pub(crate) async fn intent_of(app: &TestApp, order_id: i32) -> intent::Model {
    intent::Entity::find()
        .filter(intent::Column::OrderId.eq(order_id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the pay page made a PaymentIntent")
}

/// A Stripe event around the intent as the double reports it now, signed as Stripe signs.
pub(crate) async fn signed_event(
    stripe: &LocalStripe,
    kind: &str,
    intent_id: &str,
) -> (String, String) {
    let pi = stripe_call(
        stripe,
        reqwest::Method::GET,
        &format!("/v1/payment_intents/{intent_id}"),
        &[],
    )
    .await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let id = format!("evt_settle_{}_{}", kind.replace('.', "_"), intent_id);
    let body = serde_json::json!({
        "id": id, "object": "event", "api_version": "2017-08-15", "created": now,
        "data": { "object": pi }, "livemode": false, "pending_webhooks": 0,
        "request": { "id": null, "idempotency_key": null }, "type": kind,
    })
    .to_string();
    let sig = stripe_webhook::Webhook::generate_test_header(&body, WHSEC, None);
    (body, sig)
}

/// An event around an intent object the test shaped itself, signed as Stripe signs.
pub(crate) fn signed_custom_event(kind: &str, id: &str, pi: serde_json::Value) -> (String, String) {
    let body = serde_json::json!({
        "id": id, "object": "event", "api_version": "2017-08-15",
        "created": time::OffsetDateTime::now_utc().unix_timestamp(),
        "data": { "object": pi }, "livemode": false, "pending_webhooks": 0,
        "request": { "id": null, "idempotency_key": null }, "type": kind,
    })
    .to_string();
    let sig = stripe_webhook::Webhook::generate_test_header(&body, WHSEC, None);
    (body, sig)
}

pub(crate) async fn deliver(app: &TestApp, body: &str, sig: Option<&str>) -> u16 {
    let mut req = reqwest::Client::new()
        .post(app.url("/stripe/webhook"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(sig) = sig {
        req = req.header("stripe-signature", sig);
    }
    req.send().await.unwrap().status().as_u16()
}

pub(crate) async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

pub(crate) async fn payments_of(app: &TestApp, order_id: i32) -> Vec<payment::Model> {
    payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .all(&app.db)
        .await
        .unwrap()
}

async fn online_payment_through_the_webhook_marks_the_order_paid(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let path = invoices(&app, 1).await.remove(0);
    // The double delivers its own signed webhooks to us, as Stripe does.
    stripe_call(
        &stripe,
        reqwest::Method::POST,
        "/_config/webhooks/settle",
        &[("url", &app.url("/stripe/webhook")), ("secret", WHSEC)],
    )
    .await;

    let browser = app.client();
    let (status, html) = page(&browser, &app.url(&path)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Pay £28.80") && html.contains("data-client-secret=\"pi_"),
        "{html}"
    );
    assert!(
        html.contains("/pay.js") && html.contains("js.stripe.com"),
        "Stripe.js from STRIPE_JS_URL"
    );
    let o = order_by_number(&app, 1001).await;
    let first = intent_of(&app, o.id).await;
    assert_eq!((first.amount_minor, first.currency.code()), (2880, "GBP"));
    page(&browser, &app.url(&path)).await;
    assert_eq!(
        intent::Entity::find().count(&app.db).await.unwrap(),
        1,
        "reused on reload"
    );
    let at_stripe = stripe_call(
        &stripe,
        reqwest::Method::GET,
        &format!("/v1/payment_intents/{}", first.intent_id),
        &[],
    )
    .await;
    assert_eq!(at_stripe["metadata"]["order_number"], "1001");

    customer_pays(&stripe, &first.intent_id).await;
    wait_for("the webhook to mark the order paid", async || {
        order_by_number(&app, 1001).await.status == "paid"
    })
    .await;
    let p = payments_of(&app, o.id).await;
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].method, p[0].status, p[0].amount_minor),
        (
            app::payments::model::PaymentMethod::Stripe,
            app::payments::model::PaymentStatus::Succeeded,
            2880
        )
    );
    let receipt = app::email::ssr::model::Entity::find()
        .filter(app::email::ssr::model::Column::Kind.eq("receipt"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a receipt");
    assert!(
        receipt.text_body.contains("by card online: £28.80"),
        "{}",
        receipt.text_body
    );
    let (_, html) = page(&browser, &app.url(&path)).await;
    assert!(html.contains("This order has been paid"));

    // The return page after confirmPayment finds it paid too, and records nothing twice.
    let ret = browser
        .get(app.url(&format!(
            "{}&payment_intent={}",
            path.replace("?key", "/return?key"),
            first.intent_id
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&ret), path);
    assert_eq!(payments_of(&app, o.id).await.len(), 1);
    app.stop().await;
}

async fn replays_out_of_order_events_and_bad_deliveries_change_nothing(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let (_, o, pi) = opened_invoice(&app).await;
    let events = || async {
        app::payments::stripe_event::Entity::find()
            .count(&app.db)
            .await
            .unwrap()
    };

    // Refused: nothing stored.
    let (body, sig) = signed_event(&stripe, "payment_intent.succeeded", &pi.intent_id).await;
    assert_eq!(deliver(&app, &body, None).await, 400, "no signature");
    let forged = stripe_webhook::Webhook::generate_test_header(&body, "whsec_wrong", None);
    assert_eq!(
        deliver(&app, &body, Some(&forged)).await,
        400,
        "wrong secret"
    );
    let stale = stripe_webhook::Webhook::generate_test_header(
        &body,
        WHSEC,
        Some(time::OffsetDateTime::now_utc().unix_timestamp() - 3600),
    );
    assert_eq!(
        deliver(&app, &body, Some(&stale)).await,
        400,
        "stale timestamp"
    );
    let tampered = body.replace("2880", "1");
    assert_eq!(
        deliver(&app, &tampered, Some(&sig)).await,
        400,
        "body changed after signing"
    );
    let junk = "{not json";
    assert_eq!(
        deliver(
            &app,
            junk,
            Some(&stripe_webhook::Webhook::generate_test_header(
                junk, WHSEC, None
            ))
        )
        .await,
        400,
        "malformed JSON"
    );
    let huge = "x".repeat(1024 * 1024 + 1);
    assert_eq!(deliver(&app, &huge, Some(&sig)).await, 413, "over 1 MB");
    assert_eq!(events().await, 0);
    assert_eq!(order_by_number(&app, 1001).await.status, "pending");

    // An event type Settle does not use: stored, acknowledged, nothing else.
    let (other, other_sig) = signed_event(&stripe, "payment_intent.created", &pi.intent_id).await;
    assert_eq!(deliver(&app, &other, Some(&other_sig)).await, 200);
    assert_eq!(events().await, 1);

    // 50 deliveries of the same success, some at once: one payment.
    customer_pays(&stripe, &pi.intent_id).await;
    let (body, sig) = signed_event(&stripe, "payment_intent.succeeded", &pi.intent_id).await;
    let mut all = Vec::new();
    for _ in 0..50 {
        let (app_url, body, sig) = (app.url("/stripe/webhook"), body.clone(), sig.clone());
        all.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(app_url)
                .header("stripe-signature", sig)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for h in all {
        assert_eq!(h.await.unwrap(), 200);
    }
    let p = payments_of(&app, o.id).await;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(order_by_number(&app, 1001).await.status, "paid");

    // A late failure for the same intent never un-pays the order.
    let (failed, failed_sig) =
        signed_event(&stripe, "payment_intent.payment_failed", &pi.intent_id).await;
    assert_eq!(deliver(&app, &failed, Some(&failed_sig)).await, 200);
    assert_eq!(order_by_number(&app, 1001).await.status, "paid");
    assert_eq!(payments_of(&app, o.id).await.len(), 1);
    app.stop().await;
}

async fn settling_in_store_cancels_the_open_intent(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let (path, o, pi) = opened_invoice(&app).await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let res = cashier
        .post(app.url("/orders/1001/settle"))
        .form(&[("method", "card_terminal"), ("reference", "slip 42")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/orders/1001?done=paid");
    wait_for("the intent to be cancelled at Stripe", async || {
        let at = stripe_call(
            &stripe,
            reqwest::Method::GET,
            &format!("/v1/payment_intents/{}", pi.intent_id),
            &[],
        )
        .await;
        at["status"] == "canceled"
    })
    .await;
    wait_for("the intent row to say so", async || {
        intent_of(&app, o.id).await.status == intent::IntentStatus::Canceled
    })
    .await;
    let (_, html) = page(&app.client(), &app.url(&path)).await;
    assert!(html.contains("This order has been paid") && !html.contains("data-client-secret"));
    app.stop().await;
}

/// The customer pays online while the cashier takes cash for the same order;
/// the webhook and the till arrive together. Each race ends with one payment
/// kept and the other refunded through Stripe and flagged: never two, never none.
async fn races_between_the_till_and_an_online_payment_keep_one(backend: Backend) {
    const RACES: usize = 100;
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let paths = invoices(&app, RACES).await;
    let browser = app.client();
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let mut races = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        page(&browser, &app.url(path)).await;
        let number = 1001 + i as i64;
        let o = order_by_number(&app, number).await;
        let pi = intent_of(&app, o.id).await;
        customer_pays(&stripe, &pi.intent_id).await;
        let (body, sig) = signed_event(&stripe, "payment_intent.succeeded", &pi.intent_id).await;
        races.push((number, o.id, body, sig));
    }
    let mut handles = Vec::new();
    for (number, _, body, sig) in races.clone() {
        let (hook, till, cashier) = (
            app.url("/stripe/webhook"),
            app.url(&format!("/orders/{number}/settle")),
            cashier.clone(),
        );
        handles.push(tokio::spawn(async move {
            let webhook = reqwest::Client::new()
                .post(hook)
                .header("stripe-signature", sig)
                .body(body)
                .send();
            let settle = cashier
                .post(till)
                .form(&[("method", "cash"), ("confirm_in_progress", "on")])
                .send();
            let (w, s) = tokio::join!(webhook, settle);
            (w.unwrap().status().as_u16(), s.unwrap().status().as_u16())
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), (200, 303));
    }
    let mut till_first = 0;
    for (number, order_id, _, _) in races {
        wait_for("the refund of the second payment", async || {
            payments_of(&app, order_id)
                .await
                .iter()
                .all(|p| p.status != app::payments::model::PaymentStatus::RefundPending)
        })
        .await;
        let p = payments_of(&app, order_id).await;
        let kept = p
            .iter()
            .filter(|p| p.status == app::payments::model::PaymentStatus::Succeeded)
            .count();
        let refunded = p
            .iter()
            .filter(|p| p.status == app::payments::model::PaymentStatus::Refunded)
            .count();
        let o = order_by_number(&app, number).await;
        assert_eq!(o.status, "paid", "order {number}");
        assert_eq!(kept, 1, "order {number}: exactly one payment kept: {p:?}");
        // Either the webhook came first (the till was refused: one payment), or
        // the till did (the online payment is refunded and the order flagged).
        assert!(
            p.len() == 1 || (p.len() == 2 && refunded == 1 && o.attention.is_some()),
            "order {number}: {p:?} attention {:?}",
            o.attention
        );
        till_first += usize::from(refunded == 1);
    }
    eprintln!(
        "{RACES} races: the till won {till_first} (online payment refunded), the webhook won {}",
        RACES - till_first
    );
    app.stop().await;
}

/// The deterministic half of the race: cash at the till, then Stripe's
/// success arrives. The online payment is recorded, refunded through Stripe,
/// and the order flagged with the reason in its timeline. (The till's form
/// asks Stripe first and would record a payment already made; this is the
/// payment that succeeds just after that question, so the settlement is
/// made through the service the form calls after asking.)
async fn an_online_payment_after_the_till_is_refunded_and_flagged(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let (_, o, pi) = opened_invoice(&app).await;
    customer_pays(&stripe, &pi.intent_id).await;
    let staff = app::staff::ssr::model::Entity::find()
        .filter(app::staff::ssr::model::Column::Email.eq(CASHIER.0))
        .one(&app.db)
        .await
        .unwrap()
        .and_then(|m| m.view())
        .unwrap();
    let cash = app::payments::till::InStorePayment {
        method: app::payments::model::PaymentMethod::Cash,
        amount_minor: None,
        tendered_minor: None,
        reference: String::new(),
        online: None,
    };
    app::payments::till::settle_in_store(&app.db, &staff, "http://x", 1001, cash)
        .await
        .unwrap();
    let (body, sig) = signed_event(&stripe, "payment_intent.succeeded", &pi.intent_id).await;
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200);
    wait_for("the automatic refund", async || {
        payments_of(&app, o.id)
            .await
            .iter()
            .any(|p| p.status == app::payments::model::PaymentStatus::Refunded)
    })
    .await;
    let p = payments_of(&app, o.id).await;
    assert_eq!(
        p.iter()
            .filter(|p| p.status == app::payments::model::PaymentStatus::Succeeded)
            .map(|p| p.method)
            .collect::<Vec<_>>(),
        [app::payments::model::PaymentMethod::Cash]
    );
    let refunds = stripe_call(
        &stripe,
        reqwest::Method::GET,
        &format!("/v1/refunds?payment_intent={}", pi.intent_id),
        &[],
    )
    .await;
    assert_eq!(
        refunds["data"].as_array().map(Vec::len),
        Some(1),
        "{refunds}"
    );
    let o = order_by_number(&app, 1001).await;
    assert!(
        o.attention
            .as_deref()
            .is_some_and(|a| a.starts_with("Paid twice")),
        "{:?}",
        o.attention
    );
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let (_, html) = page(&cashier, &app.url("/orders/1001")).await;
    assert!(
        html.contains("Needs attention") && html.contains("was refunded through Stripe"),
        "{html}"
    );
    app.stop().await;
}

async fn an_admin_refunds_an_online_payment_in_part_then_in_full(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    app.add_staff("owner@example.com", "keys open many doors", Role::Admin)
        .await;
    let (path, o, pi) = opened_invoice(&app).await;
    customer_pays(&stripe, &pi.intent_id).await;
    let (body, sig) = signed_event(&stripe, "payment_intent.succeeded", &pi.intent_id).await;
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200);
    assert_eq!(order_by_number(&app, 1001).await.status, "paid");

    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let res = cashier
        .post(app.url("/orders/1001/refund"))
        .form(&[("amount", "1"), ("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "refunds are for admins");
    let (_, html) = page(&cashier, &app.url("/orders/1001")).await;
    assert!(!html.contains("/orders/1001/refund"));

    let admin = app
        .signed_in_client("owner@example.com", "keys open many doors")
        .await;
    let refund = |amount: &'static str, reason: &'static str| {
        let (admin, url) = (admin.clone(), app.url("/orders/1001/refund"));
        async move {
            location(
                &admin
                    .post(url)
                    .form(&[("amount", amount), ("reason", reason)])
                    .send()
                    .await
                    .unwrap(),
            )
        }
    };
    assert_eq!(refund("10", "").await, "/orders/1001?error=refund_reason");
    assert_eq!(
        refund("10", "Chipped mug").await,
        "/orders/1001?done=refunded"
    );
    assert_eq!(
        refund("20", "Too much").await,
        "/orders/1001?error=refund_amount",
        "only £18.80 is left"
    );
    assert_eq!(
        order_by_number(&app, 1001).await.status,
        "paid",
        "a partial refund keeps it paid"
    );
    assert_eq!(
        refund("", "Returned the rest").await,
        "/orders/1001?done=refunded"
    );
    assert_eq!(order_by_number(&app, 1001).await.status, "refunded");
    let amounts: Vec<i64> = payments_of(&app, o.id)
        .await
        .iter()
        .map(|p| p.amount_minor)
        .collect();
    assert_eq!(amounts, [2880, -1000, -1880]);
    let refunds = stripe_call(
        &stripe,
        reqwest::Method::GET,
        &format!("/v1/refunds?payment_intent={}", pi.intent_id),
        &[],
    )
    .await;
    let mut at_stripe: Vec<i64> = refunds["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_i64().unwrap())
        .collect();
    at_stripe.sort();
    assert_eq!(at_stripe, [1000, 1880], "{refunds}");
    assert_eq!(
        refund("1", "Again").await,
        "/orders/1001?error=refused",
        "nothing left to refund"
    );
    let (_, html) = page(&app.client(), &app.url(&path)).await;
    assert!(html.contains("This order was refunded"));
    app.stop().await;
}

async fn a_mismatched_amount_is_flagged_and_an_unknown_order_acknowledged(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let (_, _, pi) = opened_invoice(&app).await;
    customer_pays(&stripe, &pi.intent_id).await;
    let mut obj = stripe_call(
        &stripe,
        reqwest::Method::GET,
        &format!("/v1/payment_intents/{}", pi.intent_id),
        &[],
    )
    .await;

    let mut unknown = obj.clone();
    unknown["id"] = "pi_not_ours".into();
    unknown["metadata"] = serde_json::json!({});
    let (body, sig) = signed_custom_event("payment_intent.succeeded", "evt_unknown_order", unknown);
    assert_eq!(
        deliver(&app, &body, Some(&sig)).await,
        200,
        "acknowledged, so Stripe stops retrying"
    );
    assert_eq!(payment::Entity::find().count(&app.db).await.unwrap(), 0);

    obj["amount"] = 100.into();
    let (body, sig) = signed_custom_event("payment_intent.succeeded", "evt_wrong_amount", obj);
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200);
    let o = order_by_number(&app, 1001).await;
    assert_eq!(o.status, "pending", "not marked paid");
    assert!(
        o.attention
            .as_deref()
            .is_some_and(|a| a.contains("does not match")),
        "{:?}",
        o.attention
    );
    let p = payments_of(&app, o.id).await;
    assert_eq!(
        (p.len(), p[0].status, p[0].amount_minor),
        (1, app::payments::model::PaymentStatus::Flagged, 100)
    );
    app.stop().await;
}

async fn the_till_warns_while_an_online_payment_is_in_progress(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let (_, _, pi) = opened_invoice(&app).await;
    // A 3-D Secure card: the intent waits for the customer's bank.
    let pi_path = format!("/v1/payment_intents/{}", pi.intent_id);
    let pm = stripe_call(
        &stripe,
        reqwest::Method::POST,
        "/v1/payment_methods",
        &[
            ("type", "card"),
            ("card[number]", "4000002500003155"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2030"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    stripe_call(
        &stripe,
        reqwest::Method::POST,
        &pi_path,
        &[("payment_method", pm["id"].as_str().unwrap())],
    )
    .await;
    let confirmed = stripe_call(
        &stripe,
        reqwest::Method::POST,
        &format!("{pi_path}/confirm"),
        &[],
    )
    .await;
    assert_eq!(confirmed["status"], "requires_action");

    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let (_, html) = page(&cashier, &app.url("/orders/1001")).await;
    assert!(html.contains("Payment in progress"), "{html}");
    let res = cashier
        .post(app.url("/orders/1001/settle"))
        .form(&[("method", "cash")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/orders/1001?take=1&error=in_progress");
    assert_eq!(
        order_by_number(&app, 1001).await.status,
        "pending",
        "nothing taken without confirmation"
    );
    let (_, html) = page(&cashier, &app.url("/orders/1001?take=1&error=in_progress")).await;
    assert!(html.contains("name=\"confirm_in_progress\""));
    let res = cashier
        .post(app.url("/orders/1001/settle"))
        .form(&[("method", "cash"), ("confirm_in_progress", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/orders/1001?done=paid");
    wait_for("the in-progress intent to be cancelled", async || {
        stripe_call(&stripe, reqwest::Method::GET, &pi_path, &[]).await["status"] == "canceled"
    })
    .await;
    app.stop().await;
}

async fn stripe_down_still_renders_the_pay_page(backend: Backend) {
    let closed = common::doubles::free_port();
    let app = common::spawn_app_with(backend, move |c| {
        c.stripe = Some(StripeConfig {
            secret_key: SECRET.into(),
            publishable_key: "pk_test_settle".into(),
            webhook_secret: WHSEC.into(),
        });
        c.stripe_api_base = format!("http://127.0.0.1:{closed}");
    })
    .await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let path = invoices(&app, 1).await.remove(0);
    let started = Instant::now();
    let (status, html) = page(&app.client(), &app.url(&path)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Online payment is temporarily unavailable") && html.contains("£28.80"),
        "{html}"
    );
    assert!(
        // What the README promises: Stripe's part of a page is over in 8 s.
        started.elapsed() < app::payments::gateway::CALL_TIMEOUT,
        "bounded: {:?}",
        started.elapsed()
    );
    assert_eq!(intent::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(
        order_by_number(&app, 1001).await.status,
        "pending",
        "nothing lost or changed"
    );
    app.stop().await;
}

/// An automatic refund that fails (Stripe unreachable at that moment) is
/// said once in the timeline and retried until it goes through.
async fn a_failed_automatic_refund_is_retried(backend: Backend) {
    use app::payments::gateway::Gateway;
    use app::payments::refunds::retry_second_payments as retry_pending_refunds;
    use sea_orm::{ActiveModelTrait, Set};
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let (_, o, pi) = opened_invoice(&app).await;
    customer_pays(&stripe, &pi.intent_id).await;
    let now = time::OffsetDateTime::now_utc();
    let pending = payment::ActiveModel {
        order_id: Set(o.id),
        method: Set(app::payments::model::PaymentMethod::Stripe),
        amount_minor: Set(2880),
        currency: Set("GBP".into()),
        provider_reference: Set(Some(pi.intent_id.clone())),
        status: Set(app::payments::model::PaymentStatus::RefundPending),
        staff_id: Set(None),
        note: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let failures = || async {
        app::orders::model::event::Entity::find()
            .filter(app::orders::model::event::Column::Kind.eq("refund_failed"))
            .count(&app.db)
            .await
            .unwrap()
    };

    let closed = format!("http://127.0.0.1:{}", common::doubles::free_port());
    let down = Gateway::new(
        SECRET,
        "pk_test_settle",
        WHSEC,
        &closed,
        "http://x/",
        "test",
    )
    .unwrap();
    assert_eq!(retry_pending_refunds(&app.db, &down).await.unwrap(), 0);
    assert_eq!(retry_pending_refunds(&app.db, &down).await.unwrap(), 0);
    assert_eq!(failures().await, 1, "said once, retried quietly");

    let up = Gateway::new(
        SECRET,
        "pk_test_settle",
        WHSEC,
        &stripe.base_url,
        "http://x/",
        "test",
    )
    .unwrap();
    assert_eq!(retry_pending_refunds(&app.db, &up).await.unwrap(), 1);
    assert_eq!(
        retry_pending_refunds(&app.db, &up).await.unwrap(),
        0,
        "nothing left to retry"
    );
    let p = payment::Entity::find_by_id(pending.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, app::payments::model::PaymentStatus::Refunded);
    let refunds = stripe_call(
        &stripe,
        reqwest::Method::GET,
        &format!("/v1/refunds?payment_intent={}", pi.intent_id),
        &[],
    )
    .await;
    assert_eq!(refunds["data"].as_array().map(Vec::len), Some(1));
    app.stop().await;
}

both_backends!(
    a_failed_automatic_refund_is_retried,
    a_mismatched_amount_is_flagged_and_an_unknown_order_acknowledged,
    the_till_warns_while_an_online_payment_is_in_progress,
    stripe_down_still_renders_the_pay_page,
    an_admin_refunds_an_online_payment_in_part_then_in_full,
    an_online_payment_after_the_till_is_refunded_and_flagged,
    online_payment_through_the_webhook_marks_the_order_paid,
    replays_out_of_order_events_and_bad_deliveries_change_nothing,
    settling_in_store_cancels_the_open_intent,
    races_between_the_till_and_an_online_payment_keep_one,
);
