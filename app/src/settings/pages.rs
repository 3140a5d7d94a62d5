use super::api::get_settings;
use super::{StoreSettings, TaxRateView};
use crate::orders::TaxRate;
use crate::staff::{pages::StaffPage, Role};
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! { <StaffPage role=Role::Admin load=get_settings render=settings_view/> }
}

fn settings_view((s, rates): (StoreSettings, Vec<TaxRateView>)) -> impl IntoView {
    view! {
        <h1>"Settings"</h1>
        <section aria-labelledby="store-heading">
            <h2 id="store-heading">"Store"</h2>
            <dl class="facts">
                <dt>"Name"</dt><dd>{s.name}</dd>
                <dt>"Email"</dt><dd>{s.email}</dd>
                <dt>"Phone"</dt><dd>{s.phone}</dd>
                <dt>"Address"</dt><dd class="address">{s.address}</dd>
                <dt>"Currency"</dt><dd>{s.currency}</dd>
                <dt>"Invoices due after"</dt><dd>{s.default_due_days} " days"</dd>
                <dt>"Pay links expire"</dt><dd>{s.expiry_grace_days} " days after the due date"</dd>
            </dl>
        </section>
        <section aria-labelledby="tax-heading">
            <h2 id="tax-heading">"Tax rates"</h2>
            <table>
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Tax class"</th><th scope="col">"Rate"</th></tr></thead>
                <tbody>
                    {rates.into_iter().map(|r| {
                        let pct = TaxRate { label: r.name.clone(), rate_ppm: u32::try_from(r.rate_ppm).unwrap_or(0) }.percent_label();
                        let class = if r.class.is_empty() { "standard".to_owned() } else { r.class };
                        view! { <tr><td>{r.name}</td><td>{class}</td><td>{pct}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
