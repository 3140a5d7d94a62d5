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

/// Customers whose name, email, phone or company contains `query`, at most 10.
#[server]
pub async fn search_customers(query: String) -> Result<Vec<CustomerHit>, AppError> {
    use super::model;
    use crate::search::{contains_pattern, lower_like};
    use sea_orm::{Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let Some(pattern) = contains_pattern(&query) else {
        return Ok(Vec::new());
    };
    let like = |col: model::Column| lower_like(col, &pattern);
    crate::error::with_status(
        async {
            let rows = model::Entity::find()
                .filter(
                    Condition::any()
                        .add(like(model::Column::FirstName))
                        .add(like(model::Column::LastName))
                        .add(like(model::Column::Email))
                        .add(like(model::Column::Phone))
                        .add(like(model::Column::Company)),
                )
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
