//! The settings form and **Send test email**, as plain form posts.
use super::edit;
use crate::domain::Email;
use crate::email::ssr::transport::Delivery;
use crate::forms::{
    ssr::{put_flash, see_other, staff_for_post, Access, StaffRoutes},
    Refused,
};
use crate::settings::SettingsForm;
use crate::staff::Role;
use crate::state::AppState;
use axum::{extract::State, response::Response, Form};
use serde::Deserialize;
use tower_sessions::Session;

pub const FORM_FLASH: &str = "settings";
pub const TEST_FLASH: &str = "settings_test";

pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .form("/settings", Access::ADMIN, save)
        .form("/settings/test-email", Access::ADMIN, test_email)
}

async fn save(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<SettingsForm>,
) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Admin).await {
        return answer;
    }
    let row = match super::store(&state.db).await {
        Ok(row) => row,
        Err(_) => return see_other("/settings?error=internal"),
    };
    match edit::save(&state.db, row, &form).await {
        Ok(Ok(())) => see_other("/settings?done=saved"),
        Ok(Err(errors)) => {
            // The key is a secret: never kept in the session, even when refused.
            let values = SettingsForm {
                dkim_private_key: String::new(),
                ..form
            };
            put_flash(&session, FORM_FLASH, &Refused { values, errors }).await;
            see_other("/settings?error=invalid")
        }
        Err(e) => {
            tracing::error!(error = %e, "saving settings");
            see_other("/settings?error=internal")
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct TestForm {
    #[serde(default)]
    to: String,
}

/// Sends a short message right now (not through the outbox) and shows staff
/// exactly what the SMTP server answered.
async fn test_email(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<TestForm>,
) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Admin).await {
        return answer;
    }
    let to = match Email::parse(&form.to) {
        Ok(to) => to,
        Err(e) => {
            let outcome = (false, format!("Not sent: the test address: {e}."));
            put_flash(&session, TEST_FLASH, &outcome).await;
            return see_other("/settings?error=test#test-email");
        }
    };
    let store = super::load(&state.db)
        .await
        .map(|s| s.name)
        .unwrap_or_default();
    let dkim = super::dkim_config(&state.db).await.ok().flatten();
    let text = format!(
        "This is a test message from Settle for {store}.\n\nIf you can read it, invoices and receipts can reach your customers.\n"
    );
    // The HTML part carries no store data, so there is nothing to escape.
    let html = "<p>This is a test message from Settle.</p><p>If you can read it, invoices and receipts can reach your customers.</p>";
    let result = state
        .mailer
        .send_signed(
            &to,
            &format!("Test email from {store}"),
            &text,
            html,
            dkim.as_ref(),
        )
        .await;
    let outcome = match result {
        Ok(Delivery::Sent { answer }) => (
            true,
            format!("Sent to {to}. The mail server answered: {answer}"),
        ),
        Ok(Delivery::NotConfigured) => (
            false,
            "Not sent: SMTP is not configured. Set SMTP_URL and restart Settle.".to_owned(),
        ),
        Err(e) => (false, format!("Not sent to {to}: {e}")),
    };
    put_flash(&session, TEST_FLASH, &outcome).await;
    see_other(if outcome.0 {
        "/settings?done=test#test-email"
    } else {
        "/settings?error=test#test-email"
    })
}
