//! The customer's pay page and settling an invoice at the till, over HTTP
//! against the real router, on SQLite and PostgreSQL.
use crate::common::{self, location, page, Backend, TestApp};
use app::email::ssr::model as outbox;
use app::orders::model::{event, order};
use app::staff::Role;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

const CASHIER: (&str, &str) = ("till@example.com", "blue river stones 42");

/// A seeded shop with one invoice (#1001, 2 mugs, to a guest); its pay URL path.
pub(crate) async fn shop_with_invoice(app: &TestApp) -> String {
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let staff = app::staff::ssr::model::Entity::find()
        .filter(app::staff::ssr::model::Column::Email.eq(CASHIER.0))
        .one(&app.db)
        .await
        .unwrap()
        .and_then(|m| m.view())
        .unwrap();
    let mug = common::product_id(&app.db, "MUG-01").await;
    let req = common::invoice(&[(mug, 2)], "guest@example.com");
    app::orders::service::create_order(&app.db, &staff, "http://x", req)
        .await
        .unwrap();
    let o = the_order(app).await;
    format!("/pay/{}?key={}", o.number, o.order_key.encode())
}

async fn the_order(app: &TestApp) -> order::Model {
    order::Entity::find().one(&app.db).await.unwrap().unwrap()
}

/// Changes the order as the app's own paths do: with `updated_at`, which the
/// pay page's cache keys on.
async fn set_order(app: &TestApp, change: impl FnOnce(&mut order::ActiveModel)) {
    let mut active: order::ActiveModel = the_order(app).await.into();
    change(&mut active);
    active.updated_at = Set(time::OffsetDateTime::now_utc());
    active.update(&app.db).await.unwrap();
}

async fn the_pay_page_shows_each_state(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let path = shop_with_invoice(&app).await;
    let browser = app.client();

    let res = browser.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    let html = res.text().await.unwrap();
    for expected in [
        "<h1>Pay for order #1001</h1>",
        "Ceramic mug",
        "£24.00",
        "£28.80",
        "VAT 20%",
        "Corner Coffee Co.",
        "Online payment is not available",
        "pay in store",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    assert!(
        !html.contains("/pkg/settle.js") && !html.contains(".wasm"),
        "no wasm on the pay page"
    );
    // A second view comes from memory, still with a nonce of its own.
    let again = browser.get(app.url(&path)).send().await.unwrap();
    let csp2 = again.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html2 = again.text().await.unwrap();
    assert_ne!(csp, csp2, "a fresh nonce per response");
    let nonce2 = csp2
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    assert!(html2.contains(&format!("nonce=\"{nonce2}\"")) && !html2.contains("__settle_nonce__"));
    let views = event::Entity::find()
        .filter(event::Column::Kind.eq("viewed"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(views, 1, "the first view is recorded, once");

    // A wrong key, an unknown order, a malformed number: the same 404.
    let o = the_order(&app).await;
    let mut tampered = o.order_key.encode();
    let last = if tampered.ends_with('A') { "B" } else { "A" };
    tampered.replace_range(21..22, last);
    let (s1, wrong_key) = page(&browser, &app.url(&format!("/pay/1001?key={tampered}"))).await;
    let (s2, missing) = page(
        &browser,
        &app.url(&format!("/pay/999999?key={}", o.order_key.encode())),
    )
    .await;
    let (s3, garbage) = page(&browser, &app.url("/pay/10x1?key=%3Cscript%3E")).await;
    let (s4, no_key) = page(&browser, &app.url("/pay/1001")).await;
    assert_eq!((s1, s2, s3, s4), (404, 404, 404, 404));
    assert!(wrong_key == missing && missing == garbage && garbage == no_key);

    set_order(&app, |o| {
        o.due_date = Set(Some(
            time::OffsetDateTime::now_utc().date() - time::Duration::days(30),
        ))
    })
    .await;
    let (_, html) = page(&browser, &app.url(&path)).await;
    assert!(
        html.contains("This invoice has expired")
            && !html.contains("Online payment is not available"),
        "{html}"
    );
    assert_eq!(
        the_order(&app).await.status,
        "pending",
        "expiry never cancels"
    );

    set_order(&app, |o| {
        o.status = Set(app::orders::OrderStatus::parse("cancelled").unwrap())
    })
    .await;
    let (_, html) = page(&browser, &app.url(&path)).await;
    assert!(
        html.contains("This order was cancelled") && html.contains("hello@"),
        "says how to reach the store: {html}"
    );

    set_order(&app, |o| {
        o.status = Set(app::orders::OrderStatus::parse("refunded").unwrap())
    })
    .await;
    let (_, html) = page(&browser, &app.url(&path)).await;
    assert!(html.contains("This order was refunded"));

    set_order(&app, |o| {
        o.status = Set(app::orders::OrderStatus::parse("quote").unwrap())
    })
    .await;
    assert_eq!(
        page(&browser, &app.url(&path)).await.0,
        404,
        "a quote has no pay page"
    );
    app.stop().await;
}

async fn wrong_keys_are_throttled_per_address(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let path = shop_with_invoice(&app).await;
    let browser = app.client();
    let allowance = app::payments::pay::ssr::WRONG_KEYS_PER_ADDRESS;
    for _ in 0..allowance {
        let (status, _) = page(&browser, &app.url("/pay/1001?key=AAAAAAAAAAAAAAAAAAAAAA")).await;
        assert_eq!(status, 404);
    }
    let res = browser
        .get(app.url("/pay/1002?key=AAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "one wrong key too many");
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry_after), "{retry_after}");
    assert!(res.text().await.unwrap().contains("Too many attempts"));
    let (status, html) = page(&browser, &app.url(&path)).await;
    assert_eq!(status, 200, "the right key is never throttled");
    assert!(html.contains("Pay for order #1001"), "{html}");
    app.stop().await;
}

async fn an_invoice_is_settled_at_the_till(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let path = shop_with_invoice(&app).await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let payments = || async {
        app::payments::model::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
    };

    let res = app
        .client()
        .post(app.url("/orders/1001/settle"))
        .form(&[("method", "cash")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (_, html) = page(&cashier, &app.url("/orders/1001?take=1")).await;
    assert!(
        html.contains("Confirm payment") && html.contains("Payment method"),
        "{html}"
    );

    let settle = |form: Vec<(&'static str, &'static str)>| {
        let cashier = cashier.clone();
        let url = app.url("/orders/1001/settle");
        async move { location(&cashier.post(url).form(&form).send().await.unwrap()) }
    };
    assert_eq!(
        settle(vec![("method", "cheque")]).await,
        "/orders/1001?take=1&error=method"
    );
    assert_eq!(
        settle(vec![("method", "cash"), ("tendered", "20")]).await,
        "/orders/1001?take=1&error=tendered"
    );
    assert_eq!(
        settle(vec![("method", "cash"), ("tendered", "twenty")]).await,
        "/orders/1001?take=1&error=tendered_format"
    );
    assert!(payments().await.is_empty(), "refusals record nothing");
    assert_eq!(the_order(&app).await.status, "pending");

    assert_eq!(
        settle(vec![
            ("method", "cash"),
            ("tendered", "30"),
            ("reference", "till 2")
        ])
        .await,
        "/orders/1001?done=paid&change=120"
    );
    let (_, html) = page(&cashier, &app.url("/orders/1001?done=paid&change=120")).await;
    assert!(
        html.contains("Change due: <strong>£1.20</strong>"),
        "{html}"
    );
    let o = the_order(&app).await;
    assert_eq!(o.status, "paid");
    assert!(o.paid_at.is_some());
    let p = payments().await;
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].method, p[0].amount_minor, p[0].note.as_deref()),
        (
            app::payments::model::PaymentMethod::Cash,
            2880,
            Some("till 2")
        )
    );

    // Paid once: a second settlement is refused.
    assert_eq!(
        settle(vec![("method", "card_terminal")]).await,
        "/orders/1001?error=refused"
    );
    assert_eq!(payments().await.len(), 1);

    let receipt = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("receipt"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a receipt is queued");
    assert_eq!(receipt.recipient, "guest@example.com");
    assert_eq!(
        receipt.subject,
        "Receipt for order #1001 from Corner Coffee Co."
    );
    assert!(
        receipt.text_body.contains("Total paid: £28.80")
            && receipt.text_body.contains("by cash: £28.80"),
        "{}",
        receipt.text_body
    );
    assert!(!receipt.html_body.contains("Pay for this order"));

    let (_, html) = page(&app.client(), &app.url(&path)).await;
    assert!(
        html.contains("This order has been paid") && html.contains("by cash: £28.80"),
        "{html}"
    );
    app.stop().await;
}

async fn staff_extend_an_expired_invoice(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let path = shop_with_invoice(&app).await;
    let today = time::OffsetDateTime::now_utc().date();
    set_order(&app, |o| {
        o.due_date = Set(Some(today - time::Duration::days(30)))
    })
    .await;
    assert!(page(&app.client(), &app.url(&path))
        .await
        .1
        .contains("This invoice has expired"));

    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    // Staff see what the customer's link says: Expired, on the order page
    // and in Orders, where the expired and overdue filters find it.
    let (_, order_page) = page(&cashier, &app.url("/orders/1001")).await;
    assert!(order_page.contains(">Expired</span>"), "{order_page}");
    for filter in ["expired", "overdue"] {
        let (_, list) = page(&cashier, &app.url(&format!("/orders?status={filter}"))).await;
        assert!(
            list.contains("#1001") && list.contains(">Expired</span>"),
            "{filter}: {list}"
        );
    }
    // Due yesterday: overdue, not yet expired.
    set_order(&app, |o| {
        o.due_date = Set(Some(today - time::Duration::days(1)))
    })
    .await;
    let (_, list) = page(&cashier, &app.url("/orders?status=overdue")).await;
    assert!(
        list.contains("#1001") && list.contains(">Overdue</span>"),
        "{list}"
    );
    let (_, list) = page(&cashier, &app.url("/orders?status=expired")).await;
    assert!(!list.contains("#1001"), "{list}");
    set_order(&app, |o| {
        o.due_date = Set(Some(today - time::Duration::days(30)))
    })
    .await;
    let change = |date: String| {
        let (cashier, url) = (cashier.clone(), app.url("/orders/1001/due"));
        async move {
            location(
                &cashier
                    .post(url)
                    .form(&[("due_date", date)])
                    .send()
                    .await
                    .unwrap(),
            )
        }
    };
    assert_eq!(change("next week".into()).await, "/orders/1001?error=due");
    assert_eq!(
        change((today - time::Duration::days(1)).to_string()).await,
        "/orders/1001?error=due"
    );
    let later = today + time::Duration::days(14);
    assert_eq!(
        change(later.to_string()).await,
        "/orders/1001?done=due_changed"
    );
    assert_eq!(the_order(&app).await.due_date, Some(later));
    let (_, html) = page(&app.client(), &app.url(&path)).await;
    assert!(
        !html.contains("This invoice has expired") && html.contains("Total due"),
        "{html}"
    );
    let (_, order_page) = page(&cashier, &app.url("/orders/1001")).await;
    assert!(
        order_page.contains("Due date changed from"),
        "in the timeline"
    );
    app.stop().await;
}

async fn the_till_finds_an_order_by_number_qr_or_pay_link(backend: Backend) {
    use app::pos::api::FindOrders;
    let app = common::spawn_app(backend).await;
    let path = shop_with_invoice(&app).await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let url = app.url(common::server_fn_path::<FindOrders>());
    let find = |q: String| {
        let (cashier, url) = (cashier.clone(), url.clone());
        async move {
            let res = cashier
                .post(url)
                .form(&[("query", q)])
                .send()
                .await
                .unwrap();
            let hits: Vec<serde_json::Value> = res.json().await.unwrap();
            hits.iter()
                .map(|h| h["number"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        find("1001".into()).await,
        [1001],
        "typed, or scanned from the QR code"
    );
    assert_eq!(find("#1001".into()).await, [1001]);
    assert_eq!(
        find(format!("http://127.0.0.1:3000{path}")).await,
        [1001],
        "a pasted pay link"
    );
    assert_eq!(find("guest@exa".into()).await, [1001], "by email");
    assert!(find("9999".into()).await.is_empty());
    let res = app
        .client()
        .post(url)
        .form(&[("query", "1001")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // The QR code of the order number: on the pay page and in the invoice.
    let (_, html) = page(&app.client(), &app.url(&path)).await;
    assert!(
        html.contains("aria-label=\"QR code of order number 1001\""),
        "{html}"
    );
    let invoice = outbox::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert!(
        invoice.html_body.contains("bgcolor=\"#000000\""),
        "a table QR code survives image blocking"
    );
    assert!(
        invoice.html_body.len() < 80_000,
        "well under Gmail's clipping size: {}",
        invoice.html_body.len()
    );
    app.stop().await;
}

both_backends!(
    the_till_finds_an_order_by_number_qr_or_pay_link,
    staff_extend_an_expired_invoice,
    the_pay_page_shows_each_state,
    wrong_keys_are_throttled_per_address,
    an_invoice_is_settled_at_the_till,
);
