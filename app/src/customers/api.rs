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
    use sea_orm::{
        sea_query::{Expr, ExprTrait, Func, LikeExpr},
        Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    };
    crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let needle: String = query
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    let pattern = format!(
        "%{}%",
        needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let like = |col: model::Column| {
        Expr::expr(Func::lower(Expr::col(col))).like(LikeExpr::new(&pattern).escape('\\'))
    };
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
