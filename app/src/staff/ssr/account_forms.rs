//! The Staff page's forms (admins: add a staff member, reset a password,
//! deactivate or reactivate, change a role) and **Change my password**
//! (anyone signed in), as plain form posts answered with a 303 back to the
//! page, which shows the outcome.
use super::accounts::{self, AccountError};
use super::password;
use super::service::{add_staff, AddStaffError};
use crate::forms::{
    ssr::{put_flash, see_other, staff_for_post, Access, StaffRoutes},
    FieldError, Refused,
};
use crate::proxy::ClientAddr;
use crate::staff::{AccountRefusal, AddStaffForm, Role, ShownPassword, StaffView};
use crate::state::AppState;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Form,
};
use serde::Deserialize;
use tower_sessions::Session;

/// A refused **Add a staff member**: what was typed and why.
pub const ADD_FLASH: &str = "staff_add";
/// A password Settle made, until the Staff page shows it.
pub const SHOWN_FLASH: &str = "staff_shown_password";
/// Why **Change my password** was refused (messages only, never passwords).
pub const PASSWORD_FLASH: &str = "own_password";

pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .form("/staff", Access::ADMIN, add)
        .form("/staff/{id}/reset", Access::ADMIN, reset)
        .form("/staff/{id}/deactivate", Access::ADMIN, deactivate)
        .form("/staff/{id}/reactivate", Access::ADMIN, reactivate)
        .form("/staff/{id}/role", Access::ADMIN, change_role)
        .form("/account/password", Access::STAFF, change_password)
}

async fn add(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<AddStaffForm>,
) -> Response {
    let admin = match staff_for_post(&state, &session, Role::Admin).await {
        Ok(admin) => admin,
        Err(answer) => return answer,
    };
    let Some(role) = Role::parse(&form.role) else {
        let error = FieldError::new("role", AccountRefusal::UnknownRole.to_string());
        return refuse_add(&session, form, error).await;
    };
    let new_password = password::generate(form.email.trim());
    match add_staff(&state.db, &form.email, &form.name, &new_password, role).await {
        Ok(staff) => {
            tracing::info!(staff_id = staff.id, by = admin.id, "staff account added");
            show_once(&session, &staff, new_password, false).await;
            see_other("/staff?done=added#shown-password")
        }
        Err(e) => match add_field_error(&e) {
            Some(error) => refuse_add(&session, form, error).await,
            None => {
                tracing::error!(error = %e, "adding a staff account");
                see_other("/staff?error=internal#add-staff")
            }
        },
    }
}

/// Where a refused add's message goes; `None` for what the person typing
/// cannot fix.
fn add_field_error(e: &AddStaffError) -> Option<FieldError> {
    match e {
        AddStaffError::Email(e) => Some(FieldError::new("email", format!("Email: {e}."))),
        AddStaffError::Name(why) => Some(FieldError::new("name", format!("Name: {why}."))),
        AddStaffError::Duplicate(_) => Some(FieldError::new(
            "email",
            "A staff account with this email already exists.",
        )),
        // Settle made the password to pass the policy: a refusal is our bug.
        AddStaffError::Password(_) | AddStaffError::Internal(_) => None,
    }
}

async fn refuse_add(session: &Session, values: AddStaffForm, error: FieldError) -> Response {
    put_flash(
        session,
        ADD_FLASH,
        &Refused {
            values,
            errors: vec![error],
        },
    )
    .await;
    see_other("/staff?error=invalid#add-staff")
}

/// Keeps a new password for the next Staff page, which takes it out of the
/// session as it shows it: it is never in a URL or a log, and stays in this
/// admin's own session row only until that page loads.
async fn show_once(session: &Session, staff: &StaffView, password: String, reset: bool) {
    let shown = ShownPassword {
        name: staff.name.clone(),
        email: staff.email.clone(),
        password,
        reset,
    };
    put_flash(session, SHOWN_FLASH, &shown).await;
}

async fn reset(State(state): State<AppState>, session: Session, Path(id): Path<i32>) -> Response {
    let admin = match staff_for_post(&state, &session, Role::Admin).await {
        Ok(admin) => admin,
        Err(answer) => return answer,
    };
    match accounts::reset_password(&state.db, &admin, id).await {
        Ok((staff, new_password)) => {
            show_once(&session, &staff, new_password, true).await;
            see_other("/staff?done=reset#shown-password")
        }
        Err(e) => answer(Err(e), ""),
    }
}

async fn deactivate(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i32>,
) -> Response {
    set_active(state, session, id, false).await
}

async fn reactivate(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i32>,
) -> Response {
    set_active(state, session, id, true).await
}

async fn set_active(state: AppState, session: Session, id: i32, active: bool) -> Response {
    let admin = match staff_for_post(&state, &session, Role::Admin).await {
        Ok(admin) => admin,
        Err(answer) => return answer,
    };
    let result = accounts::set_active(&state.db, &admin, id, active).await;
    answer(
        result.map(|_| ()),
        if active { "reactivated" } else { "deactivated" },
    )
}

#[derive(Debug, Default, Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn change_role(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i32>,
    Form(form): Form<RoleForm>,
) -> Response {
    let admin = match staff_for_post(&state, &session, Role::Admin).await {
        Ok(admin) => admin,
        Err(answer) => return answer,
    };
    let Some(role) = Role::parse(&form.role) else {
        return answer(Err(AccountRefusal::UnknownRole.into()), "");
    };
    let result = accounts::set_role(&state.db, &admin, id, role).await;
    answer(result.map(|_| ()), "role_changed")
}

/// Back to the Staff page with the outcome's stable code; 404 for no such
/// account.
fn answer(result: Result<(), AccountError>, done: &str) -> Response {
    match result {
        Ok(()) => see_other(&format!("/staff?done={done}")),
        Err(AccountError::Refused(r)) => see_other(&format!("/staff?error={}", r.code())),
        Err(AccountError::NotFound(_)) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "changing a staff account");
            see_other("/staff?error=internal")
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
    /// Which page the form is on: `staff` for the Staff page's section,
    /// anything else for My account. A name, never a URL to go to.
    #[serde(default)]
    from: String,
}

async fn change_password(
    State(state): State<AppState>,
    client: ClientAddr,
    session: Session,
    Form(form): Form<PasswordForm>,
) -> Response {
    let me = match staff_for_post(&state, &session, Role::Cashier).await {
        Ok(me) => me,
        Err(answer) => return answer,
    };
    let back = if form.from == "staff" && me.role == Role::Admin {
        "/staff"
    } else {
        "/account"
    };
    let result = accounts::change_own_password(
        &state.db,
        &state.throttle,
        &state.passwords,
        &me,
        client,
        &form.current_password,
        &form.new_password,
        &form.repeat_password,
    )
    .await;
    match result {
        Ok(()) => {
            // The change ended every session of this account, this one's row
            // included. A new id carries this browser on; the old one, like
            // every other browser's, is signed out.
            if let Err(e) = session.cycle_id().await {
                tracing::error!(error = %e, "renewing the session after a password change");
                return see_other("/login");
            }
            see_other(&format!("{back}?done=password#my-password"))
        }
        Err(AccountError::Password(refusal)) => {
            let errors = vec![FieldError::new(refusal.field(), refusal.to_string())];
            put_flash(&session, PASSWORD_FLASH, &errors).await;
            see_other(&format!("{back}?error=password_invalid#my-password"))
        }
        // Deactivated between the session check and the change.
        Err(AccountError::NotFound(_)) => see_other("/login"),
        Err(e) => {
            tracing::error!(error = %e, staff_id = me.id, "changing one's own password");
            see_other(&format!("{back}?error=internal#my-password"))
        }
    }
}
