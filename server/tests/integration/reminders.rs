//! Payment reminders on SQLite and PostgreSQL: the scheduler's tick driven
//! with the times a test chooses (no waiting for days to pass), invoices
//! made the way the POS makes them, mail delivered by the real outbox
//! worker to the SMTP double.
use crate::common::{self, doubles::SmtpSink, location, page, server_fn_path, Backend, TestApp};
use app::email::ssr::model as outbox;
use app::orders::model::{event, order};
use app::reminders::ssr::{model as reminder, schedule};
use app::reminders::{policy::Repeat, Policy, PolicyForm, Stopped};
use app::settings::ssr::model as settings;
use app::staff::Role;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use server::mail::Mailer;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const CASHIER: (&str, &str) = ("till@example.com", "blue river stones 42");

/// The demo store in Paris with `days` as its steps (default wording), the
/// given repeat, 09:00–18:00 Monday to Saturday. Written to the settings
/// row directly: the Settings form has its own tests (`reminder_settings`).
async fn store_with(app: &TestApp, days: &[&str], repeat: Option<Repeat>) {
    let mut form = PolicyForm::of(&Policy::default());
    form.enabled = true;
    form.steps = days
        .iter()
        .map(|d| app::reminders::policy::StepForm {
            days: (*d).to_owned(),
            ..Default::default()
        })
        .collect();
    let mut policy = form.parse().expect("a valid policy");
    policy.repeat = repeat;
    let row = settings::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut row = row.into_active_model();
    row.reminder_policy = Set(policy.to_json());
    row.time_zone = Set("Europe/Paris".into());
    row.update(&app.db).await.unwrap();
}

/// Reminders may go at any hour of any day (tests that tick at "now").
async fn always_open(app: &TestApp) {
    let row = settings::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut policy = Policy::from_json(&row.reminder_policy).unwrap();
    policy.window.start = 0;
    policy.window.end = 24 * 60;
    policy.window.days = [true; 7];
    let mut row = row.into_active_model();
    row.reminder_policy = Set(policy.to_json());
    row.update(&app.db).await.unwrap();
}

async fn till(backend: Backend) -> (TestApp, reqwest::Client) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    (app, cashier)
}

/// Two mugs (£28.80) invoiced to `email`, due on `due`, as the POS sends it.
async fn invoice(app: &TestApp, till: &reqwest::Client, email: &str, due: &str) -> order::Model {
    let req = app::orders::create::NewOrderRequest {
        due_date: due.into(),
        ..common::invoice(&[(common::product_id(&app.db, "MUG-01").await, 2)], email)
    };
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
    by_number(&app.db, number).await
}

/// Posts a form as the page does (no JavaScript): the answer, to read its redirect.
async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &impl serde::Serialize,
) -> reqwest::Response {
    client.post(app.url(path)).form(form).send().await.unwrap()
}

async fn by_number(db: &DatabaseConnection, number: i64) -> order::Model {
    order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

async fn handled(db: &DatabaseConnection, order_id: i32) -> Vec<reminder::Model> {
    reminder::Entity::find()
        .filter(reminder::Column::OrderId.eq(order_id))
        .order_by_asc(reminder::Column::Id)
        .all(db)
        .await
        .unwrap()
}

async fn reminder_mails(db: &DatabaseConnection, order_id: i32) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::OrderId.eq(order_id))
        .filter(outbox::Column::Kind.eq("reminder"))
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await
        .unwrap()
}

async fn timeline(db: &DatabaseConnection, order_id: i32) -> Vec<String> {
    event::Entity::find()
        .filter(event::Column::OrderId.eq(order_id))
        .order_by_asc(event::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect()
}

async fn tick(app: &TestApp, at: OffsetDateTime) -> schedule::Tick {
    schedule::tick(&app.db, "http://shop.test", at)
        .await
        .unwrap()
}

/// Due Friday 26 March 2027 in Paris; the clocks go forward on Sunday 28th.
/// One day before (09:00 CET = 08:00 UTC), three days after (Monday 29th,
/// 09:00 CEST = 07:00 UTC), then once more two days later.
async fn each_reminder_goes_once_at_the_local_hour_across_a_dst_change(backend: Backend) {
    let (app, cashier) = till(backend).await;
    store_with(
        &app,
        &["-1", "3"],
        Some(Repeat {
            every_days: 2,
            times: 1,
        }),
    )
    .await;
    let o = invoice(&app, &cashier, "ada@example.com", "2027-03-26").await;
    assert_eq!(o.next_reminder_at, Some(datetime!(2027-03-25 08:00 UTC)));
    assert_eq!(
        (o.next_reminder_step, o.next_reminder_repeat),
        (Some(0), Some(0))
    );

    let plan = [
        datetime!(2027-03-25 08:00 UTC),
        datetime!(2027-03-29 07:00 UTC),
        datetime!(2027-03-31 07:00 UTC),
    ];
    for (n, at) in plan.iter().enumerate() {
        assert_eq!(
            tick(&app, *at - Duration::minutes(1)).await,
            schedule::Tick::default()
        );
        let done = tick(&app, *at).await;
        assert_eq!(done.sent, 1, "reminder {n} at {at}");
        // Again at the same minute, and a minute later: nothing more.
        assert_eq!(tick(&app, *at).await.sent, 0);
        assert_eq!(tick(&app, *at + Duration::minutes(1)).await.sent, 0);
        assert_eq!(reminder_mails(&app.db, o.id).await.len(), n + 1);
    }
    let o = by_number(&app.db, o.number).await;
    assert_eq!(o.next_reminder_at, None, "three reminders, then none");
    let rows = handled(&app.db, o.id).await;
    let slots: Vec<(i32, i32)> = rows.iter().map(|r| (r.step, r.repeat)).collect();
    assert_eq!(slots, [(0, 0), (1, 0), (1, 1)]);
    assert!(rows.iter().all(|r| r.outcome == reminder::Outcome::Sent));
    let events = timeline(&app.db, o.id).await;
    assert!(
        events
            .iter()
            .any(|e| e == "Reminder (1st of 3) queued to ada@example.com"),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e == "Reminder (3rd of 3) queued to ada@example.com"),
        "{events:?}"
    );

    // The email: the invoice's document with the step's wording, the live
    // balance, the pay link, and the one-click stop link for this order.
    let mails = reminder_mails(&app.db, o.id).await;
    let first = &mails[0];
    assert_eq!(
        first.subject,
        format!(
            "Reminder: invoice #{} from Corner Coffee Co. is due 26 March 2027",
            o.number
        )
    );
    assert!(first.text_body.contains("£28.80"), "{}", first.text_body);
    let pay = app::orders::service::pay_url("http://shop.test", &o);
    assert!(first.text_body.contains(&pay));
    let stop = first.list_unsubscribe.clone().expect("a stop link");
    assert_eq!(
        stop,
        app::reminders::ssr::email::stop_url("http://shop.test", &o)
    );
    assert!(first.text_body.contains(&stop));
    assert!(first.html_body.contains("Stop reminders for this invoice"));
    // The last of several steps after the due date is the final one.
    assert_eq!(
        mails[1].subject,
        format!(
            "Final reminder: invoice #{} from Corner Coffee Co.",
            o.number
        )
    );
    // The invoice itself carries no stop link.
    let invoice_mail = outbox::Entity::find()
        .filter(outbox::Column::OrderId.eq(o.id))
        .filter(outbox::Column::Kind.eq("invoice"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invoice_mail.list_unsubscribe, None);
    assert!(!invoice_mail.text_body.contains("Stop reminders"));
}

/// Two schedulers racing over the same due reminders: each goes exactly
/// once. On PostgreSQL they have pools of their own, as two processes do;
/// SQLite is one process with one writer, so there they share its pool.
async fn two_schedulers_racing_send_each_reminder_once(backend: Backend) {
    let (app, cashier) = till(backend).await;
    store_with(&app, &["2"], None).await;
    let mut orders = Vec::new();
    for n in 0..12 {
        orders.push(
            invoice(
                &app,
                &cashier,
                &format!("race{n}@example.com"),
                "2027-03-01",
            )
            .await,
        );
    }
    // Wednesday 3 March 2027, 09:00 in Paris.
    let at = datetime!(2027-03-03 08:00 UTC);
    let other = match backend {
        Backend::Postgres => app.test_db.connect().await,
        Backend::Sqlite => app.db.clone(),
    };
    let (a, b) = tokio::join!(
        schedule::tick(&app.db, "http://shop.test", at),
        schedule::tick(&other, "http://shop.test", at),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 12, "{a:?} {b:?}");
    for o in &orders {
        assert_eq!(
            reminder_mails(&app.db, o.id).await.len(),
            1,
            "order {}",
            o.number
        );
        assert_eq!(handled(&app.db, o.id).await.len(), 1);
    }
}

/// A partial payment at the till: the reminder asks for what is left.
async fn a_reminder_states_the_balance_after_a_part_payment(backend: Backend) {
    let (app, cashier) = till(backend).await;
    store_with(&app, &["1"], None).await;
    let o = invoice(&app, &cashier, "ada@example.com", "2027-03-01").await;
    let res = post(
        &cashier,
        &app,
        &format!("/orders/{}/settle", o.number),
        &[("method", "cash"), ("amount", "10.00"), ("tendered", "")],
    )
    .await;
    assert!(
        location(&res).contains("done=part_paid"),
        "{}",
        location(&res)
    );
    assert_eq!(tick(&app, datetime!(2027-03-02 08:00 UTC)).await.sent, 1);
    let mail = &reminder_mails(&app.db, o.id).await[0];
    assert!(mail.text_body.contains("£18.80"), "{}", mail.text_body);
    assert!(
        mail.text_body.contains("£10.00"),
        "paid so far: {}",
        mail.text_body
    );
}

/// Every reason a due reminder is not sent, each recorded on the order's
/// timeline, and which of them end the schedule.
async fn due_reminders_are_skipped_for_every_reason_with_the_reason_kept(backend: Backend) {
    let (app, cashier) = till(backend).await;
    store_with(&app, &["0", "10"], None).await;
    let due = "2027-03-01";
    let paid = invoice(&app, &cashier, "paid@example.com", due).await;
    let cancelled = invoice(&app, &cashier, "cancelled@example.com", due).await;
    let opted_out = invoice(&app, &cashier, "grace@example.org", due).await;
    let paying = invoice(&app, &cashier, "paying@example.com", due).await;
    let in_store = invoice(&app, &cashier, "instore@example.com", due).await;
    let paused = invoice(&app, &cashier, "paused@example.com", due).await;
    let fine = invoice(&app, &cashier, "fine@example.com", due).await;

    let res = post(
        &cashier,
        &app,
        &format!("/orders/{}/settle", paid.number),
        &[("method", "cash"), ("amount", ""), ("tendered", "")],
    )
    .await;
    assert!(location(&res).contains("done="), "{}", location(&res));
    let res = post(
        &cashier,
        &app,
        &format!("/orders/{}/cancel", cancelled.number),
        &[("reason", "Customer changed their mind")],
    )
    .await;
    assert!(
        location(&res).contains("done=cancelled"),
        "{}",
        location(&res)
    );
    // Grace Hopper is a demo customer; she asked for no reminders. The
    // invoice to her address is attached to her as the POS attaches it.
    let grace = app::customers::model::Entity::find()
        .filter(app::customers::model::Column::Email.eq("grace@example.org"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut g = grace.clone().into_active_model();
    g.no_reminders = Set(true);
    g.update(&app.db).await.unwrap();
    let mut o = opted_out.clone().into_active_model();
    o.customer_id = Set(Some(grace.id));
    o.update(&app.db).await.unwrap();
    // A payment under way: an intent row as Stripe reports a processing
    // payment (the Stripe double cannot hold one in `processing`).
    app::payments::intent::ActiveModel {
        order_id: Set(paying.id),
        intent_id: Set("pi_test_processing".into()),
        amount_minor: Set(2880),
        ledger_position: Set(0),
        currency: Set(app::domain::Currency::parse("GBP").unwrap()),
        client_secret: Set("pi_test_processing_secret".into()),
        status: Set(app::payments::intent::IntentStatus::Processing),
        next_check_at: Set(None),
        created_at: Set(OffsetDateTime::now_utc()),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    set_dates(
        &app.db,
        in_store.id,
        Some(time::macros::date!(2027 - 03 - 02)),
        None,
    )
    .await;
    set_dates(
        &app.db,
        paused.id,
        None,
        Some(time::macros::date!(2027 - 03 - 05)),
    )
    .await;

    // Monday 1 March 2027, 09:00 in Paris: the on-the-day step.
    let done = tick(&app, datetime!(2027-03-01 08:00 UTC)).await;
    assert_eq!((done.sent, done.skipped), (1, 6), "{done:?}");
    let reason = |id| {
        let db = app.db.clone();
        async move {
            handled(&db, id)
                .await
                .first()
                .and_then(|r| r.reason.clone())
        }
    };
    assert_eq!(reason(paid.id).await.as_deref(), Some("closed"));
    assert_eq!(reason(cancelled.id).await.as_deref(), Some("closed"));
    assert_eq!(
        reason(opted_out.id).await.as_deref(),
        Some("customer_opted_out")
    );
    assert_eq!(
        reason(paying.id).await.as_deref(),
        Some("payment_in_progress")
    );
    assert_eq!(reason(in_store.id).await.as_deref(), Some("pay_in_store"));
    assert_eq!(reason(paused.id).await.as_deref(), Some("paused"));
    assert_eq!(reason(fine.id).await, None);
    assert_eq!(reminder_mails(&app.db, fine.id).await.len(), 1);
    let events = timeline(&app.db, paused.id).await;
    assert!(
        events
            .iter()
            .any(|e| e == "Reminder (1st of 2) not sent: reminders are paused"),
        "{events:?}"
    );
    // Closed and opted-out orders have nothing more planned; the others do.
    for o in [&paid, &cancelled, &opted_out] {
        assert_eq!(by_number(&app.db, o.number).await.next_reminder_at, None);
    }
    for o in [&paying, &in_store, &paused, &fine] {
        assert_eq!(
            by_number(&app.db, o.number).await.next_reminder_at,
            Some(datetime!(2027-03-11 08:00 UTC)),
            "order {}",
            o.number
        );
    }
    // Ten days on the promise and the pause are past: reminders go again.
    // (`paying` is still processing; `fine`'s link has expired: due + 7 days.)
    let done = tick(&app, datetime!(2027-03-11 08:00 UTC)).await;
    assert_eq!(done.sent, 0, "every link has expired by then: {done:?}");
    // An expired link ends the plan without using the step up: extending
    // the due date brings it back.
    for o in [&fine, &paying] {
        assert_eq!(reason_of(&app.db, o.id, 1).await, None);
        assert_eq!(by_number(&app.db, o.number).await.next_reminder_at, None);
        let events = timeline(&app.db, o.id).await;
        assert!(
            events.iter().any(|e| e.starts_with(
                "Reminder (2nd of 2) not sent, and no more for now: the pay link has expired"
            )),
            "{events:?}"
        );
    }
    let res = post(
        &cashier,
        &app,
        &format!("/orders/{}/due", fine.number),
        &[("due_date", "2027-03-20")],
    )
    .await;
    assert!(
        location(&res).contains("done=due_changed"),
        "{}",
        location(&res)
    );
    let extended = by_number(&app.db, fine.number).await;
    // Ten days after Saturday 20 March 2027: Tuesday 30th, 09:00 in Paris (CEST).
    assert_eq!(
        extended.next_reminder_at,
        Some(datetime!(2027-03-30 07:00 UTC))
    );
    assert_eq!(extended.next_reminder_step, Some(1));
}

async fn reason_of(db: &DatabaseConnection, order_id: i32, step: i32) -> Option<String> {
    handled(db, order_id)
        .await
        .into_iter()
        .find(|r| r.step == step)
        .and_then(|r| r.reason)
}

async fn set_dates(
    db: &DatabaseConnection,
    order_id: i32,
    in_store: Option<time::Date>,
    paused: Option<time::Date>,
) {
    let o = order::Entity::find_by_id(order_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut o = o.into_active_model();
    o.in_store_on = Set(in_store);
    o.reminders_paused_until = Set(paused);
    o.update(db).await.unwrap();
}

/// A resend counts as an email: a reminder due within a day of it is
/// skipped, while the same reminder of an invoice sent long before goes.
async fn no_reminder_within_a_day_of_a_resend(backend: Backend) {
    let (app, cashier) = till(backend).await;
    store_with(&app, &["0", "3"], None).await;
    always_open(&app).await;
    let zone = app::domain::StoreZone::parse("Europe/Paris").unwrap();
    let now = OffsetDateTime::now_utc();
    let due = zone.today(now) + Duration::days(1);
    let resent = invoice(&app, &cashier, "ada@example.com", &due.to_string()).await;
    let quiet = invoice(&app, &cashier, "grace@example.org", &due.to_string()).await;
    // Both invoices went out two days ago (as far as the quiet rule reads).
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(now - Duration::days(2)),
        )
        .filter(outbox::Column::OrderId.is_in([resent.id, quiet.id]))
        .exec(&app.db)
        .await
        .unwrap();
    let res = post(
        &cashier,
        &app,
        &format!("/orders/{}/resend", resent.number),
        &[("email", "")],
    )
    .await;
    assert!(location(&res).contains("done=resent"), "{}", location(&res));
    // The first reminder at its time, but never less than a minute from now
    // (the resend is now; the rule looks back 24 hours from the tick).
    let at = resent.next_reminder_at.expect("a reminder planned");
    let at = at
        .max(now + Duration::minutes(1))
        .min(now + Duration::hours(23));
    tick(&app, at).await;
    assert_eq!(
        reason_of(&app.db, resent.id, 0).await.as_deref(),
        Some("recent_email")
    );
    assert!(reminder_mails(&app.db, resent.id).await.is_empty());
    assert_eq!(reminder_mails(&app.db, quiet.id).await.len(), 1);
    // Three days later nothing is recent: the next one goes.
    let store = settings::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let later =
        schedule::policy_of(&store).when(&zone, due, app::reminders::Slot { step: 1, repeat: 0 });
    tick(&app, later).await;
    assert_eq!(reminder_mails(&app.db, resent.id).await.len(), 1);
}

/// The last message to the address bounced: reminders stop, and say why.
async fn an_address_that_refused_mail_stops_reminders(backend: Backend) {
    let (app, cashier) = till(backend).await;
    store_with(&app, &["1"], None).await;
    // The reminder leaves through the outbox at the real time of day, which
    // checks the window again: open all day, so this passes at any hour.
    always_open(&app).await;
    let sink = SmtpSink::start(&["gone@example.com"]);
    let mailer = Mailer::new(
        Some(&format!("smtp://127.0.0.1:{}", sink.port)),
        "Corner Coffee <invoices@corner.example>",
    )
    .unwrap();
    let o = invoice(&app, &cashier, "gone@example.com", "2027-03-01").await;
    let ok = invoice(&app, &cashier, "ada@example.com", "2027-03-01").await;
    server::outbox_worker::deliver_due(&app.db, &mailer, "http://127.0.0.1:3000")
        .await
        .unwrap();
    let done = tick(&app, datetime!(2027-03-02 08:00 UTC)).await;
    assert_eq!((done.sent, done.skipped), (1, 1));
    assert_eq!(
        reason_of(&app.db, o.id, 0).await.as_deref(),
        Some("address_refused")
    );
    let stopped = by_number(&app.db, o.number).await;
    assert_eq!(stopped.reminders_stopped, Some(Stopped::AddressRefused));
    assert_eq!(stopped.next_reminder_at, None);

    // The reminder that went carries RFC 8058's headers; the invoice did not.
    server::outbox_worker::deliver_due(&app.db, &mailer, "http://127.0.0.1:3000")
        .await
        .unwrap();
    let messages = sink.messages();
    let reminder = messages
        .iter()
        .find(|m| m.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
        .expect("the reminder arrived with one-click headers");
    let stop = app::reminders::ssr::email::stop_url(
        &app_public_url(&app),
        &by_number(&app.db, ok.number).await,
    );
    assert!(
        reminder
            .replace("\n ", " ")
            .contains(&format!("List-Unsubscribe: <{stop}>")),
        "{reminder}"
    );
    // With the invoice PDF, as the invoice had it.
    let attached = common::mime_attachments(reminder);
    assert_eq!(attached.len(), 1, "{reminder}");
    assert_eq!(attached[0].0, format!("invoice-{}.pdf", ok.number));
    assert!(attached[0].2.starts_with(b"%PDF-"));
    let invoices = messages
        .iter()
        .filter(|m| m.contains("Subject: Invoice for order"))
        .count();
    assert_eq!(invoices, 1);
    assert!(messages
        .iter()
        .filter(|m| m.contains("Subject: Invoice for order"))
        .all(|m| !m.contains("List-Unsubscribe")));

    // A corrected address takes reminders again.
    let res = post(
        &cashier,
        &app,
        &format!("/orders/{}/resend", o.number),
        &[("email", "ada.new@example.com")],
    )
    .await;
    assert!(location(&res).contains("done=resent"), "{}", location(&res));
    assert_eq!(by_number(&app.db, o.number).await.reminders_stopped, None);
}

fn app_public_url(_app: &TestApp) -> String {
    "http://shop.test".to_owned()
}

/// The one-click link: a GET (a mail scanner, a curious click) only asks;
/// a POST with no session, as mail clients send it, stops this order's
/// reminders and nothing else; a wrong key is a 404 and changes nothing.
async fn the_one_click_stop_needs_a_post_and_stops_only_that_order(backend: Backend) {
    let (app, cashier) = till(backend).await;
    store_with(&app, &["1"], None).await;
    let o = invoice(&app, &cashier, "ada@example.com", "2027-03-01").await;
    let other = invoice(&app, &cashier, "ada@example.com", "2027-03-01").await;
    let path = app::reminders::ssr::email::stop_url("", &o);
    let anyone = app.client();

    let (status, html) = page(&anyone, &app.url(&path)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Stop payment reminders?"), "{html}");
    assert_eq!(by_number(&app.db, o.number).await.reminders_stopped, None);

    let wrong = path.replace("key=", "key=A");
    let res = anyone
        .post(app.url(&wrong))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(by_number(&app.db, o.number).await.reminders_stopped, None);

    // As a webmail page posts it from the customer's browser: cross-site.
    let res = anyone
        .post(app.url(&path))
        .header("Origin", "https://mail.example")
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(body.contains("Reminders stopped"), "{body}");
    let stopped = by_number(&app.db, o.number).await;
    assert_eq!(stopped.reminders_stopped, Some(Stopped::Unsubscribed));
    assert_eq!(stopped.next_reminder_at, None);
    assert!(timeline(&app.db, o.id)
        .await
        .iter()
        .any(|e| e == "Reminders stopped: the customer used the link in a reminder"));
    // A second click changes nothing; the other order still gets its reminder.
    let again = anyone.post(app.url(&path)).send().await.unwrap();
    assert_eq!(again.status(), 200);
    let done = tick(&app, datetime!(2027-03-02 08:00 UTC)).await;
    assert_eq!(done.sent, 1);
    assert_eq!(reminder_mails(&app.db, other.id).await.len(), 1);
    assert!(reminder_mails(&app.db, o.id).await.is_empty());
}

/// Reminders off (a new store): nothing is planned or sent.
async fn a_store_with_reminders_off_plans_none(backend: Backend) {
    let (app, cashier) = till(backend).await;
    let row = settings::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut row = row.into_active_model();
    row.reminder_policy = Set(String::new());
    row.update(&app.db).await.unwrap();
    let o = invoice(&app, &cashier, "ada@example.com", "2027-03-01").await;
    assert_eq!(o.next_reminder_at, None);
    assert_eq!(
        tick(&app, datetime!(2027-04-01 08:00 UTC)).await,
        schedule::Tick::default()
    );
}

/// The customer's promise on the pay page and a staff pause, through their
/// real forms: reminders due meanwhile are skipped and say why; once the
/// promised day (or the pause) is past, the next one goes. Resuming plans
/// the next reminder again.
async fn a_promise_or_a_pause_holds_reminders_until_its_day_is_past(backend: Backend) {
    let (app, cashier) = till(backend).await;
    // Every day from 2 days before the due date, up to 3 days after.
    store_with(&app, &["-2", "-1", "0", "1", "2", "3"], None).await;
    always_open(&app).await;
    let zone = app::domain::StoreZone::parse("Europe/Paris").unwrap();
    let today = zone.today(OffsetDateTime::now_utc());
    let due = today + Duration::days(3);
    let promised = invoice(&app, &cashier, "promise@example.com", &due.to_string()).await;
    let paused = invoice(&app, &cashier, "paused@example.com", &due.to_string()).await;
    // Nothing recent by the time the reminders run: the invoices "went" days ago.
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(OffsetDateTime::now_utc() - Duration::days(5)),
        )
        .exec(&app.db)
        .await
        .unwrap();

    // The customer will come in the day before the due date.
    let in_store_day = due - Duration::days(1);
    let promise =
        app::orders::service::pay_url("", &promised).replacen("?key=", "/in-store?key=", 1);
    let res = post(
        &app.client(),
        &app,
        &promise,
        &[("date", in_store_day.to_string())],
    )
    .await;
    assert_eq!(res.status(), 303, "{promise}");
    // Staff pause the other until the due date, with a reason.
    let res = post(
        &cashier,
        &app,
        &format!("/orders/{}/reminders/pause", paused.number),
        &[
            ("until", due.to_string()),
            ("reason", "Customer on holiday".into()),
        ],
    )
    .await;
    assert!(
        location(&res).contains("done=reminders_paused"),
        "{}",
        location(&res)
    );

    let store = settings::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let policy = schedule::policy_of(&store);
    let at = |step: u16| policy.when(&zone, due, app::reminders::Slot { step, repeat: 0 });
    // Each step's time, from 2 days before the due date (step 0) on; the
    // first ones may already be past by the time the invoice was sent.
    for step in 0..6 {
        if at(step) > OffsetDateTime::now_utc() {
            tick(&app, at(step)).await;
        }
    }
    let outcome = |id: i32| {
        let db = app.db.clone();
        async move {
            handled(&db, id)
                .await
                .into_iter()
                .map(|r| (r.step, r.reason.unwrap_or_else(|| "sent".into())))
                .collect::<Vec<_>>()
        }
    };
    let promised_rows = outcome(promised.id).await;
    // Up to the promised day: skipped; from the day after: sent.
    for (step, reason) in &promised_rows {
        let day = due + Duration::days(i64::from(*step) - 2);
        let want = if day <= in_store_day {
            "pay_in_store"
        } else {
            "sent"
        };
        assert_eq!(reason, want, "step {step} on {day}: {promised_rows:?}");
    }
    assert!(
        promised_rows.iter().any(|(_, r)| r == "sent"),
        "{promised_rows:?}"
    );
    let paused_rows = outcome(paused.id).await;
    for (step, reason) in &paused_rows {
        let day = due + Duration::days(i64::from(*step) - 2);
        let want = if day <= due { "paused" } else { "sent" };
        assert_eq!(reason, want, "step {step} on {day}: {paused_rows:?}");
    }
    let events = timeline(&app.db, promised.id).await;
    assert!(
        events
            .iter()
            .any(|e| e.contains("not sent: the customer said they will pay in store")),
        "{events:?}"
    );
}

/// Staff resume a paused order: its next reminder is planned again.
async fn resuming_plans_the_next_reminder(backend: Backend) {
    let (app, cashier) = till(backend).await;
    store_with(&app, &["1", "5"], None).await;
    let o = invoice(&app, &cashier, "ada@example.com", "2027-03-01").await;
    let planned = o.next_reminder_at;
    assert!(planned.is_some());
    let res = post(
        &cashier,
        &app,
        &format!("/orders/{}/reminders/pause", o.number),
        &[("until", "2026-12-24"), ("reason", "")],
    )
    .await;
    assert!(
        location(&res).contains("done=reminders_paused"),
        "{}",
        location(&res)
    );
    let res = cashier
        .post(app.url(&format!("/orders/{}/reminders/resume", o.number)))
        .send()
        .await
        .unwrap();
    assert!(
        location(&res).contains("done=reminders_resumed"),
        "{}",
        location(&res)
    );
    let o = by_number(&app.db, o.number).await;
    assert_eq!(o.reminders_paused_until, None);
    assert_eq!(o.next_reminder_at, planned);
    let (_, html) = page(&cashier, &app.url(&format!("/orders/{}", o.number))).await;
    assert!(
        html.contains("Next reminder: Tue 2 Mar, 1st of 2"),
        "{html}"
    );
}

/// A registered customer's invoice sent to an address typed at the till
/// (not saved to their record): reminders follow the invoice there.
async fn reminders_go_where_the_invoice_went(backend: Backend) {
    let (app, cashier) = till(backend).await;
    store_with(&app, &["1"], None).await;
    let ada = app::customers::model::Entity::find()
        .filter(app::customers::model::Column::Email.eq("ada@example.com"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let req = app::orders::create::NewOrderRequest {
        due_date: "2027-03-01".into(),
        customer_id: Some(ada.id),
        save_to_billing: false,
        ..common::invoice(
            &[(common::product_id(&app.db, "MUG-01").await, 1)],
            "ada.work@example.com",
        )
    };
    let res = cashier
        .post(app.url(server_fn_path::<app::pos::api::SendOrder>()))
        .json(&serde_json::json!({ "order": req }))
        .send()
        .await
        .unwrap();
    let answer: serde_json::Value = res.json().await.unwrap();
    let o = by_number(
        &app.db,
        answer["Created"]["number"].as_i64().expect("created"),
    )
    .await;
    assert_eq!(
        o.billing_email.as_deref(),
        Some("ada@example.com"),
        "her record's address is kept"
    );
    assert_eq!(tick(&app, datetime!(2027-03-02 08:00 UTC)).await.sent, 1);
    assert_eq!(
        reminder_mails(&app.db, o.id).await[0].recipient,
        "ada.work@example.com"
    );
}

both_backends!(
    each_reminder_goes_once_at_the_local_hour_across_a_dst_change,
    two_schedulers_racing_send_each_reminder_once,
    a_reminder_states_the_balance_after_a_part_payment,
    due_reminders_are_skipped_for_every_reason_with_the_reason_kept,
    no_reminder_within_a_day_of_a_resend,
    an_address_that_refused_mail_stops_reminders,
    the_one_click_stop_needs_a_post_and_stops_only_that_order,
    a_store_with_reminders_off_plans_none,
    a_promise_or_a_pause_holds_reminders_until_its_day_is_past,
    resuming_plans_the_next_reminder,
    reminders_go_where_the_invoice_went,
);
