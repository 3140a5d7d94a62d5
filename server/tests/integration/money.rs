//! The payments room's guarantees against the Stripe double, on SQLite and
//! PostgreSQL: only intents Settle created move an order; a refund whose
//! answer is lost is confirmed, never sent twice; Stripe's units per
//! currency; a lost webhook is made up for by reconciliation; cancelling an
//! order closes its intent at Stripe.
use crate::common::{
    self, doubles::LocalStripe, fault::FaultProxy, fault::ALWAYS, location, page, Backend, TestApp,
};
use crate::stripe::{
    customer_pays, deliver, gateway_to, intent_of, invoices, opened_invoice, order_by_number,
    payments_of, signed_custom_event, signed_event, stripe_app, stripe_call, wait_for, CASHIER,
    SECRET, WHSEC,
};
use app::payments::model::{self as payment, PaymentMethod, PaymentStatus};
use app::payments::{intent, reconcile, stripe_event};
use app::staff::Role;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use server::config::StripeConfig;

const OWNER: (&str, &str) = ("owner@example.com", "keys open many doors");

/// A PaymentIntent the shop's WooCommerce made on the same Stripe account:
/// WooCommerce's gateway names its own order in `metadata.order_id`, which
/// here is a Settle order's database id, for that order's exact amount.
async fn woocommerce_intent(stripe: &LocalStripe, o: &app::orders::model::order::Model) -> String {
    let amount = o.total_minor.to_string();
    let order_id = o.id.to_string();
    let pi = stripe_call(
        stripe,
        reqwest::Method::POST,
        "/v1/payment_intents",
        &[
            ("amount", amount.as_str()),
            ("currency", "gbp"),
            ("metadata[order_id]", order_id.as_str()),
            ("metadata[order_number]", order_id.as_str()),
        ],
    )
    .await;
    pi["id"].as_str().expect("an intent id").to_owned()
}

/// The refunds Stripe (the double) holds for an intent.
pub(crate) async fn refunds_at_stripe(
    stripe: &LocalStripe,
    intent_id: &str,
) -> Vec<serde_json::Value> {
    stripe_call(
        stripe,
        reqwest::Method::GET,
        &format!("/v1/refunds?payment_intent={intent_id}"),
        &[],
    )
    .await["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn foreign_intents_change_nothing(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let (path, o, ours) = opened_invoice(&app).await;

    // A WooCommerce customer pays WooCommerce's order "o.id", same amount.
    let woo = woocommerce_intent(&stripe, &o).await;
    customer_pays(&stripe, &woo).await;
    let (body, sig) = signed_event(&stripe, "payment_intent.succeeded", &woo).await;
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200, "acknowledged");
    let after = order_by_number(&app, 1001).await;
    assert_eq!(after.status, "pending", "still payable");
    assert_eq!(after.attention, None, "not flagged");
    assert!(payments_of(&app, o.id).await.is_empty(), "no payment row");
    let stored = stripe_event::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 1, "the event is stored, so a replay is known");
    assert_eq!(
        stored[0].payload,
        app::payments::webhook::FOREIGN_PAYLOAD,
        "without someone else's customer's details"
    );
    let (_, html) = page(&app.client(), &app.url(&path)).await;
    assert!(html.contains("Pay £28.80"), "{html}");

    // A failed WooCommerce payment leaves the order as it was.
    let mut failed = stripe_call(
        &stripe,
        reqwest::Method::GET,
        &format!("/v1/payment_intents/{woo}"),
        &[],
    )
    .await;
    failed["status"] = "requires_payment_method".into();
    failed["last_payment_error"] =
        serde_json::json!({ "type": "card_error", "message": "Your card was declined." });
    let (body, sig) =
        signed_custom_event("payment_intent.payment_failed", "evt_woo_failed", failed);
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200);
    assert_eq!(order_by_number(&app, 1001).await.status, "pending");

    // The return page does not take a foreign intent either.
    let ret = path.replace("?key=", "/return?key=");
    let res = app
        .client()
        .get(app.url(&format!("{ret}&payment_intent={woo}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(order_by_number(&app, 1001).await.status, "pending");

    // Paid in store; then another WooCommerce payment names the same id:
    // no refund of the WooCommerce customer, no flag.
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let res = cashier
        .post(app.url("/orders/1001/settle"))
        .form(&[("method", "cash"), ("tendered", ""), ("reference", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/orders/1001?done=paid");
    let woo2 = woocommerce_intent(&stripe, &o).await;
    customer_pays(&stripe, &woo2).await;
    let (body, sig) = signed_event(&stripe, "payment_intent.succeeded", &woo2).await;
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        refunds_at_stripe(&stripe, &woo2).await.is_empty(),
        "no refund at Stripe"
    );
    assert!(refunds_at_stripe(&stripe, &woo).await.is_empty());
    let p = payments_of(&app, o.id).await;
    assert_eq!(p.len(), 1, "only the cash payment: {p:?}");
    assert_eq!(p[0].method, PaymentMethod::Cash);
    let paid = order_by_number(&app, 1001).await;
    assert_eq!((paid.status.as_str(), paid.attention), ("paid", None));
    // Our own intent was cancelled by the till, as before.
    wait_for("our intent to be cancelled", async || {
        intent_of(&app, o.id).await.status == intent::IntentStatus::Canceled
    })
    .await;
    let _ = ours;
    app.stop().await;
}

async fn proxied_app(backend: Backend, proxy: &FaultProxy) -> TestApp {
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
    app.add_staff(OWNER.0, OWNER.1, Role::Admin).await;
    app
}

async fn a_refund_whose_answer_is_lost_is_confirmed_not_repeated(backend: Backend) {
    let stripe = LocalStripe::start();
    let proxy = FaultProxy::start(&stripe.base_url).await;
    let app = proxied_app(backend, &proxy).await;
    let (_, o, pi) = opened_invoice(&app).await;
    customer_pays(&stripe, &pi.intent_id).await;
    let (body, sig) = signed_event(&stripe, "payment_intent.succeeded", &pi.intent_id).await;
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200);
    assert_eq!(order_by_number(&app, 1001).await.status, "paid");
    let admin = app.signed_in_client(OWNER.0, OWNER.1).await;
    let refund = async || {
        location(
            &admin
                .post(app.url("/orders/1001/refund"))
                .form(&[("amount", ""), ("reason", "Returned")])
                .send()
                .await
                .unwrap(),
        )
    };

    // Stripe makes the refund, but every answer is lost on the way back.
    proxy.lose_answers(500, ALWAYS);
    assert_eq!(refund().await, "/orders/1001?done=refund_confirming");
    assert_eq!(refunds_at_stripe(&stripe, &pi.intent_id).await.len(), 1);
    let rows = payments_of(&app, o.id).await;
    let reserved: Vec<_> = rows
        .iter()
        .filter(|p| p.status == PaymentStatus::Refunding)
        .collect();
    assert_eq!(reserved.len(), 1, "the reservation is kept: {rows:?}");
    assert_eq!(order_by_number(&app, 1001).await.status, "paid");
    let (_, html) = page(&admin, &app.url("/orders/1001?done=refund_confirming")).await;
    assert!(html.contains("Refund sent to Stripe; confirming"), "{html}");

    // Stripe still unreachable: a second click sends nothing new.
    assert_eq!(refund().await, "/orders/1001?error=refund_still_confirming");
    assert_eq!(refunds_at_stripe(&stripe, &pi.intent_id).await.len(), 1);

    // Stripe answers again: the admin retries, and Settle finds the refund.
    proxy.heal();
    assert_eq!(refund().await, "/orders/1001?done=refund_confirmed");
    let at_stripe = refunds_at_stripe(&stripe, &pi.intent_id).await;
    assert_eq!(at_stripe.len(), 1, "exactly one refund at Stripe");
    let rows = payments_of(&app, o.id).await;
    let refunds: Vec<_> = rows
        .iter()
        .filter(|p| p.status == PaymentStatus::Refund)
        .collect();
    assert_eq!(refunds.len(), 1, "recorded once: {rows:?}");
    assert_eq!(refunds[0].amount_minor, -2880);
    assert_eq!(
        refunds[0].provider_reference.as_deref(),
        at_stripe[0]["id"].as_str()
    );
    assert_eq!(order_by_number(&app, 1001).await.status, "refunded");
    // And once more changes nothing.
    assert_eq!(refund().await, "/orders/1001?error=refused");
    assert_eq!(refunds_at_stripe(&stripe, &pi.intent_id).await.len(), 1);
    app.stop().await;
}

async fn a_refund_refused_by_stripe_keeps_nothing(backend: Backend) {
    let stripe = LocalStripe::start();
    let proxy = FaultProxy::start(&stripe.base_url).await;
    let app = proxied_app(backend, &proxy).await;
    let (_, o, pi) = opened_invoice(&app).await;
    customer_pays(&stripe, &pi.intent_id).await;
    let (body, sig) = signed_event(&stripe, "payment_intent.succeeded", &pi.intent_id).await;
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200);
    let admin = app.signed_in_client(OWNER.0, OWNER.1).await;
    // A clear refusal (400, before Stripe acted): nothing was refunded.
    proxy.fail(400, 1);
    let res = admin
        .post(app.url("/orders/1001/refund"))
        .form(&[("amount", "5"), ("reason", "Chipped")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/orders/1001?error=refund_stripe");
    assert!(refunds_at_stripe(&stripe, &pi.intent_id).await.is_empty());
    let rows = payments_of(&app, o.id).await;
    assert_eq!(rows.len(), 1, "only the payment: {rows:?}");
    app.stop().await;
}

async fn reconciliation_records_a_payment_no_webhook_reported(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let (path, o, pi) = opened_invoice(&app).await;
    // The customer pays; no webhook ever arrives, nor do they come back.
    customer_pays(&stripe, &pi.intent_id).await;
    let gw = gateway_to(&stripe);
    let now = time::OffsetDateTime::now_utc();
    let early = reconcile::run_once(&app.db, &gw, "http://x", now)
        .await
        .unwrap();
    assert_eq!(early.intents_checked, 0, "not asked about before its time");
    let later = now + time::Duration::minutes(11);
    let pass = reconcile::run_once(&app.db, &gw, "http://x", later)
        .await
        .unwrap();
    assert_eq!((pass.intents_checked, pass.payments_recorded), (1, 1));
    let paid = order_by_number(&app, 1001).await;
    assert_eq!(paid.status, "paid");
    // Again, and then the webhook after all: still one payment, one receipt.
    let again = reconcile::run_once(&app.db, &gw, "http://x", later + time::Duration::days(2))
        .await
        .unwrap();
    assert_eq!(again.payments_recorded, 0);
    let (body, sig) = signed_event(&stripe, "payment_intent.succeeded", &pi.intent_id).await;
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200);
    let p = payments_of(&app, o.id).await;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].status, PaymentStatus::Succeeded);
    let receipts = app::email::ssr::model::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "receipt")
        .count();
    assert_eq!(receipts, 1);
    let (_, html) = page(&app.client(), &app.url(&path)).await;
    assert!(html.contains("This order has been paid"), "{html}");
    app.stop().await;
}

/// The webhook is lost and the customer never comes back from Stripe; the
/// customer then walks into the shop. The till asks Stripe first: the
/// online payment is recorded and no cash is taken a second time.
async fn the_till_never_takes_money_stripe_already_took(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let (_, o, pi) = opened_invoice(&app).await;
    customer_pays(&stripe, &pi.intent_id).await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let res = cashier
        .post(app.url("/orders/1001/settle"))
        .form(&[("method", "cash"), ("tendered", "50"), ("reference", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/orders/1001?error=paid_online");
    let p = payments_of(&app, o.id).await;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        (p[0].method, p[0].status),
        (PaymentMethod::Stripe, PaymentStatus::Succeeded)
    );
    assert_eq!(order_by_number(&app, 1001).await.status, "paid");
    let (_, html) = page(&cashier, &app.url("/orders/1001?error=paid_online")).await;
    assert!(html.contains("recorded that payment"), "{html}");

    // Opening the order page asks Stripe too.
    let (path, second, pi2) = {
        let path = invoices(&app, 1).await.remove(0);
        page(&app.client(), &app.url(&path)).await;
        let o = order_by_number(&app, 1002).await;
        let pi = intent_of(&app, o.id).await;
        (path, o, pi)
    };
    customer_pays(&stripe, &pi2.intent_id).await;
    let (_, html) = page(&cashier, &app.url("/orders/1002")).await;
    assert!(html.contains("<strong>Paid</strong>"), "{html}");
    assert_eq!(order_by_number(&app, 1002).await.status, "paid");
    assert_eq!(payments_of(&app, second.id).await.len(), 1);
    let (_, html) = page(&app.client(), &app.url(&path)).await;
    assert!(html.contains("This order has been paid"), "{html}");
    app.stop().await;
}

async fn cancelling_an_order_cancels_its_open_intent(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let (_, o, pi) = opened_invoice(&app).await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let res = cashier
        .post(app.url("/orders/1001/cancel"))
        .form(&[("reason", "Customer changed their mind")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/orders/1001?done=cancelled");
    wait_for("the intent to be cancelled at Stripe", async || {
        stripe_call(
            &stripe,
            reqwest::Method::GET,
            &format!("/v1/payment_intents/{}", pi.intent_id),
            &[],
        )
        .await["status"]
            == "canceled"
    })
    .await;
    wait_for("the intent row to say so", async || {
        intent_of(&app, o.id).await.status == intent::IntentStatus::Canceled
    })
    .await;
    app.stop().await;
}

async fn set_currency(app: &TestApp, code: &str) {
    app::settings::ssr::model::ActiveModel {
        id: Set(app::settings::ssr::model::SINGLETON_ID),
        currency: Set(code.into()),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();
}

/// ISK is zero-decimal in ISO 4217 but two-decimal at Stripe: a 2,880 kr
/// order is an intent of 288000, and Stripe's 288000 pays exactly it.
async fn amounts_go_to_stripe_in_its_units(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    set_currency(&app, "ISK").await;
    let path = invoices(&app, 1).await.remove(0);
    let (_, html) = page(&app.client(), &app.url(&path)).await;
    assert!(html.contains("Pay ISK 2,880"), "{html}");
    let o = order_by_number(&app, 1001).await;
    assert_eq!((o.total_minor, o.currency.code()), (2880, "ISK"));
    let pi = intent_of(&app, o.id).await;
    assert_eq!(pi.amount_minor, 2880, "stored in Settle's units");
    let at_stripe = stripe_call(
        &stripe,
        reqwest::Method::GET,
        &format!("/v1/payment_intents/{}", pi.intent_id),
        &[],
    )
    .await;
    assert_eq!(at_stripe["amount"], 288_000, "sent in Stripe's units");
    assert_eq!(at_stripe["currency"], "isk");
    customer_pays(&stripe, &pi.intent_id).await;
    let (body, sig) = signed_event(&stripe, "payment_intent.succeeded", &pi.intent_id).await;
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200);
    let paid = order_by_number(&app, 1001).await;
    assert_eq!((paid.status.as_str(), paid.attention), ("paid", None));
    let p = payments_of(&app, o.id).await;
    assert_eq!(
        (p[0].amount_minor, p[0].status),
        (2880, PaymentStatus::Succeeded)
    );

    // Before this mapping, a 2,880 kr order was sent as 2880, which Stripe
    // reads as 28.80 kr: such a payment for our intent is flagged, not paid.
    let path = invoices(&app, 1).await.remove(0);
    page(&app.client(), &app.url(&path)).await;
    let second = order_by_number(&app, 1002).await;
    let pi2 = intent_of(&app, second.id).await;
    let mut short = at_stripe.clone();
    short["id"] = pi2.intent_id.clone().into();
    short["amount"] = 2880.into();
    let (body, sig) = signed_custom_event("payment_intent.succeeded", "evt_isk_short", short);
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200);
    let flagged = order_by_number(&app, 1002).await;
    assert_eq!(flagged.status, "pending", "not paid by 28.80 kr");
    assert!(
        flagged
            .attention
            .as_deref()
            .is_some_and(|a| a.contains("does not match")),
        "{:?}",
        flagged.attention
    );
    app.stop().await;
}

/// BHD is charged in thousandths ending in 0: with online payment on, an
/// invoice of 1.445 BHD is refused when it is made, with the reason, and
/// nothing is saved; in store it is fine.
async fn an_amount_stripe_cannot_take_is_refused_when_the_invoice_is_made(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    set_currency(&app, "BHD").await;
    let mug = common::product_id(&app.db, "MUG-01").await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    // The POS's own server fn, found where the registry mounted it.
    let send_order = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .find(|p| p.contains("send_order"))
        .expect("send_order is registered");
    let send = async |payment: &str, fee: i64| {
        let body = serde_json::json!({ "order": {
            "lines": [{ "product_id": mug, "quantity": 1 }],
            "fees": [{ "label": "Gift wrap", "amount_minor": fee }],
            "discount_minor": 0, "customer_id": null, "invoice_email": "guest@example.com",
            "save_to_billing": false, "payment": payment, "due_date": "", "note": ""
        }});
        let res = cashier
            .post(app.url(send_order))
            .json(&body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    };
    let (status, text) = send("EmailInvoice", 5).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("Rejected") && text.contains("Stripe takes BHD only in steps of"),
        "{text}"
    );
    assert_eq!(
        app::orders::model::order::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0,
        "nothing saved"
    );
    let (_, text) = send("EmailInvoice", 10).await;
    assert!(text.contains("Created"), "{text}");
    let (_, text) = send("Cash", 5).await;
    assert!(
        text.contains("Created"),
        "paid in store, Stripe never involved: {text}"
    );
    let p = payment::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(p.len(), 1);
    app.stop().await;
}

both_backends!(
    foreign_intents_change_nothing,
    a_refund_whose_answer_is_lost_is_confirmed_not_repeated,
    a_refund_refused_by_stripe_keeps_nothing,
    reconciliation_records_a_payment_no_webhook_reported,
    cancelling_an_order_cancels_its_open_intent,
    the_till_never_takes_money_stripe_already_took,
    amounts_go_to_stripe_in_its_units,
    an_amount_stripe_cannot_take_is_refused_when_the_invoice_is_made,
);
