use super::{StoreSettings, TaxRateView};
use crate::error::AppError;
use leptos::prelude::*;

/// Store settings and tax rates (admin only).
#[server]
pub async fn get_settings() -> Result<(StoreSettings, Vec<TaxRateView>), AppError> {
    use super::ssr::tax_rate;
    use sea_orm::{EntityTrait, QueryOrder};
    crate::staff::ssr::require(crate::staff::Role::Admin).await?;
    let state = crate::state::AppState::from_context()?;
    crate::error::with_status(
        async {
            let settings = super::ssr::load(&state.db).await?;
            let rates = tax_rate::Entity::find()
                .order_by_asc(tax_rate::Column::Id)
                .all(&state.db)
                .await?;
            let rates = rates
                .into_iter()
                .map(|r| TaxRateView {
                    id: r.id,
                    class: r.class,
                    name: r.name,
                    rate_ppm: r.rate_ppm,
                })
                .collect();
            Ok((settings, rates))
        }
        .await,
    )
}
