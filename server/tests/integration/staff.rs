//! Staff accounts from the Staff page, over HTTP against the real router:
//! adding a staff member (the password shown once), resetting a password,
//! deactivating, the last admin and oneself, changing one's own password, and
//! who may do each. SQLite and PostgreSQL.
use crate::common::{self, location, page, Backend, TestApp};
use app::staff::ssr::accounts::{self, AccountError};
use app::staff::ssr::{model, session_store};
use app::staff::{AccountRefusal, Role};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

const ADMIN: (&str, &str) = ("owner@example.com", "keys open many doors");
const CASHIER: (&str, &str) = ("till@example.com", "blue river stones 42");

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client.post(app.url(path)).form(form).send().await.unwrap()
}

async fn account(app: &TestApp, email: &str) -> model::Model {
    model::Entity::find()
        .filter(model::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a staff account")
}

async fn staff_count(app: &TestApp) -> u64 {
    model::Entity::find().count(&app.db).await.unwrap()
}

async fn sessions_of(app: &TestApp, staff_id: i32) -> u64 {
    session_store::entity::Entity::find()
        .filter(session_store::entity::Column::StaffId.eq(staff_id))
        .count(&app.db)
        .await
        .unwrap()
}

/// The password the Staff page shows once, out of its HTML.
fn shown_password(html: &str) -> String {
    let section = html
        .split(r#"id="shown-password""#)
        .nth(1)
        .unwrap_or_else(|| panic!("the page shows a new password: {html}"));
    let start = section.find("<code>").expect("the password in <code>") + "<code>".len();
    let end = start + section[start..].find("</code>").expect("</code>");
    section[start..end].to_owned()
}

/// Whether `client`'s session still signs it in: a staff page answers, rather
/// than redirecting to sign-in.
async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    let res = client
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    match res.status().as_u16() {
        200 => true,
        302 => {
            assert_eq!(location(&res), "/login?next=/");
            false
        }
        other => panic!("unexpected status {other}"),
    }
}

async fn sign_in_fails(app: &TestApp, email: &str, password: &str) {
    let res = post(
        &app.client(),
        app,
        "/login",
        &[("email", email), ("password", password)],
    )
    .await;
    assert_eq!(location(&res), "/login?error=invalid", "{email}");
}

async fn an_admin_adds_a_cashier_whose_shown_password_signs_in(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    let admin = app.signed_in_client(ADMIN.0, ADMIN.1).await;

    let res = post(
        &admin,
        &app,
        "/staff",
        &[
            ("email", "new@example.com"),
            ("name", "New Person"),
            ("role", "cashier"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/staff?done=added#shown-password");
    let res = admin
        .get(app.url("/staff?done=added"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "a page with a password is never cached"
    );
    let html = res.text().await.unwrap().replace("<!>", "");
    assert!(html.contains("Staff member added."), "{html}");
    let password = shown_password(&html);
    assert!(
        app::staff::check_new_password(&password, "new@example.com").is_ok(),
        "{password}"
    );

    // Shown once: not on the next load, not in the session store, not in the
    // account's row (only its hash).
    let (_, html) = page(&admin, &app.url("/staff")).await;
    assert!(!html.contains(&password), "shown once only");
    assert!(html.contains("new@example.com"));
    for row in session_store::entity::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
    {
        assert!(!row.data.contains(&password), "no session keeps it");
    }
    let row = account(&app, "new@example.com").await;
    assert_eq!(row.role, "cashier");
    assert!(row.password_hash.starts_with("$argon2id$"));
    assert!(!row.password_hash.contains(&password));

    let cashier = app.signed_in_client("new@example.com", &password).await;
    assert_eq!(page(&cashier, &app.url("/staff")).await.0, 403);
    let (status, html) = page(&cashier, &app.url("/account")).await;
    assert_eq!(status, 200);
    assert!(html.contains("My account") && html.contains("new@example.com"));
    app.stop().await;
}

async fn a_duplicate_or_bad_email_is_refused_beside_the_field(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let admin = app.signed_in_client(ADMIN.0, ADMIN.1).await;
    let before = staff_count(&app).await;
    let cashier_hash = account(&app, CASHIER.0).await.password_hash;

    let res = post(
        &admin,
        &app,
        "/staff",
        &[
            ("email", CASHIER.0),
            ("name", "Someone Else"),
            ("role", "admin"),
        ],
    )
    .await;
    assert_eq!(location(&res), "/staff?error=invalid#add-staff");
    assert_eq!(staff_count(&app).await, before, "nothing saved");
    let cashier = account(&app, CASHIER.0).await;
    assert_eq!(cashier.role, "cashier", "the existing account is untouched");
    assert_eq!(cashier.password_hash, cashier_hash);
    let (_, html) = page(&admin, &app.url("/staff")).await;
    assert!(
        html.contains("A staff account with this email already exists."),
        "{html}"
    );
    assert!(
        html.contains(r#"id="f-email-error""#),
        "beside the email field"
    );
    assert!(html.contains(r#"value="Someone Else""#), "typing kept");
    assert!(!html.contains(r#"id="shown-password""#), "no password made");

    let res = post(
        &admin,
        &app,
        "/staff",
        &[
            ("email", "not an email"),
            ("name", "X"),
            ("role", "cashier"),
        ],
    )
    .await;
    assert_eq!(location(&res), "/staff?error=invalid#add-staff");
    let (_, html) = page(&admin, &app.url("/staff")).await;
    assert!(html.contains("Email: "), "{html}");
    let res = post(
        &admin,
        &app,
        "/staff",
        &[("email", "x@example.com"), ("name", "X"), ("role", "owner")],
    )
    .await;
    assert_eq!(location(&res), "/staff?error=invalid#add-staff");
    let (_, html) = page(&admin, &app.url("/staff")).await;
    assert!(html.contains("Choose Cashier or Admin."), "{html}");
    assert_eq!(staff_count(&app).await, before, "nothing saved");
    app.stop().await;
}

async fn a_reset_password_ends_their_sessions_and_the_new_one_works(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let admin = app.signed_in_client(ADMIN.0, ADMIN.1).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let phone = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    assert!(signed_in(&app, &till).await);
    let id = account(&app, CASHIER.0).await.id;
    assert_eq!(sessions_of(&app, id).await, 2);

    let res = post(&admin, &app, &format!("/staff/{id}/reset"), &[]).await;
    assert_eq!(location(&res), "/staff?done=reset#shown-password");
    let (_, html) = page(&admin, &app.url("/staff")).await;
    let password = shown_password(&html);
    assert_ne!(password, CASHIER.1);

    assert!(!signed_in(&app, &till).await, "the till's session ended");
    assert!(!signed_in(&app, &phone).await, "the phone's too");
    assert_eq!(sessions_of(&app, id).await, 0);
    assert!(
        signed_in(&app, &admin).await,
        "the admin's own session stays"
    );
    sign_in_fails(&app, CASHIER.0, CASHIER.1).await;
    app.signed_in_client(CASHIER.0, &password).await;
    app.stop().await;
}

async fn deactivating_ends_sessions_at_once_and_refuses_sign_in(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let admin = app.signed_in_client(ADMIN.0, ADMIN.1).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let id = account(&app, CASHIER.0).await.id;

    let res = post(&admin, &app, &format!("/staff/{id}/deactivate"), &[]).await;
    assert_eq!(location(&res), "/staff?done=deactivated");
    assert!(!account(&app, CASHIER.0).await.active);
    assert_eq!(
        sessions_of(&app, id).await,
        0,
        "their session rows are gone"
    );
    assert!(
        !signed_in(&app, &till).await,
        "the next request is signed out"
    );
    let res = post(&till, &app, "/customers/new", &[("email", "a@example.com")]).await;
    assert_eq!(res.status(), 401, "and cannot post");
    sign_in_fails(&app, CASHIER.0, CASHIER.1).await;

    let res = post(&admin, &app, &format!("/staff/{id}/reactivate"), &[]).await;
    assert_eq!(location(&res), "/staff?done=reactivated");
    app.signed_in_client(CASHIER.0, CASHIER.1).await;
    app.stop().await;
}

async fn no_admin_locks_out_themself_or_the_last_admin(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let admin = app.signed_in_client(ADMIN.0, ADMIN.1).await;
    let admin_row = account(&app, ADMIN.0).await;
    let me = admin_row.id;

    for (path, form) in [
        (format!("/staff/{me}/deactivate"), vec![]),
        (format!("/staff/{me}/role"), vec![("role", "cashier")]),
        (format!("/staff/{me}/reset"), vec![]),
    ] {
        let res = post(&admin, &app, &path, &form).await;
        assert_eq!(location(&res), "/staff?error=own_account", "{path}");
    }
    assert_eq!(account(&app, ADMIN.0).await, admin_row, "nothing changed");
    assert!(signed_in(&app, &admin).await);
    let (_, html) = page(&admin, &app.url("/staff?error=own_account")).await;
    assert!(
        html.contains("You cannot do this to your own account."),
        "{html}"
    );

    // The last active admin stays, whoever asks (here the service is called
    // as if by an admin who lost their rights a moment ago: what two admins
    // demoting each other at once would come to).
    let cashier = account(&app, CASHIER.0).await.view().unwrap();
    for result in [
        accounts::set_active(&app.db, &cashier, me, false).await,
        accounts::set_role(&app.db, &cashier, me, Role::Cashier).await,
    ] {
        assert!(
            matches!(
                result,
                Err(AccountError::Refused(AccountRefusal::LastAdmin))
            ),
            "{result:?}"
        );
    }
    assert_eq!(account(&app, ADMIN.0).await, admin_row);

    // With a second admin, either may be demoted or deactivated by the other.
    let res = post(
        &admin,
        &app,
        &format!("/staff/{}/role", cashier.id),
        &[("role", "admin")],
    )
    .await;
    assert_eq!(location(&res), "/staff?done=role_changed");
    assert_eq!(account(&app, CASHIER.0).await.role, "admin");
    let res = post(
        &admin,
        &app,
        &format!("/staff/{}/deactivate", cashier.id),
        &[],
    )
    .await;
    assert_eq!(location(&res), "/staff?done=deactivated");
    app.stop().await;
}

async fn changing_ones_password_ends_the_other_sessions_only(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let here = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let elsewhere = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let new_password = "green valley rivers 77";
    let before = account(&app, CASHIER.0).await.password_hash;

    for (current, new, repeat, message) in [
        (
            "",
            new_password,
            new_password,
            "Enter your current password.",
        ),
        (
            "not it",
            new_password,
            new_password,
            "The current password is incorrect.",
        ),
        (CASHIER.1, "short", "short", "Choose another password: "),
        (
            CASHIER.1,
            new_password,
            "green valley rivers 78",
            "The two new passwords are not the same.",
        ),
    ] {
        let res = post(
            &here,
            &app,
            "/account/password",
            &[
                ("current_password", current),
                ("new_password", new),
                ("repeat_password", repeat),
            ],
        )
        .await;
        assert_eq!(
            location(&res),
            "/account?error=password_invalid#my-password",
            "{message}"
        );
        let (status, html) = page(&here, &app.url("/account")).await;
        assert_eq!(status, 200);
        assert!(html.contains(message), "{message}: {html}");
        assert!(!html.contains(new_password), "passwords never come back");
    }
    assert_eq!(
        account(&app, CASHIER.0).await.password_hash,
        before,
        "unchanged"
    );
    assert!(signed_in(&app, &elsewhere).await);

    let res = post(
        &here,
        &app,
        "/account/password",
        &[
            ("current_password", CASHIER.1),
            ("new_password", new_password),
            ("repeat_password", new_password),
        ],
    )
    .await;
    assert_eq!(location(&res), "/account?done=password#my-password");
    assert!(signed_in(&app, &here).await, "this session goes on");
    assert!(!signed_in(&app, &elsewhere).await, "the other one ended");
    let (_, html) = page(&here, &app.url("/account?done=password")).await;
    assert!(html.contains("Your password is changed."), "{html}");
    sign_in_fails(&app, CASHIER.0, CASHIER.1).await;
    app.signed_in_client(CASHIER.0, new_password).await;
    app.stop().await;
}

async fn a_cashier_cannot_use_the_admin_forms(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let admin_before = account(&app, ADMIN.0).await;
    let cashier_id = account(&app, CASHIER.0).await.id;
    let count = staff_count(&app).await;
    let admin_id = admin_before.id;

    for (path, form) in [
        (
            "/staff".to_owned(),
            vec![
                ("email", "mine@example.com"),
                ("name", "Mine"),
                ("role", "admin"),
            ],
        ),
        (format!("/staff/{admin_id}/reset"), vec![]),
        (format!("/staff/{admin_id}/deactivate"), vec![]),
        (format!("/staff/{admin_id}/reactivate"), vec![]),
        (format!("/staff/{admin_id}/role"), vec![("role", "cashier")]),
        (format!("/staff/{cashier_id}/role"), vec![("role", "admin")]),
    ] {
        let res = post(&cashier, &app, &path, &form).await;
        assert_eq!(res.status(), 403, "{path}");
    }
    assert_eq!(staff_count(&app).await, count);
    assert_eq!(account(&app, ADMIN.0).await, admin_before);
    assert_eq!(account(&app, CASHIER.0).await.role, "cashier");
    app.stop().await;
}

both_backends!(
    an_admin_adds_a_cashier_whose_shown_password_signs_in,
    a_duplicate_or_bad_email_is_refused_beside_the_field,
    a_reset_password_ends_their_sessions_and_the_new_one_works,
    deactivating_ends_sessions_at_once_and_refuses_sign_in,
    no_admin_locks_out_themself_or_the_last_admin,
    changing_ones_password_ends_the_other_sessions_only,
    a_cashier_cannot_use_the_admin_forms,
);
