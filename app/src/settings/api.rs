use super::SettingsPageData;
use crate::error::AppError;
use leptos::prelude::*;

/// The settings page: the stored values, or what a refused save typed, with
/// the messages; and the outcome of the last **Send test email**.
#[server]
pub async fn get_settings() -> Result<SettingsPageData, AppError> {
    use super::ssr::{edit, tax_rate, taxes, web};
    use super::{SettingsForm, TaxRateView};
    use crate::forms::ssr::take_flash;
    use crate::forms::Refused;
    use sea_orm::{EntityTrait, QueryOrder};
    crate::staff::ssr::require(crate::staff::Role::Admin).await?;
    let state = crate::state::AppState::from_context()?;
    let refused: Option<Refused<SettingsForm>> = take_flash(web::FORM_FLASH).await;
    let test_result: Option<(bool, String)> = take_flash(web::TEST_FLASH).await;
    let rate_refused: Option<web::RateRefused> = take_flash(web::RATE_FLASH).await;
    let preset_result: Option<String> = take_flash(web::PRESET_FLASH).await;
    let reminders_refused: Option<Refused<crate::reminders::PolicyForm>> =
        take_flash(web::REMINDERS_FLASH).await;
    let reminders_result: Option<String> = take_flash(web::REMINDERS_DONE_FLASH).await;
    crate::error::with_status(
        async {
            let row = super::ssr::store(&state.db).await?;
            let mut rates = Vec::new();
            for r in tax_rate::Entity::find()
                .order_by_asc(tax_rate::Column::Id)
                .all(&state.db)
                .await?
            {
                let products = if r.retired_at.is_some() {
                    taxes::products_on(&state.db, r.id).await?
                } else {
                    Vec::new()
                };
                rates.push(TaxRateView {
                    id: r.id,
                    class: r.class,
                    name: r.name,
                    rate_ppm: r.rate_ppm,
                    retired: r.retired_at.is_some(),
                    products,
                });
            }
            let (form, errors) = match refused {
                Some(r) => (r.values, r.errors),
                None => (edit::form_of(&row), Vec::new()),
            };
            let (reminders, reminder_errors) = match reminders_refused {
                Some(r) => (r.values, r.errors),
                None => (
                    crate::reminders::PolicyForm::of(&crate::reminders::ssr::schedule::policy_of(
                        &row,
                    )),
                    Vec::new(),
                ),
            };
            Ok(SettingsPageData {
                form,
                errors,
                currency: row.currency.clone(),
                currencies: crate::domain::money::currency_codes()
                    .map(|c| {
                        let chargeable = crate::domain::Currency::parse(c)
                            .is_ok_and(crate::payments::amount::chargeable);
                        (c.to_owned(), chargeable)
                    })
                    .collect(),
                orders: edit::order_count(&state.db).await?,
                time_zones: crate::domain::zone_names().to_vec(),
                rates,
                rate_form: rate_refused.map(|r| super::RateFormView {
                    id: r.id,
                    name: r.values.name,
                    rate: r.values.rate,
                    class: r.values.class,
                    errors: r.errors,
                }),
                presets: taxes::PRESETS
                    .iter()
                    .map(|(code, label, _)| ((*code).to_owned(), (*label).to_owned()))
                    .collect(),
                preset_result,
                dkim_key_stored: !row.dkim_private_key.is_empty(),
                smtp_configured: state.mailer.is_configured(),
                test_result,
                reminders,
                reminder_errors,
                reminders_result,
                time_zone_name: row.time_zone.clone(),
            })
        }
        .await,
    )
}
