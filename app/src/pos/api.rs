//! The till's server fns: thin wrappers over the orders and payments services.
use crate::error::AppError;
use crate::orders::create::{CreatedOrder, FieldError, NewOrderRequest, PaymentChoice};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// What the POS needs before the first keystroke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosSetup {
    pub currency: String,
    pub default_due_days: i32,
    pub prices_include_tax: bool,
    /// False until an admin has done the required setup steps: a till that
    /// cannot sell says so instead of failing at the first sale.
    pub ready: bool,
    pub is_admin: bool,
    /// What the till starts with, and returns to after every sale.
    pub default_payment: PaymentChoice,
    /// Orders the customer said they would pay in store today, still owing.
    pub expected: Vec<crate::setup::ExpectedRow>,
    /// The store's language: a guest's invoice is in it unless the cashier
    /// picks another.
    pub language: crate::i18n::Lang,
}

#[server]
pub async fn pos_context() -> Result<PosSetup, AppError> {
    let me = crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let result = async {
        let store = crate::settings::ssr::store(&state.db).await?;
        let ready = crate::setup::ssr::ready_to_sell(&state.db, &store).await?;
        let expected =
            crate::setup::day::expected_today(&state.db, &store, time::OffsetDateTime::now_utc())
                .await?;
        Ok::<_, sea_orm::DbErr>(PosSetup {
            currency: store.currency,
            default_due_days: store.default_due_days,
            prices_include_tax: store.prices_include_tax,
            ready,
            is_admin: me.role == crate::staff::Role::Admin,
            default_payment: store.default_payment,
            expected,
            language: store.language,
        })
    }
    .await;
    crate::error::with_status(result.map_err(AppError::from))
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
    use crate::orders::service::CreateOrderError;
    let staff = crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let created = crate::payments::till::sell(
        &state.db,
        &staff,
        &state.public_url,
        order,
        state.online_check,
    )
    .await;
    let result = match created {
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
    use crate::orders::service::{create_quote, CreateOrderError};
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

/// An order the POS search found, to open it at the till.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderHit {
    pub number: i64,
    pub name: String,
    pub email: String,
    pub status: String,
    pub total: String,
}

/// The number in what a scanner or a paste put in the POS search: `1001`,
/// `#1001`, or a pay link `…/pay/1001?key=…`.
pub fn order_number_in(query: &str) -> Option<i64> {
    let q = query.trim();
    let candidate = match q.find("/pay/") {
        Some(at) => q[at + 5..].split(['?', '/', '#']).next().unwrap_or(""),
        None => q.trim_start_matches('#'),
    };
    crate::orders::OrderNumber::parse(candidate)
        .ok()
        .map(|n| n.get())
}

/// Orders for the POS search: by number (typed, scanned from the QR code,
/// or inside a pasted pay link), else by the billing name (first and last,
/// either order) or the start of the email; newest first, at most 5.
#[server]
pub async fn find_orders(query: String) -> Result<Vec<OrderHit>, AppError> {
    use crate::domain::Money;
    use crate::orders::model::order;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let mut find = order::Entity::find();
    if let Some(n) = order_number_in(&query) {
        find = find.filter(order::Column::Number.eq(n));
    } else if query.trim().chars().count() >= 3 {
        let Some(found) = crate::orders::list::by_name_or_email(&query) else {
            return Ok(Vec::new());
        };
        find = find.filter(found);
    } else {
        return Ok(Vec::new());
    }
    let rows = crate::error::with_status(
        find.order_by_desc(order::Column::Id)
            .limit(5)
            .all(&state.db)
            .await
            .map_err(AppError::from),
    )?;
    Ok(rows
        .into_iter()
        .map(|o| OrderHit {
            number: o.number,
            name: format!("{} {}", o.billing_first_name, o.billing_last_name)
                .trim()
                .to_owned(),
            email: o.billing_email.unwrap_or_default(),
            status: o.status.label().to_owned(),
            total: Money::from_minor(o.total_minor, o.currency).to_string(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::order_number_in;

    #[test]
    fn numbers_in_what_the_till_receives() {
        assert_eq!(order_number_in("1001"), Some(1001));
        assert_eq!(order_number_in(" #1001 "), Some(1001));
        assert_eq!(
            order_number_in("https://shop.example/pay/1042?key=AAAAAAAAAAAAAAAAAAAAAA"),
            Some(1042)
        );
        assert_eq!(
            order_number_in("http://127.0.0.1:3000/pay/1007/return?key=x"),
            Some(1007)
        );
        assert_eq!(order_number_in("mug"), None);
        assert_eq!(order_number_in("/pay/abc"), None);
    }
}
