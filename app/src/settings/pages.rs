use super::api::get_settings;
use super::SettingsPageData;
use crate::forms::{message_for, query_notice, AreaField, Field, FieldMessage, Notice};
use crate::orders::TaxRate;
use crate::staff::{pages::StaffPage, Role};
use leptos::prelude::*;

fn settings_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "Settings saved. New emails use them from now on.",
        "invalid" => "Nothing was saved: correct the fields marked below.",
        "internal" => "Something went wrong on our side. Nothing was changed; please try again.",
        // The test email's own outcome is shown beside its button.
        "test" => return None,
        _ => return None,
    })
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let notice = query_notice(settings_message);
    view! {
        <StaffPage role=Role::Admin load=get_settings render=move |d| view! {
            <Notice notice=notice.clone()/>
            {settings_view(d)}
        }/>
    }
}

fn settings_view(d: SettingsPageData) -> impl IntoView {
    let f = d.form;
    let test_to = f.email.clone();
    let err = |field: &str| message_for(&d.errors, field);
    let key_help = if d.dkim_key_stored {
        "A key is stored (it is never shown). Paste a new one to replace it."
    } else {
        "RSA in PKCS#1 PEM (BEGIN RSA PRIVATE KEY) or Ed25519 as base64."
    };
    view! {
        <h1>"Settings"</h1>
        <form method="post" action="/settings" class="stack settings-form">
            {view! { <fieldset>
                <legend>"Store"</legend>
                <Field label="Store name" name="name" value=f.name required=true maxlength=100 error=err("name")/>
                <Field label="Store email" name="email" value=f.email kind="email" required=true maxlength=254 error=err("email")/>
                <Field label="Phone" name="phone" value=f.phone maxlength=40 error=err("phone")/>
                <AreaField label="Address" name="address" value=f.address maxlength=500 error=err("address")/>
                <p class="muted">"Currency: " {d.currency.clone()} " (fixed once orders exist)."</p>
                <Field label="Invoices due after (days)" name="default_due_days" value=f.default_due_days kind="number" maxlength=4 error=err("default_due_days")/>
                <Field label="Pay links expire this many days after the due date" name="expiry_grace_days" value=f.expiry_grace_days kind="number" maxlength=4 error=err("expiry_grace_days")/>
            </fieldset> }.into_any()}
            {view! { <fieldset>
                <legend>"Invoice email"</legend>
                <Field label="Logo address (https://…)" name="logo_url" value=f.logo_url kind="url" maxlength=500 error=err("logo_url")/>
                <Field label="Brand colour" name="brand_color" value=f.brand_color maxlength=7 error=err("brand_color")/>
                <Field label="Button colour" name="accent_color" value=f.accent_color maxlength=7 error=err("accent_color")/>
                <Field label="Subject" name="invoice_subject" value=f.invoice_subject required=true error=err("invoice_subject")/>
                <p class="muted">"{order_number} and {store_name} are replaced in the subject."</p>
                <Field label="Heading" name="invoice_heading" value=f.invoice_heading error=err("invoice_heading")/>
                <AreaField label="Introduction" name="invoice_intro" value=f.invoice_intro error=err("invoice_intro")/>
                <AreaField label="Footer" name="invoice_footer" value=f.invoice_footer error=err("invoice_footer")/>
            </fieldset> }.into_any()}
            {view! { <fieldset>
                <legend>"DKIM signing (optional)"</legend>
                <p class="muted">"Signs every email so receiving servers can check it came from your domain. Publish the public key as a TXT record at selector._domainkey.domain first."</p>
                <Field label="Signing domain" name="dkim_domain" value=f.dkim_domain maxlength=253 error=err("dkim_domain")/>
                <Field label="Selector" name="dkim_selector" value=f.dkim_selector maxlength=63 error=err("dkim_selector")/>
                <label for="f-dkim_private_key">"Private key"</label>
                <textarea id="f-dkim_private_key" name="dkim_private_key" rows="3" maxlength="8000" autocomplete="off"
                    aria-describedby="dkim-key-help"></textarea>
                <span class="muted" id="dkim-key-help">{key_help}</span>
                <FieldMessage id="f-dkim_private_key-error" message=err("dkim_private_key")/>
                <Show when=move || d.dkim_key_stored>
                    <label class="check"><input type="checkbox" name="dkim_remove"/>" Remove the stored key (stop signing)"</label>
                </Show>
            </fieldset> }.into_any()}
            <button type="submit" class="primary">"Save settings"</button>
        </form>

        <section aria-labelledby="test-email-h" id="test-email">
            <h2 id="test-email-h">"Test email"</h2>
            <p class="muted">{if d.smtp_configured { "Sends one message now and shows what the mail server answered." } else { "SMTP is not configured (SMTP_URL): emails stay queued until it is." }}</p>
            {d.test_result.map(|(ok, m)| if ok {
                view! { <p class="notice" role="status">{m}</p> }.into_any()
            } else {
                view! { <p class="error" role="alert">{m}</p> }.into_any()
            })}
            <form method="post" action="/settings/test-email" class="stack">
                <label for="test-to">"Send to"</label>
                <input id="test-to" name="to" type="email" required maxlength="254" value=test_to/>
                <button type="submit" class="secondary">"Send test email"</button>
            </form>
        </section>

        <section aria-labelledby="tax-heading">
            <h2 id="tax-heading">"Tax rates"</h2>
            <table>
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Tax class"</th><th scope="col">"Rate"</th></tr></thead>
                <tbody>
                    {d.rates.into_iter().map(|r| {
                        let pct = TaxRate { label: r.name.clone(), rate_ppm: u32::try_from(r.rate_ppm).unwrap_or(0) }.percent_label();
                        let class = if r.class.is_empty() { "standard".to_owned() } else { r.class };
                        view! { <tr><td>{r.name}</td><td>{class}</td><td>{pct}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
