use super::api::get_settings;
use super::SettingsPageData;
use crate::forms::{message_for, query_notice, AreaField, Field, FieldError, FieldMessage, Notice};
use crate::orders::create::PaymentChoice;
use crate::orders::TaxRate;
use crate::reminders::policy::{StepForm, MAX_DAYS, MAX_REPEAT_EVERY, MAX_REPEAT_TIMES, WEEKDAYS};
use crate::reminders::PolicyForm;
use crate::staff::{pages::StaffPage, Role};
use leptos::prelude::*;

fn settings_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "Settings saved. New emails use them from now on.",
        "invalid" => "Nothing was saved: correct the fields marked below.",
        "rate_added" => "Tax rate added.",
        "rate_saved" => "Tax rate saved. Orders already made keep the rate they were made with.",
        "rate_retired" => "Tax rate retired: it cannot be chosen for products any more. Orders already made are unchanged.",
        "rate_reinstated" => "Tax rate reinstated.",
        "rate_invalid" => "The tax rate was not saved: correct the fields marked below.",
        "rate_missing" => "That tax rate no longer exists.",
        // The one-click set's outcome is shown in the tax rates section.
        "preset" => return None,
        "internal" => "Something went wrong on our side. Nothing was changed; please try again.",
        // The test email's own outcome is shown beside its button.
        "test" => return None,
        // The reminders' outcome is shown in their section (the redirect lands there).
        "reminders_saved" | "reminders_invalid" => return None,
        "reminders_unplanned" => "Reminders saved, but the open invoices could not be planned again. Save the reminders once more to retry.",
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
    let store_name = f.name.clone();
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
                <legend id="store">"Store"</legend>
                <Field label="Store name" name="name" value=f.name required=true maxlength=100 error=err("name")/>
                <Field label="Store email" name="email" value=f.email kind="email" required=true maxlength=254 error=err("email")/>
                <Field label="Phone" name="phone" value=f.phone maxlength=40 error=err("phone")/>
                <AreaField label="Address" name="address" value=f.address maxlength=500 error=err("address")/>
                <CurrencyField currencies=d.currencies.clone() chosen=f.currency.clone() orders=d.orders error=err("currency")/>
                <label class="check"><input type="checkbox" name="prices_include_tax" checked=f.prices_include_tax.is_some()/>
                    " Prices include tax (shelf prices: the invoice shows the tax they contain)"</label>
                <span class="muted">"Changing it changes what every product price means from the next sale on; orders already made keep theirs."</span>
                <label for="f-time_zone">"Time zone"</label>
                <input id="f-time_zone" name="time_zone" list="time-zones" value=f.time_zone.clone() maxlength="64" required
                    aria-invalid=err("time_zone").is_some().then_some("true") aria-describedby="f-time_zone-help"/>
                <datalist id="time-zones">
                    {d.time_zones.iter().map(|z| view! { <option value=z.clone()></option> }).collect_view()}
                </datalist>
                <span class="muted" id="f-time_zone-help">"e.g. Europe/Paris: due dates, \"today\" and every time shown use it."</span>
                <FieldMessage id="f-time_zone-error" message=err("time_zone")/>
                <LanguageField chosen=f.language.clone() error=err("language")/>
                <Field label="Invoices due after (days)" name="default_due_days" value=f.default_due_days kind="number" maxlength=4 error=err("default_due_days")/>
                <Field label="Pay links expire this many days after the due date" name="expiry_grace_days" value=f.expiry_grace_days kind="number" maxlength=4 error=err("expiry_grace_days")/>
            </fieldset> }.into_any()}
            {view! { <fieldset>
                <legend>"Point of sale"</legend>
                <DefaultPaymentField chosen=f.default_payment.clone() error=err("default_payment")/>
            </fieldset> }.into_any()}
            {view! { <fieldset>
                <legend>"Invoice email"</legend>
                <Field label="Logo address (https://…)" name="logo_url" value=f.logo_url kind="url" maxlength=500 error=err("logo_url")/>
                <ColourFields store=store_name brand=f.brand_color.clone() accent=f.accent_color.clone()
                    brand_error=err("brand_color") accent_error=err("accent_color")/>
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

        {reminders_view(d.reminders, d.reminder_errors, d.time_zone_name, d.reminders_result)}

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

        {tax_rates_view(d.rates, d.rate_form, d.presets, d.preset_result)}
    }
}

/// `aria-describedby` for a field with help text and perhaps a refusal.
fn described_by(help: &str, error_id: &str, invalid: bool) -> String {
    if invalid {
        format!("{help} {error_id}")
    } else {
        help.to_owned()
    }
}

/// Settings → Reminders: its own form, so that saving it re-plans every open
/// invoice without touching the store's details, and the reverse.
fn reminders_view(
    f: PolicyForm,
    errors: Vec<FieldError>,
    time_zone: String,
    result: Option<String>,
) -> AnyView {
    let err = |field: &str| message_for(&errors, field);
    let refused = !errors.is_empty();
    let steps = f
        .steps
        .iter()
        .enumerate()
        .map(|(i, row)| step_fields(i, row, &errors))
        .collect_view();
    let every_err = err("repeat_every");
    let times_err = err("repeat_times");
    let start_err = err("window_start");
    let end_err = err("window_end");
    let days_err = err("window_days");
    view! {
        <section aria-labelledby="reminders-h" id="reminders">
            <h2 id="reminders-h">"Reminders"</h2>
            <p class="muted">"Emails that remind customers of an invoice not yet paid, with its pay link. They go only to invoices with a due date and an email address, never to customers marked " <em>"No reminders"</em> ", and never within a day of another email about the same order."</p>
            {result.map(|m| view! { <p class="notice" role="status">{m}</p> })}
            {refused.then(|| view! { <p class="error" role="alert">"The reminders were not saved: correct the fields marked below."</p> })}
            <form method="post" action="/settings/reminders" class="stack reminders-form">
                <label class="check"><input type="checkbox" name="enabled" value="on" checked=f.enabled/>" Send payment reminders"</label>
                {view! { <fieldset>
                    <legend>"Steps"</legend>
                    <p class="muted" id="reminder-days-help">"Days from the due date: a negative number is before it (-3: three days before), 0 is on the day, a positive number after it. Steps go in order of days, one per day."</p>
                    <p class="muted" id="reminder-wording-help">"In the subject, heading and introduction, {order_number}, {store_name}, {amount} (what is due next) and {due_date} are replaced with the invoice's own. Left empty, they get a wording that suits the step's day."</p>
                    <p class="muted">"A blank row is ignored. To remove a step, clear all its fields and save."</p>
                    <FieldMessage id="f-steps-error" message=err("steps")/>
                    {steps}
                </fieldset> }.into_any()}
                {view! { <fieldset>
                    <legend>"Repeat (optional)"</legend>
                    <p class="muted" id="reminder-repeat-help">"After the last step, send it again every so many days, at most so many more times. Leave both empty for no repeat."</p>
                    <p class="field-row">
                        <label for="f-repeat_every">"Then every"</label>
                        <input id="f-repeat_every" name="repeat_every" type="number" min="1" max=MAX_REPEAT_EVERY.to_string() step="1" class="short"
                            value=f.repeat_every.clone()
                            aria-invalid=every_err.is_some().then_some("true")
                            aria-describedby=described_by("reminder-repeat-help", "f-repeat_every-error", every_err.is_some())/>
                        <label for="f-repeat_times">"days, at most"</label>
                        <input id="f-repeat_times" name="repeat_times" type="number" min="1" max=MAX_REPEAT_TIMES.to_string() step="1" class="short"
                            value=f.repeat_times.clone()
                            aria-invalid=times_err.is_some().then_some("true")
                            aria-describedby=described_by("reminder-repeat-help", "f-repeat_times-error", times_err.is_some())/>
                        <span>"more times"</span>
                    </p>
                    <FieldMessage id="f-repeat_every-error" message=every_err.clone()/>
                    <FieldMessage id="f-repeat_times-error" message=times_err.clone()/>
                </fieldset> }.into_any()}
                {view! { <fieldset>
                    <legend>"Sending window"</legend>
                    <p class="muted" id="reminder-window-help">
                        "Reminders go out between these times, on the days ticked; one due outside them waits for the next opening. Times are in the store's time zone, "
                        <strong>{time_zone}</strong>
                        " (" <a href="#f-time_zone">"change the time zone"</a> ")."
                    </p>
                    <div class="field-row">
                        <span class="stack">
                            <label for="f-window_start">"From"</label>
                            <input id="f-window_start" name="window_start" type="time" required value=f.window_start.clone()
                                aria-invalid=start_err.is_some().then_some("true")
                                aria-describedby=described_by("reminder-window-help", "f-window_start-error", start_err.is_some())/>
                        </span>
                        <span class="stack">
                            <label for="f-window_end">"Until"</label>
                            <input id="f-window_end" name="window_end" type="time" required value=f.window_end.clone()
                                aria-invalid=end_err.is_some().then_some("true")
                                aria-describedby=described_by("reminder-window-help", "f-window_end-error", end_err.is_some())/>
                        </span>
                    </div>
                    <FieldMessage id="f-window_start-error" message=start_err.clone()/>
                    <FieldMessage id="f-window_end-error" message=end_err.clone()/>
                    <fieldset class="weekdays" aria-describedby=days_err.is_some().then_some("f-window_days-error")>
                        <legend>"On these days"</legend>
                        {WEEKDAYS.iter().zip(f.window_days).map(|((code, name), ticked)| view! {
                            <label class="check"><input type="checkbox" name=format!("day_{code}") value="on" checked=ticked
                                aria-invalid=days_err.is_some().then_some("true")/>{format!(" {name}")}</label>
                        }).collect_view()}
                    </fieldset>
                    <FieldMessage id="f-window_days-error" message=days_err.clone()/>
                </fieldset> }.into_any()}
                <button type="submit" class="primary">"Save reminders"</button>
            </form>
        </section>
    }
    .into_any()
}

fn is_blank(row: &StepForm) -> bool {
    row.days.trim().is_empty()
        && row.subject.trim().is_empty()
        && row.heading.trim().is_empty()
        && row.intro.trim().is_empty()
}

/// One step's row: fields `days_{i}`, `subject_{i}`, `heading_{i}`,
/// `intro_{i}`, their labels numbered so each is unique on the page.
fn step_fields(i: usize, row: &StepForm, errors: &[FieldError]) -> AnyView {
    let n = i + 1;
    let (days_min, days_max) = (format!("-{MAX_DAYS}"), MAX_DAYS.to_string());
    let id = |field: &str| format!("f-{field}_{i}");
    let error_id = |field: &str| format!("f-{field}_{i}-error");
    let message = |field: &str| message_for(errors, &format!("{field}_{i}"));
    let days_err = message("days");
    let subject_err = message("subject");
    let heading_err = message("heading");
    let intro_err = message("intro");
    // A stored step is never blank: only the rows offered for new steps are.
    let legend = if is_blank(row) {
        format!("Step {n} (new)")
    } else {
        format!("Step {n}")
    };
    view! {
        <fieldset class="reminder-step">
            <legend>{legend}</legend>
            <label for=id("days")>{format!("Step {n}: days from due date")}</label>
            <input id=id("days") name=format!("days_{i}") type="number" min=days_min max=days_max step="1" class="short"
                value=row.days.clone()
                aria-invalid=days_err.is_some().then_some("true")
                aria-describedby=described_by("reminder-days-help", &error_id("days"), days_err.is_some())/>
            <FieldMessage id=error_id("days") message=days_err.clone()/>
            <label for=id("subject")>{format!("Step {n}: subject")}</label>
            <input id=id("subject") name=format!("subject_{i}") type="text" maxlength="2000"
                value=row.subject.clone()
                aria-invalid=subject_err.is_some().then_some("true")
                aria-describedby=described_by("reminder-wording-help", &error_id("subject"), subject_err.is_some())/>
            <FieldMessage id=error_id("subject") message=subject_err.clone()/>
            <label for=id("heading")>{format!("Step {n}: heading")}</label>
            <input id=id("heading") name=format!("heading_{i}") type="text" maxlength="2000"
                value=row.heading.clone()
                aria-invalid=heading_err.is_some().then_some("true")
                aria-describedby=described_by("reminder-wording-help", &error_id("heading"), heading_err.is_some())/>
            <FieldMessage id=error_id("heading") message=heading_err.clone()/>
            <label for=id("intro")>{format!("Step {n}: introduction")}</label>
            <textarea id=id("intro") name=format!("intro_{i}") rows="3" maxlength="2000"
                aria-invalid=intro_err.is_some().then_some("true")
                aria-describedby=described_by("reminder-wording-help", &error_id("intro"), intro_err.is_some())
            >{row.intro.clone()}</textarea>
            <FieldMessage id=error_id("intro") message=intro_err.clone()/>
        </fieldset>
    }
    .into_any()
}

/// The currency choice: every supported code, those Stripe cannot charge
/// marked; locked (and saying why) once orders exist.
#[component]
fn CurrencyField(
    currencies: Vec<(String, bool)>,
    chosen: String,
    orders: u64,
    error: Option<String>,
) -> impl IntoView {
    let locked = orders > 0;
    let invalid = error.is_some();
    view! {
        <label for="f-currency">"Currency"</label>
        {if locked {
            view! {
                <input type="hidden" name="currency" value=chosen.clone()/>
                <select id="f-currency" disabled aria-describedby="f-currency-help">
                    <option selected>{chosen.clone()}</option>
                </select>
                <span class="muted" id="f-currency-help">{format!("Fixed: the store has {orders} order{} in {chosen}, and their amounts are in it.", if orders == 1 { "" } else { "s" })}</span>
            }.into_any()
        } else {
            view! {
                <select id="f-currency" name="currency" aria-invalid=invalid.then_some("true") aria-describedby="f-currency-help">
                    {currencies.into_iter().map(|(code, chargeable)| {
                        let selected = code == chosen;
                        let label = if chargeable { code.clone() } else { format!("{code} (in store only: Stripe cannot charge it)") };
                        view! { <option value=code selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
                <span class="muted" id="f-currency-help">"Choose it before the first order: it is fixed from then on."</span>
            }.into_any()
        }}
        <FieldMessage id="f-currency-error" message=error/>
    }
}

/// The store's language, each offered in its own name.
#[component]
fn LanguageField(chosen: String, error: Option<String>) -> impl IntoView {
    let invalid = error.is_some();
    let described_by = if invalid {
        "f-language-help f-language-error"
    } else {
        "f-language-help"
    };
    view! {
        <label for="f-language">"Language"</label>
        <select id="f-language" name="language" aria-invalid=invalid.then_some("true")
            aria-describedby=described_by>
            {crate::i18n::Lang::ALL.into_iter().map(|l| {
                let selected = l.code() == chosen;
                view! { <option value=l.code() lang=l.code() selected=selected>{l.name()}</option> }
            }).collect_view()}
        </select>
        <span class="muted" id="f-language-help">"New orders are in the customer's language when they have one Settle speaks, else in this one: the pay page, invoice, receipts and reminders."</span>
        <FieldMessage id="f-language-error" message=error/>
    }
}

/// The method the POS starts with and returns to after every sale.
#[component]
fn DefaultPaymentField(chosen: String, error: Option<String>) -> impl IntoView {
    let invalid = error.is_some();
    let described_by = if invalid {
        "f-default_payment-help f-default_payment-error"
    } else {
        "f-default_payment-help"
    };
    view! {
        <label for="f-default_payment">"Default payment method"</label>
        <select id="f-default_payment" name="default_payment" aria-invalid=invalid.then_some("true")
            aria-describedby=described_by>
            {PaymentChoice::ALL.into_iter().map(|c| {
                let selected = c.code() == chosen;
                view! { <option value=c.code() selected=selected>{c.label()}</option> }
            }).collect_view()}
        </select>
        <span class="muted" id="f-default_payment-help">"What the till starts with, and returns to after every sale."</span>
        <FieldMessage id="f-default_payment-error" message=error/>
    }
}

fn rate_fields(
    prefix: &str,
    name: String,
    rate: String,
    class: String,
    errors: &[crate::forms::FieldError],
) -> impl IntoView {
    let id = |f: &str| format!("{prefix}-{f}");
    let err = |f: &str| message_for(errors, f);
    view! {
        <label for=id("name")>"Name"</label>
        <input id=id("name") name="name" value=name maxlength="60" required aria-invalid=err("name").is_some().then_some("true")/>
        <FieldMessage id=id("name-error") message=err("name")/>
        <label for=id("rate")>"Rate (%)"</label>
        <input id=id("rate") name="rate" value=rate maxlength="12" inputmode="decimal" required aria-invalid=err("rate").is_some().then_some("true")/>
        <FieldMessage id=id("rate-error") message=err("rate")/>
        <label for=id("class")>"Tax class"</label>
        <input id=id("class") name="class" value=class maxlength="40" list="tax-classes" aria-invalid=err("class").is_some().then_some("true")/>
        <FieldMessage id=id("class-error") message=err("class")/>
    }
}

fn tax_rates_view(
    rates: Vec<super::TaxRateView>,
    refused: Option<super::RateFormView>,
    presets: Vec<(String, String)>,
    preset_result: Option<String>,
) -> impl IntoView {
    let for_new = refused.clone().filter(|r| r.id.is_none());
    let (new_name, new_rate, new_class, new_errors) = match for_new {
        Some(r) => (r.name, r.rate, r.class, r.errors),
        None => (
            String::new(),
            String::new(),
            "standard".to_owned(),
            Vec::new(),
        ),
    };
    view! {
        <section aria-labelledby="tax-heading" id="tax-rates">
            <h2 id="tax-heading">"Tax rates"</h2>
            <p class="muted">"One rate per tax class. Products name a class as WooCommerce does (standard, reduced-rate, zero-rate…). Orders keep the rate they were made with, whatever changes here later."</p>
            {preset_result.map(|m| view! { <p class="notice" role="status">{m}</p> })}
            <datalist id="tax-classes">
                <option value="standard"></option>
                <option value="reduced-rate"></option>
                <option value="zero-rate"></option>
            </datalist>
            <table>
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Tax class"</th><th scope="col">"Rate"</th><th scope="col">"State"</th></tr></thead>
                <tbody>
                    {rates.iter().map(|r| {
                        let pct = TaxRate { label: r.name.clone(), rate_ppm: u32::try_from(r.rate_ppm).unwrap_or(0) }.percent_label();
                        let class = if r.class.is_empty() { "standard".to_owned() } else { r.class.clone() };
                        view! { <tr data-rate=r.id.to_string()><td>{r.name.clone()}</td><td>{class}</td><td>{pct}</td><td>{if r.retired { "Retired" } else { "In use" }}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
            {rates.into_iter().map(|r| {
                let mine = refused.clone().filter(|f| f.id == Some(r.id));
                let pct = TaxRate { label: String::new(), rate_ppm: u32::try_from(r.rate_ppm).unwrap_or(0) }.percent_label();
                let (name, rate, class, errors) = match mine {
                    Some(f) => (f.name, f.rate, f.class, f.errors),
                    None => (
                        r.name.clone(),
                        pct.trim_end_matches('%').to_owned(),
                        if r.class.is_empty() { "standard".to_owned() } else { r.class.clone() },
                        Vec::new(),
                    ),
                };
                let open = !errors.is_empty();
                let (retire_value, retire_label) = if r.retired { ("false", "Reinstate") } else { ("true", "Retire") };
                view! {
                    <details class="rate-edit" open=open>
                        <summary>{format!("Edit {}", r.name)}</summary>
                        <form method="post" action=format!("/settings/tax-rates/{}", r.id) class="stack">
                            {rate_fields(&format!("rate{}", r.id), name, rate, class, &errors)}
                            <button type="submit" class="primary">"Save rate"</button>
                        </form>
                        <form method="post" action=format!("/settings/tax-rates/{}/retire", r.id)>
                            <input type="hidden" name="retired" value=retire_value/>
                            <button type="submit" class="secondary">{retire_label}</button>
                        </form>
                        {(r.retired && !r.products.is_empty()).then(|| view! {
                            <p class="error">"Products still on this retired rate (the till refuses them until they get a current rate):"</p>
                            <ul>
                                {r.products.iter().map(|(id, name)| view! { <li><a href=format!("/catalog/{id}")>{name.clone()}</a></li> }).collect_view()}
                            </ul>
                        })}
                    </details>
                }
            }).collect_view()}
            <h3>"Add tax rate"</h3>
            <form method="post" action="/settings/tax-rates" class="stack" id="add-tax-rate">
                {rate_fields("new-rate", new_name, new_rate, new_class, &new_errors)}
                <button type="submit" class="primary">"Add tax rate"</button>
            </form>
            <h3>"Start from a common set"</h3>
            <p class="muted">"Adds the set's rates for the classes that have none yet; rates you already have are kept."</p>
            {presets.into_iter().map(|(code, label)| view! {
                <form method="post" action="/settings/tax-rates/preset" class="inline">
                    <input type="hidden" name="preset" value=code/>
                    <button type="submit" class="secondary">{format!("Add {label}")}</button>
                </form>
            }).collect_view()}
        </section>
    }
}

/// The brand and button colours with a preview of the pay page's header and
/// button as the customer will see them (live while typing once the island
/// runs; the saved colours without JavaScript), and a warning when a colour
/// is too pale to stand out from the white page. Text on either colour is
/// always black or white, whichever reads better (`domain::colour::text_on`).
#[island]
fn ColourFields(
    store: String,
    brand: String,
    accent: String,
    brand_error: Option<String>,
    accent_error: Option<String>,
) -> impl IntoView {
    use crate::domain::colour::{contrast, parse_hex, text_on};
    let brand = RwSignal::new(brand);
    let accent = RwSignal::new(accent);
    let field = move |label: &'static str,
                      name: &'static str,
                      value: RwSignal<String>,
                      error: Option<String>| {
        let id = format!("f-{name}");
        let err_id = format!("{id}-error");
        let help_id = format!("{id}-help");
        let invalid = error.is_some();
        let described = if invalid {
            format!("{help_id} {err_id}")
        } else {
            help_id.clone()
        };
        // A pale colour (under 3:1 against the page, WCAG's bar for a
        // control) makes the button or header hard to see at all.
        let warning = move || {
            let bg = parse_hex(&value.get())?;
            let ratio = contrast(bg, (255, 255, 255));
            (ratio < 3.0).then(|| {
                format!("This colour is very pale against the white page ({ratio:.1}:1): customers may not notice it. A darker colour (3:1 or more) stands out.")
            })
        };
        view! {
            <label for=id.clone()>{label}</label>
            // `value` for the server's HTML (a form posted without JavaScript
            // keeps the stored colour); `prop:value` once the island runs.
            <input id=id name=name type="text" maxlength="7" pattern="#[0-9a-fA-F]{6}" placeholder="#1f4f82"
                value=value.get_untracked()
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=invalid.then_some("true") aria-describedby=described/>
            <span class="muted" id=help_id>
                {move || warning().map(|w| view! { <span class="warning" data-testid=format!("{name}-warning")>{w}</span> })}
            </span>
            <crate::forms::FieldMessage id=err_id message=error/>
        }
    };
    // What the preview paints: the typed colour when it is `#rrggbb`, else
    // what the pages fall back to.
    let shown = move |value: RwSignal<String>, fallback: &'static str| {
        move || {
            let v = value.get();
            if parse_hex(&v).is_some() {
                v
            } else {
                fallback.to_owned()
            }
        }
    };
    let brand_bg = shown(brand, "#1f4f82");
    let accent_bg = shown(accent, "#f2a900");
    let head_style = move || {
        let bg = brand_bg();
        format!("background:{bg};color:{}", text_on(&bg))
    };
    let button_style = move || {
        let bg = accent_bg();
        format!("background:{bg};color:{}", text_on(&bg))
    };
    let button_note = move || {
        let bg = accent_bg();
        let text = text_on(&bg);
        let ratio = parse_hex(&bg)
            .zip(parse_hex(text))
            .map(|(b, t)| contrast(b, t))
            .unwrap_or(21.0);
        let name = if text == crate::domain::colour::WHITE {
            "White"
        } else {
            "Black"
        };
        format!("{name} text on the button: {ratio:.1}:1 contrast (4.5:1 or more is readable).")
    };
    view! {
        {field("Brand colour", "brand_color", brand, brand_error)}
        {field("Button colour", "accent_color", accent, accent_error)}
        <div class="colour-preview" aria-label="Preview of the pay page" role="group">
            <div class="preview-head" style=head_style>{store}</div>
            <div class="preview-body">
                <span class="preview-button" style=button_style data-testid="preview-button">"Pay now"</span>
                <span class="muted" data-testid="preview-contrast">{button_note}</span>
            </div>
        </div>
    }
}
