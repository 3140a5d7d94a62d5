//! "I'll pay in store" on the pay page: the customer names a day (the store's
//! today up to 30 days ahead) with a plain form post, changes it, or takes it
//! back; a refusal saves nothing and says why beside the date field. Over
//! HTTP against the real router, the invoice made through the POS's own
//! endpoint, on SQLite and PostgreSQL.
use crate::common::{self, location, page, server_fn_path, Backend, TestApp};
use app::orders::model::event::{self, EventKind};
use app::orders::model::order;
use app::orders::service::long_date;
use app::staff::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use time::{Date, Duration, OffsetDateTime};

const CASHIER: (&str, &str) = ("till@example.com", "blue river stones 42");

/// A seeded shop and one invoice (2 mugs, £28.80, to a guest) sent as the
/// POS island sends it; the order and the signed-in till.
async fn shop_with_invoice(app: &TestApp) -> (order::Model, reqwest::Client) {
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let mug = common::product_id(&app.db, "MUG-01").await;
    let req = common::invoice(&[(mug, 2)], "guest@example.com");
    let res = till
        .post(app.url(server_fn_path::<app::pos::api::SendOrder>()))
        .json(&serde_json::json!({ "order": req }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let answer: serde_json::Value = res.json().await.unwrap();
    let number = answer["Created"]["number"]
        .as_i64()
        .unwrap_or_else(|| panic!("not created: {answer}"));
    (order_no(app, number).await, till)
}

async fn order_no(app: &TestApp, number: i64) -> order::Model {
    order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// The store's date, which is what the server checks a day against.
async fn store_today(app: &TestApp) -> Date {
    let store = app::settings::ssr::store(&app.db).await.unwrap();
    app::domain::StoreZone::stored(&store.time_zone).today(OffsetDateTime::now_utc())
}

/// The order's in-store timeline entries, oldest first.
async fn in_store_events(app: &TestApp, order_id: i32) -> Vec<String> {
    event::Entity::find()
        .filter(event::Column::OrderId.eq(order_id))
        .filter(event::Column::Kind.eq(EventKind::PayInStore))
        .order_by_asc(event::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect()
}

/// Posts the page's in-store form with `key`, as a browser on the page does
/// (no cross-site headers); the answer's status and Location.
async fn post(app: &TestApp, number: i64, key: &str, form: &[(&str, &str)]) -> (u16, String) {
    let res = app
        .client()
        .post(app.url(&format!("/pay/{number}/in-store?key={key}")))
        .form(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), location(&res))
}

const PROMISE: &str = "You said you will pay in store on";

async fn a_customer_says_they_will_pay_in_store(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (o, till) = shop_with_invoice(&app).await;
    let (number, key) = (o.number, o.order_key.encode());
    let path = app::orders::service::pay_url("", &o);
    let today = store_today(&app).await;
    let browser = app.client();

    // The offer: a button that opens a date form, today to 30 days ahead,
    // posting to the pay link's own address.
    let (status, html) = page(&browser, &app.url(&path)).await;
    assert_eq!(status, 200);
    for expected in [
        r#"<details class="in-store">"#.to_owned(),
        "I'll pay in store".to_owned(),
        format!(r#"action="/pay/{number}/in-store?key={key}""#),
        r#"<label for="in-store-date">Date</label>"#.to_owned(),
        format!(
            r#"type="date" name="date" placeholder="YYYY-MM-DD" required min="{today}" max="{}""#,
            today + Duration::days(30)
        ),
        ">Confirm</button>".to_owned(),
    ] {
        // Askama writes the apostrophe as an entity.
        assert!(
            html.contains(&expected) || html.contains(&expected.replace('\'', "&#39;")),
            "{expected}: {html}"
        );
    }
    assert!(
        !html.contains(PROMISE) && !html.contains("aria-invalid"),
        "{html}"
    );
    let before = order_no(&app, number).await;

    // Refused, each with its message beside the open form; nothing saved.
    for (date, code, message) in [
        (
            (today - Duration::days(1)).to_string(),
            "past",
            "That day has passed. Choose today or a later day.",
        ),
        (
            (today + Duration::days(31)).to_string(),
            "far",
            "Choose a day within the next 30 days.",
        ),
        ("next tuesday".to_owned(), "format", "That is not a date."),
        (String::new(), "format", "That is not a date."),
    ] {
        let (status, to) = post(&app, number, &key, &[("date", date.as_str())]).await;
        assert_eq!(status, 303, "{date:?}");
        assert_eq!(to, format!("{path}&in_store_error={code}"), "{date:?}");
        let (_, html) = page(&browser, &app.url(&to)).await;
        for expected in [
            message,
            r#"<details class="in-store" open>"#,
            r#"aria-invalid="true" aria-describedby="in-store-date-error""#,
            r#"<span class="error field-error" id="in-store-date-error" role="alert">"#,
        ] {
            assert!(html.contains(expected), "{code}, {expected}: {html}");
        }
    }
    // A wrong key or none: the pay page's own 404; from another site: 403.
    let tomorrow = today + Duration::days(1);
    let tomorrow_text = tomorrow.to_string();
    let mut tampered = key.clone();
    let last = if tampered.ends_with('A') { "B" } else { "A" };
    tampered.replace_range(21..22, last);
    for wrong in [tampered.as_str(), ""] {
        let (status, _) = post(&app, number, wrong, &[("date", tomorrow_text.as_str())]).await;
        assert_eq!(status, 404, "{wrong:?}");
    }
    let (status, _) = post(&app, 999_999, &key, &[("date", tomorrow_text.as_str())]).await;
    assert_eq!(status, 404, "another order's number");
    let res = app
        .client()
        .post(app.url(&format!("/pay/{number}/in-store?key={key}")))
        .header("sec-fetch-site", "cross-site")
        .form(&[("date", &tomorrow_text)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(order_no(&app, number).await, before, "nothing saved");
    assert!(in_store_events(&app, o.id).await.is_empty());

    // Tomorrow: saved, in the timeline, and on the page above the payment
    // section, which stays.
    let (status, to) = post(&app, number, &key, &[("date", tomorrow_text.as_str())]).await;
    assert_eq!((status, to.as_str()), (303, path.as_str()));
    let promised = order_no(&app, number).await;
    assert_eq!(promised.in_store_on, Some(tomorrow));
    assert!(
        promised.updated_at > before.updated_at,
        "the cached pay page is rendered afresh"
    );
    let on_tomorrow = format!("Customer will pay in store on {}", long_date(tomorrow));
    assert_eq!(in_store_events(&app, o.id).await, [on_tomorrow]);
    let (_, html) = page(&browser, &app.url(&path)).await;
    let promise = format!(
        "{PROMISE} {}. See you then! Show the QR code or order number at the till.",
        long_date(tomorrow)
    );
    let promise_at = html.find(&promise).unwrap_or_else(|| panic!("{html}"));
    let payment_at = html
        .find("Total due: £28.80")
        .unwrap_or_else(|| panic!("the payment section stays: {html}"));
    assert!(promise_at < payment_at, "the promise comes first: {html}");
    for expected in [
        "Online payment is not available",
        "Change the date",
        r#"<input type="hidden" name="cancel" value="1">"#,
        "Cancel the in-store date",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    assert!(!html.contains("I&#39;ll pay in store"), "{html}");

    // The same day again (a form sent twice) changes nothing.
    let (status, _) = post(&app, number, &key, &[("date", tomorrow_text.as_str())]).await;
    assert_eq!(status, 303);
    assert_eq!(in_store_events(&app, o.id).await.len(), 1);

    // The last day offered is accepted, and replaces the first.
    let furthest = today + Duration::days(30);
    let furthest_text = furthest.to_string();
    let (status, to) = post(&app, number, &key, &[("date", furthest_text.as_str())]).await;
    assert_eq!((status, to.as_str()), (303, path.as_str()));
    assert_eq!(order_no(&app, number).await.in_store_on, Some(furthest));
    let (_, html) = page(&browser, &app.url(&path)).await;
    assert!(
        html.contains(&format!("{PROMISE} {}.", long_date(furthest))),
        "{html}"
    );

    // Taken back: cleared, in the timeline, and the page offers the button again.
    let (status, to) = post(&app, number, &key, &[("cancel", "1")]).await;
    assert_eq!((status, to.as_str()), (303, path.as_str()));
    assert_eq!(order_no(&app, number).await.in_store_on, None);
    let events = in_store_events(&app, o.id).await;
    assert_eq!(
        events.last().map(String::as_str),
        Some("Customer will pay online instead"),
        "{events:?}"
    );
    assert_eq!(events.len(), 3);
    let (_, html) = page(&browser, &app.url(&path)).await;
    assert!(
        !html.contains(PROMISE) && html.contains("I&#39;ll pay in store"),
        "{html}"
    );

    // Promised again, then paid at the till: nothing more can be arranged.
    let (status, _) = post(&app, number, &key, &[("date", tomorrow_text.as_str())]).await;
    assert_eq!(status, 303);
    let res = till
        .post(app.url(&format!("/orders/{number}/settle")))
        .form(&[("method", "cash"), ("amount", ""), ("tendered", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), format!("/orders/{number}?done=paid"));
    let paid = order_no(&app, number).await;
    assert_eq!(paid.status, "paid");
    let events = in_store_events(&app, o.id).await.len();
    let day_after = (today + Duration::days(2)).to_string();
    for form in [[("date", day_after.as_str())], [("cancel", "1")]] {
        let (status, to) = post(&app, number, &key, &form).await;
        assert_eq!(status, 303);
        assert_eq!(to, format!("{path}&in_store_error=closed"), "{form:?}");
    }
    assert_eq!(order_no(&app, number).await, paid, "nothing saved");
    assert_eq!(in_store_events(&app, o.id).await.len(), events);
    let (_, html) = page(&browser, &app.url(&format!("{path}&in_store_error=closed"))).await;
    for expected in [
        "This order has been paid",
        "This order is no longer waiting for payment, so there is no visit to arrange.",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    assert!(
        !html.contains(PROMISE) && !html.contains(r#"name="date""#),
        "a paid order shows no promise and no date form: {html}"
    );
    app.stop().await;
}

both_backends!(a_customer_says_they_will_pay_in_store);
