//! Catalogue server fns.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A product as the POS sees it: enough to add it to the cart and price it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductHit {
    pub id: i32,
    pub sku: Option<String>,
    /// So the till can tell an exact scan from a name that merely contains it.
    #[serde(default)]
    pub barcode: Option<String>,
    pub name: String,
    pub price_minor: i64,
    pub tax_label: String,
    pub tax_rate_ppm: u32,
}

/// The condition "name or SKU contains `pattern` (any case), or the barcode
/// is the one `query` reads as" (any length of the same GTIN, see
/// `Barcode::lookup_forms`). Exact on the barcode: digits typed so far are
/// not a product.
#[cfg(feature = "ssr")]
fn matches_product(query: &str, pattern: &str) -> sea_orm::Condition {
    use super::{model, Barcode};
    use crate::search::lower_like;
    use sea_orm::{ColumnTrait, Condition};
    let mut any = Condition::any()
        .add(lower_like(model::Column::Name, pattern))
        .add(lower_like(model::Column::Sku, pattern));
    if let Ok(code) = Barcode::parse(query) {
        any = any.add(model::Column::Barcode.is_in(code.lookup_forms()));
    }
    any
}

/// Active products whose name or SKU contains `query` (any case), or whose
/// barcode is `query`, at most 20.
#[server]
pub async fn search_products(query: String) -> Result<Vec<ProductHit>, AppError> {
    use super::model;
    use crate::search::contains_pattern;
    use crate::settings::ssr::tax_rate;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    crate::staff::ssr::require(crate::staff::Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let Some(pattern) = contains_pattern(&query) else {
        return Ok(Vec::new());
    };
    crate::error::with_status(
        async {
            let rows = model::Entity::find()
                .filter(model::Column::Active.eq(true))
                .filter(matches_product(&query, &pattern))
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
                        barcode: p.barcode,
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

/// The catalogue for admins: every product (active or not) whose name or SKU
/// contains `query`, or whose barcode is `query`, by name, at most `LIST_LIMIT`.
#[server]
pub async fn list_catalog(query: String) -> Result<Vec<super::ProductRow>, AppError> {
    use super::model;
    use crate::domain::Money;
    use crate::search::contains_pattern;
    use crate::settings::ssr::tax_rate;
    use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    crate::staff::ssr::require(crate::staff::Role::Admin).await?;
    let state = crate::state::AppState::from_context()?;
    crate::error::with_status(
        async {
            let currency = crate::settings::ssr::currency(&state.db).await?;
            let mut find = model::Entity::find();
            if let Some(pattern) = contains_pattern(&query) {
                find = find.filter(matches_product(&query, &pattern));
            }
            let rows = find
                .order_by_asc(model::Column::Name)
                .order_by_asc(model::Column::Id)
                .limit(super::admin::LIST_LIMIT)
                .all(&state.db)
                .await?;
            let rates: std::collections::HashMap<i32, String> = tax_rate::Entity::find()
                .all(&state.db)
                .await?
                .into_iter()
                .map(|r| (r.id, r.name))
                .collect();
            Ok(rows
                .into_iter()
                .map(|p| super::ProductRow {
                    id: p.id,
                    sku: p.sku.unwrap_or_default(),
                    barcode: p.barcode.unwrap_or_default(),
                    name: p.name,
                    price: Money::from_minor(p.price_minor, currency).to_string(),
                    tax: p
                        .tax_rate_id
                        .and_then(|id| rates.get(&id).cloned())
                        .unwrap_or_else(|| "No tax".into()),
                    active: p.active,
                })
                .collect())
        }
        .await,
    )
}

/// The product form: a new product (`id` None) or a stored one, or what a
/// refused save typed, with its messages.
#[server]
pub async fn product_for_edit(id: Option<i32>) -> Result<super::ProductEdit, AppError> {
    use super::model;
    use super::ssr::{edit, web};
    use crate::forms::{ssr::take_flash, Refused};
    use crate::settings::ssr::tax_rate;
    use sea_orm::{EntityTrait, QueryOrder};
    crate::staff::ssr::require(crate::staff::Role::Admin).await?;
    let state = crate::state::AppState::from_context()?;
    let refused: Option<Refused<super::ProductForm>> = take_flash(web::FORM_FLASH).await;
    crate::error::with_status(
        async {
            let currency = crate::settings::ssr::currency(&state.db).await?;
            let all_rates = tax_rate::Entity::find()
                .order_by_asc(tax_rate::Column::Id)
                .all(&state.db)
                .await?;
            let stored = match id {
                Some(id) => Some(
                    model::Entity::find_by_id(id)
                        .one(&state.db)
                        .await?
                        .ok_or(AppError::NotFound)?,
                ),
                None => None,
            };
            // A retired rate is offered only to the product that still has it
            // (so its form shows the truth), never to a new one.
            let current = stored.as_ref().and_then(|p| p.tax_rate_id);
            let rates = all_rates
                .iter()
                .filter(|r| r.retired_at.is_none() || Some(r.id) == current)
                .map(|r| {
                    let label = r.choice_label();
                    let label = if r.retired_at.is_some() {
                        format!("{label} (retired: choose another)")
                    } else {
                        label
                    };
                    (r.id, label)
                })
                .collect();
            let (form, errors) = match (refused, &stored) {
                (Some(r), _) => (r.values, r.errors),
                (None, Some(p)) => (edit::form_of(p, currency), Vec::new()),
                // New products start in the standard class, as in WooCommerce.
                (None, None) => (
                    super::ProductForm {
                        tax_rate_id: all_rates
                            .iter()
                            .find(|r| r.class.is_empty() && r.retired_at.is_none())
                            .map(|r| r.id.to_string())
                            .unwrap_or_default(),
                        ..Default::default()
                    },
                    Vec::new(),
                ),
            };
            Ok(super::ProductEdit {
                id,
                active: stored.as_ref().is_none_or(|p| p.active),
                form,
                errors,
                rates,
                currency: currency.code().to_owned(),
                prices_include_tax: crate::settings::ssr::store(&state.db)
                    .await?
                    .prices_include_tax,
            })
        }
        .await,
    )
}

/// The report of the import this session just ran, if any, and the file
/// waiting for its tax classes (kept for **Run the import again**).
#[server]
pub async fn last_import() -> Result<super::ImportPageData, AppError> {
    crate::staff::ssr::require(crate::staff::Role::Admin).await?;
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|_| AppError::Internal)?;
    let pending = session
        .get::<(String, String)>(super::ssr::web::PENDING_KEY)
        .await
        .ok()
        .flatten()
        .map(|(name, _)| name);
    Ok(super::ImportPageData {
        result: crate::forms::ssr::take_flash(super::ssr::web::IMPORT_FLASH).await,
        pending,
    })
}
