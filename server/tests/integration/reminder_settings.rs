//! Settings → Reminders over HTTP against the real router: an admin saves a
//! policy (steps, a repeat, a sending window) that is stored, shown back and
//! plans the open invoices' reminders; each kind of bad input is refused next
//! to its field with nothing saved; a cashier cannot save one; a customer's
//! "No reminders" is stored and shown. SQLite and PostgreSQL.
use crate::common::{self, location, page, Backend, TestApp};
use app::orders::model::order;
use app::reminders::policy::{Repeat, BLANK_ROWS};
use app::reminders::Policy;
use app::settings::ssr::model as settings;
use app::staff::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const ADMIN: (&str, &str) = ("owner@example.com", "keys open many doors");
const CASHIER: (&str, &str) = ("till@example.com", "blue river stones 42");

const REFUSED: &str = "/settings?error=reminders_invalid#reminders";

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

async fn store(app: &TestApp) -> settings::Model {
    settings::Entity::find_by_id(settings::SINGLETON_ID)
        .one(&app.db)
        .await
        .unwrap()
        .expect("the settings row")
}

async fn stored_policy(app: &TestApp) -> Policy {
    Policy::from_json(&store(app).await.reminder_policy).expect("the stored policy reads back")
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    client.post(app.url(path)).form(form).send().await.unwrap()
}

/// The Reminders form as the page posts it: switched on, a row per step
/// (days, subject, heading, introduction) and the blank rows after them, the
/// repeat, the window and the days ticked.
fn posted(
    steps: &[(&str, &str, &str, &str)],
    repeat: (&str, &str),
    window: (&str, &str),
    days: &[&str],
) -> Vec<(String, String)> {
    let mut form = vec![("enabled".to_owned(), "on".to_owned())];
    let blank = ("", "", "", "");
    let rows = steps.iter().chain(std::iter::repeat_n(&blank, BLANK_ROWS));
    for (i, (d, subject, heading, intro)) in rows.enumerate() {
        for (field, value) in [
            ("days", d),
            ("subject", subject),
            ("heading", heading),
            ("intro", intro),
        ] {
            form.push((format!("{field}_{i}"), (*value).to_owned()));
        }
    }
    form.push(("repeat_every".to_owned(), repeat.0.to_owned()));
    form.push(("repeat_times".to_owned(), repeat.1.to_owned()));
    form.push(("window_start".to_owned(), window.0.to_owned()));
    form.push(("window_end".to_owned(), window.1.to_owned()));
    for day in days {
        form.push((format!("day_{day}"), "on".to_owned()));
    }
    form
}

const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri"];

/// Three steps (the middle one with its wording left empty), every 7 days
/// twice more, 08:30 to 17:00 on weekdays.
fn three_steps() -> Vec<(String, String)> {
    posted(
        &[
            (
                "-3",
                "Due soon: #{order_number}",
                "Coming up",
                "Your invoice is due on {due_date}.",
            ),
            ("+2", "", "", ""),
            (
                "10",
                "Last call: #{order_number}",
                "Please pay today",
                "Please pay {amount} today.",
            ),
        ],
        ("7", "2"),
        ("08:30", "17:00"),
        WEEKDAYS,
    )
}

/// Steps with these days and no wording, otherwise as [`three_steps`].
fn with_days(days: &[&str]) -> Vec<(String, String)> {
    let steps: Vec<(&str, &str, &str, &str)> = days.iter().map(|d| (*d, "", "", "")).collect();
    posted(&steps, ("7", "2"), ("08:30", "17:00"), WEEKDAYS)
}

/// The opening tag of the form control named `name`.
fn tag<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no control named {name}: {html}"));
    let start = html[..at].rfind('<').unwrap_or(0);
    let end = at + html[at..].find('>').unwrap_or(html.len() - at);
    &html[start..end]
}

async fn an_admin_saves_the_reminder_policy_and_sees_it_again(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (admin, _) = shop(&app).await;

    let (status, html) = page(&admin, &app.url("/settings")).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"reminders\""), "{html}");
    assert!(html.contains("action=\"/settings/reminders\""), "{html}");
    assert!(html.contains("Save reminders"), "{html}");
    assert!(
        tag(&html, "enabled").contains("checked"),
        "the demo store sends reminders"
    );

    // An invoice still open, due in the store's default 14 days.
    let staff = app::staff::ssr::model::Entity::find()
        .filter(app::staff::ssr::model::Column::Email.eq(ADMIN.0))
        .one(&app.db)
        .await
        .unwrap()
        .and_then(|m| m.view())
        .expect("the admin's account");
    let mug = common::product_id(&app.db, "MUG-01").await;
    let created = app::orders::service::create_order(
        &app.db,
        &staff,
        "http://x",
        common::invoice(&[(mug, 1)], "guest@example.com"),
    )
    .await
    .unwrap();
    let next_reminder = || async {
        order::Entity::find()
            .filter(order::Column::Number.eq(created.number))
            .one(&app.db)
            .await
            .unwrap()
            .expect("the invoice")
            .next_reminder_at
    };

    let res = post(&admin, &app, "/settings/reminders", &three_steps()).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/settings?done=reminders_saved#reminders");
    let policy = stored_policy(&app).await;
    assert!(policy.enabled);
    let days: Vec<i32> = policy.steps.iter().map(|s| s.days).collect();
    assert_eq!(days, [-3, 2, 10]);
    assert_eq!(policy.steps[0].subject, "Due soon: #{order_number}");
    assert_eq!(policy.steps[2].intro, "Please pay {amount} today.");
    assert_eq!(
        policy.steps[1].heading, "Your invoice is overdue",
        "wording left empty gets the default for its day"
    );
    assert_eq!(
        policy.repeat,
        Some(Repeat {
            every_days: 7,
            times: 2
        })
    );
    assert_eq!(
        (policy.window.start, policy.window.end),
        (8 * 60 + 30, 17 * 60)
    );
    assert_eq!(
        policy.window.days,
        [true, true, true, true, true, false, false]
    );
    assert!(
        next_reminder().await.is_some(),
        "saving the policy plans the open invoice's first reminder"
    );

    let (_, html) = page(&admin, &app.url("/settings")).await;
    assert!(
        html.contains("Reminders saved: 1 open invoice has a reminder planned."),
        "{html}"
    );
    assert!(tag(&html, "enabled").contains("checked"), "{html}");
    assert!(tag(&html, "days_0").contains("value=\"-3\""));
    assert!(tag(&html, "days_1").contains("value=\"2\""));
    assert!(tag(&html, "days_2").contains("value=\"10\""));
    assert!(tag(&html, "subject_0").contains("value=\"Due soon: #{order_number}\""));
    assert!(
        html.contains("Please pay {amount} today.</textarea>"),
        "{html}"
    );
    assert!(tag(&html, "repeat_every").contains("value=\"7\""));
    assert!(tag(&html, "repeat_times").contains("value=\"2\""));
    assert!(tag(&html, "window_start").contains("value=\"08:30\""));
    assert!(tag(&html, "window_end").contains("value=\"17:00\""));
    assert!(tag(&html, "day_fri").contains("checked"));
    assert!(!tag(&html, "day_sat").contains("checked"));
    assert!(!tag(&html, "day_sun").contains("checked"));
    // The three steps and the blank rows for new ones, each label its own.
    for n in 1..=3 + BLANK_ROWS {
        assert!(
            html.contains(&format!("Step {n}: days from due date")),
            "step {n}: {html}"
        );
    }
    assert!(!html.contains(&format!("Step {}: days from due date", 4 + BLANK_ROWS)));
    // The window is in the store's time zone, named, with the way to change it.
    let zone = store(&app).await.time_zone;
    assert!(html.contains(&format!("<strong>{zone}</strong>")), "{html}");
    assert!(html.contains("href=\"#f-time_zone\""), "{html}");
    for placeholder in ["{order_number}", "{store_name}", "{amount}", "{due_date}"] {
        assert!(html.contains(placeholder), "{placeholder} explained");
    }

    // A new time zone moves the planned reminder to the window's opening there.
    let planned = next_reminder().await;
    let before = store(&app).await;
    let mut settings_form: Vec<(String, String)> = [
        ("name", before.name.as_str()),
        ("email", before.email.as_str()),
        ("phone", before.phone.as_str()),
        ("address", before.address.as_str()),
        ("default_due_days", "14"),
        ("expiry_grace_days", "7"),
        ("logo_url", ""),
        ("brand_color", before.brand_color.as_str()),
        ("accent_color", before.accent_color.as_str()),
        ("invoice_subject", before.invoice_subject.as_str()),
        ("invoice_heading", before.invoice_heading.as_str()),
        ("invoice_intro", before.invoice_intro.as_str()),
        ("invoice_footer", before.invoice_footer.as_str()),
        ("currency", before.currency.as_str()),
        ("time_zone", "Pacific/Kiritimati"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    settings_form.push(("default_payment".to_owned(), String::new()));
    let res = post(&admin, &app, "/settings", &settings_form).await;
    assert_eq!(location(&res), "/settings?done=saved");
    let moved = next_reminder().await;
    assert!(
        moved.is_some() && moved != planned,
        "{planned:?} moved to {moved:?}"
    );

    // Clearing a step's fields removes it; unticking the box switches them off
    // and the invoice's planned reminder goes.
    let mut off = three_steps();
    off.retain(|(name, _)| name != "enabled");
    for (name, value) in off.iter_mut() {
        if name.ends_with("_1") {
            value.clear();
        }
    }
    let res = post(&admin, &app, "/settings/reminders", &off).await;
    assert_eq!(location(&res), "/settings?done=reminders_saved#reminders");
    let policy = stored_policy(&app).await;
    assert!(!policy.enabled);
    let days: Vec<i32> = policy.steps.iter().map(|s| s.days).collect();
    assert_eq!(days, [-3, 10]);
    assert_eq!(next_reminder().await, None);
    let (_, html) = page(&admin, &app.url("/settings")).await;
    assert!(html.contains("They are switched off"), "{html}");
    app.stop().await;
}

async fn bad_reminder_settings_are_refused_beside_their_field(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (admin, _) = shop(&app).await;
    let res = post(&admin, &app, "/settings/reminders", &three_steps()).await;
    assert_eq!(location(&res), "/settings?done=reminders_saved#reminders");
    let saved = store(&app).await;

    let many: Vec<String> = (0..21).map(|d| d.to_string()).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let no_day = posted(&[("1", "", "", "")], ("7", "2"), ("08:30", "17:00"), &[]);
    let cases: Vec<(&str, Vec<(String, String)>, &str, &str)> = vec![
        (
            "unordered days",
            with_days(&["3", "-1"]),
            "days_1",
            "Days: steps go in order of days; -1 comes before the step above (3).",
        ),
        (
            "two steps on one day",
            with_days(&["3", "3"]),
            "days_1",
            "Days: two steps on day 3. Each step needs its own day.",
        ),
        (
            "21 steps",
            with_days(&many),
            "steps",
            "Reminders: at most 20 steps (21 given).",
        ),
        (
            "a window ending before it starts",
            posted(&[("1", "", "", "")], ("", ""), ("18:00", "09:00"), WEEKDAYS),
            "window_end",
            "Until: later than From",
        ),
        (
            "no day ticked",
            no_day,
            "window_days",
            "Days: tick at least one day",
        ),
        (
            "a repeat without how many times",
            posted(
                &[("1", "", "", "")],
                ("7", ""),
                ("08:30", "17:00"),
                WEEKDAYS,
            ),
            "repeat_times",
            "Repeat: 1 to 20 more times",
        ),
        (
            "a repeat without how often",
            posted(
                &[("1", "", "", "")],
                ("", "2"),
                ("08:30", "17:00"),
                WEEKDAYS,
            ),
            "repeat_every",
            "Repeat: every 1 to 90 days",
        ),
    ];
    for (case, form, field, message) in cases {
        let res = post(&admin, &app, "/settings/reminders", &form).await;
        assert_eq!(res.status(), 303, "{case}");
        assert_eq!(location(&res), REFUSED, "{case}");
        assert_eq!(store(&app).await, saved, "{case}: nothing saved");
        let (status, html) = page(&admin, &app.url("/settings")).await;
        assert_eq!(status, 200, "{case}");
        assert!(
            html.contains("The reminders were not saved: correct the fields marked below."),
            "{case}: {html}"
        );
        assert!(html.contains(message), "{case}: {message}: {html}");
        assert!(
            html.contains(&format!("id=\"f-{field}-error\"")),
            "{case}: the message is beside {field}: {html}"
        );
        if field != "steps" {
            let control = if field == "window_days" {
                "day_mon"
            } else {
                field
            };
            let control = tag(&html, control);
            assert!(
                control.contains("aria-invalid=\"true\""),
                "{case}: {control}"
            );
        }
        if field.starts_with("days_") {
            let control = tag(&html, field);
            assert!(
                control.contains(&format!(
                    "aria-describedby=\"reminder-days-help f-{field}-error\""
                )),
                "{case}: {control}"
            );
        }
    }
    // What was typed comes back once; a reload shows the stored policy.
    post(
        &admin,
        &app,
        "/settings/reminders",
        &with_days(&["3", "-1"]),
    )
    .await;
    let (_, html) = page(&admin, &app.url("/settings")).await;
    assert!(tag(&html, "days_1").contains("value=\"-1\""), "{html}");
    let (_, html) = page(&admin, &app.url("/settings")).await;
    assert!(!html.contains("The reminders were not saved"), "{html}");
    assert!(tag(&html, "days_1").contains("value=\"2\""), "{html}");
    app.stop().await;
}

async fn only_admins_save_reminder_settings(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (_, cashier) = shop(&app).await;
    let before = store(&app).await;
    let res = post(&cashier, &app, "/settings/reminders", &three_steps()).await;
    assert_eq!(res.status(), 403);
    let res = post(&app.client(), &app, "/settings/reminders", &three_steps()).await;
    assert_eq!(res.status(), 401);
    assert_eq!(store(&app).await, before, "refused posts change nothing");
    app.stop().await;
}

async fn a_customer_can_ask_for_no_reminders(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (_, cashier) = shop(&app).await;
    let form = |no_reminders: bool| {
        let mut form: Vec<(String, String)> = [
            ("email", "noor@example.com"),
            ("first_name", "Noor"),
            ("last_name", "Haddad"),
            ("company", ""),
            ("phone", ""),
            ("address_1", ""),
            ("address_2", ""),
            ("city", ""),
            ("state", ""),
            ("postcode", ""),
            ("country", ""),
            ("preferred_language", "en"),
            ("payment_terms_days", ""),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        if no_reminders {
            form.push(("no_reminders".to_owned(), "on".to_owned()));
        }
        form
    };
    let stored = || async {
        app::customers::model::Entity::find()
            .filter(app::customers::model::Column::Email.eq("noor@example.com"))
            .one(&app.db)
            .await
            .unwrap()
            .expect("the customer")
    };

    let (_, html) = page(&cashier, &app.url("/customers/new")).await;
    assert!(html.contains("No reminders"), "{html}");
    assert!(
        html.contains("Invoices still go; payment reminders do not."),
        "{html}"
    );

    let res = post(&cashier, &app, "/customers/new", &form(true)).await;
    let noor = stored().await;
    assert_eq!(location(&res), format!("/customers/{}?done=saved", noor.id));
    assert!(noor.no_reminders);
    let (_, html) = page(&cashier, &app.url(&format!("/customers/{}", noor.id))).await;
    assert!(html.contains("data-testid=\"no-reminders\""), "{html}");
    assert!(tag(&html, "no_reminders").contains("checked"), "{html}");

    // Unticked: the box is absent from the post, and reminders may go again.
    let res = post(
        &cashier,
        &app,
        &format!("/customers/{}", noor.id),
        &form(false),
    )
    .await;
    assert_eq!(location(&res), format!("/customers/{}?done=saved", noor.id));
    assert!(!stored().await.no_reminders);
    let (_, html) = page(&cashier, &app.url(&format!("/customers/{}", noor.id))).await;
    assert!(!html.contains("data-testid=\"no-reminders\""), "{html}");
    assert!(!tag(&html, "no_reminders").contains("checked"), "{html}");
    app.stop().await;
}

both_backends!(
    an_admin_saves_the_reminder_policy_and_sees_it_again,
    bad_reminder_settings_are_refused_beside_their_field,
    only_admins_save_reminder_settings,
    a_customer_can_ask_for_no_reminders,
);
