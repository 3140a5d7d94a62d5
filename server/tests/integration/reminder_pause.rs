//! Staff pause and resume an invoice's payment reminders from the order page:
//! the pause (its day and reason) is stored, written to the timeline and
//! shown on the page; resuming clears it and plans the next reminder again;
//! a day already past, too far ahead, or not a date, and a reason that is
//! too long or not one line, are refused with their message and nothing is
//! saved; an order that is paid cannot be paused. Orders are made the way
//! the POS makes them (its server fn), actions posted the way the page's
//! forms post them. SQLite and PostgreSQL.
use crate::common::{self, location, page, server_fn_path, Backend, TestApp};
use app::domain::StoreZone;
use app::orders::create::{NewOrderRequest, PaymentChoice};
use app::orders::model::event::{self, EventKind};
use app::orders::model::order;
use app::orders::service::long_date;
use app::reminders::Policy;
use app::settings::ssr::model as settings;
use app::staff::Role;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::{Date, Duration, OffsetDateTime};

const CASHIER: (&str, &str) = ("till@example.com", "blue river stones 42");

/// The demo store with reminders switched on (the default steps) and a
/// cashier signed in.
async fn till(backend: Backend) -> (TestApp, reqwest::Client) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    settings::ActiveModel {
        id: Set(settings::SINGLETON_ID),
        reminder_policy: Set(Policy {
            enabled: true,
            ..Policy::default()
        }
        .to_json()),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    (app, cashier)
}

/// Posts the order as the POS island does; the new order's number.
async fn send(app: &TestApp, till: &reqwest::Client, req: &NewOrderRequest) -> i64 {
    let res = till
        .post(app.url(server_fn_path::<app::pos::api::SendOrder>()))
        .json(&serde_json::json!({ "order": req }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let answer: serde_json::Value = res.json().await.unwrap();
    answer["Created"]["number"]
        .as_i64()
        .unwrap_or_else(|| panic!("not created: {answer}"))
}

/// An email invoice for one mug, due on the store's usual terms.
async fn invoice(app: &TestApp, till: &reqwest::Client) -> order::Model {
    let mug = common::product_id(&app.db, "MUG-01").await;
    let number = send(app, till, &common::invoice(&[(mug, 1)], "ada@example.com")).await;
    order_no(app, number).await
}

async fn order_no(app: &TestApp, number: i64) -> order::Model {
    order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// The order's timeline entries about reminders, oldest first.
async fn reminder_events(app: &TestApp, order_id: i32) -> Vec<String> {
    event::Entity::find()
        .filter(event::Column::OrderId.eq(order_id))
        .filter(event::Column::Kind.eq(EventKind::RemindersChanged))
        .order_by_asc(event::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect()
}

/// The store's today, as the server reads it.
async fn today(app: &TestApp) -> Date {
    let store = app::settings::ssr::store(&app.db).await.unwrap();
    StoreZone::stored(&store.time_zone).today(OffsetDateTime::now_utc())
}

/// Posts the Pause form as the page does; where it sends the browser.
async fn pause(
    app: &TestApp,
    till: &reqwest::Client,
    number: i64,
    until: &str,
    reason: &str,
) -> String {
    let res = till
        .post(app.url(&format!("/orders/{number}/reminders/pause")))
        .form(&[("until", until), ("reason", reason)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    location(&res)
}

async fn resume(app: &TestApp, till: &reqwest::Client, number: i64) -> String {
    let res = till
        .post(app.url(&format!("/orders/{number}/reminders/resume")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    location(&res)
}

async fn order_page(app: &TestApp, till: &reqwest::Client, path: &str) -> String {
    let (status, html) = page(till, &app.url(path)).await;
    assert_eq!(status, 200, "{path}");
    html
}

async fn pausing_and_resuming_reminders(backend: Backend) {
    let (app, till) = till(backend).await;
    let o = invoice(&app, &till).await;
    let n = o.number;
    let html = order_page(&app, &till, &format!("/orders/{n}")).await;
    assert!(html.contains("data-testid=\"order-reminders\""), "{html}");
    assert!(html.contains("Pause reminders"), "{html}");
    assert!(!html.contains("Resume reminders"), "not paused yet");

    // Ten days on: clear of midnight whichever side of it the server reads today.
    let until = today(&app).await + Duration::days(10);
    assert_eq!(
        pause(&app, &till, n, &until.to_string(), "  customer on holiday ").await,
        format!("/orders/{n}?done=reminders_paused")
    );
    let paused = order_no(&app, n).await;
    assert_eq!(paused.reminders_paused_until, Some(until));
    assert_eq!(
        paused.reminders_pause_reason.as_deref(),
        Some("customer on holiday"),
        "stored trimmed"
    );
    assert!(paused.updated_at > o.updated_at);
    assert_eq!(
        reminder_events(&app, o.id).await,
        vec![format!(
            "Reminders paused until {} by Test Person: customer on holiday",
            long_date(until)
        )]
    );
    let html = order_page(&app, &till, &format!("/orders/{n}?done=reminders_paused")).await;
    assert!(html.contains("Reminders paused."), "the notice: {html}");
    assert!(
        html.contains(&format!(
            "Paused until {}: customer on holiday",
            long_date(until)
        )),
        "{html}"
    );
    assert!(html.contains("Resume reminders"), "{html}");

    // Resuming clears the pause and plans the first reminder (3 days
    // before the due date, 14 days out) from the store's policy.
    assert_eq!(
        resume(&app, &till, n).await,
        format!("/orders/{n}?done=reminders_resumed")
    );
    let resumed = order_no(&app, n).await;
    assert_eq!(resumed.reminders_paused_until, None);
    assert_eq!(resumed.reminders_pause_reason, None);
    assert_eq!(
        (resumed.next_reminder_step, resumed.next_reminder_repeat),
        (Some(0), Some(0)),
        "the first reminder is planned again"
    );
    let at = resumed
        .next_reminder_at
        .expect("the next reminder has a time");
    assert!(at > OffsetDateTime::now_utc());
    assert_eq!(
        reminder_events(&app, o.id).await.last().map(String::as_str),
        Some("Reminders resumed by Test Person")
    );
    let html = order_page(&app, &till, &format!("/orders/{n}")).await;
    assert!(!html.contains("Paused until"), "{html}");
    assert!(!html.contains("Resume reminders"), "{html}");
    // UTC is the demo store's zone: the instant read in UTC is the store's.
    let day = at
        .to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[weekday repr:short] [day padding:none] [month repr:short]"
        ))
        .unwrap();
    assert!(
        html.contains(&format!("Next reminder: {day}, 1st of 3")),
        "{html}"
    );

    // Resuming again: nothing is paused, nothing is written.
    assert_eq!(
        resume(&app, &till, n).await,
        format!("/orders/{n}?error=not_paused")
    );
    assert_eq!(reminder_events(&app, o.id).await.len(), 2);

    // A pause without a reason says so without one.
    assert_eq!(
        pause(&app, &till, n, &until.to_string(), "").await,
        format!("/orders/{n}?done=reminders_paused")
    );
    assert_eq!(order_no(&app, n).await.reminders_pause_reason, None);
    assert_eq!(
        reminder_events(&app, o.id).await.last().cloned(),
        Some(format!(
            "Reminders paused until {} by Test Person",
            long_date(until)
        ))
    );
    app.stop().await;
}

async fn bad_pauses_are_refused_and_nothing_saved(backend: Backend) {
    let (app, till) = till(backend).await;
    let o = invoice(&app, &till).await;
    let n = o.number;
    let today = today(&app).await;
    let soon = (today + Duration::days(5)).to_string();
    let cases: Vec<(String, String, &str)> = vec![
        // Two days back: past whichever side of midnight the server reads today.
        (
            (today - Duration::days(2)).to_string(),
            String::new(),
            "pause_date",
        ),
        ("next tuesday".into(), String::new(), "pause_date"),
        ("2026-02-30".into(), String::new(), "pause_date"),
        (String::new(), "holiday".into(), "pause_date"),
        (
            (today + Duration::days(400)).to_string(),
            String::new(),
            "pause_too_far",
        ),
        (soon.clone(), "x".repeat(201), "pause_reason"),
        (soon.clone(), "on holiday\nback soon".into(), "pause_reason"),
        (soon.clone(), "bell\u{7}".into(), "pause_reason"),
    ];
    for (until, reason, code) in &cases {
        assert_eq!(
            pause(&app, &till, n, until, reason).await,
            format!("/orders/{n}?error={code}"),
            "{until:?} {reason:?}"
        );
    }
    let after = order_no(&app, n).await;
    assert_eq!(after.reminders_paused_until, None, "nothing saved");
    assert_eq!(after.reminders_pause_reason, None);
    assert_eq!(after.updated_at, o.updated_at);
    assert!(reminder_events(&app, o.id).await.is_empty());

    // Each refusal comes back to the page as its message.
    for (code, message) in [
        (
            "pause_date",
            "Enter the day to pause reminders until: today or a later date.",
        ),
        (
            "pause_too_far",
            "Reminders can be paused for at most a year",
        ),
        (
            "pause_reason",
            "The reason for pausing can be at most 200 characters on one line.",
        ),
        ("not_paused", "Reminders on this order are not paused."),
    ] {
        let html = order_page(&app, &till, &format!("/orders/{n}?error={code}")).await;
        assert!(html.contains(message), "{code}: {html}");
        assert!(html.contains("role=\"alert\""), "{code}: shown as an error");
    }
    // Today itself is not past; 365 days is the longest pause.
    assert_eq!(
        pause(
            &app,
            &till,
            n,
            &(today + Duration::days(365)).to_string(),
            ""
        )
        .await,
        format!("/orders/{n}?done=reminders_paused")
    );
    app.stop().await;
}

async fn a_paid_order_cannot_be_paused(backend: Backend) {
    let (app, till) = till(backend).await;
    let tote = common::product_id(&app.db, "TOTE-01").await;
    let n = send(
        &app,
        &till,
        &NewOrderRequest {
            payment: PaymentChoice::Cash,
            ..common::invoice(&[(tote, 1)], "")
        },
    )
    .await;
    let o = order_no(&app, n).await;
    assert_eq!(o.status, "paid");
    let until = (today(&app).await + Duration::days(10)).to_string();
    assert_eq!(
        pause(&app, &till, n, &until, "customer on holiday").await,
        format!("/orders/{n}?error=refused")
    );
    assert_eq!(
        resume(&app, &till, n).await,
        format!("/orders/{n}?error=refused")
    );
    let after = order_no(&app, n).await;
    assert_eq!(after.reminders_paused_until, None, "nothing saved");
    assert_eq!(after.updated_at, o.updated_at);
    assert!(reminder_events(&app, o.id).await.is_empty());
    let html = order_page(&app, &till, &format!("/orders/{n}")).await;
    assert!(
        html.contains("No reminders: the order is not awaiting payment."),
        "{html}"
    );
    assert!(!html.contains("/reminders/pause"), "no Pause form: {html}");

    // No such order: 404, as for the order's other actions.
    let res = till
        .post(app.url("/orders/999999/reminders/pause"))
        .form(&[("until", until.as_str()), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    app.stop().await;
}

both_backends!(
    pausing_and_resuming_reminders,
    bad_pauses_are_refused_and_nothing_saved,
    a_paid_order_cannot_be_paused,
);
