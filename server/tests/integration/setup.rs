//! A real store from an empty database, as a new owner sets it up: the setup
//! checklist, currency, prices that include tax, the time zone, the French
//! VAT set in one click, WooCommerce's own sample export, a first sale, and
//! an invoice from the store's name that replies reach. Then the same through
//! the command line. SQLite and PostgreSQL.
use crate::common::doubles::SmtpSink;
use crate::common::{self, location, page, server_fn_path, Backend, TestApp, TestDb};
use crate::stripe::wait_for;
use app::orders::model::order;
use app::settings::ssr::{model as settings, tax_rate};
use app::staff::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

const OWNER: (&str, &str) = ("marie@chez-marie.example", "lavender fields 1987");
const CASHIER: (&str, &str) = ("leo@chez-marie.example", "morning bread rolls 7");

fn sample_export() -> Option<Vec<u8>> {
    let path =
        common::doubles::workspace_root().join("../shared/data/woocommerce-sample-products.csv");
    std::fs::read(&path).ok()
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> String {
    let res = client.post(app.url(path)).form(form).send().await.unwrap();
    assert_eq!(res.status(), 303, "{path}: {}", res.status());
    location(&res)
}

async fn store(app: &TestApp) -> settings::Model {
    app::settings::ssr::store(&app.db).await.unwrap()
}

/// The settings form as the page posts it, from what is stored, with `changes`.
async fn settings_post(
    client: &reqwest::Client,
    app: &TestApp,
    changes: &[(&str, &str)],
) -> String {
    let form = app::settings::ssr::edit::form_of(&store(app).await);
    let mut fields: Vec<(String, String)> = vec![
        ("name".into(), form.name),
        ("email".into(), form.email),
        ("phone".into(), form.phone),
        ("address".into(), form.address),
        ("default_due_days".into(), form.default_due_days),
        ("expiry_grace_days".into(), form.expiry_grace_days),
        ("logo_url".into(), form.logo_url),
        ("brand_color".into(), form.brand_color),
        ("accent_color".into(), form.accent_color),
        ("invoice_subject".into(), form.invoice_subject),
        ("invoice_heading".into(), form.invoice_heading),
        ("invoice_intro".into(), form.invoice_intro),
        ("invoice_footer".into(), form.invoice_footer),
        ("dkim_domain".into(), form.dkim_domain),
        ("dkim_selector".into(), form.dkim_selector),
        ("currency".into(), form.currency),
        ("time_zone".into(), form.time_zone),
    ];
    if form.prices_include_tax.is_some() {
        fields.push(("prices_include_tax".into(), "on".into()));
    }
    for (k, v) in changes {
        if *k == "prices_include_tax" && v.is_empty() {
            fields.retain(|(name, _)| name != "prices_include_tax");
            continue;
        }
        match fields.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = (*v).to_owned(),
            None => fields.push(((*k).to_owned(), (*v).to_owned())),
        }
    }
    let res = client
        .post(app.url("/settings"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    location(&res)
}

/// Sends an invoice for one `sku` from the till, as the POS island does.
async fn sell(client: &reqwest::Client, app: &TestApp, sku: &str) -> serde_json::Value {
    let id = common::product_id(&app.db, sku).await;
    let req = common::invoice(&[(id, 1)], "grace@example.com");
    let res = client
        .post(app.url(server_fn_path::<app::pos::api::SendOrder>()))
        .json(&serde_json::json!({ "order": req }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn checklist(client: &reqwest::Client, app: &TestApp) -> String {
    let (status, html) = page(client, &app.url("/")).await;
    assert_eq!(status, 200);
    html
}

/// The `<li>` of one checklist step.
fn step<'a>(html: &'a str, code: &str) -> &'a str {
    let start = html
        .find(&format!("data-step=\"{code}\""))
        .unwrap_or_else(|| panic!("no step {code} in {html}"));
    let end = html[start..]
        .find("</li>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

async fn a_new_owner_sets_up_a_french_store_and_sends_the_first_invoice(backend: Backend) {
    let Some(export) = sample_export() else {
        eprintln!("skipping: ../shared/data is not on this machine");
        return;
    };
    let sink = SmtpSink::start(&[]);
    let port = sink.port;
    let app = common::spawn_app_with(backend, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    // An empty database and the first admin, as `settle staff add --admin` makes it.
    app.add_staff(OWNER.0, OWNER.1, Role::Admin).await;
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let owner = app.signed_in_client(OWNER.0, OWNER.1).await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;

    let html = checklist(&owner, &app).await;
    assert!(html.contains("Set up your store"), "{html}");
    for code in ["store", "currency", "taxes", "products"] {
        assert!(step(&html, code).contains("To do"), "{code}: {html}");
    }
    assert!(step(&html, "email").contains("Optional"), "{html}");

    // A cashier before setup reads why the till cannot sell.
    let (_, pos) = page(&cashier, &app.url("/pos")).await;
    assert!(
        pos.contains("The store is not set up yet; ask an admin."),
        "{pos}"
    );
    let (_, home) = page(&cashier, &app.url("/")).await;
    assert!(home.contains("The store is not set up yet; ask an admin."));
    assert!(
        !home.contains("Set up your store"),
        "the checklist is for admins"
    );

    // Store details, currency, prices including tax, time zone.
    let to = settings_post(
        &owner,
        &app,
        &[
            ("name", "Chez Marie"),
            ("email", "bonjour@chez-marie.example"),
            ("address", "3 rue des Lilas\n75011 Paris"),
            ("currency", "EUR"),
            ("prices_include_tax", "on"),
            ("time_zone", "Europe/Paris"),
        ],
    )
    .await;
    assert_eq!(to, "/settings?done=saved");
    let s = store(&app).await;
    assert_eq!(
        (
            s.currency.as_str(),
            s.prices_include_tax,
            s.time_zone.as_str(),
            s.currency_confirmed
        ),
        ("EUR", true, "Europe/Paris", true)
    );

    // Before any rate, the import names the class and imports nothing.
    let part = reqwest::multipart::Part::bytes(export.clone()).file_name("woo.csv");
    let res = owner
        .post(app.url("/catalog/import"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/catalog/import?error=classes");
    let (_, html) = page(&owner, &app.url("/catalog/import")).await;
    assert!(html.contains("Tax classes without a rate"), "{html}");
    assert!(html.contains("data-class=\"standard\""), "{html}");
    assert_eq!(
        app::catalog::model::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0,
        "nothing half-imported"
    );

    // The French set in one click, then the same file runs again without a second upload.
    let to = post(
        &owner,
        &app,
        "/settings/tax-rates/preset",
        &[("preset", "fr")],
    )
    .await;
    assert_eq!(to, "/settings?done=preset#tax-rates");
    let rates = tax_rate::Entity::find().all(&app.db).await.unwrap();
    let mut found: Vec<(String, i32)> = rates
        .iter()
        .map(|r| (r.class.clone(), r.rate_ppm))
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("".into(), 200_000),
            ("intermediate-rate".into(), 100_000),
            ("reduced-rate".into(), 55_000),
            ("super-reduced-rate".into(), 21_000),
        ]
    );
    let res = owner
        .post(app.url("/catalog/import"))
        .multipart(reqwest::multipart::Form::new().text("rerun", "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/catalog/import?done=imported");
    let (_, html) = page(&owner, &app.url("/catalog/import")).await;
    assert!(
        html.contains("21 imported, 0 updated, 0 unchanged, 4 skipped, 0 with errors"),
        "{html}"
    );

    // Required steps done: the till sells, and the checklist says products are there.
    let html = checklist(&owner, &app).await;
    assert!(
        step(&html, "products").contains("21 products for sale"),
        "{html}"
    );
    for code in ["store", "currency", "taxes", "products"] {
        assert!(step(&html, code).contains("Done"), "{code}: {html}");
    }
    let (_, pos) = page(&cashier, &app.url("/pos")).await;
    assert!(!pos.contains("not set up yet"), "{pos}");

    // The Beanie at its shelf price (18.00 on sale), with the 20% it contains: 3.00.
    let created = sell(&cashier, &app, "woo-beanie").await;
    assert!(created["Created"].is_object(), "{created}");
    let o = order::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(
        (
            o.total_minor,
            o.tax_total_minor,
            o.subtotal_minor,
            o.prices_include_tax
        ),
        (1800, 300, 1800, true)
    );
    let (_, order_page) = page(&cashier, &app.url(&format!("/orders/{}", o.number))).await;
    assert!(order_page.contains("Includes TVA 20%"), "{order_page}");

    wait_for("the invoice", async || !sink.messages().is_empty()).await;
    let invoice = sink.messages().remove(0);
    assert!(
        invoice.contains("From: \"Chez Marie\" <invoices@localhost>")
            || invoice.contains("From: Chez Marie <invoices@localhost>"),
        "{invoice}"
    );
    assert!(
        invoice.contains("Reply-To: bonjour@chez-marie.example"),
        "{invoice}"
    );
    let (text, _) = common::mime_parts(&invoice);
    assert!(text.contains("Total due: €18.00"), "{text}");
    assert!(text.contains("Includes TVA 20%: €3.00"), "{text}");

    // The currency is fixed now, and says why.
    let to = settings_post(&owner, &app, &[("currency", "GBP")]).await;
    assert_eq!(to, "/settings?error=invalid");
    assert_eq!(store(&app).await.currency, "EUR", "nothing saved");
    let (_, html) = page(&owner, &app.url("/settings")).await;
    assert!(
        html.contains("The currency cannot change once the store has orders"),
        "{html}"
    );

    // A store that adds tax: the same Beanie costs 18.00 + 20%.
    assert_eq!(
        settings_post(&owner, &app, &[("prices_include_tax", "")]).await,
        "/settings?done=saved"
    );
    sell(&cashier, &app, "woo-beanie").await;
    let second = order::Entity::find()
        .filter(order::Column::Number.eq(o.number + 1))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            second.total_minor,
            second.tax_total_minor,
            second.prices_include_tax
        ),
        (2160, 360, false)
    );

    // Retiring the standard rate: old orders and their invoices keep theirs,
    // and the till refuses to guess a rate for the Beanie.
    let standard = rates.iter().find(|r| r.class.is_empty()).unwrap().id;
    let (_, before) = page(
        &owner,
        &app.url(&format!("/orders/{}/email?part=text", o.number)),
    )
    .await;
    let to = post(
        &owner,
        &app,
        &format!("/settings/tax-rates/{standard}/retire"),
        &[("retired", "true")],
    )
    .await;
    assert_eq!(to, "/settings?done=rate_retired#tax-rates");
    let (_, after) = page(
        &owner,
        &app.url(&format!("/orders/{}/email?part=text", o.number)),
    )
    .await;
    assert_eq!(
        before, after,
        "a retired rate changes no invoice already made"
    );
    let again = order::Entity::find_by_id(o.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.total_minor, again.tax_total_minor), (1800, 300));
    let refused = sell(&cashier, &app, "woo-beanie").await;
    assert!(
        refused.to_string().contains("retired tax rate"),
        "{refused}"
    );
    let (_, html) = page(&owner, &app.url("/settings")).await;
    assert!(
        html.contains("Products still on this retired rate"),
        "{html}"
    );
    app.stop().await;
}

/// Each bad value comes back next to its field, and nothing is saved.
async fn bad_settings_and_rates_are_refused_and_nothing_saved(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.add_staff(OWNER.0, OWNER.1, Role::Admin).await;
    let owner = app.signed_in_client(OWNER.0, OWNER.1).await;
    let add = |name: &'static str, rate: &'static str, class: &'static str| {
        let owner = owner.clone();
        let url = app.url("/settings/tax-rates");
        async move {
            let res = owner
                .post(url)
                .form(&[("name", name), ("rate", rate), ("class", class)])
                .send()
                .await
                .unwrap();
            location(&res)
        }
    };
    assert_eq!(
        add("VAT 20%", "20", "standard").await,
        "/settings?done=rate_added#tax-rates"
    );
    for (name, rate, class, message) in [
        ("Negative", "-1", "neg", "Enter the rate in percent"),
        ("Too high", "100.5", "high", "cannot be more than 100%"),
        ("Too fine", "5.12345", "fine", "at most 4 decimals"),
        (
            "Again",
            "10",
            "standard",
            "The standard class already has a rate",
        ),
        ("Spaces", "5", "reduced rate", "A tax class is a short name"),
        ("Markup", "5", "<b>x</b>", "A tax class is a short name"),
    ] {
        assert_eq!(
            add(name, rate, class).await,
            "/settings?error=rate_invalid#tax-rates"
        );
        let (_, html) = page(&owner, &app.url("/settings")).await;
        assert!(html.contains(message), "{class}: {message}: {html}");
        assert!(
            html.contains(&format!("value=\"{name}\"")),
            "what was typed is kept: {html}"
        );
    }
    assert_eq!(tax_rate::Entity::find().count(&app.db).await.unwrap(), 1);

    let before = store(&app).await;
    for (field, value, message) in [
        (
            "currency",
            "XYZ",
            "is not a supported ISO 4217 currency code",
        ),
        (
            "time_zone",
            "Mars/Olympus",
            "choose a time zone from the list",
        ),
        (
            "logo_url",
            "http://shop.example/logo.png",
            "must be an https:// address",
        ),
    ] {
        let to = settings_post(&owner, &app, &[(field, value)]).await;
        assert_eq!(to, "/settings?error=invalid", "{field}");
        let (_, html) = page(&owner, &app.url("/settings")).await;
        assert!(html.contains(message), "{field}: {html}");
    }
    assert_eq!(store(&app).await, before, "nothing saved");
    app.stop().await;
}

/// The real binary, in a directory with no stray .env (see `cli.rs`).
fn settle(db_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    crate::cli::run_settle(&std::env::temp_dir(), db_url, args, &[], stdin)
}

fn out(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The same store, set up by an operator's script.
async fn an_operator_sets_up_the_store_from_the_command_line(backend: Backend) {
    let Some(_) = sample_export() else {
        eprintln!("skipping: ../shared/data is not on this machine");
        return;
    };
    let export =
        common::doubles::workspace_root().join("../shared/data/woocommerce-sample-products.csv");
    let export = export.to_str().unwrap();
    let test_db = TestDb::new(backend).await;
    let url = test_db.url.clone();
    let run = |args: &[&str]| settle(&url, args, "");

    let o = settle(
        &url,
        &["staff", "add", OWNER.0, "--name", "Marie", "--admin"],
        &format!("{}\n", OWNER.1),
    );
    assert!(o.status.success(), "{}", out(&o));

    let o = run(&["settings", "set", "colour=blue"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("unknown setting \"colour\""), "{err}");

    let o = run(&["settings", "set", "currency=EURO", "name=Chez Marie"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("currency: "), "{}", out(&o));

    let o = run(&[
        "settings",
        "set",
        "name=Chez Marie",
        "email=bonjour@chez-marie.example",
        "address=3 rue des Lilas\\n75011 Paris",
        "currency=EUR",
        "time-zone=Europe/Paris",
        "prices-include-tax=yes",
    ]);
    assert!(o.status.success(), "{}", out(&o));

    // The import says which class lacks a rate and the command that fixes it.
    let o = run(&["import", "products", export]);
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    assert!(text.contains("standard"), "{text}");
    assert!(text.contains("settle tax-rate add"), "{text}");

    let o = run(&["tax-rate", "add", "--name", "TVA 20%", "--rate", "101"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("cannot be more than 100%"), "{}", out(&o));
    let o = run(&["tax-rate", "add", "--name", "TVA 20%", "--rate", "20"]);
    assert!(o.status.success(), "{}", out(&o));
    let o = run(&[
        "tax-rate",
        "add",
        "--name",
        "TVA 5,5%",
        "--rate",
        "5,5",
        "--class",
        "reduced-rate",
    ]);
    assert!(o.status.success(), "{}", out(&o));
    let o = run(&["tax-rate", "list"]);
    let text = out(&o);
    assert!(
        text.contains("standard") && text.contains("TVA 20%") && text.contains("5.5%"),
        "{text}"
    );

    let o = run(&["import", "products", export]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("21 imported"), "{}", out(&o));

    let db = test_db.connect().await;
    let s = app::settings::ssr::store(&db).await.unwrap();
    assert_eq!(
        (
            s.name.as_str(),
            s.currency.as_str(),
            s.time_zone.as_str(),
            s.prices_include_tax
        ),
        ("Chez Marie", "EUR", "Europe/Paris", true)
    );
    assert!(app::setup::ssr::ready_to_sell(&db, &s).await.unwrap());
}

/// The import page names the standard class "standard" (WooCommerce leaves
/// it empty): mapping it to one of the store's rates there imports the kept
/// file without a second upload.
async fn the_import_page_maps_a_class_to_an_existing_rate(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.add_staff(OWNER.0, OWNER.1, Role::Admin).await;
    let owner = app.signed_in_client(OWNER.0, OWNER.1).await;
    assert_eq!(
        post(
            &owner,
            &app,
            "/settings/tax-rates",
            &[("name", "VAT 5%"), ("rate", "5"), ("class", "reduced-rate")]
        )
        .await,
        "/settings?done=rate_added#tax-rates"
    );
    let reduced = tax_rate::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let csv = "Type,SKU,Name,Regular price,Tax class\n\
               simple,tea-1,Tea,4.00,\n\
               simple,jam-1,Jam,3.50,reduced-rate\n";
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("shop.csv");
    let res = owner
        .post(app.url("/catalog/import"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/catalog/import?error=classes");
    let (_, html) = page(&owner, &app.url("/catalog/import")).await;
    assert!(html.contains("name=\"map:standard\""), "{html}");

    let res = owner
        .post(app.url("/catalog/import"))
        .multipart(
            reqwest::multipart::Form::new()
                .text("rerun", "1")
                .text("map:standard", reduced.to_string()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/catalog/import?done=imported");
    assert_eq!(
        app::catalog::model::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        2
    );
    let tea = common::product_id(&app.db, "tea-1").await;
    let tea = app::catalog::model::Entity::find_by_id(tea)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tea.tax_rate_id, Some(reduced));
    // A finished import forgets the kept file: nothing left to run again.
    let (_, html) = page(&owner, &app.url("/catalog/import")).await;
    assert!(!html.contains("Run the import again"), "{html}");
    app.stop().await;
}

/// The till's total is the one charged: a rate (or the tax mode) changed
/// while the till was open refuses the sale instead of taking another amount.
async fn a_total_that_changed_since_the_till_opened_is_refused(backend: Backend) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let mug = common::product_id(&app.db, "MUG-01").await;
    // The demo mug: £12.00 + 20% = £14.40 on the till's screen; the admin has
    // since made prices include tax, so the server's total is £12.00.
    let mut s: settings::ActiveModel = store(&app).await.into();
    s.prices_include_tax = sea_orm::Set(true);
    sea_orm::ActiveModelTrait::update(s, &app.db).await.unwrap();
    let req = app::orders::create::NewOrderRequest {
        payment: app::orders::create::PaymentChoice::Cash,
        expected_total_minor: Some(1440),
        ..common::invoice(&[(mug, 1)], "")
    };
    let res = cashier
        .post(app.url(server_fn_path::<app::pos::api::SendOrder>()))
        .json(&serde_json::json!({ "order": req }))
        .send()
        .await
        .unwrap();
    let answer: serde_json::Value = res.json().await.unwrap();
    let text = answer.to_string();
    assert!(
        text.contains(
            "Prices or taxes changed since this till opened: the total is now £12.00, not £14.40"
        ),
        "{text}"
    );
    assert_eq!(
        order::Entity::find().count(&app.db).await.unwrap(),
        0,
        "nothing saved"
    );
    app.stop().await;
}

/// Optional steps can be dismissed (required ones cannot), the checklist goes
/// once nothing is left, and Check Stripe says what Stripe answered.
async fn the_checklist_dismisses_optional_steps_and_checks_stripe(backend: Backend) {
    let stripe = common::doubles::LocalStripe::start();
    let app = crate::stripe::stripe_app(backend, &stripe).await;
    app.add_staff(OWNER.0, OWNER.1, Role::Admin).await;
    let owner = app.signed_in_client(OWNER.0, OWNER.1).await;
    let html = checklist(&owner, &app).await;
    assert!(
        step(&html, "online").contains("Done"),
        "keys are set: {html}"
    );
    assert!(step(&html, "online").contains("test keys"), "{html}");

    assert_eq!(
        post(&owner, &app, "/setup/stripe-check", &[]).await,
        "/?done=stripe#online-payment"
    );
    let html = checklist(&owner, &app).await;
    assert!(
        step(&html, "online").contains("Stripe answered and accepted the secret key. Mode: test"),
        "{html}"
    );

    assert_eq!(
        post(&owner, &app, "/setup/dismiss", &[("step", "products")]).await,
        "/?error=not_optional"
    );
    assert!(step(&html, "email").contains("Optional"), "{html}");
    assert_eq!(
        post(&owner, &app, "/setup/dismiss", &[("step", "email")]).await,
        "/?done=dismissed"
    );
    // The demo seed did every other step: with email dismissed, the checklist goes.
    let html = checklist(&owner, &app).await;
    assert!(!html.contains("Set up your store"), "{html}");
    assert!(html.contains("Open the POS"), "{html}");
    assert_eq!(store(&app).await.setup_dismissed, "email");
    app.stop().await;
}

both_backends!(
    the_import_page_maps_a_class_to_an_existing_rate,
    a_total_that_changed_since_the_till_opened_is_refused,
    the_checklist_dismisses_optional_steps_and_checks_stripe,
    a_new_owner_sets_up_a_french_store_and_sends_the_first_invoice,
    bad_settings_and_rates_are_refused_and_nothing_saved,
    an_operator_sets_up_the_store_from_the_command_line,
);
