//! Who is signed in, and signing in.
use super::password::{self, PasswordError, PasswordGate};
use super::{model, throttle::SignInThrottle};
use crate::domain::Email;
use crate::error::AppError;
use crate::proxy::ClientAddr;
use crate::staff::{Role, SignInError, StaffView, MAX_PASSWORD_BYTES};
use crate::state::AppState;
use crate::throttle::{whole_seconds, Admission};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use tower_sessions::Session;

/// The session key holding the signed-in staff member's id.
pub const STAFF_ID_KEY: &str = "staff_id";

/// Checks a sign-in. The attempt is counted (or refused) before anything is
/// hashed, so a refused attempt costs a database read and no argon2 run.
pub async fn authenticate(
    db: &DatabaseConnection,
    throttle: &SignInThrottle,
    passwords: &PasswordGate,
    email: &str,
    password: &str,
    client: ClientAddr,
) -> Result<StaffView, SignInError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(SignInError::PasswordTooLong);
    }
    // Bound what reaches the throttle keys and the logs.
    let email_key: String = email.chars().take(254).collect();
    let internal = |what: &'static str| {
        move |e: sea_orm::DbErr| {
            tracing::error!(error = %e, "{what}");
            SignInError::Internal
        }
    };
    match throttle
        .admit(db, &email_key, client)
        .await
        .map_err(internal("counting a sign-in attempt"))?
    {
        Admission::Admitted => {}
        Admission::Refused { wait } => {
            tracing::warn!(%client, "sign-in throttled");
            return Err(SignInError::Throttled {
                wait_secs: whole_seconds(wait),
            });
        }
    }
    let account = match Email::parse(email) {
        Ok(parsed) => model::Entity::find()
            .filter(model::Column::Email.eq(parsed.as_str()))
            .filter(model::Column::Active.eq(true))
            .one(db)
            .await
            .map_err(internal("loading staff for sign-in"))?,
        Err(_) => None,
    };
    let ok = match passwords
        .verify(
            password.to_owned(),
            account.as_ref().map(|a| a.password_hash.clone()),
        )
        .await
    {
        Ok(ok) => ok,
        Err(PasswordError::Busy) => {
            // Not checked, so not a failure: the person may try again at once.
            throttle
                .not_checked(db, &email_key, client)
                .await
                .map_err(internal("giving back an unchecked sign-in attempt"))?;
            return Err(SignInError::Busy);
        }
        Err(e) => {
            tracing::error!(error = %e, "verifying a password");
            return Err(SignInError::Internal);
        }
    };
    match account
        .filter(|_| ok)
        .and_then(|a| a.view().map(|v| (a, v)))
    {
        Some((row, view)) => {
            if let Err(e) = throttle.succeeded(db, &email_key, client).await {
                // The count stays a little high; not worth refusing a correct sign-in over.
                tracing::warn!(error = %e, "clearing sign-in failures");
            }
            let mut active: model::ActiveModel = row.into();
            active.last_sign_in_at = Set(Some(time::OffsetDateTime::now_utc()));
            if let Err(e) = active.update(db).await {
                // Not worth refusing a correct sign-in over a timestamp.
                tracing::warn!(error = %e, "recording last sign-in time");
            }
            Ok(view)
        }
        None => {
            if let Err(e) = throttle.failed(db, &email_key, client).await {
                // The attempt is counted already; only its wait starts a little early.
                tracing::warn!(error = %e, "recording a failed sign-in");
            }
            Err(SignInError::Invalid)
        }
    }
}

/// The staff member this session belongs to, if it still belongs to an active one.
pub async fn current_staff(
    db: &DatabaseConnection,
    session: &Session,
) -> Result<Option<StaffView>, AppError> {
    let id: Option<i32> = session.get(STAFF_ID_KEY).await.map_err(|e| {
        tracing::error!(error = %e, "reading the session");
        AppError::Internal
    })?;
    let Some(id) = id else { return Ok(None) };
    let row = model::Entity::find_by_id(id).one(db).await?;
    Ok(row.filter(|r| r.active).and_then(|r| r.view()))
}

/// For server fns: the signed-in staff member when their role allows `role`;
/// 401 without a session, 403 for the wrong role (status set on the response).
pub async fn require(role: Role) -> Result<StaffView, AppError> {
    crate::error::with_status(require_inner(role).await)
}

async fn require_inner(role: Role) -> Result<StaffView, AppError> {
    let state = AppState::from_context()?;
    let session: Session = leptos_axum::extract().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer in front of a server fn");
        AppError::Internal
    })?;
    match current_staff(&state.db, &session).await? {
        None => Err(AppError::Unauthorized),
        Some(staff) if !staff.role.allows(role) => Err(AppError::Forbidden),
        Some(staff) => Ok(staff),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AddStaffError {
    #[error("invalid email")]
    Email(#[from] crate::domain::EmailError),
    #[error("invalid name: {0}")]
    Name(&'static str),
    #[error("password refused")]
    Password(#[from] crate::staff::PasswordPolicyError),
    #[error("a staff account with the email {0} already exists")]
    Duplicate(String),
    #[error("could not save the account: {0}")]
    Internal(String),
}

/// Creates a staff account. The email's uniqueness is the database's to
/// enforce (no check-then-insert race); its violation becomes a clear message.
pub async fn add_staff(
    db: &DatabaseConnection,
    email: &str,
    name: &str,
    password: &str,
    role: Role,
) -> Result<StaffView, AddStaffError> {
    let email = Email::parse(email)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(AddStaffError::Name("the name is empty"));
    }
    if name.chars().count() > 100 {
        return Err(AddStaffError::Name(
            "the name can be at most 100 characters",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AddStaffError::Name(
            "the name cannot contain control characters",
        ));
    }
    crate::staff::check_new_password(password, email.as_str())?;
    let hash = password::hash(password.to_owned())
        .await
        .map_err(|e| AddStaffError::Internal(e.to_string()))?;
    let now = time::OffsetDateTime::now_utc();
    let row = model::ActiveModel {
        email: Set(email.as_str().to_owned()),
        name: Set(name.to_owned()),
        password_hash: Set(hash),
        role: Set(role.as_str().to_owned()),
        active: Set(true),
        last_sign_in_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AddStaffError::Duplicate(email.to_string())
        }
        _ => AddStaffError::Internal(e.to_string()),
    })?;
    row.view()
        .ok_or_else(|| AddStaffError::Internal("stored an unknown role".into()))
}
