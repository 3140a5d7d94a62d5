//! Who is signed in, and signing in.
use super::{model, password, throttle::LoginThrottle};
use crate::domain::Email;
use crate::error::AppError;
use crate::staff::{Role, SignInError, StaffView, MAX_PASSWORD_BYTES};
use crate::state::AppState;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use std::net::IpAddr;
use tower_sessions::Session;

/// The session key holding the signed-in staff member's id.
pub const STAFF_ID_KEY: &str = "staff_id";

pub async fn authenticate(
    db: &DatabaseConnection,
    throttle: &LoginThrottle,
    email: &str,
    password: &str,
    ip: Option<IpAddr>,
) -> Result<StaffView, SignInError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(SignInError::PasswordTooLong);
    }
    // Bound what reaches the throttle map and the logs.
    let email_key: String = email.chars().take(254).collect();
    if !throttle.allow(&email_key, ip) {
        tracing::warn!(?ip, "sign-in throttled");
        return Err(SignInError::Throttled);
    }
    let account = match Email::parse(email) {
        Ok(parsed) => model::Entity::find()
            .filter(model::Column::Email.eq(parsed.as_str()))
            .filter(model::Column::Active.eq(true))
            .one(db)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "loading staff for sign-in");
                SignInError::Internal
            })?,
        Err(_) => None,
    };
    let ok = password::verify(
        password.to_owned(),
        account.as_ref().map(|a| a.password_hash.clone()),
    )
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "verifying a password");
        SignInError::Internal
    })?;
    match account
        .filter(|_| ok)
        .and_then(|a| a.view().map(|v| (a, v)))
    {
        Some((row, view)) => {
            throttle.record_success(&email_key);
            let mut active: model::ActiveModel = row.into();
            active.last_sign_in_at = Set(Some(time::OffsetDateTime::now_utc()));
            if let Err(e) = active.update(db).await {
                // Not worth refusing a correct sign-in over a timestamp.
                tracing::warn!(error = %e, "recording last sign-in time");
            }
            Ok(view)
        }
        None => {
            throttle.record_failure(&email_key, ip);
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
