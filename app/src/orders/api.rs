//! Order server fns: thin wrappers over the service.
use super::create::{CreatedOrder, FieldError, NewOrderRequest};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// What the POS needs before the first keystroke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosSetup {
    pub currency: String,
    pub default_due_days: i32,
}

#[server]
pub async fn pos_context() -> Result<PosSetup, AppError> {
    crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let settings = crate::error::with_status(crate::settings::ssr::load(&state.db).await)?;
    Ok(PosSetup {
        currency: settings.currency,
        default_due_days: settings.default_due_days,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendOutcome {
    Created(CreatedOrder),
    /// Nothing was saved; each message belongs next to its field.
    Rejected(Vec<FieldError>),
}

/// Creates the order (and queues its invoice, or records the in-store payment).
#[server(input = Json)]
pub async fn send_order(order: NewOrderRequest) -> Result<SendOutcome, AppError> {
    use super::service::{create_order, CreateOrderError};
    let staff = crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let result = match create_order(&state.db, &staff, &state.public_url, order).await {
        Ok(created) => {
            state.outbox_wake.notify_one();
            Ok(SendOutcome::Created(created))
        }
        Err(CreateOrderError::Invalid(errors)) => Ok(SendOutcome::Rejected(errors)),
        Err(e) => {
            tracing::error!(error = %e, "creating an order");
            Err(AppError::Internal)
        }
    };
    crate::error::with_status(result)
}

/// Saves the cart as a quote: priced and kept, nothing sent or paid.
#[server(input = Json)]
pub async fn save_quote(order: NewOrderRequest) -> Result<SendOutcome, AppError> {
    use super::service::{create_quote, CreateOrderError};
    let staff = crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let result = match create_quote(&state.db, &staff, order).await {
        Ok(created) => Ok(SendOutcome::Created(created)),
        Err(CreateOrderError::Invalid(errors)) => Ok(SendOutcome::Rejected(errors)),
        Err(e) => {
            tracing::error!(error = %e, "saving a quote");
            Err(AppError::Internal)
        }
    };
    crate::error::with_status(result)
}
