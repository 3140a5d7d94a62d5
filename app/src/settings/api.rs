use super::SettingsPageData;
use crate::error::AppError;
use leptos::prelude::*;

/// The settings page: the stored values, or what a refused save typed, with
/// the messages; and the outcome of the last **Send test email**.
#[server]
pub async fn get_settings() -> Result<SettingsPageData, AppError> {
    use super::ssr::{edit, tax_rate, web};
    use super::{SettingsForm, TaxRateView};
    use crate::forms::ssr::take_flash;
    use crate::forms::Refused;
    use sea_orm::{EntityTrait, QueryOrder};
    crate::staff::ssr::require(crate::staff::Role::Admin).await?;
    let state = crate::state::AppState::from_context()?;
    let refused: Option<Refused<SettingsForm>> = take_flash(web::FORM_FLASH).await;
    let test_result: Option<(bool, String)> = take_flash(web::TEST_FLASH).await;
    crate::error::with_status(
        async {
            let row = super::ssr::store(&state.db).await?;
            let rates = tax_rate::Entity::find()
                .order_by_asc(tax_rate::Column::Id)
                .all(&state.db)
                .await?
                .into_iter()
                .map(|r| TaxRateView {
                    id: r.id,
                    class: r.class,
                    name: r.name,
                    rate_ppm: r.rate_ppm,
                })
                .collect();
            let (form, errors) = match refused {
                Some(r) => (r.values, r.errors),
                None => (edit::form_of(&row), Vec::new()),
            };
            Ok(SettingsPageData {
                form,
                errors,
                currency: row.currency.clone(),
                rates,
                dkim_key_stored: !row.dkim_private_key.is_empty(),
                smtp_configured: state.mailer.is_configured(),
                test_result,
            })
        }
        .await,
    )
}
