//! Home's day at a glance, as a cashier reads it: what needs attention,
//! who is expected in store today, what is overdue (with its balance from
//! the ledger and its days late), and the money taken today with what the
//! till should hold; and the POS's own "expected in store today". Orders
//! and money go through the real endpoints (the POS, the till, a refund);
//! SQLite and PostgreSQL.
use crate::common::{self, location, page, server_fn_path, Backend, TestApp};
use app::domain::StoreZone;
use app::orders::create::{NewOrderRequest, PaymentChoice};
use app::orders::model::order;
use app::payments::model as payment;
use app::reminders::Policy;
use app::settings::ssr::model as settings;
use app::staff::Role;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use time::{Date, Duration, OffsetDateTime};

const ADMIN: (&str, &str) = ("boss@example.com", "keys open many doors");
const CASHIER: (&str, &str) = ("till@example.com", "blue river stones 42");
/// Fourteen hours ahead of UTC: for most of the day the store's date is not
/// UTC's, so a list that used the server's date would show the wrong day.
const ZONE: &str = "Pacific/Kiritimati";

/// Posts the cart as the POS island does; the new order's number.
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

/// One demo tote bag (£18.00 with VAT), paid as `payment` or invoiced to `email`.
async fn tote(app: &TestApp, payment: PaymentChoice, email: &str) -> NewOrderRequest {
    NewOrderRequest {
        payment,
        expected_total_minor: Some(1800),
        ..common::invoice(&[(common::product_id(&app.db, "TOTE-01").await, 1)], email)
    }
}

async fn order_no(app: &TestApp, number: i64) -> order::Model {
    order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// Writes one column of an order directly (see each caller for why).
async fn set_column(app: &TestApp, number: i64, column: order::Column, value: sea_orm::Value) {
    order::Entity::update_many()
        .col_expr(column, Expr::value(value))
        .filter(order::Column::Number.eq(number))
        .exec(&app.db)
        .await
        .unwrap();
}

/// The part of a page inside the section marked `testid`.
fn section<'a>(html: &'a str, testid: &str) -> &'a str {
    let start = html
        .find(&format!("data-testid=\"{testid}\""))
        .unwrap_or_else(|| panic!("no {testid} on the page: {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

fn link(number: i64) -> String {
    format!("href=\"/orders/{number}\"")
}

async fn home_shows_the_day_at_a_glance(backend: Backend) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    let store = app::settings::ssr::store(&app.db).await.unwrap();
    let mut zoned: settings::ActiveModel = store.into();
    zoned.time_zone = Set(ZONE.into());
    zoned.update(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let admin = app.signed_in_client(ADMIN.0, ADMIN.1).await;
    let today: Date = StoreZone::stored(ZONE).today(OffsetDateTime::now_utc());

    // A quiet morning: every list says so, and the POS shows no list at all.
    let (status, html) = page(&till, &app.url("/")).await;
    assert_eq!(status, 200);
    for testid in [
        "home-attention",
        "home-expected",
        "home-overdue",
        "home-taken",
    ] {
        assert!(
            section(&html, testid).contains("Nothing here."),
            "{testid}: {html}"
        );
    }
    let (_, pos) = page(&till, &app.url("/pos")).await;
    assert!(!pos.contains("data-testid=\"pos-expected\""), "{pos}");

    // A cash sale at the till, then £5.00 of it refunded.
    let sold = send(&app, &till, &tote(&app, PaymentChoice::Cash, "").await).await;
    let sold_order = order_no(&app, sold).await;
    let paid = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(sold_order.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let res = admin
        .post(app.url(&format!("/orders/{sold}/refund")))
        .form(&[
            ("payment", paid.id.to_string().as_str()),
            ("amount", "5"),
            ("reason", "scuffed"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), format!("/orders/{sold}?done=refunded"));
    // Paid orders are never overdue, whatever their date says.
    set_column(
        &app,
        sold,
        order::Column::DueDate,
        (today - Duration::days(10)).into(),
    )
    .await;

    // An invoice the customer will pay in store today. The pay page's "I'll
    // pay in store" is not on this branch yet, so the column it will write is
    // set directly.
    let expected = send(
        &app,
        &till,
        &tote(&app, PaymentChoice::EmailInvoice, "ada@example.com").await,
    )
    .await;
    set_column(&app, expected, order::Column::InStoreOn, today.into()).await;

    // An invoice three days overdue, £10.00 of it paid in cash at the till.
    // The app refuses a due date in the past (the POS and the due-date edit
    // both check it), and a test cannot wait three days, so the due date is
    // moved directly.
    let overdue = send(
        &app,
        &till,
        &tote(&app, PaymentChoice::EmailInvoice, "grace@example.com").await,
    )
    .await;
    let res = till
        .post(app.url(&format!("/orders/{overdue}/settle")))
        .form(&[("method", "cash"), ("amount", "10"), ("tendered", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), format!("/orders/{overdue}?done=part_paid"));
    set_column(
        &app,
        overdue,
        order::Column::DueDate,
        (today - Duration::days(3)).into(),
    )
    .await;
    // Its next reminder, the second of the default policy's three, as the
    // scheduler keeps it (when it plans what is the scheduler's tests'
    // business): written directly, so that its day is known.
    let remind_on = today + Duration::days(2);
    let at = StoreZone::stored(ZONE).instant(remind_on, 9, 0);
    set_column(&app, overdue, order::Column::NextReminderAt, at.into()).await;
    set_column(&app, overdue, order::Column::NextReminderStep, 1i32.into()).await;
    set_column(
        &app,
        overdue,
        order::Column::NextReminderRepeat,
        0i32.into(),
    )
    .await;
    // The demo store sends reminders; switched off, a plan left on an order
    // is not shown (it would never go).
    let store = app::settings::ssr::store(&app.db).await.unwrap();
    let mut off: settings::ActiveModel = store.into();
    off.reminder_policy = Set(String::new());
    off.update(&app.db).await.unwrap();

    // An order flagged for a person. Only payment handling flags one (a
    // Stripe payment of another amount, as the Stripe tests show), so the
    // flag is written directly; it is what Home reads. Its customer will
    // pay in store tomorrow, which is not today's list.
    let flagged = send(
        &app,
        &till,
        &tote(&app, PaymentChoice::EmailInvoice, "lin@example.com").await,
    )
    .await;
    set_column(
        &app,
        flagged,
        order::Column::Attention,
        Some("Paid twice: refund the second payment".to_owned()).into(),
    )
    .await;
    set_column(
        &app,
        flagged,
        order::Column::InStoreOn,
        (today + Duration::days(1)).into(),
    )
    .await;

    // Home, as the cashier reads it.
    let (status, html) = page(&till, &app.url("/")).await;
    assert_eq!(status, 200);

    let attention = section(&html, "home-attention");
    assert!(attention.contains(&link(flagged)), "{attention}");
    assert!(
        attention.contains("Paid twice: refund the second payment"),
        "{attention}"
    );
    assert!(!attention.contains(&link(expected)), "{attention}");

    let expecting = section(&html, "home-expected");
    assert!(expecting.contains(&link(expected)), "{expecting}");
    assert!(expecting.contains("ada@example.com"), "{expecting}");
    assert!(expecting.contains("£18.00"), "{expecting}");
    assert!(
        !expecting.contains(&link(flagged)),
        "tomorrow's promise is not today's: {expecting}"
    );

    let late = section(&html, "home-overdue");
    assert!(late.contains(&link(overdue)), "{late}");
    assert!(late.contains("3 days overdue"), "{late}");
    assert!(
        late.contains("£8.00"),
        "the balance after the £10.00 taken, from the ledger: {late}"
    );
    assert!(
        late.contains("None planned"),
        "reminders off, whatever was planned: {late}"
    );
    assert!(
        !late.contains(&link(sold)),
        "a paid order is not overdue: {late}"
    );
    assert!(!late.contains(&link(expected)), "due in the future: {late}");

    // Cash: the sale (£18.00) and the part payment (£10.00); £5.00 back.
    let taken = section(&html, "home-taken");
    assert!(taken.contains("Cash"), "{taken}");
    assert!(taken.contains("£28.00"), "{taken}");
    assert!(taken.contains("£5.00"), "{taken}");
    assert!(
        taken.contains("Refunds today: £5.00 (1 refund)."),
        "{taken}"
    );
    let till_line = section(taken, "home-till");
    assert!(
        till_line.contains("The till should hold £23.00"),
        "£28.00 taken − £5.00 refunded: {till_line}"
    );

    // Reminders switched on (written directly: the policy's settings form
    // is not on this branch), the planned one shows, in the store's time.
    let store = app::settings::ssr::store(&app.db).await.unwrap();
    let mut on: settings::ActiveModel = store.into();
    on.reminder_policy = Set(Policy {
        enabled: true,
        ..Policy::default()
    }
    .to_json());
    on.update(&app.db).await.unwrap();
    let (_, html) = page(&till, &app.url("/")).await;
    let day = remind_on
        .format(time::macros::format_description!(
            "[weekday repr:short] [day padding:none] [month repr:short]"
        ))
        .unwrap();
    let late = section(&html, "home-overdue");
    assert!(
        late.contains(&format!("Next: {day}, 2nd of 3")),
        "{day}: {late}"
    );

    // The POS lists the same order expected today, and only it.
    let (status, pos) = page(&till, &app.url("/pos")).await;
    assert_eq!(status, 200);
    let start = pos
        .find("data-testid=\"pos-expected\"")
        .unwrap_or_else(|| panic!("no expected list on the POS: {pos}"));
    let listed = &pos[start
        ..pos[start..]
            .find("</details>")
            .map_or(pos.len(), |e| start + e)];
    assert!(listed.contains(&link(expected)), "{listed}");
    assert!(listed.contains("£18.00"), "{listed}");
    assert!(!listed.contains(&link(flagged)), "{listed}");
    app.stop().await;
}

both_backends!(home_shows_the_day_at_a_glance);
