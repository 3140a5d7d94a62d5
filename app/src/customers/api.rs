//! Customer server fns.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerHit {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub company: String,
}

/// Customers whose name (first and last, either order, any case or accent)
/// or email starts with what was typed, or whose phone contains the digits
/// typed; `None` when nothing was typed.
#[cfg(feature = "ssr")]
fn matching(query: &str) -> Option<sea_orm::Condition> {
    use super::model::Column;
    use crate::search::{contains_pattern, lower_like, name_or_email};
    let by_name = name_or_email(Column::NameKey, Column::NameKeyRev, Column::EmailKey, query)?;
    // A phone number is typed as digits, spaces and + - ( ): only then is the
    // phone searched, and that part is a scan (customers, not orders).
    let phone_like = query.chars().filter(char::is_ascii_digit).count() >= 3
        && query
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    Some(match contains_pattern(query).filter(|_| phone_like) {
        Some(pattern) => by_name.add(lower_like(Column::Phone, &pattern)),
        None => by_name,
    })
}

/// Customers found by name, email or phone (see [`matching`]), at most 10.
#[server]
pub async fn search_customers(query: String) -> Result<Vec<CustomerHit>, AppError> {
    use super::model;
    use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let Some(found) = matching(&query) else {
        return Ok(Vec::new());
    };
    crate::error::with_status(
        async {
            let rows = model::Entity::find()
                .filter(found)
                .order_by_asc(model::Column::LastName)
                .limit(10)
                .all(&state.db)
                .await?;
            Ok(rows
                .into_iter()
                .map(|c| CustomerHit {
                    id: c.id,
                    name: format!("{} {}", c.first_name, c.last_name)
                        .trim()
                        .to_owned(),
                    email: c.email,
                    phone: c.phone,
                    company: c.company,
                })
                .collect())
        }
        .await,
    )
}

/// The customers page: up to `LIST_LIMIT` found by `query` (see
/// [`matching`]; all when empty).
#[server]
pub async fn list_customers(query: String) -> Result<Vec<CustomerHit>, AppError> {
    use super::model;
    use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let mut find = model::Entity::find();
    if let Some(found) = matching(&query) {
        find = find.filter(found);
    }
    let rows = crate::error::with_status(
        find.order_by_asc(model::Column::LastName)
            .order_by_asc(model::Column::Id)
            .limit(super::pages::LIST_LIMIT)
            .all(&state.db)
            .await
            .map_err(AppError::from),
    )?;
    Ok(rows
        .into_iter()
        .map(|c| CustomerHit {
            id: c.id,
            name: format!("{} {}", c.first_name, c.last_name)
                .trim()
                .to_owned(),
            email: c.email,
            phone: c.phone,
            company: c.company,
        })
        .collect())
}

/// A customer's form and orders (their own, and guest orders sent to their
/// email), or an empty form for a new customer.
#[server]
pub async fn customer_for_edit(id: Option<i32>) -> Result<super::CustomerEdit, AppError> {
    use super::{edit, model, web};
    use crate::domain::Money;
    use crate::forms::{ssr::take_flash, Refused};
    use crate::orders::model::order;
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let refused: Option<Refused<super::CustomerForm>> = take_flash(web::FORM_FLASH).await;
    crate::error::with_status(
        async {
            let stored = match id {
                Some(id) => Some(
                    model::Entity::find_by_id(id)
                        .one(&state.db)
                        .await?
                        .ok_or(AppError::NotFound)?,
                ),
                None => None,
            };
            let zone = crate::domain::StoreZone::stored(
                &crate::settings::ssr::store(&state.db).await?.time_zone,
            );
            let orders = match &stored {
                Some(c) => order::Entity::find()
                    .filter(
                        Condition::any()
                            .add(order::Column::CustomerId.eq(c.id))
                            .add(
                                Condition::all()
                                    .add(order::Column::CustomerId.is_null())
                                    .add(order::Column::BillingEmail.eq(c.email.clone())),
                            ),
                    )
                    .order_by_desc(order::Column::Id)
                    .limit(200)
                    .all(&state.db)
                    .await?
                    .into_iter()
                    .map(|o| {
                        let total = Money::from_minor(o.total_minor, o.currency).to_string();
                        let status = o.status.label().to_owned();
                        let date = zone.local(o.created_at).date().to_string();
                        (o.number, date, status, total)
                    })
                    .collect(),
                None => Vec::new(),
            };
            let (form, errors) = match (refused, &stored) {
                (Some(r), _) => (r.values, r.errors),
                (None, Some(c)) => (edit::form_of(c), Vec::new()),
                (None, None) => (super::CustomerForm::default(), Vec::new()),
            };
            Ok(super::CustomerEdit {
                id,
                form,
                errors,
                no_reminders: stored.as_ref().is_some_and(|c| c.no_reminders),
                orders,
            })
        }
        .await,
    )
}
