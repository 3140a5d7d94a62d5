//! Deposits and partial payments (the ledger): an order paid by several
//! payments, online and at the till, on SQLite and PostgreSQL, through the
//! real router, the Stripe double and the SMTP outbox. Orders are made the
//! way the POS makes them (its server fn), intents the way the pay page
//! opens them (viewing the page), payments the way the customer makes them
//! (at the double) and Stripe reports them (the signed webhook).
use crate::common::{self, doubles::LocalStripe, location, page, server_fn_path, Backend, TestApp};
use crate::money::refunds_at_stripe;
use crate::stripe::{customer_pays, deliver, signed_event, stripe_app, wait_for, CASHIER};
use app::email::ssr::model as outbox;
use app::orders::create::{NewOrderRequest, PaymentChoice};
use app::orders::model::order;
use app::payments::intent;
use app::payments::model::{self as payment, PaymentMethod, PaymentStatus};
use app::staff::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

const ADMIN: (&str, &str) = ("boss@example.com", "keys open many doors");

/// Two mugs (£28.80) to `email` with the deposit given, as the POS sends it.
async fn with_deposit(
    app: &TestApp,
    email: &str,
    amount: Option<i64>,
    percent_bp: Option<u32>,
    due: &str,
) -> NewOrderRequest {
    NewOrderRequest {
        deposit_minor: amount,
        deposit_percent_bp: percent_bp,
        deposit_due: due.into(),
        ..common::invoice(&[(common::product_id(&app.db, "MUG-01").await, 2)], email)
    }
}

/// Posts the order as the POS island does; the JSON answer.
async fn send(app: &TestApp, till: &reqwest::Client, req: &NewOrderRequest) -> serde_json::Value {
    let res = till
        .post(app.url(server_fn_path::<app::pos::api::SendOrder>()))
        .json(&serde_json::json!({ "order": req }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn order_no(app: &TestApp, number: i64) -> order::Model {
    order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

fn number_of(answer: &serde_json::Value) -> i64 {
    answer["Created"]["number"]
        .as_i64()
        .unwrap_or_else(|| panic!("not created: {answer}"))
}

async fn payments(app: &TestApp, order_id: i32) -> Vec<payment::Model> {
    payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .order_by_asc(payment::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

async fn mails(app: &TestApp, order_id: i32, kind: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::OrderId.eq(order_id))
        .filter(outbox::Column::Kind.eq(kind))
        .order_by_asc(outbox::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

fn pay_path(o: &order::Model) -> String {
    app::orders::service::pay_url("", o)
}

/// The newest open intent of the order: the one the pay page just made.
async fn open_intent(app: &TestApp, order_id: i32) -> intent::Model {
    intent::Entity::find()
        .filter(intent::Column::OrderId.eq(order_id))
        .order_by_desc(intent::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.status.is_open())
        .expect("the pay page opened an intent")
}

/// The customer pays the intent at the double, and Stripe's signed
/// `payment_intent.succeeded` for it is delivered (and acknowledged); the
/// event (body, signature), to replay.
async fn pays_online(app: &TestApp, stripe: &LocalStripe, intent_id: &str) -> (String, String) {
    customer_pays(stripe, intent_id).await;
    let (body, sig) = signed_event(stripe, "payment_intent.succeeded", intent_id).await;
    assert_eq!(deliver(app, &body, Some(&sig)).await, 200);
    (body, sig)
}

/// The till takes `amount` (empty: the balance) on the order page, as the form posts it.
async fn take(
    app: &TestApp,
    till: &reqwest::Client,
    number: i64,
    amount: &str,
    method: &str,
) -> String {
    let res = till
        .post(app.url(&format!("/orders/{number}/settle")))
        .form(&[("method", method), ("amount", amount), ("tendered", "")])
        .send()
        .await
        .unwrap();
    location(&res)
}

/// A deposit of 30% on an email invoice, paid online from the pay page; the
/// balance taken in cash at the till. Two receipts, the pay page then paid.
async fn a_deposit_online_then_the_balance_at_the_till(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let answer = send(
        &app,
        &till,
        &with_deposit(&app, "ada@example.com", None, Some(3_000), "").await,
    )
    .await;
    let o = order_no(&app, number_of(&answer)).await;
    // 30% of £28.80 = £8.64, due today; the balance £20.16 by the due date.
    assert_eq!(o.deposit_minor, Some(864));
    assert!(o.deposit_due_date.is_some() && o.due_date >= o.deposit_due_date);
    let invoice = mails(&app, o.id, "invoice").await.remove(0);
    assert!(
        invoice.text_body.contains("Deposit due"),
        "{}",
        invoice.text_body
    );
    assert!(
        invoice.text_body.contains("£8.64") && invoice.text_body.contains("£20.16"),
        "{}",
        invoice.text_body
    );

    // The pay page asks for the deposit first, the whole balance second.
    let (status, html) = page(&app.client(), &app.url(&pay_path(&o))).await;
    assert_eq!(status, 200);
    assert!(html.contains("Pay deposit £8.64"), "{html}");
    assert!(
        html.contains("Pay the whole balance, £28.80, instead"),
        "{html}"
    );
    let deposit = open_intent(&app, o.id).await;
    assert_eq!(
        deposit.amount_minor, 864,
        "the server's amount, never the page's"
    );
    pays_online(&app, &stripe, &deposit.intent_id).await;
    let o = order_no(&app, o.number).await;
    assert_eq!(o.status, "partially_paid");
    assert!(o.paid_at.is_none(), "not paid until the balance is");

    // After the deposit: what was paid, and the balance.
    let (_, html) = page(&app.client(), &app.url(&pay_path(&o))).await;
    assert!(html.contains("Paid so far: £8.64"), "{html}");
    assert!(html.contains("Pay £20.16"), "{html}");
    let balance = open_intent(&app, o.id).await;
    assert_eq!(balance.amount_minor, 2016);
    // Resend sends the live balance, not the first invoice again.
    let res = till
        .post(app.url(&format!("/orders/{}/resend", o.number)))
        .form(&[("email", "")])
        .send()
        .await
        .unwrap();
    assert!(location(&res).contains("done=resent"), "{}", location(&res));
    let again = mails(&app, o.id, "invoice").await.pop().unwrap();
    assert!(
        again.text_body.contains("Paid so far: £8.64"),
        "{}",
        again.text_body
    );
    assert!(
        again.text_body.contains("Balance due") && again.text_body.contains("£20.16"),
        "{}",
        again.text_body
    );
    assert!(
        !again.text_body.contains("Deposit due"),
        "the deposit is paid: {}",
        again.text_body
    );

    // The till takes the balance in cash: its form offers exactly that.
    let (_, order_page) = page(&till, &app.url(&format!("/orders/{}?take=1", o.number))).await;
    assert!(
        order_page.contains(r#"value="20.16""#),
        "the Amount defaults to the balance"
    );
    assert_eq!(
        take(&app, &till, o.number, "", "cash").await,
        format!("/orders/{}?done=paid", o.number)
    );
    let o = order_no(&app, o.number).await;
    assert_eq!(o.status, "paid");
    let rows = payments(&app, o.id).await;
    let kept: Vec<(PaymentMethod, i64)> = rows
        .iter()
        .filter(|p| p.status == PaymentStatus::Succeeded)
        .map(|p| (p.method, p.amount_minor))
        .collect();
    assert_eq!(
        kept,
        vec![(PaymentMethod::Stripe, 864), (PaymentMethod::Cash, 2016)]
    );
    // Two receipts: each says what it paid and what was left.
    let receipts = mails(&app, o.id, "receipt").await;
    assert_eq!(receipts.len(), 2);
    assert!(
        receipts[0].text_body.contains("£8.64") && receipts[0].text_body.contains("Balance due"),
        "{}",
        receipts[0].text_body
    );
    assert!(
        receipts[1].text_body.contains("£20.16") && !receipts[1].text_body.contains("Balance due"),
        "{}",
        receipts[1].text_body
    );
    let (_, html) = page(&app.client(), &app.url(&pay_path(&o))).await;
    assert!(html.contains("This order has been paid"), "{html}");
    // The balance's intent, made before the till took it, no longer takes money.
    wait_for("the stale intent to be cancelled", async || {
        intent::Entity::find_by_id(balance.id)
            .one(&app.db)
            .await
            .unwrap()
            .is_some_and(|r| !r.status.is_open())
    })
    .await;
    app.stop().await;
}

/// A deposit taken in cash at the POS; the balance paid online.
async fn a_deposit_at_the_till_then_the_balance_online(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let req = NewOrderRequest {
        payment: PaymentChoice::Cash,
        tendered_minor: Some(1_000),
        ..with_deposit(&app, "grace@example.com", Some(1_000), None, "").await
    };
    let answer = send(&app, &till, &req).await;
    assert_eq!(answer["Created"]["status"], "partially_paid", "{answer}");
    assert_eq!(
        answer["Created"]["change_minor"], 0,
        "tendered against the deposit"
    );
    let o = order_no(&app, number_of(&answer)).await;
    assert!(o.due_date.is_some(), "the balance is owed by a date");
    let receipt = mails(&app, o.id, "receipt").await.remove(0);
    assert!(
        receipt.text_body.contains("Balance due") && receipt.text_body.contains("£18.80"),
        "{}",
        receipt.text_body
    );

    let (_, html) = page(&app.client(), &app.url(&pay_path(&o))).await;
    assert!(html.contains("Pay £18.80"), "{html}");
    assert!(!html.contains("Pay deposit"), "the deposit is paid: {html}");
    let balance = open_intent(&app, o.id).await;
    assert_eq!(balance.amount_minor, 1_880);
    pays_online(&app, &stripe, &balance.intent_id).await;
    let o = order_no(&app, o.number).await;
    assert_eq!(o.status, "paid");
    assert!(o.paid_at.is_some());
    assert_eq!(mails(&app, o.id, "receipt").await.len(), 2);
    app.stop().await;
}

/// Two part payments online: the deposit, then the whole balance chosen on
/// the page (`pay=balance`), each its own intent at its own position.
async fn two_partial_payments_online(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let answer = send(
        &app,
        &till,
        &with_deposit(&app, "ada@example.com", Some(880), None, "").await,
    )
    .await;
    let o = order_no(&app, number_of(&answer)).await;
    page(&app.client(), &app.url(&pay_path(&o))).await;
    let deposit = open_intent(&app, o.id).await;
    let (body, sig) = pays_online(&app, &stripe, &deposit.intent_id).await;
    // A replay of the same event changes nothing.
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200);
    assert_eq!(order_no(&app, o.number).await.status, "partially_paid");

    let (_, html) = page(
        &app.client(),
        &app.url(&format!("{}&pay=balance", pay_path(&o))),
    )
    .await;
    assert!(html.contains("Pay £20.00"), "{html}");
    let rest = open_intent(&app, o.id).await;
    assert_eq!(rest.amount_minor, 2_000);
    pays_online(&app, &stripe, &rest.intent_id).await;
    let o = order_no(&app, o.number).await;
    assert_eq!(o.status, "paid");
    let sum: i64 = payments(&app, o.id)
        .await
        .iter()
        .filter(|p| p.status.counts_as_held())
        .map(|p| p.amount_minor)
        .sum();
    assert_eq!(sum, o.total_minor, "paid exactly the total");
    app.stop().await;
}

/// The till takes the whole balance while the customer pays the deposit
/// online: the online payment arrives for an order already paid and is
/// refunded once, the order flagged. And when the till took only part, an
/// intent made before it pays beyond the balance: the excess goes back.
async fn races_between_the_till_and_a_deposit_refund_the_excess_once(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let staff = app::staff::ssr::model::Entity::find()
        .filter(app::staff::ssr::model::Column::Email.eq(CASHIER.0))
        .one(&app.db)
        .await
        .unwrap()
        .and_then(|m| m.view())
        .unwrap();

    // 1. Full balance at the till, then the deposit online.
    let answer = send(
        &app,
        &till,
        &with_deposit(&app, "ada@example.com", None, Some(3_000), "").await,
    )
    .await;
    let o = order_no(&app, number_of(&answer)).await;
    page(&app.client(), &app.url(&pay_path(&o))).await;
    let deposit = open_intent(&app, o.id).await;
    // Straight through the service: the cancellation the order page would
    // send to Stripe has not happened yet (the race).
    let cash = app::payments::till::InStorePayment {
        method: PaymentMethod::Cash,
        amount_minor: None,
        tendered_minor: None,
        reference: String::new(),
        online: None,
    };
    app::payments::till::settle_in_store(&app.db, &staff, "http://x", o.number, cash)
        .await
        .unwrap();
    let (body, sig) = pays_online(&app, &stripe, &deposit.intent_id).await;
    assert_eq!(deliver(&app, &body, Some(&sig)).await, 200, "a replay");
    wait_for("the deposit to be refunded automatically", async || {
        payments(&app, o.id)
            .await
            .iter()
            .any(|p| p.status == PaymentStatus::Refunded && p.amount_minor == 864)
    })
    .await;
    let o = order_no(&app, o.number).await;
    assert_eq!(o.status, "paid");
    assert!(
        o.attention
            .as_deref()
            .is_some_and(|a| a.contains("Paid twice")),
        "{:?}",
        o.attention
    );
    let refunds = refunds_at_stripe(&stripe, &deposit.intent_id).await;
    assert_eq!(refunds.len(), 1, "refunded once: {refunds:?}");

    // 2. Part at the till, then an older intent for the whole balance.
    let answer = send(
        &app,
        &till,
        &with_deposit(&app, "grace@example.com", None, None, "").await,
    )
    .await;
    let o = order_no(&app, number_of(&answer)).await;
    page(&app.client(), &app.url(&pay_path(&o))).await;
    let whole = open_intent(&app, o.id).await;
    assert_eq!(whole.amount_minor, 2_880);
    let part = app::payments::till::InStorePayment {
        method: PaymentMethod::Cash,
        amount_minor: Some(1_000),
        tendered_minor: None,
        reference: String::new(),
        online: None,
    };
    let settled = app::payments::till::settle_in_store(&app.db, &staff, "http://x", o.number, part)
        .await
        .unwrap();
    assert_eq!(settled.status, app::orders::OrderStatus::PartiallyPaid);
    pays_online(&app, &stripe, &whole.intent_id).await;
    let o = order_no(&app, o.number).await;
    assert_eq!(o.status, "paid", "the online payment covered the balance");
    assert!(
        o.attention
            .as_deref()
            .is_some_and(|a| a.contains("beyond the balance")),
        "{:?}",
        o.attention
    );
    wait_for("the excess to be refunded", async || {
        payments(&app, o.id)
            .await
            .iter()
            .any(|p| p.status == PaymentStatus::Refund && p.amount_minor == -1_000)
    })
    .await;
    let held: i64 = payments(&app, o.id)
        .await
        .iter()
        .filter(|p| p.status.counts_as_held())
        .map(|p| p.amount_minor)
        .sum();
    assert_eq!(held, o.total_minor, "never more than the total kept");
    let amounts: Vec<i64> = refunds_at_stripe(&stripe, &whole.intent_id)
        .await
        .iter()
        .filter_map(|r| r["amount"].as_i64())
        .collect();
    assert_eq!(amounts, vec![1_000], "only the excess, once");
    app.stop().await;
}

/// A deposit paid online and refunded: the order owes it again, and the
/// pay page opens a fresh intent for the same amount (the old one succeeded
/// and can never be handed out again), which the customer can pay.
async fn a_refunded_deposit_can_be_paid_again_online(backend: Backend) {
    let stripe = LocalStripe::start();
    let app = stripe_app(backend, &stripe).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let admin = app.signed_in_client(ADMIN.0, ADMIN.1).await;
    let answer = send(
        &app,
        &till,
        &with_deposit(&app, "ada@example.com", Some(1_000), None, "").await,
    )
    .await;
    let o = order_no(&app, number_of(&answer)).await;
    page(&app.client(), &app.url(&pay_path(&o))).await;
    let first = open_intent(&app, o.id).await;
    pays_online(&app, &stripe, &first.intent_id).await;
    assert_eq!(order_no(&app, o.number).await.status, "partially_paid");

    let res = admin
        .post(app.url(&format!("/orders/{}/refund", o.number)))
        .form(&[("payment", ""), ("amount", ""), ("reason", "wrong card")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&res),
        format!("/orders/{}?done=refunded", o.number)
    );
    let o = order_no(&app, o.number).await;
    assert_eq!(o.status, "pending", "nothing held: owed again");

    let (_, html) = page(&app.client(), &app.url(&pay_path(&o))).await;
    assert!(html.contains("Pay deposit £10.00"), "{html}");
    let second = open_intent(&app, o.id).await;
    assert_ne!(
        second.intent_id, first.intent_id,
        "a fresh intent, not the one already paid"
    );
    assert_eq!(second.amount_minor, 1_000);
    assert!(
        html.contains(&second.client_secret),
        "the page hands out the open intent"
    );
    pays_online(&app, &stripe, &second.intent_id).await;
    assert_eq!(order_no(&app, o.number).await.status, "partially_paid");
    app.stop().await;
}

/// Refunds take back what one payment holds; a partially paid order goes
/// back to owing its balance, never to refunded while money is held.
async fn refunding_one_of_several_payments(backend: Backend) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let admin = app.signed_in_client(ADMIN.0, ADMIN.1).await;
    let answer = send(
        &app,
        &till,
        &with_deposit(&app, "ada@example.com", None, None, "").await,
    )
    .await;
    let o = order_no(&app, number_of(&answer)).await;
    assert_eq!(
        take(&app, &till, o.number, "10,00", "cash").await,
        format!("/orders/{}?done=part_paid", o.number)
    );
    assert_eq!(
        take(&app, &till, o.number, "5", "card_terminal").await,
        format!("/orders/{}?done=part_paid", o.number)
    );
    // More than the balance, or nothing: refused, nothing recorded.
    assert_eq!(
        take(&app, &till, o.number, "13.81", "cash").await,
        format!("/orders/{}?take=1&error=amount", o.number)
    );
    assert_eq!(
        take(&app, &till, o.number, "0", "cash").await,
        format!("/orders/{}?take=1&error=amount", o.number)
    );
    assert_eq!(
        take(&app, &till, o.number, "1.234", "cash").await,
        format!("/orders/{}?take=1&error=amount_format", o.number)
    );
    let rows = payments(&app, o.id).await;
    assert_eq!(rows.len(), 2);
    let (cash, card) = (rows[0].id, rows[1].id);
    let (_, html) = page(&admin, &app.url(&format!("/orders/{}", o.number))).await;
    assert!(
        html.contains("Partially paid") && html.contains("£15.00") && html.contains("£13.80"),
        "{html}"
    );
    assert!(
        !html.contains("Cancel order"),
        "money is held: refund first"
    );

    // More than the card payment holds: refused.
    let refund = |payment: i32, amount: &'static str| {
        let admin = admin.clone();
        let url = app.url(&format!("/orders/{}/refund", o.number));
        async move {
            let res = admin
                .post(url)
                .form(&[
                    ("payment", payment.to_string().as_str()),
                    ("amount", amount),
                    ("reason", "returned"),
                ])
                .send()
                .await
                .unwrap();
            location(&res)
        }
    };
    assert_eq!(
        refund(card, "6").await,
        format!("/orders/{}?error=refund_amount", o.number)
    );
    assert_eq!(
        refund(card, "").await,
        format!("/orders/{}?done=refunded", o.number)
    );
    let o2 = order_no(&app, o.number).await;
    assert_eq!(o2.status, "partially_paid", "£10 still held");
    assert_eq!(
        refund(cash, "").await,
        format!("/orders/{}?done=refunded", o.number)
    );
    let o2 = order_no(&app, o.number).await;
    assert_eq!(
        o2.status, "pending",
        "nothing held: waiting for payment again, not refunded"
    );
    // Now it can be cancelled.
    let res = till
        .post(app.url(&format!("/orders/{}/cancel", o.number)))
        .form(&[("reason", "customer changed their mind")])
        .send()
        .await
        .unwrap();
    assert!(
        location(&res).contains("done=cancelled"),
        "{}",
        location(&res)
    );
    app.stop().await;
}

/// Bad deposits: a field error in the POS and nothing saved.
async fn bad_deposits_are_refused_and_nothing_saved(backend: Backend) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let count = || async { order::Entity::find().all(&app.db).await.unwrap().len() };
    let before = count().await;
    let today = time::OffsetDateTime::now_utc().date();
    let yesterday = (today - time::Duration::days(2)).to_string();
    let far = (today + time::Duration::days(400)).to_string();
    let cases: Vec<(NewOrderRequest, &str, &str)> = vec![
        (
            with_deposit(&app, "a@example.com", Some(2_880), None, "").await,
            "deposit",
            "less than the total",
        ),
        (
            with_deposit(&app, "a@example.com", Some(5_000), None, "").await,
            "deposit",
            "less than the total",
        ),
        (
            with_deposit(&app, "a@example.com", Some(-5), None, "").await,
            "deposit",
            "negative",
        ),
        (
            with_deposit(&app, "a@example.com", Some(0), None, "").await,
            "deposit",
            "more than zero",
        ),
        (
            with_deposit(&app, "a@example.com", None, Some(10_000), "").await,
            "deposit",
            "less than 100%",
        ),
        (
            with_deposit(&app, "a@example.com", Some(500), None, &yesterday).await,
            "deposit_due",
            "past",
        ),
        (
            with_deposit(&app, "a@example.com", Some(500), None, &far).await,
            "deposit_due",
            "balance's due date",
        ),
        (
            with_deposit(&app, "a@example.com", Some(500), None, "next week").await,
            "deposit_due",
            "YYYY-MM-DD",
        ),
    ];
    for (req, field, says) in cases {
        let answer = send(&app, &till, &req).await;
        let errors = answer["Rejected"]
            .as_array()
            .unwrap_or_else(|| panic!("refused: {answer}"));
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field
                    && e["message"].as_str().is_some_and(|m| m.contains(says))),
            "{field} should say {says:?}: {answer}"
        );
    }
    assert_eq!(count().await, before, "nothing saved");
    app.stop().await;
}

/// Percentages in a zero-decimal and a three-decimal currency, worked out by
/// the server from its own total.
async fn percentage_deposits_round_in_every_currency(backend: Backend) {
    for (code, expected) in [("JPY", Some(864)), ("KWD", Some(864))] {
        let app = common::spawn_app(backend).await;
        server::seed::seed_demo(&app.db).await.unwrap();
        app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
        // The store's currency (its products keep their minor units).
        use sea_orm::{ActiveModelTrait, Set};
        let store = app::settings::ssr::store(&app.db).await.unwrap();
        let mut active: app::settings::ssr::model::ActiveModel = store.into();
        active.currency = Set(code.into());
        active.update(&app.db).await.unwrap();
        let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
        let answer = send(
            &app,
            &till,
            &with_deposit(&app, "a@example.com", None, Some(3_000), "").await,
        )
        .await;
        let o = order_no(&app, number_of(&answer)).await;
        assert_eq!(o.total_minor, 2_880, "{code}");
        assert_eq!(o.deposit_minor, expected, "{code}: 30% of 2880 minor units");
        // 33.33% of 2880 = 959.904 → 960, half away from zero.
        let answer = send(
            &app,
            &till,
            &with_deposit(&app, "a@example.com", None, Some(3_333), "").await,
        )
        .await;
        assert_eq!(
            order_no(&app, number_of(&answer)).await.deposit_minor,
            Some(960),
            "{code}"
        );
        app.stop().await;
    }
}

both_backends!(
    a_deposit_online_then_the_balance_at_the_till,
    a_deposit_at_the_till_then_the_balance_online,
    two_partial_payments_online,
    a_refunded_deposit_can_be_paid_again_online,
    races_between_the_till_and_a_deposit_refund_the_excess_once,
    refunding_one_of_several_payments,
    bad_deposits_are_refused_and_nothing_saved,
    percentage_deposits_round_in_every_currency,
);
