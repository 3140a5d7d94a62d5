//! The staff pages beyond the POS, over HTTP against the real router: settings
//! (with Send test email and DKIM), the catalogue and its import page,
//! customers, the orders list, quotes and the email preview. SQLite and PostgreSQL.
use crate::common::{self, location, page, Backend, TestApp};
use app::catalog::model as product;
use app::email::ssr::model as outbox;
use app::orders::model::order;
use app::settings::ssr::model as settings;
use app::staff::Role;
use common::doubles::SmtpSink;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

const ADMIN: (&str, &str) = ("owner@example.com", "keys open many doors");
const CASHIER: (&str, &str) = ("till@example.com", "blue river stones 42");

/// A seeded shop with an admin and a cashier, and their signed-in clients.
async fn shop(app: &TestApp) -> (reqwest::Client, reqwest::Client) {
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    (
        app.signed_in_client(ADMIN.0, ADMIN.1).await,
        app.signed_in_client(CASHIER.0, CASHIER.1).await,
    )
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client.post(app.url(path)).form(form).send().await.unwrap()
}

async fn staff_view(app: &TestApp, email: &str) -> app::staff::StaffView {
    use app::staff::ssr::model;
    model::Entity::find()
        .filter(model::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .and_then(|m| m.view())
        .expect("a staff account")
}

async fn store(app: &TestApp) -> settings::Model {
    settings::Entity::find_by_id(settings::SINGLETON_ID)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// The settings form filled with valid values, with `changes` applied.
fn settings_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("name", "Corner Coffee Co."),
        ("email", "hello@corner.example"),
        ("phone", "020 7946 0000"),
        ("address", "1 High Street\nLondon"),
        ("default_due_days", "14"),
        ("expiry_grace_days", "7"),
        ("logo_url", ""),
        ("brand_color", "#1f4f82"),
        ("accent_color", "#f2a900"),
        (
            "invoice_subject",
            "Invoice #{order_number} from {store_name}",
        ),
        ("invoice_heading", "Your invoice"),
        ("invoice_intro", "Thanks!"),
        ("invoice_footer", "Questions? Call us."),
        ("dkim_domain", ""),
        ("dkim_selector", ""),
        ("dkim_private_key", ""),
        ("currency", "GBP"),
        ("time_zone", "Europe/London"),
    ];
    for (k, v) in changes {
        if let Some(slot) = form.iter_mut().find(|(name, _)| name == k) {
            slot.1 = v;
        } else {
            form.push((k, v));
        }
    }
    form
}

async fn settings_are_for_admins_and_refusals_keep_what_was_typed(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (admin, cashier) = shop(&app).await;
    let before = store(&app).await;

    assert_eq!(page(&cashier, &app.url("/settings")).await.0, 403);
    let res = post(
        &cashier,
        &app,
        "/settings",
        &settings_form(&[("name", "Mine now")]),
    )
    .await;
    assert_eq!(res.status(), 403);
    let res = post(&app.client(), &app, "/settings", &settings_form(&[])).await;
    assert_eq!(res.status(), 401);
    assert_eq!(store(&app).await, before, "refused posts change nothing");

    // One bad field: nothing saved, the page shows the message and keeps the typing.
    let res = post(
        &admin,
        &app,
        "/settings",
        &settings_form(&[
            ("name", "New <b>Name</b>"),
            ("brand_color", "blue"),
            ("default_due_days", "-3"),
        ]),
    )
    .await;
    assert_eq!(location(&res), "/settings?error=invalid");
    assert_eq!(store(&app).await, before);
    let (status, html) = page(&admin, &app.url("/settings")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Enter a colour as #rrggbb"), "{html}");
    assert!(html.contains("must be a whole number of days"), "{html}");
    assert!(
        html.contains("value=\"New &lt;b&gt;Name&lt;/b&gt;\""),
        "typed value kept, as text"
    );
    // Shown once: a reload shows the stored values again.
    let (_, html) = page(&admin, &app.url("/settings")).await;
    assert!(!html.contains("Enter a colour as #rrggbb"));

    let res = post(
        &admin,
        &app,
        "/settings",
        &settings_form(&[
            ("invoice_subject", "Bill {order_number} — {store_name}"),
            ("accent_color", "#00AA00"),
        ]),
    )
    .await;
    assert_eq!(location(&res), "/settings?done=saved");
    let after = store(&app).await;
    assert_eq!(after.invoice_subject, "Bill {order_number} — {store_name}");
    assert_eq!(after.accent_color, "#00aa00");
    assert_eq!(after.address, "1 High Street\nLondon");
    app.stop().await;
}

/// An Ed25519 DKIM key as the settings form takes it: base64 of 32 bytes.
fn ed25519_key() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn send_test_email_shows_the_servers_answer_and_signs_with_dkim(backend: Backend) {
    let sink = SmtpSink::start(&["bounce@example.com"]);
    let port = sink.port;
    let app = common::spawn_app_with(backend, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    let (admin, cashier) = shop(&app).await;
    let res = post(
        &cashier,
        &app,
        "/settings/test-email",
        &[("to", "x@example.com")],
    )
    .await;
    assert_eq!(res.status(), 403);

    let res = post(
        &admin,
        &app,
        "/settings/test-email",
        &[("to", "owner@example.com")],
    )
    .await;
    assert_eq!(location(&res), "/settings?done=test#test-email");
    let (_, html) = page(&admin, &app.url("/settings")).await;
    assert!(
        html.contains("Sent to owner@example.com. The mail server answered: 250"),
        "{html}"
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("Subject: Test email from Corner Coffee Co."));
    assert!(
        !messages[0].contains("DKIM-Signature"),
        "no DKIM until configured"
    );

    let res = post(
        &admin,
        &app,
        "/settings/test-email",
        &[("to", "bounce@example.com")],
    )
    .await;
    assert_eq!(location(&res), "/settings?error=test#test-email");
    let (_, html) = page(&admin, &app.url("/settings")).await;
    assert!(
        html.contains("Not sent to bounce@example.com: refused by the mail server"),
        "{html}"
    );
    assert!(
        html.contains("550"),
        "the server's own answer is shown: {html}"
    );

    // A key that cannot be read is refused next to its field, and is never echoed back.
    let res = post(
        &admin,
        &app,
        "/settings",
        &settings_form(&[
            ("dkim_domain", "corner.example"),
            ("dkim_selector", "settle"),
            ("dkim_private_key", "not a key"),
        ]),
    )
    .await;
    assert_eq!(location(&res), "/settings?error=invalid");
    let (_, html) = page(&admin, &app.url("/settings")).await;
    assert!(
        html.contains("The DKIM private key cannot be read"),
        "{html}"
    );
    assert!(!html.contains("not a key"));

    let key = ed25519_key();
    let res = post(
        &admin,
        &app,
        "/settings",
        &settings_form(&[
            ("dkim_domain", "corner.example"),
            ("dkim_selector", "settle"),
            ("dkim_private_key", &key),
        ]),
    )
    .await;
    assert_eq!(location(&res), "/settings?done=saved");
    let (_, html) = page(&admin, &app.url("/settings")).await;
    assert!(
        html.contains("A key is stored") && !html.contains(&key),
        "the key is never shown"
    );
    post(
        &admin,
        &app,
        "/settings/test-email",
        &[("to", "owner@example.com")],
    )
    .await;
    let signed = sink
        .messages()
        .into_iter()
        .find(|m| m.contains("DKIM-Signature"))
        .expect("a signed message");
    let header = signed.split("\n\n").next().unwrap().replace("\n ", " ");
    assert!(
        header.contains("d=corner.example")
            && header.contains("s=settle")
            && header.contains("a=ed25519-sha256"),
        "{header}"
    );

    // Saving again without pasting the key keeps it.
    post(
        &admin,
        &app,
        "/settings",
        &settings_form(&[
            ("dkim_domain", "corner.example"),
            ("dkim_selector", "settle"),
        ]),
    )
    .await;
    assert_eq!(store(&app).await.dkim_private_key, key);
    app.stop().await;
}

async fn send_test_email_without_smtp_says_so(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (admin, _) = shop(&app).await;
    let res = post(
        &admin,
        &app,
        "/settings/test-email",
        &[("to", "owner@example.com")],
    )
    .await;
    assert_eq!(location(&res), "/settings?error=test#test-email");
    let (_, html) = page(&admin, &app.url("/settings")).await;
    assert!(html.contains("SMTP is not configured"), "{html}");
    app.stop().await;
}

async fn product_by_sku(app: &TestApp, sku: &str) -> Option<product::Model> {
    product::Entity::find()
        .filter(product::Column::Sku.eq(sku))
        .one(&app.db)
        .await
        .unwrap()
}

async fn the_catalogue_is_edited_by_admins(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (admin, cashier) = shop(&app).await;
    let count = || async { product::Entity::find().count(&app.db).await.unwrap() };
    let before = count().await;

    assert_eq!(page(&cashier, &app.url("/catalog")).await.0, 403);
    let form = [
        ("name", "Espresso cup"),
        ("sku", "CUP-ESP"),
        ("price", "7.50"),
        ("tax_rate_id", ""),
    ];
    assert_eq!(
        post(&cashier, &app, "/catalog/new", &form).await.status(),
        403
    );
    assert_eq!(count().await, before);

    let res = post(&admin, &app, "/catalog/new", &form).await;
    let created = product_by_sku(&app, "CUP-ESP").await.expect("created");
    assert_eq!(
        location(&res),
        format!("/catalog/{}?done=saved", created.id)
    );
    assert_eq!(
        (created.price_minor, created.active, created.tax_rate_id),
        (750, true, None)
    );

    // Every refusal: message next to the field, nothing saved.
    for (field, value, message) in [
        ("sku", "MUG-01", "Another product already has this SKU."),
        (
            "price",
            "99999999999999999",
            "Price: the amount is too large.",
        ),
        ("price", "-1", "Price: the amount cannot be negative."),
        ("price", "1.234", "at most 2 digits after the decimal point"),
        ("name", "", "Enter the product's name."),
        ("tax_rate_id", "999", "Choose one of the store's tax rates."),
    ] {
        let mut bad = vec![
            ("name", "Another cup"),
            ("sku", "CUP-2"),
            ("price", "3"),
            ("tax_rate_id", ""),
        ];
        bad.iter_mut().find(|(k, _)| *k == field).unwrap().1 = value;
        let res = post(&admin, &app, "/catalog/new", &bad).await;
        assert_eq!(
            location(&res),
            "/catalog/new?error=invalid",
            "{field}={value}"
        );
        let (_, html) = page(&admin, &app.url("/catalog/new")).await;
        assert!(html.contains(message), "{field}={value}: {html}");
        assert_eq!(count().await, before + 1, "{field}={value} saved nothing");
    }

    // Edit, then search the list.
    let path = format!("/catalog/{}", created.id);
    let res = post(
        &admin,
        &app,
        &path,
        &[
            ("name", "Espresso cup <small>"),
            ("sku", "CUP-ESP"),
            ("price", "8"),
            ("tax_rate_id", ""),
        ],
    )
    .await;
    assert_eq!(location(&res), format!("{path}?done=saved"));
    let (_, html) = page(&admin, &app.url("/catalog?q=espresso")).await;
    assert!(
        html.contains("Espresso cup &lt;small&gt;") && html.contains("£8.00"),
        "{html}"
    );
    assert!(!html.contains("Ceramic mug"), "the search narrows the list");

    // Deactivated: gone from the POS search, still in the admin list.
    let res = post(
        &admin,
        &app,
        &format!("{path}/active"),
        &[("active", "false")],
    )
    .await;
    assert_eq!(location(&res), format!("{path}?done=deactivated"));
    assert!(!product_by_sku(&app, "CUP-ESP").await.unwrap().active);
    let search = cashier
        .post(app.url(common::server_fn_path::<app::catalog::api::SearchProducts>()))
        .form(&[("query", "cup-esp")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        search.json::<Vec<serde_json::Value>>().await.unwrap().len(),
        0
    );
    let (_, html) = page(&admin, &app.url("/catalog?q=espresso")).await;
    assert!(html.contains("No (deactivated)"));
    app.stop().await;
}

async fn upload(
    client: &reqwest::Client,
    app: &TestApp,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    client
        .post(app.url("/catalog/import"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

async fn the_import_page_reports_each_row(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (admin, cashier) = shop(&app).await;
    let csv = std::fs::read(
        common::doubles::workspace_root().join("server/tests/fixtures/woocommerce-products.csv"),
    )
    .unwrap();
    assert_eq!(
        upload(&cashier, &app, "p.csv", csv.clone()).await.status(),
        403
    );

    let res = upload(&admin, &app, "woo.csv", csv.clone()).await;
    assert_eq!(location(&res), "/catalog/import?done=imported");
    let (_, html) = page(&admin, &app.url("/catalog/import")).await;
    assert!(html.contains("Report: woo.csv"), "{html}");
    assert!(html.contains(" imported, "), "{html}");
    assert!(html.contains("Skipped: "), "skipped rows say why: {html}");
    let after_first = product::Entity::find().count(&app.db).await.unwrap();

    upload(&admin, &app, "woo.csv", csv).await;
    let (_, html) = page(&admin, &app.url("/catalog/import")).await;
    assert!(
        html.contains("0 imported, 0 updated, "),
        "re-importing changes nothing: {html}"
    );
    assert_eq!(
        product::Entity::find().count(&app.db).await.unwrap(),
        after_first
    );

    let res = upload(&admin, &app, "wrong.csv", b"Name,Price\nMug,3\n".to_vec()).await;
    assert_eq!(location(&res), "/catalog/import?error=refused");
    let (_, html) = page(&admin, &app.url("/catalog/import")).await;
    assert!(
        html.contains("The file was not imported") && html.contains("SKU"),
        "names the missing columns: {html}"
    );
    assert_eq!(
        product::Entity::find().count(&app.db).await.unwrap(),
        after_first
    );
    app.stop().await;
}

async fn customers_are_created_edited_and_list_their_orders(backend: Backend) {
    use app::orders::create::{CartLine, NewOrderRequest, PaymentChoice};
    let app = common::spawn_app(backend).await;
    let (_, cashier) = shop(&app).await;
    let customers = || async {
        app::customers::model::Entity::find()
            .count(&app.db)
            .await
            .unwrap()
    };
    let before = customers().await;
    let form = |email: &'static str, terms: &'static str| {
        vec![
            ("email", email),
            ("first_name", "Lin"),
            ("last_name", "<Chen>"),
            ("company", ""),
            ("phone", "0161 000"),
            ("address_1", "2 Mill Lane"),
            ("address_2", ""),
            ("city", "Leeds"),
            ("state", ""),
            ("postcode", "LS1"),
            ("country", "gb"),
            ("preferred_language", "en"),
            ("payment_terms_days", terms),
        ]
    };
    assert_eq!(
        post(
            &app.client(),
            &app,
            "/customers/new",
            &form("lin@example.com", "")
        )
        .await
        .status(),
        401
    );
    let res = post(
        &cashier,
        &app,
        "/customers/new",
        &form("ada@example.com", ""),
    )
    .await;
    assert_eq!(location(&res), "/customers/new?error=invalid");
    let (_, html) = page(&cashier, &app.url("/customers/new")).await;
    assert!(
        html.contains("Another customer already uses this email address."),
        "{html}"
    );
    let res = post(
        &cashier,
        &app,
        "/customers/new",
        &form("lin@example.com", "400"),
    )
    .await;
    assert_eq!(location(&res), "/customers/new?error=invalid");
    assert_eq!(customers().await, before);

    let res = post(
        &cashier,
        &app,
        "/customers/new",
        &form("Lin@Example.com", "30"),
    )
    .await;
    let lin = app::customers::model::Entity::find()
        .filter(app::customers::model::Column::Email.eq("lin@example.com"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("saved, email lowercased");
    assert_eq!(location(&res), format!("/customers/{}?done=saved", lin.id));
    assert_eq!(
        (lin.country.as_str(), lin.payment_terms_days),
        ("GB", Some(30))
    );

    // An order for Lin and a guest order to her address both show on her page.
    let mug = product_by_sku(&app, "MUG-01").await.unwrap().id;
    let staff = staff_view(&app, CASHIER.0).await;
    let order = |customer_id| NewOrderRequest {
        lines: vec![CartLine {
            product_id: mug,
            quantity: 1,
        }],
        fees: vec![],
        discount_minor: 0,
        discount_percent_bp: None,
        customer_id,
        invoice_email: if customer_id.is_some() {
            String::new()
        } else {
            "lin@example.com".into()
        },
        save_to_billing: false,
        payment: PaymentChoice::EmailInvoice,
        due_date: String::new(),
        note: String::new(),
        expected_total_minor: None,
        tendered_minor: None,
        deposit_minor: None,
        deposit_percent_bp: None,
        deposit_due: String::new(),
        language: None,
    };
    let a = app::orders::service::create_order(&app.db, &staff, "http://x", order(Some(lin.id)))
        .await
        .unwrap();
    let b = app::orders::service::create_order(&app.db, &staff, "http://x", order(None))
        .await
        .unwrap();
    let (_, html) = page(&cashier, &app.url(&format!("/customers/{}", lin.id))).await;
    assert!(
        html.contains(&format!("#{}", a.number)) && html.contains(&format!("#{}", b.number)),
        "{html}"
    );
    assert!(html.contains("Lin &lt;Chen&gt;"), "names are text: {html}");

    let res = post(
        &cashier,
        &app,
        &format!("/customers/{}", lin.id),
        &form("lin.chen@example.com", ""),
    )
    .await;
    assert_eq!(location(&res), format!("/customers/{}?done=saved", lin.id));
    let (_, html) = page(&cashier, &app.url("/customers?q=chen")).await;
    assert!(html.contains("lin.chen@example.com"), "{html}");
    app.stop().await;
}

async fn the_orders_list_filters_searches_and_pages_by_key(backend: Backend) {
    use app::orders::create::{NewOrderRequest, PaymentChoice};
    let app = common::spawn_app(backend).await;
    let (_, cashier) = shop(&app).await;
    let mug = product_by_sku(&app, "MUG-01").await.unwrap().id;
    let staff = staff_view(&app, CASHIER.0).await;
    let total = app::orders::list::PAGE_SIZE as usize + 5;
    for i in 0..total {
        let req = NewOrderRequest {
            payment: if i % 5 == 0 {
                PaymentChoice::Cash
            } else {
                PaymentChoice::EmailInvoice
            },
            ..common::invoice(&[(mug, 1)], &format!("guest{i}@example.com"))
        };
        app::payments::till::sell(&app.db, &staff, "http://x", req, None)
            .await
            .unwrap();
    }
    let rows = |html: &str| html.matches("<a href=\"/orders/").count();
    let (status, html) = page(&cashier, &app.url("/orders")).await;
    assert_eq!(status, 200);
    assert_eq!(rows(&html), app::orders::list::PAGE_SIZE as usize);
    assert!(html.contains(&format!("#{}", 1000 + total)), "newest first");
    let next = html
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|h| h.contains("before="))
        .expect("an Older orders link")
        .replace("&amp;", "&");
    let (_, older) = page(&cashier, &app.url(&next)).await;
    assert_eq!(rows(&older), 5);
    assert!(older.contains("#1001") && !older.contains("Older orders"));

    let (_, paid) = page(&cashier, &app.url("/orders?status=paid")).await;
    assert_eq!(rows(&paid), total.div_ceil(5));
    let (_, one) = page(&cashier, &app.url("/orders?q=%231007")).await;
    assert_eq!(rows(&one), 1);
    let (_, by_email) = page(&cashier, &app.url("/orders?q=GUEST12%40")).await;
    assert!(
        by_email.contains("guest12@example.com") && rows(&by_email) == 1,
        "{by_email}"
    );
    app.stop().await;
}

async fn a_quote_is_kept_then_converted_and_previewed(backend: Backend) {
    use app::pos::api::SaveQuote;
    let app = common::spawn_app(backend).await;
    let (_, cashier) = shop(&app).await;
    let mug = product_by_sku(&app, "MUG-01").await.unwrap().id;
    let quote = serde_json::json!({ "order": {
        "lines": [{ "product_id": mug, "quantity": 3 }], "fees": [], "discount_minor": 0,
        "customer_id": null, "invoice_email": "", "save_to_billing": false,
        "payment": "EmailInvoice", "due_date": "", "note": ""
    }});
    let res = cashier
        .post(app.url(common::server_fn_path::<SaveQuote>()))
        .json(&quote)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let created: serde_json::Value = res.json().await.unwrap();
    assert_eq!(created["Created"]["status"], "quote", "{created}");
    let o = order::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!((o.status.as_str(), o.due_date), ("quote", None));
    assert_eq!(
        outbox::Entity::find().count(&app.db).await.unwrap(),
        0,
        "a quote sends nothing"
    );
    let (_, html) = page(&cashier, &app.url("/orders/1001")).await;
    assert!(
        html.contains("Convert to invoice") && !html.contains("Copy pay link"),
        "{html}"
    );
    assert!(!html.contains("/orders/1001/resend"));

    // Converting needs an address; then the invoice is queued with the quote's prices.
    let res = post(
        &cashier,
        &app,
        "/orders/1001/convert",
        &[("email", ""), ("due_date", "")],
    )
    .await;
    assert_eq!(location(&res), "/orders/1001?error=email");
    let res = post(
        &cashier,
        &app,
        "/orders/1001/convert",
        &[("email", "buyer@example.com"), ("due_date", "2001-01-01")],
    )
    .await;
    assert_eq!(location(&res), "/orders/1001?error=due");
    assert_eq!(
        order::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .status,
        "quote"
    );
    let res = post(
        &cashier,
        &app,
        "/orders/1001/convert",
        &[("email", "buyer@example.com"), ("due_date", "")],
    )
    .await;
    assert_eq!(location(&res), "/orders/1001?done=converted");
    let o = order::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(o.status, "pending");
    assert!(o.due_date.is_some());
    let mail = outbox::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("invoice queued");
    assert_eq!(mail.recipient, "buyer@example.com");
    let res = post(
        &cashier,
        &app,
        "/orders/1001/convert",
        &[("email", "buyer@example.com")],
    )
    .await;
    assert_eq!(
        location(&res),
        "/orders/1001?error=refused",
        "converted once only"
    );

    // The preview is the stored order rendered now: same body as the queued mail.
    assert_eq!(
        page(&app.client(), &app.url("/orders/1001/email")).await.0,
        401
    );
    let res = cashier
        .get(app.url("/orders/1001/email"))
        .send()
        .await
        .unwrap();
    let csp = res
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(res.text().await.unwrap(), mail.html_body);
    let (_, text) = page(&cashier, &app.url("/orders/1001/email?part=text")).await;
    assert!(
        text.starts_with(&format!("Subject: {}", mail.subject)) && text.ends_with(&mail.text_body)
    );
    app.stop().await;
}

both_backends!(
    settings_are_for_admins_and_refusals_keep_what_was_typed,
    send_test_email_shows_the_servers_answer_and_signs_with_dkim,
    send_test_email_without_smtp_says_so,
    the_catalogue_is_edited_by_admins,
    the_import_page_reports_each_row,
    customers_are_created_edited_and_list_their_orders,
    the_orders_list_filters_searches_and_pages_by_key,
    a_quote_is_kept_then_converted_and_previewed,
    products_carry_a_barcode_the_till_finds,
);

/// The product form takes a barcode as people type it (spaces, hyphens) and
/// refuses a wrong one next to the field; the catalogue and the POS search
/// find a product by its exact barcode (any GTIN length), never by a part of
/// it; two products may share one, and a search for it shows both.
async fn products_carry_a_barcode_the_till_finds(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (admin, cashier) = shop(&app).await;
    let form = |barcode: &'static str| {
        [
            ("name", "Cold brew bottle"),
            ("sku", "BREW-01"),
            ("price", "4.20"),
            ("tax_rate_id", ""),
            ("barcode", barcode),
        ]
    };
    for (value, message) in [
        (
            "5012345000108",
            "Barcode: the last digit (the check digit) does not match the others: check for a typo.",
        ),
        (
            "ABC-123",
            "Barcode: a barcode has only digits (spaces and hyphens are fine); an ISBN-10 may end in X.",
        ),
        ("1234", "Barcode: a barcode has 8 to 14 digits"),
    ] {
        let res = post(&admin, &app, "/catalog/new", &form(value)).await;
        assert_eq!(location(&res), "/catalog/new?error=invalid", "{value}");
        let (_, html) = page(&admin, &app.url("/catalog/new")).await;
        assert!(html.contains(message), "{value}: {html}");
        assert!(
            html.contains(&format!("value=\"{value}\"")),
            "what was typed is kept"
        );
        assert!(product_by_sku(&app, "BREW-01").await.is_none());
    }
    let res = post(&admin, &app, "/catalog/new", &form(" 5 012345-000107 ")).await;
    let brew = product_by_sku(&app, "BREW-01").await.expect("saved");
    assert_eq!(location(&res), format!("/catalog/{}?done=saved", brew.id));
    assert_eq!(brew.barcode.as_deref(), Some("5012345000107"));
    let (_, html) = page(&admin, &app.url(&format!("/catalog/{}", brew.id))).await;
    assert!(html.contains("value=\"5012345000107\""), "{html}");
    let (_, html) = page(&admin, &app.url("/catalog?q=5012345000107")).await;
    assert!(html.contains("Cold brew bottle"), "{html}");
    assert!(!html.contains("Ceramic mug"));

    let search = async |query: &str| {
        let res = cashier
            .post(app.url(common::server_fn_path::<app::catalog::api::SearchProducts>()))
            .form(&[("query", query)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let hits: Vec<serde_json::Value> = res.json().await.unwrap();
        hits.into_iter()
            .map(|h| {
                (
                    h["name"].as_str().unwrap_or_default().to_owned(),
                    h["barcode"].as_str().map(str::to_owned),
                )
            })
            .collect::<Vec<_>>()
    };
    let brew_hit = vec![(
        "Cold brew bottle".to_owned(),
        Some("5012345000107".to_owned()),
    )];
    assert_eq!(search("5012345000107").await, brew_hit);
    // A scanner sending the GTIN-14 form (a leading 0) finds it too.
    assert_eq!(search("05012345000107").await, brew_hit);
    // Digits typed so far are not a barcode.
    assert!(search("501234500010").await.is_empty());

    // The demo store's barcodes are real EAN-13s.
    for p in product::Entity::find().all(&app.db).await.unwrap() {
        if let Some(code) = &p.barcode {
            assert_eq!(
                app::catalog::Barcode::parse(code).map(|b| b.to_string()),
                Ok(code.clone()),
                "{}",
                p.name
            );
        }
    }
    // A second product with the mug's barcode (a messy catalogue): saved, and
    // a search for that barcode shows both, for the cashier to choose.
    let res = post(
        &admin,
        &app,
        "/catalog/new",
        &[
            ("name", "Ceramic mug (seconds)"),
            ("sku", "MUG-02"),
            ("price", "8"),
            ("tax_rate_id", ""),
            ("barcode", "5012345000022"),
        ],
    )
    .await;
    assert!(
        location(&res).ends_with("?done=saved"),
        "{}",
        location(&res)
    );
    let names: Vec<String> = search("5012345000022")
        .await
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["Ceramic mug", "Ceramic mug (seconds)"]);
    app.stop().await;
}
