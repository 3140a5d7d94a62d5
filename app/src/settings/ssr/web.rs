//! The settings form, **Send test email**, tax rates and reminders, as plain form posts.
use super::{edit, taxes};
use crate::counters::{self, EmailResult};
use crate::domain::Email;
use crate::email::ssr::transport::Delivery;
use crate::forms::{
    ssr::{put_flash, see_other, staff_for_post, Access, StaffRoutes},
    Refused,
};
use crate::reminders::{ssr::schedule, Policy, PolicyForm};
use crate::settings::SettingsForm;
use crate::staff::Role;
use crate::state::AppState;
use axum::{
    extract::{Path, State},
    response::Response,
    Form,
};
use serde::Deserialize;
use tower_sessions::Session;

pub const FORM_FLASH: &str = "settings";
pub const TEST_FLASH: &str = "settings_test";

pub const RATE_FLASH: &str = "settings_rate";
pub const PRESET_FLASH: &str = "settings_preset";
pub const REMINDERS_FLASH: &str = "settings_reminders";
pub const REMINDERS_DONE_FLASH: &str = "settings_reminders_done";

pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .form("/settings", Access::ADMIN, save)
        .form("/settings/test-email", Access::ADMIN, test_email)
        .form("/settings/reminders", Access::ADMIN, save_reminders)
        .form("/settings/tax-rates", Access::ADMIN, add_rate)
        .form("/settings/tax-rates/preset", Access::ADMIN, add_preset)
        .form("/settings/tax-rates/{id}", Access::ADMIN, edit_rate)
        .form(
            "/settings/tax-rates/{id}/retire",
            Access::ADMIN,
            retire_rate,
        )
}

/// A refused rate form: which rate (None: the new one), what was typed, why.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RateRefused {
    pub id: Option<i32>,
    pub values: taxes::RateForm,
    pub errors: Vec<crate::forms::FieldError>,
}

async fn add_rate(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<taxes::RateForm>,
) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Admin).await {
        return answer;
    }
    match taxes::add(&state.db, &form).await {
        Ok(Ok(_)) if form.back == "import" => see_other("/catalog/import?done=rate_added"),
        Ok(Ok(_)) => see_other("/settings?done=rate_added#tax-rates"),
        Ok(Err(errors)) => {
            let refused = RateRefused {
                id: None,
                values: form,
                errors,
            };
            put_flash(&session, RATE_FLASH, &refused).await;
            see_other("/settings?error=rate_invalid#tax-rates")
        }
        Err(e) => {
            tracing::error!(error = %e, "adding a tax rate");
            see_other("/settings?error=internal#tax-rates")
        }
    }
}

async fn edit_rate(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i32>,
    Form(form): Form<taxes::RateForm>,
) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Admin).await {
        return answer;
    }
    match taxes::edit(&state.db, id, &form).await {
        Ok(Some(Ok(()))) => see_other("/settings?done=rate_saved#tax-rates"),
        Ok(Some(Err(errors))) => {
            let refused = RateRefused {
                id: Some(id),
                values: form,
                errors,
            };
            put_flash(&session, RATE_FLASH, &refused).await;
            see_other("/settings?error=rate_invalid#tax-rates")
        }
        Ok(None) => see_other("/settings?error=rate_missing#tax-rates"),
        Err(e) => {
            tracing::error!(error = %e, "editing a tax rate");
            see_other("/settings?error=internal#tax-rates")
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct RetireForm {
    /// "true" retires, "false" reinstates.
    #[serde(default)]
    retired: String,
}

async fn retire_rate(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i32>,
    Form(form): Form<RetireForm>,
) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Admin).await {
        return answer;
    }
    let retired = match form.retired.as_str() {
        "true" => true,
        "false" => false,
        _ => return see_other("/settings?error=rate_missing#tax-rates"),
    };
    match taxes::set_retired(&state.db, id, retired).await {
        Ok(Some(())) if retired => see_other("/settings?done=rate_retired#tax-rates"),
        Ok(Some(())) => see_other("/settings?done=rate_reinstated#tax-rates"),
        Ok(None) => see_other("/settings?error=rate_missing#tax-rates"),
        Err(e) => {
            tracing::error!(error = %e, "retiring a tax rate");
            see_other("/settings?error=internal#tax-rates")
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct PresetForm {
    #[serde(default)]
    preset: String,
}

async fn add_preset(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<PresetForm>,
) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Admin).await {
        return answer;
    }
    // All of a set or none of it.
    let applied = async {
        use sea_orm::TransactionTrait;
        let txn = state.db.begin().await?;
        let outcome = taxes::apply_preset(&txn, &form.preset).await?;
        txn.commit().await?;
        Ok::<_, sea_orm::DbErr>(outcome)
    }
    .await;
    match applied {
        Ok(Some(outcome)) => {
            let mut text = if outcome.added.is_empty() {
                "No rate was added.".to_owned()
            } else {
                format!("Added {}.", outcome.added.join(", "))
            };
            if !outcome.kept.is_empty() {
                text.push_str(&format!(
                    " Kept the rates already set for: {}.",
                    outcome
                        .kept
                        .iter()
                        .map(|c| taxes::class_label(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            put_flash(&session, PRESET_FLASH, &text).await;
            see_other("/settings?done=preset#tax-rates")
        }
        Ok(None) => see_other("/settings?error=rate_missing#tax-rates"),
        Err(e) => {
            tracing::error!(error = %e, "adding a set of tax rates");
            see_other("/settings?error=internal#tax-rates")
        }
    }
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
    let zone_before = row.time_zone.clone();
    match edit::save(&state.db, row, &form).await {
        Ok(Ok(())) => {
            // Planned reminders are instants worked out in the store's time
            // zone: a new zone moves every one of them.
            let zone_moved = crate::domain::StoreZone::parse(&form.time_zone)
                .is_ok_and(|z| z.name() != zone_before);
            if zone_moved {
                if let Err(e) =
                    schedule::reschedule_all(&state.db, time::OffsetDateTime::now_utc()).await
                {
                    tracing::error!(error = %e, "planning reminders after the time zone changed");
                }
            }
            see_other("/settings?done=saved")
        }
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

/// The Reminders section. Read as pairs rather than a struct: its step rows
/// are numbered fields (`days_0`, `subject_0`, …), as many as were shown.
async fn save_reminders(
    State(state): State<AppState>,
    session: Session,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(answer) = staff_for_post(&state, &session, Role::Admin).await {
        return answer;
    }
    let form = PolicyForm::from_pairs(&pairs);
    let policy = match form.parse() {
        Ok(policy) => policy,
        Err(errors) => {
            put_flash(
                &session,
                REMINDERS_FLASH,
                &Refused {
                    values: form,
                    errors,
                },
            )
            .await;
            return see_other("/settings?error=reminders_invalid#reminders");
        }
    };
    if let Err(e) = edit::save_reminder_policy(&state.db, &policy).await {
        tracing::error!(error = %e, "saving the reminder policy");
        return see_other("/settings?error=internal#reminders");
    }
    // Orders keep their next reminder's time; a new policy moves them all
    // (or clears them when reminders are switched off).
    match schedule::reschedule_all(&state.db, time::OffsetDateTime::now_utc()).await {
        Ok(planned) => {
            put_flash(
                &session,
                REMINDERS_DONE_FLASH,
                &reminders_saved(&policy, planned),
            )
            .await;
            see_other("/settings?done=reminders_saved#reminders")
        }
        Err(e) => {
            tracing::error!(error = %e, "planning reminders after the policy changed");
            see_other("/settings?error=reminders_unplanned#reminders")
        }
    }
}

fn reminders_saved(policy: &Policy, planned: u64) -> String {
    if !policy.enabled {
        return "Reminders saved. They are switched off: none will be sent.".to_owned();
    }
    match planned {
        1 => "Reminders saved: 1 open invoice has a reminder planned.".to_owned(),
        n => format!("Reminders saved: {n} open invoices have a reminder planned."),
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
    let sender = super::sender(&state.db).await.ok().flatten();
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
            sender.as_ref(),
            None,
            None,
        )
        .await;
    let sent = matches!(result, Ok(Delivery::Sent { .. }));
    // Never retried (staff read the answer and try again), so anything but
    // sent is failed.
    counters::email(
        "test",
        if sent {
            EmailResult::Sent
        } else {
            EmailResult::Failed
        },
    );
    if sent {
        if let Err(e) = edit::mark_mail_tested(&state.db).await {
            tracing::error!(error = %e, "recording the passed test email");
        }
    }
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
