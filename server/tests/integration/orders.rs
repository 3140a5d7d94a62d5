//! Creating orders: one transaction for everything, every refusal leaves no
//! trace, totals equal the shared totals code. On SQLite and PostgreSQL.
use crate::common;

use app::catalog::model as product;
use app::domain::{Currency, Quantity};
use app::email::ssr::model as outbox;
use app::orders::create::{CartFee, NewOrderRequest, PaymentChoice};
use app::orders::model::{event, item, order, tax};
use app::orders::service::{create_order, CreateOrderError};
use app::orders::{compute_totals, Discount, FeeInput, LineInput, TaxMode, TaxRate};
use app::staff::{Role, StaffView};
use common::doubles::SmtpSink;
use common::{invoice, Backend, TestDb};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};

const PUBLIC: &str = "http://shop.example";

struct Shop {
    _test_db: TestDb,
    db: DatabaseConnection,
    staff: StaffView,
    mug: i32,
    tea: i32,
    retired: i32,
    ada: i32,
}

async fn shop(backend: Backend) -> Shop {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    server::seed::seed_demo(&db).await.unwrap();
    let staff = app::staff::ssr::add_staff(
        &db,
        "till@example.com",
        "Casey",
        "blue river stones 42",
        Role::Cashier,
    )
    .await
    .unwrap();
    let sku = |s: &'static str| {
        let db = db.clone();
        async move {
            product::Entity::find()
                .filter(product::Column::Sku.eq(s))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (mug, tea, retired) = (
        sku("MUG-01").await,
        sku("OAT-1L").await,
        sku("GRIND-OLD").await,
    );
    let ada = app::customers::model::Entity::find()
        .filter(app::customers::model::Column::Email.eq("ada@example.com"))
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .id;
    Shop {
        _test_db: test_db,
        db,
        staff,
        mug,
        tea,
        retired,
        ada,
    }
}

async fn counts(db: &DatabaseConnection) -> (u64, u64, u64, u64) {
    (
        order::Entity::find().count(db).await.unwrap(),
        item::Entity::find().count(db).await.unwrap(),
        outbox::Entity::find().count(db).await.unwrap(),
        event::Entity::find().count(db).await.unwrap(),
    )
}

async fn an_email_invoice_is_one_transaction(backend: Backend) {
    let s = shop(backend).await;
    let mut req = invoice(&[(s.mug, 3), (s.tea, 2)], "Guest@Example.com");
    req.fees = vec![CartFee {
        label: "Delivery <b>".into(),
        amount_minor: 450,
    }];
    req.discount_minor = 500;
    req.note = "<script>alert('x')</script>".into();
    let created = create_order(&s.db, &s.staff, PUBLIC, req).await.unwrap();
    assert_eq!((created.number, created.status.as_str()), (1001, "pending"));

    let o = order::Entity::find()
        .filter(order::Column::Number.eq(1001))
        .one(&s.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        o.billing_email.as_deref(),
        Some("guest@example.com"),
        "guests stay findable by email"
    );
    assert_eq!(o.customer_id, None);
    assert!(
        o.due_date.is_some(),
        "invoices get the store's default due date"
    );
    assert_eq!(o.order_key.encode().len(), 22);

    // The stored totals are exactly what the shared totals code computes (the POS runs the same code).
    let gbp = Currency::parse("GBP").unwrap();
    let expected = compute_totals(
        gbp,
        TaxMode::Exclusive,
        &[
            LineInput {
                unit_price_minor: 1200,
                quantity: Quantity::new(3).unwrap(),
                tax: TaxRate {
                    label: "VAT 20%".into(),
                    rate_ppm: 200_000,
                },
            },
            LineInput {
                unit_price_minor: 350,
                quantity: Quantity::new(2).unwrap(),
                tax: TaxRate {
                    label: "VAT 5%".into(),
                    rate_ppm: 50_000,
                },
            },
        ],
        &[FeeInput {
            amount_minor: 450,
            tax: TaxRate::none(),
        }],
        Discount::Amount(500),
    )
    .unwrap();
    assert_eq!(
        (
            o.subtotal_minor,
            o.discount_total_minor,
            o.fee_total_minor,
            o.tax_total_minor,
            o.total_minor
        ),
        (
            expected.subtotal,
            expected.discount,
            expected.fee_total,
            expected.tax_total,
            expected.total
        )
    );
    assert_eq!(created.total_minor, expected.total);
    let taxes = tax::Entity::find()
        .filter(tax::Column::OrderId.eq(o.id))
        .all(&s.db)
        .await
        .unwrap();
    assert_eq!(
        taxes.iter().map(|t| t.amount_minor).sum::<i64>(),
        expected.tax_total
    );
    assert_eq!(
        item::Entity::find()
            .filter(item::Column::OrderId.eq(o.id))
            .count(&s.db)
            .await
            .unwrap(),
        2
    );

    let mail = outbox::Entity::find().one(&s.db).await.unwrap().unwrap();
    assert_eq!(
        (
            mail.recipient.as_str(),
            mail.kind.as_str(),
            mail.status.as_str()
        ),
        ("guest@example.com", "invoice", "queued")
    );
    assert_eq!(
        mail.subject,
        "Invoice for order #1001 from Corner Coffee Co."
    );
    let link = format!("{PUBLIC}/pay/1001?key={}", o.order_key.encode());
    assert!(mail.text_body.contains(&link) && mail.html_body.contains(&link));
    assert!(
        mail.html_body.contains("Delivery &#60;b&#62;")
            || mail.html_body.contains("Delivery &lt;b&gt;")
    );
    let kinds: Vec<event::EventKind> = event::Entity::find()
        .filter(event::Column::OrderId.eq(o.id))
        .all(&s.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [event::EventKind::Created, event::EventKind::InvoiceQueued]
    );

    // The next order gets the next number.
    let next = create_order(
        &s.db,
        &s.staff,
        PUBLIC,
        invoice(&[(s.mug, 1)], "guest@example.com"),
    )
    .await
    .unwrap();
    assert_eq!(next.number, 1002);
}

async fn every_refusal_saves_nothing(backend: Backend) {
    let s = shop(backend).await;
    let before = counts(&s.db).await;
    let expensive = product::ActiveModel {
        sku: Set(Some("GOLD".into())),
        name: Set("Gold bar".into()),
        price_minor: Set(i64::MAX / 4),
        regular_price_minor: Set(i64::MAX / 4),
        tax_rate_id: Set(None),
        active: Set(true),
        created_at: Set(time::OffsetDateTime::now_utc()),
        updated_at: Set(time::OffsetDateTime::now_utc()),
        ..Default::default()
    }
    .insert(&s.db)
    .await
    .unwrap();

    let cases: Vec<(NewOrderRequest, &str, &str)> = vec![
        (
            invoice(&[], "a@example.com"),
            "cart",
            "Add at least one product.",
        ),
        (
            invoice(&[(s.mug, 0)], "a@example.com"),
            "line",
            "The quantity must be at least 1.",
        ),
        (
            invoice(&[(s.mug, 10_001)], "a@example.com"),
            "line",
            "The quantity can be at most 10,000.",
        ),
        (
            invoice(&[(999_999, 1)], "a@example.com"),
            "line",
            "This product no longer exists.",
        ),
        (
            invoice(&[(s.retired, 1)], "a@example.com"),
            "line",
            "Hand grinder (discontinued) is no longer sold.",
        ),
        (
            invoice(&[(s.mug, 1)], "not-an-email"),
            "invoice_email",
            "Enter an email address such as name@example.com.",
        ),
        (
            invoice(&[(s.mug, 1)], ""),
            "invoice_email",
            "Enter the email address the invoice goes to.",
        ),
        (
            invoice(&[(expensive.id, 10)], "a@example.com"),
            "cart",
            "The order total is too large.",
        ),
        (
            NewOrderRequest {
                discount_minor: 1_000_000,
                ..invoice(&[(s.mug, 1)], "a@example.com")
            },
            "discount",
            "The discount (£10,000.00) is more than the items' subtotal (£12.00).",
        ),
        (
            NewOrderRequest {
                due_date: "2001-01-01".into(),
                ..invoice(&[(s.mug, 1)], "a@example.com")
            },
            "due_date",
            "The due date cannot be in the past.",
        ),
        (
            NewOrderRequest {
                due_date: "next week".into(),
                ..invoice(&[(s.mug, 1)], "a@example.com")
            },
            "due_date",
            "Enter the due date as YYYY-MM-DD.",
        ),
        (
            NewOrderRequest {
                customer_id: Some(424242),
                ..invoice(&[(s.mug, 1)], "a@example.com")
            },
            "customer",
            "That customer no longer exists.",
        ),
        (
            NewOrderRequest {
                fees: vec![CartFee {
                    label: " ".into(),
                    amount_minor: 100,
                }],
                ..invoice(&[(s.mug, 1)], "a@example.com")
            },
            "fee:0",
            "Give the fee a name (at most 100 characters).",
        ),
    ];
    for (req, field, message) in cases {
        match create_order(&s.db, &s.staff, PUBLIC, req).await {
            Err(CreateOrderError::Invalid(errors)) => {
                assert!(
                    errors
                        .iter()
                        .any(|e| e.field.starts_with(field) && e.message == message),
                    "{field}: {errors:?}"
                );
            }
            other => panic!("{field}: expected a refusal, got {other:?}"),
        }
        assert_eq!(counts(&s.db).await, before, "{field}: nothing saved");
    }
    // A refused order does not use up an order number.
    let ok = create_order(
        &s.db,
        &s.staff,
        PUBLIC,
        invoice(&[(s.mug, 1)], "a@example.com"),
    )
    .await
    .unwrap();
    assert_eq!(ok.number, 1001);
}

async fn an_in_store_sale_is_paid_at_once(backend: Backend) {
    let s = shop(backend).await;
    let mut req = invoice(&[(s.mug, 2)], "");
    req.payment = PaymentChoice::Cash;
    // A sale paid at once is composed by the till: the order, then its payment.
    let created = app::payments::till::sell(&s.db, &s.staff, PUBLIC, req, None)
        .await
        .unwrap();
    assert_eq!(created.status, "paid");
    let o = order::Entity::find().one(&s.db).await.unwrap().unwrap();
    assert!(o.paid_at.is_some() && o.due_date.is_none());
    let payments = app::payments::model::Entity::find()
        .all(&s.db)
        .await
        .unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(
        (
            payments[0].method,
            payments[0].amount_minor,
            payments[0].staff_id
        ),
        (
            app::payments::model::PaymentMethod::Cash,
            o.total_minor,
            Some(s.staff.id)
        )
    );
    assert_eq!(
        outbox::Entity::find().count(&s.db).await.unwrap(),
        0,
        "no invoice for a sale paid at the till"
    );
}

async fn save_to_billing_decides_whose_email_changes(backend: Backend) {
    let s = shop(backend).await;
    let customer = |db: DatabaseConnection, id: i32| async move {
        app::customers::model::Entity::find_by_id(id)
            .one(&db)
            .await
            .unwrap()
            .unwrap()
    };

    // Unticked: the invoice goes to the typed address; the order and profile keep Ada's.
    let mut req = invoice(&[(s.mug, 1)], "ada.accounts@example.com");
    req.customer_id = Some(s.ada);
    let first = create_order(&s.db, &s.staff, PUBLIC, req.clone())
        .await
        .unwrap();
    let o = order::Entity::find()
        .filter(order::Column::Number.eq(first.number))
        .one(&s.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.billing_email.as_deref(), Some("ada@example.com"));
    assert_eq!(
        (o.billing_first_name.as_str(), o.billing_city.as_str()),
        ("Ada", "London"),
        "billing snapshot from the profile"
    );
    assert!(
        o.due_date.unwrap() >= time::OffsetDateTime::now_utc().date() + time::Duration::days(30),
        "Ada's 30-day terms"
    );
    let mail = outbox::Entity::find().one(&s.db).await.unwrap().unwrap();
    assert_eq!(mail.recipient, "ada.accounts@example.com");
    assert_eq!(customer(s.db.clone(), s.ada).await.email, "ada@example.com");

    // Ticked: the order's billing email and Ada's profile change, and the timeline says so.
    req.save_to_billing = true;
    let second = create_order(&s.db, &s.staff, PUBLIC, req).await.unwrap();
    let o = order::Entity::find()
        .filter(order::Column::Number.eq(second.number))
        .one(&s.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.billing_email.as_deref(), Some("ada.accounts@example.com"));
    assert_eq!(
        customer(s.db.clone(), s.ada).await.email,
        "ada.accounts@example.com"
    );
    let events: Vec<String> = event::Entity::find()
        .filter(event::Column::OrderId.eq(o.id))
        .all(&s.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert!(
        events
            .iter()
            .any(|m| m == "Billing email changed from ada@example.com to ada.accounts@example.com"),
        "{events:?}"
    );

    // Ticked with an address another customer owns: refused, nothing saved.
    let before = counts(&s.db).await;
    let mut clash = invoice(&[(s.mug, 1)], "grace@example.org");
    clash.customer_id = Some(s.ada);
    clash.save_to_billing = true;
    assert!(
        matches!(create_order(&s.db, &s.staff, PUBLIC, clash).await, Err(CreateOrderError::Invalid(e)) if e[0].message == "Another customer already uses this email address.")
    );
    assert_eq!(counts(&s.db).await, before);
}

async fn the_invoice_reaches_a_real_smtp_server(backend: Backend) {
    let s = shop(backend).await;
    let sink = SmtpSink::start(&[]);
    let mut req = invoice(&[(s.mug, 2), (s.tea, 1)], "guest@example.com");
    req.fees = vec![CartFee {
        label: "Delivery".into(),
        amount_minor: 300,
    }];
    req.discount_minor = 100;
    create_order(&s.db, &s.staff, PUBLIC, req).await.unwrap();
    let mailer = server::mail::Mailer::new(
        Some(&format!("smtp://127.0.0.1:{}", sink.port)),
        "Corner Coffee <invoices@corner.example>",
    )
    .unwrap();
    assert_eq!(
        server::outbox_worker::deliver_due(&s.db, &mailer, "http://127.0.0.1:3000")
            .await
            .unwrap()
            .sent,
        1
    );
    let o = order::Entity::find().one(&s.db).await.unwrap().unwrap();
    let raw = sink.messages().pop().expect("a message");
    let (text, html) = common::mime_parts(&raw);
    let link = format!("{PUBLIC}/pay/1001?key={}", o.order_key.encode());
    for part in [&text, &html] {
        for needle in [
            "1001",
            "Ceramic mug",
            "Oat milk 1 L",
            "£12.00",
            "£24.00",
            "£3.50",
            "Subtotal",
            "£27.50",
            "Discount",
            "£1.00",
            "Delivery",
            "£3.00",
            "VAT 20%",
            "VAT 5%",
            "Total due",
            "Due",
            "12 High Street",
            "hello@corner-coffee.example",
            "+44 117 496 0000",
            &link,
        ] {
            assert!(
                part.contains(needle),
                "{needle} missing from a part:\n{part}"
            );
        }
    }
    assert!(html.contains("Pay for this order</a>"));
}

both_backends!(
    an_email_invoice_is_one_transaction,
    every_refusal_saves_nothing,
    an_in_store_sale_is_paid_at_once,
    save_to_billing_decides_whose_email_changes,
    the_invoice_reaches_a_real_smtp_server,
    resend_and_cancel_from_the_order_page,
    dates_and_times_are_the_stores_own,
    a_percentage_discount_is_worked_out_by_the_server,
);

/// The POS sends `10%` as a percentage, never as its own amount: the server
/// works the discount out from its own prices, stores it with the label
/// "Discount (10%)", and the order page, invoice and receipt print that label.
/// A request that also names an amount, or a percentage out of range, is
/// refused next to the Discount field and saves nothing.
async fn a_percentage_discount_is_worked_out_by_the_server(backend: Backend) {
    use app::orders::model::adjustment;
    use app::pos::api::SendOrder;
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff("till@example.com", "blue river stones 42", Role::Cashier)
        .await;
    let client = app
        .signed_in_client("till@example.com", "blue river stones 42")
        .await;
    let (mug, oat) = (
        common::product_id(&app.db, "MUG-01").await,
        common::product_id(&app.db, "OAT-1L").await,
    );
    let send_path = common::server_fn_path::<SendOrder>();
    let send = async |order: serde_json::Value| {
        let res = client
            .post(app.url(send_path))
            .json(&serde_json::json!({ "order": order }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json::<serde_json::Value>().await.unwrap()
    };
    let order = |payment: &str, email: &str, amount: i64, percent: serde_json::Value| {
        serde_json::json!({
            "lines": [{ "product_id": mug, "quantity": 2 }, { "product_id": oat, "quantity": 1 }],
            "fees": [], "discount_minor": amount, "discount_percent_bp": percent,
            "customer_id": null, "invoice_email": email, "save_to_billing": false,
            "payment": payment, "due_date": "", "note": ""
        })
    };

    // Refused, nothing saved: an amount as well as a percentage (the till
    // naming its own figure), 0%, and more than 100%.
    for (amount, percent, message) in [
        (
            2750,
            serde_json::json!(1000),
            "Give the discount as an amount or a percentage, not both.",
        ),
        (
            0,
            serde_json::json!(0),
            "A percentage discount must be more than 0% and at most 100%.",
        ),
        (
            0,
            serde_json::json!(10_001),
            "A percentage discount must be more than 0% and at most 100%.",
        ),
    ] {
        let answer = send(order("EmailInvoice", "guest@example.com", amount, percent)).await;
        assert_eq!(answer["Rejected"][0]["field"], "discount", "{answer}");
        assert_eq!(answer["Rejected"][0]["message"], message, "{answer}");
    }
    assert_eq!(order::Entity::find().count(&app.db).await.unwrap(), 0);

    // 2 × £12.00 at 20% + £3.50 at 5% = £27.50; 10% = £2.75, spread £2.40 and
    // £0.35; tax (£21.60 × 20%) £4.32 + (£3.15 × 5% = 15.75p) £0.16.
    let answer = send(order(
        "EmailInvoice",
        "guest@example.com",
        0,
        serde_json::json!(1000),
    ))
    .await;
    let number = answer["Created"]["number"]
        .as_i64()
        .unwrap_or_else(|| panic!("{answer}"));
    let o = order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            o.subtotal_minor,
            o.discount_total_minor,
            o.tax_total_minor,
            o.total_minor
        ),
        (2750, 275, 448, 2923)
    );
    let shared = compute_totals(
        Currency::parse("GBP").unwrap(),
        TaxMode::Exclusive,
        &[
            LineInput {
                unit_price_minor: 1200,
                quantity: Quantity::new(2).unwrap(),
                tax: TaxRate {
                    label: "VAT 20%".into(),
                    rate_ppm: 200_000,
                },
            },
            LineInput {
                unit_price_minor: 350,
                quantity: Quantity::new(1).unwrap(),
                tax: TaxRate {
                    label: "VAT 5%".into(),
                    rate_ppm: 50_000,
                },
            },
        ],
        &[],
        Discount::Percent(1000),
    )
    .unwrap();
    assert_eq!(
        (shared.discount, shared.total),
        (275, 2923),
        "what the till shows"
    );
    let label = adjustment::Entity::find()
        .filter(adjustment::Column::OrderId.eq(o.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (label.kind, label.label.as_str(), label.amount_minor),
        (adjustment::AdjustmentKind::Discount, "Discount (10%)", 275)
    );
    let (_, html) = common::page(&client, &app.url(&format!("/orders/{number}"))).await;
    assert!(html.contains("Discount (10%)"), "{html}");
    let invoice = outbox::Entity::find()
        .filter(outbox::Column::OrderId.eq(o.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    for part in [&invoice.html_body, &invoice.text_body] {
        assert!(
            part.contains("Discount (10%)") && part.contains("£2.75") && part.contains("£29.23"),
            "{part}"
        );
    }

    // Paid in cash: the receipt says it too.
    let answer = send(order(
        "Cash",
        "cash@example.com",
        0,
        serde_json::json!(1250),
    ))
    .await;
    let number = answer["Created"]["number"]
        .as_i64()
        .unwrap_or_else(|| panic!("{answer}"));
    let o = order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    // 12.5% of £27.50 = 343.75p → £3.44.
    assert_eq!((o.status.as_str(), o.discount_total_minor), ("paid", 344));
    let receipt = outbox::Entity::find()
        .filter(outbox::Column::OrderId.eq(o.id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a receipt");
    assert_eq!(receipt.kind, "receipt");
    assert!(
        receipt.html_body.contains("Discount (12.5%)"),
        "{}",
        receipt.html_body
    );
    app.stop().await;
}

/// The POS's server fn, then the order page's Resend and Cancel forms, over HTTP.
async fn resend_and_cancel_from_the_order_page(backend: Backend) {
    use app::pos::api::SendOrder;
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff("till@example.com", "blue river stones 42", Role::Cashier)
        .await;
    let mug = common::product_id(&app.db, "MUG-01").await;
    let body = serde_json::json!({ "order": invoice(&[(mug, 2)], "guest@example.com") });
    let send_path = common::server_fn_path::<SendOrder>();

    let anonymous = app.client();
    let res = anonymous
        .post(app.url(send_path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(order::Entity::find().count(&app.db).await.unwrap(), 0);

    let client = app
        .signed_in_client("till@example.com", "blue river stones 42")
        .await;
    let res = client
        .post(app.url(send_path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let created: serde_json::Value = res.json().await.unwrap();
    assert_eq!(created["Created"]["number"], 1001, "{created}");

    let res = anonymous
        .post(app.url("/orders/1001/cancel"))
        .form(&[("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "no session, no action");

    let res = client
        .post(app.url("/orders/1001/resend"))
        .form(&[("email", "guest.fixed@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(common::location(&res), "/orders/1001?done=resent");
    let mails = outbox::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(
        mails
            .iter()
            .map(|m| m.recipient.as_str())
            .collect::<Vec<_>>(),
        ["guest@example.com", "guest.fixed@example.com"]
    );
    assert_eq!(
        mails[0].html_body, mails[1].html_body,
        "a resend shows exactly what the order holds"
    );
    let o = order::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(o.billing_email.as_deref(), Some("guest.fixed@example.com"));
    let res = client
        .post(app.url("/orders/1001/resend"))
        .form(&[("email", "bad address")])
        .send()
        .await
        .unwrap();
    assert_eq!(common::location(&res), "/orders/1001?error=email");

    let res = client
        .post(app.url("/orders/1001/cancel"))
        .form(&[("reason", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(common::location(&res), "/orders/1001?error=reason");
    let res = client
        .post(app.url("/orders/1001/cancel"))
        .form(&[("reason", "Customer changed their mind <b>")])
        .send()
        .await
        .unwrap();
    assert_eq!(common::location(&res), "/orders/1001?done=cancelled");
    let o = order::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(
        (o.status.as_str(), o.cancel_reason.as_deref()),
        ("cancelled", Some("Customer changed their mind <b>"))
    );

    // A cancelled order can be neither cancelled again nor re-sent.
    for (path, field, value) in [
        ("/orders/1001/cancel", "reason", "again"),
        ("/orders/1001/resend", "email", ""),
    ] {
        let res = client
            .post(app.url(path))
            .form(&[(field, value)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            common::location(&res),
            "/orders/1001?error=refused",
            "{path}"
        );
    }
    assert_eq!(outbox::Entity::find().count(&app.db).await.unwrap(), 2);
    let res = client
        .post(app.url("/orders/9999/cancel"))
        .form(&[("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    let page = client
        .get(app.url("/orders/1001?done=cancelled"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace("<!>", "");
    assert!(page.contains("The order was cancelled."));
    assert!(
        page.contains("Cancelled: Customer changed their mind &lt;b&gt;"),
        "reasons are shown as text"
    );
    assert!(
        !page.contains(">Cancel order</button>"),
        "no cancel button on a cancelled order"
    );
    app.stop().await;
}

/// The store's day and clock, not UTC's. Kiritimati (UTC+14) is a day ahead
/// of UTC from 10:00 UTC, Pago Pago (UTC-11) a day behind until 11:00 UTC, so
/// whenever this runs one of them is on another date than UTC: an invoice is
/// due counting from the local date, the local today is a due date staff may
/// choose (the day before it is not), and the order page reads local times.
async fn dates_and_times_are_the_stores_own(backend: Backend) {
    use app::domain::StoreZone;
    use app::settings::ssr::model as settings;
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    let staff = app::staff::ssr::add_staff(
        &app.db,
        "till@example.com",
        "Casey",
        "blue river stones 42",
        Role::Cashier,
    )
    .await
    .unwrap();
    let client = app
        .signed_in_client("till@example.com", "blue river stones 42")
        .await;
    let mug = common::product_id(&app.db, "MUG-01").await;
    let terms = settings::Entity::find_by_id(settings::SINGLETON_ID)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .default_due_days;
    let terms = time::Duration::days(i64::from(terms));
    let now = time::OffsetDateTime::now_utc;
    let mut another_date_than_utc = false;

    for (name, label) in [
        ("Pacific/Kiritimati", "UTC+14"),
        ("Pacific/Pago_Pago", "SST"),
    ] {
        settings::ActiveModel {
            id: Set(settings::SINGLETON_ID),
            time_zone: Set(name.into()),
            ..Default::default()
        }
        .update(&app.db)
        .await
        .unwrap();
        let zone = StoreZone::parse(name).unwrap();

        let before = zone.today(now());
        let created = create_order(
            &app.db,
            &staff,
            PUBLIC,
            invoice(&[(mug, 1)], "guest@example.com"),
        )
        .await
        .unwrap();
        let after = zone.today(now());
        let o = order::Entity::find()
            .filter(order::Column::Number.eq(created.number))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let due = o.due_date.expect("an invoice has a due date");
        assert!(
            due == before + terms || due == after + terms,
            "{name}: due {due}, the store's today {before}"
        );
        let utc_date = o.created_at.to_offset(time::UtcOffset::UTC).date();
        another_date_than_utc |= zone.today(o.created_at) != utc_date;

        let change = |date: time::Date| {
            let (client, url) = (
                client.clone(),
                app.url(&format!("/orders/{}/due", o.number)),
            );
            async move {
                common::location(
                    &client
                        .post(url)
                        .form(&[("due_date", date.to_string())])
                        .send()
                        .await
                        .unwrap(),
                )
            }
        };
        let today = zone.today(now());
        assert_eq!(
            change(today - time::Duration::days(1)).await,
            format!("/orders/{}?error=due", o.number),
            "{name}: the day before the store's today is past"
        );
        assert_eq!(
            change(today).await,
            format!("/orders/{}?done=due_changed", o.number),
            "{name}: the store's today is not past"
        );

        let page = client
            .get(app.url(&format!("/orders/{}", o.number)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("<!>", "");
        let shown = zone.date_time(o.created_at);
        assert!(shown.ends_with(label), "{shown}");
        assert!(page.contains(&shown), "{name}: created {shown}\n{page}");
        assert!(
            !page.contains(&StoreZone::utc().date_time(o.created_at)),
            "{name}: no UTC times"
        );
        let events = event::Entity::find()
            .filter(event::Column::OrderId.eq(o.id))
            .all(&app.db)
            .await
            .unwrap();
        assert!(
            events.len() >= 3,
            "created, invoice queued, due date changed"
        );
        for e in events {
            let when = zone.date_time(e.created_at);
            assert!(
                page.contains(&format!(">{when}</time>")),
                "{name}: the timeline shows {when} for {:?}\n{page}",
                e.message
            );
        }
    }
    assert!(
        another_date_than_utc,
        "at any moment one of the two zones is on another date than UTC"
    );
    app.stop().await;
}
