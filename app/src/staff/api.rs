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
