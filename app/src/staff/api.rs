//! Staff server fns: thin wrappers that check the session and call the service.
use super::StaffView;
use crate::error::AppError;
use leptos::prelude::*;

/// The signed-in staff member (401 without a session).
#[server]
pub async fn whoami() -> Result<StaffView, AppError> {
    super::ssr::require(super::Role::Cashier).await
}

/// Every staff account, admins first (admin only).
#[server]
pub async fn list_staff() -> Result<Vec<StaffView>, AppError> {
    use super::ssr::model;
    use sea_orm::{EntityTrait, QueryOrder};
    super::ssr::require(super::Role::Admin).await?;
    let state = crate::state::AppState::from_context()?;
    let rows = crate::error::with_status(
        model::Entity::find()
            .order_by_asc(model::Column::Role)
            .order_by_asc(model::Column::Name)
            .all(&state.db)
            .await
            .map_err(AppError::from),
    )?;
    Ok(rows.iter().filter_map(model::Model::view).collect())
}

/// The Staff page: every account; the add form (or what a refused add typed)
/// with its messages; a password Settle just made, shown this once; and the
/// messages of a refused Change my password (admin only).
#[server]
pub async fn staff_page() -> Result<super::StaffPageData, AppError> {
    use super::ssr::{account_forms, model};
    use super::{AddStaffForm, ShownPassword, StaffPageData};
    use crate::forms::{ssr::take_flash, FieldError, Refused};
    use sea_orm::{EntityTrait, QueryOrder};
    let me = super::ssr::require(super::Role::Admin).await?;
    let state = crate::state::AppState::from_context()?;
    let refused: Option<Refused<AddStaffForm>> = take_flash(account_forms::ADD_FLASH).await;
    let shown_password: Option<ShownPassword> = take_flash(account_forms::SHOWN_FLASH).await;
    let password_errors: Vec<FieldError> = take_flash(account_forms::PASSWORD_FLASH)
        .await
        .unwrap_or_default();
    if shown_password.is_some() {
        // The page carries a password: no cache, shared or private, may keep it.
        if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
            opts.insert_header(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("no-store"),
            );
        }
    }
    let rows = crate::error::with_status(
        model::Entity::find()
            .order_by_asc(model::Column::Role)
            .order_by_asc(model::Column::Name)
            .all(&state.db)
            .await
            .map_err(AppError::from),
    )?;
    let (add, add_errors) = match refused {
        Some(r) => (r.values, r.errors),
        None => (AddStaffForm::default(), Vec::new()),
    };
    Ok(StaffPageData {
        me,
        staff: rows.iter().filter_map(model::Model::view).collect(),
        add,
        add_errors,
        shown_password,
        password_errors,
    })
}

/// The My account page: who is signed in and the messages of a refused
/// Change my password (any staff member).
#[server]
pub async fn my_account() -> Result<super::AccountPageData, AppError> {
    use super::ssr::account_forms;
    use crate::forms::{ssr::take_flash, FieldError};
    let me = super::ssr::require(super::Role::Cashier).await?;
    let password_errors: Vec<FieldError> = take_flash(account_forms::PASSWORD_FLASH)
        .await
        .unwrap_or_default();
    Ok(super::AccountPageData {
        me,
        password_errors,
    })
}
