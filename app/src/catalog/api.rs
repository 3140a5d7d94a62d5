//! Catalogue server fns.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A product as the POS sees it: enough to add it to the cart and price it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductHit {
    pub id: i32,
    pub sku: Option<String>,
    pub name: String,
    pub price_minor: i64,
    pub tax_label: String,
    pub tax_rate_ppm: u32,
}

/// Active products whose name or SKU contains `query` (any case), at most 20.
#[server]
pub async fn search_products(query: String) -> Result<Vec<ProductHit>, AppError> {
    use super::model;
    use crate::search::{contains_pattern, lower_like};
    use crate::settings::ssr::tax_rate;
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let Some(pattern) = contains_pattern(&query) else {
        return Ok(Vec::new());
    };
    crate::error::with_status(
        async {
            let rows = model::Entity::find()
                .filter(model::Column::Active.eq(true))
                .filter(
                    Condition::any()
                        .add(lower_like(model::Column::Name, &pattern))
                        .add(lower_like(model::Column::Sku, &pattern)),
                )
                .order_by_asc(model::Column::Name)
                .limit(20)
                .all(&state.db)
                .await?;
            let rates: std::collections::HashMap<i32, tax_rate::Model> = tax_rate::Entity::find()
                .all(&state.db)
                .await?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
            Ok(rows
                .into_iter()
                .map(|p| {
                    let rate = p.tax_rate_id.and_then(|id| rates.get(&id));
                    ProductHit {
                        id: p.id,
                        sku: p.sku,
                        name: p.name,
                        price_minor: p.price_minor,
                        tax_label: rate.map(|r| r.name.clone()).unwrap_or_default(),
                        tax_rate_ppm: rate.map_or(0, |r| u32::try_from(r.rate_ppm).unwrap_or(0)),
                    }
                })
                .collect())
        }
        .await,
    )
}
