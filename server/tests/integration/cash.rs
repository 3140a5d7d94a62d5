//! Cash at the till: the cash tendered and the change of a POS sale, a
//! tendered amount short of the total refused with nothing saved, and the
//! store's default payment method (Settings form and command line) that the
//! POS starts with. SQLite and PostgreSQL.
use crate::common::{self, location, page, server_fn_path, Backend, TestApp, TestDb};
use app::domain::{Currency, Money};
use app::orders::create::{NewOrderRequest, PaymentChoice};
use app::orders::model::{event, order};
use app::payments::model::{self as payment, PaymentMethod, PaymentStatus};
use app::staff::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

const OWNER: (&str, &str) = ("owner@example.com", "keys open many doors");
const CASHIER: (&str, &str) = ("till@example.com", "blue river stones 42");

/// The demo store with a cashier signed in.
async fn till(backend: Backend) -> (TestApp, reqwest::Client) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    (app, cashier)
}

/// The demo tote bag: £15.00 + VAT 20% = £18.00, as the till shows it.
async fn tote(app: &TestApp, payment: PaymentChoice, tendered: Option<&str>) -> NewOrderRequest {
    let gbp = Currency::parse("GBP").unwrap();
    NewOrderRequest {
        payment,
        expected_total_minor: Some(1800),
        // Typed as people type amounts; the till sends minor units.
        tendered_minor: tendered.map(|t| Money::parse(t, gbp).unwrap().minor()),
        ..common::invoice(&[(common::product_id(&app.db, "TOTE-01").await, 1)], "")
    }
}

async fn send(
    app: &TestApp,
    cashier: &reqwest::Client,
    req: &NewOrderRequest,
) -> serde_json::Value {
    let res = cashier
        .post(app.url(server_fn_path::<app::pos::api::SendOrder>()))
        .json(&serde_json::json!({ "order": req }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn orders(app: &TestApp) -> u64 {
    order::Entity::find().count(&app.db).await.unwrap()
}

async fn a_cash_sale_records_the_tendered_amount_and_the_change(backend: Backend) {
    let (app, cashier) = till(backend).await;
    let answer = send(
        &app,
        &cashier,
        &tote(&app, PaymentChoice::Cash, Some("20,00")).await,
    )
    .await;
    let created = &answer["Created"];
    assert_eq!(created["status"], "paid", "{answer}");
    assert_eq!(created["total_minor"], 1800, "{answer}");
    assert_eq!(created["change_minor"], 200, "{answer}");

    let o = order::Entity::find()
        .filter(order::Column::Number.eq(created["number"].as_i64().unwrap()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.status, "paid");
    let payments = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(o.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(
        (
            payments[0].method,
            payments[0].amount_minor,
            payments[0].status
        ),
        (PaymentMethod::Cash, 1800, PaymentStatus::Succeeded),
        "the payment is the total, not the cash handed over"
    );
    let timeline: Vec<String> = event::Entity::find()
        .filter(event::Column::OrderId.eq(o.id))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert!(
        timeline
            .iter()
            .any(|m| m.contains("Paid in store: Cash £18.00 (tendered £20.00, change £2.00)")),
        "{timeline:?}"
    );

    // Exact cash (nothing typed) is paid too, with no change to give.
    let answer = send(&app, &cashier, &tote(&app, PaymentChoice::Cash, None).await).await;
    assert_eq!(answer["Created"]["status"], "paid", "{answer}");
    assert!(answer["Created"]["change_minor"].is_null(), "{answer}");
    // Tendered exactly the total: change £0.00.
    let answer = send(
        &app,
        &cashier,
        &tote(&app, PaymentChoice::Cash, Some("18")).await,
    )
    .await;
    assert_eq!(answer["Created"]["change_minor"], 0, "{answer}");
    app.stop().await;
}

async fn cash_short_of_the_total_is_refused_and_nothing_saved(backend: Backend) {
    let (app, cashier) = till(backend).await;
    let refused = |answer: &serde_json::Value| -> Vec<(String, String)> {
        answer["Rejected"]
            .as_array()
            .unwrap_or_else(|| panic!("refused: {answer}"))
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap_or_default().to_owned(),
                    e["message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let before = orders(&app).await;
    let answer = send(
        &app,
        &cashier,
        &tote(&app, PaymentChoice::Cash, Some("10.00")).await,
    )
    .await;
    assert_eq!(
        refused(&answer),
        vec![(
            "tendered".to_owned(),
            "The cash tendered (£10.00) is less than the amount to pay (£18.00).".to_owned()
        )]
    );
    // A tendered amount with another method, or below zero: refused the same way.
    for (method, minor) in [
        (PaymentChoice::CardTerminal, 2000),
        (PaymentChoice::EmailInvoice, 2000),
        (PaymentChoice::Cash, -500),
    ] {
        let mut req = tote(&app, method, None).await;
        req.tendered_minor = Some(minor);
        req.invoice_email = "guest@example.com".into();
        let answer = send(&app, &cashier, &req).await;
        let fields: Vec<String> = refused(&answer).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            vec!["tendered".to_owned()],
            "{method:?} {minor}: {answer}"
        );
    }
    assert_eq!(orders(&app).await, before, "nothing saved");
    assert_eq!(payment::Entity::find().count(&app.db).await.unwrap(), 0);
    // A refused sale gives its number back.
    let answer = send(
        &app,
        &cashier,
        &tote(&app, PaymentChoice::Cash, Some("20")).await,
    )
    .await;
    assert_eq!(answer["Created"]["number"], 1001, "{answer}");
    app.stop().await;
}

/// The settings form as the page posts it (what is stored), with `changes`
/// and without the fields named in `omit`.
async fn settings_post(
    app: &TestApp,
    owner: &reqwest::Client,
    changes: &[(&str, &str)],
    omit: &[&str],
) -> String {
    let row = app::settings::ssr::store(&app.db).await.unwrap();
    let form = app::settings::ssr::edit::form_of(&row);
    let mut fields: Vec<(&str, String)> = vec![
        ("name", form.name),
        ("email", form.email),
        ("phone", form.phone),
        ("address", form.address),
        ("default_due_days", form.default_due_days),
        ("expiry_grace_days", form.expiry_grace_days),
        ("logo_url", form.logo_url),
        ("brand_color", form.brand_color),
        ("accent_color", form.accent_color),
        ("invoice_subject", form.invoice_subject),
        ("invoice_heading", form.invoice_heading),
        ("invoice_intro", form.invoice_intro),
        ("invoice_footer", form.invoice_footer),
        ("dkim_domain", form.dkim_domain),
        ("dkim_selector", form.dkim_selector),
        ("currency", form.currency),
        ("time_zone", form.time_zone),
        ("default_payment", form.default_payment),
    ];
    for (k, v) in changes {
        if let Some(slot) = fields.iter_mut().find(|(name, _)| name == k) {
            slot.1 = (*v).to_owned();
        }
    }
    fields.retain(|(name, _)| !omit.contains(name));
    let res = owner
        .post(app.url("/settings"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    location(&res)
}

async fn default_payment(app: &TestApp) -> PaymentChoice {
    app::settings::ssr::store(&app.db)
        .await
        .unwrap()
        .default_payment
}

/// The `<option …>` tag of `value` in the page.
fn option_tag<'a>(html: &'a str, value: &str) -> &'a str {
    let start = html
        .find(&format!("<option value=\"{value}\""))
        .unwrap_or_else(|| panic!("no option {value}"));
    let end = html[start..].find('>').map_or(html.len(), |e| start + e);
    &html[start..end]
}

async fn the_default_payment_is_set_in_settings_and_the_till_starts_with_it(backend: Backend) {
    let (app, cashier) = till(backend).await;
    app.add_staff(OWNER.0, OWNER.1, Role::Admin).await;
    let owner = app.signed_in_client(OWNER.0, OWNER.1).await;
    assert_eq!(
        default_payment(&app).await,
        PaymentChoice::EmailInvoice,
        "as before"
    );

    assert_eq!(
        settings_post(&app, &owner, &[("default_payment", "cash")], &[]).await,
        "/settings?done=saved"
    );
    assert_eq!(default_payment(&app).await, PaymentChoice::Cash);
    let (_, html) = page(&owner, &app.url("/settings")).await;
    assert!(option_tag(&html, "cash").contains("selected"), "{html}");
    assert!(
        !option_tag(&html, "email_invoice").contains("selected"),
        "{html}"
    );

    // The till is told, before the first keystroke.
    let res = cashier
        .post(app.url(server_fn_path::<app::pos::api::PosContext>()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let setup: app::pos::api::PosSetup = res.json().await.unwrap();
    assert_eq!(setup.default_payment, PaymentChoice::Cash);

    // A value the page never offers is refused next to the field; nothing saved.
    assert_eq!(
        settings_post(
            &app,
            &owner,
            &[("default_payment", "bitcoin"), ("name", "Renamed")],
            &[]
        )
        .await,
        "/settings?error=invalid"
    );
    let (_, html) = page(&owner, &app.url("/settings")).await;
    let at = html
        .find("id=\"f-default_payment-error\"")
        .unwrap_or_else(|| panic!("the message is beside the field: {html}"));
    assert!(
        html[at..].contains(
            "is not a payment method: choose one of email_invoice, cash, card_terminal, other."
        ),
        "{html}"
    );
    let row = app::settings::ssr::store(&app.db).await.unwrap();
    assert_eq!(
        (row.default_payment, row.name.as_str()),
        (PaymentChoice::Cash, "Corner Coffee Co.")
    );

    // A form without the field (a page loaded before it existed) keeps the
    // stored method.
    assert_eq!(
        settings_post(&app, &owner, &[], &["default_payment"]).await,
        "/settings?done=saved"
    );
    assert_eq!(default_payment(&app).await, PaymentChoice::Cash);
    app.stop().await;
}

/// The real binary, in a directory with no stray .env (see `cli.rs`).
fn settle(db_url: &str, args: &[&str]) -> std::process::Output {
    crate::cli::run_settle(&std::env::temp_dir(), db_url, args, &[], "")
}

fn out(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn the_default_payment_is_set_from_the_command_line(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let url = test_db.url.clone();

    let o = settle(&url, &["settings", "set", "default-payment=card-terminal"]);
    assert!(o.status.success(), "{}", out(&o));
    let o = settle(&url, &["settings", "show"]);
    assert!(
        out(&o).contains("default-payment:    card_terminal"),
        "{}",
        out(&o)
    );

    for bad in ["default_payment=bitcoin", "default-payment="] {
        let o = settle(&url, &["settings", "set", bad, "name=Renamed"]);
        assert_eq!(o.status.code(), Some(1), "{bad}: {}", out(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains("default-payment: "), "{bad}: {err}");
    }
    let o = settle(&url, &["settings", "set", "default_payment=bitcoin"]);
    assert!(out(&o).contains("is not a payment method"), "{}", out(&o));

    let db = test_db.connect().await;
    let row = app::settings::ssr::store(&db).await.unwrap();
    assert_eq!(
        row.default_payment,
        PaymentChoice::CardTerminal,
        "nothing else saved"
    );
    assert_ne!(row.name, "Renamed");
    let o = settle(&url, &["settings", "set", "default-payment=email_invoice"]);
    assert!(o.status.success(), "{}", out(&o));
    let row = app::settings::ssr::store(&db).await.unwrap();
    assert_eq!(row.default_payment, PaymentChoice::EmailInvoice);
}

/// An invoice says when it is due; the receipt for the same order, paid in
/// cash at the order page, says no such thing (issue 12: receipts showed
/// a "Due" date).
async fn a_receipt_shows_no_due_date(backend: Backend) {
    let (app, cashier) = till(backend).await;
    let req = NewOrderRequest {
        due_date: "2027-03-01".into(),
        ..tote(&app, PaymentChoice::EmailInvoice, None).await
    };
    let req = NewOrderRequest {
        invoice_email: "receipt@example.com".into(),
        tendered_minor: None,
        ..req
    };
    let number = send(&app, &cashier, &req).await["Created"]["number"]
        .as_i64()
        .expect("created");
    let res = cashier
        .post(app.url(&format!("/orders/{number}/settle")))
        .form(&[("method", "cash"), ("amount", ""), ("tendered", "")])
        .send()
        .await
        .unwrap();
    assert!(location(&res).contains("done="), "{}", location(&res));
    let o = order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mail = |kind: &'static str| {
        let db = app.db.clone();
        async move {
            app::email::ssr::model::Entity::find()
                .filter(app::email::ssr::model::Column::OrderId.eq(o.id))
                .filter(app::email::ssr::model::Column::Kind.eq(kind))
                .one(&db)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("no {kind}"))
        }
    };
    let invoice = mail("invoice").await;
    assert!(
        invoice.text_body.contains("Due: 1 March 2027"),
        "{}",
        invoice.text_body
    );
    assert!(invoice.html_body.contains("Due 1 March 2027"));
    let receipt = mail("receipt").await;
    assert!(!receipt.text_body.contains("Due:"), "{}", receipt.text_body);
    assert!(
        !receipt.html_body.contains("Due 1 March"),
        "{}",
        receipt.html_body
    );
}

both_backends!(
    a_receipt_shows_no_due_date,
    a_cash_sale_records_the_tendered_amount_and_the_change,
    cash_short_of_the_total_is_refused_and_nothing_saved,
    the_default_payment_is_set_in_settings_and_the_till_starts_with_it,
    the_default_payment_is_set_from_the_command_line,
);
