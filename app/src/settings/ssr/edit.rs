//! Editing the store settings: validation of the typed form and the update.
use super::model;
use crate::domain::Email;
use crate::forms::{clean_text, FieldError};
use crate::orders::create::PaymentChoice;
use crate::settings::SettingsForm;
use sea_orm::{ActiveModelTrait, DatabaseConnection, DbErr, Set};

/// The form as the stored row fills it (the DKIM key is never sent back).
pub fn form_of(row: &model::Model) -> SettingsForm {
    SettingsForm {
        name: row.name.clone(),
        email: row.email.clone(),
        phone: row.phone.clone(),
        address: row.address.clone(),
        default_due_days: row.default_due_days.to_string(),
        expiry_grace_days: row.expiry_grace_days.to_string(),
        logo_url: row.logo_url.clone().unwrap_or_default(),
        brand_color: row.brand_color.clone(),
        accent_color: row.accent_color.clone(),
        invoice_subject: row.invoice_subject.clone(),
        invoice_heading: row.invoice_heading.clone(),
        invoice_intro: row.invoice_intro.clone(),
        invoice_footer: row.invoice_footer.clone(),
        dkim_domain: row.dkim_domain.clone(),
        dkim_selector: row.dkim_selector.clone(),
        dkim_private_key: String::new(),
        dkim_remove: None,
        currency: row.currency.clone(),
        time_zone: row.time_zone.clone(),
        prices_include_tax: row.prices_include_tax.then(|| "on".to_owned()),
        default_payment: row.default_payment.code().to_owned(),
        language: row.language.code().to_owned(),
    }
}

/// Records that **Send test email** just went through (the setup checklist's
/// email step).
pub async fn mark_mail_tested<C: sea_orm::ConnectionTrait>(conn: &C) -> Result<(), DbErr> {
    let row = super::store(conn).await?;
    let mut active: model::ActiveModel = row.into();
    active.mail_tested_at = Set(Some(time::OffsetDateTime::now_utc()));
    active.update(conn).await?;
    Ok(())
}

/// Writes the reminder policy and nothing else of the row: the Store form
/// saves the rest, and saving one section must not put back stale values of
/// the other (only the columns set here are written).
pub async fn save_reminder_policy<C: sea_orm::ConnectionTrait>(
    conn: &C,
    policy: &crate::reminders::Policy,
) -> Result<(), DbErr> {
    let row = super::store(conn).await?;
    let mut active: model::ActiveModel = row.into();
    active.reminder_policy = Set(policy.to_json());
    active.updated_at = Set(time::OffsetDateTime::now_utc());
    active.update(conn).await?;
    Ok(())
}

/// How many orders the store has: the currency is fixed once there is one.
pub async fn order_count<C: sea_orm::ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    crate::orders::model::order::Entity::find()
        .count(conn)
        .await
}

/// The currency as chosen: a supported ISO 4217 code, and the stored one
/// once orders exist (their amounts are in it).
pub fn check_currency(
    typed: &str,
    stored: &str,
    orders: u64,
) -> Result<crate::domain::Currency, String> {
    let code = typed.trim().to_ascii_uppercase();
    let currency = crate::domain::Currency::parse(&code).map_err(|e| format!("{e}."))?;
    if orders > 0 && currency.code() != stored {
        return Err(format!(
            "The currency cannot change once the store has orders ({orders} in {stored}): their amounts are in it."
        ));
    }
    Ok(currency)
}

/// The till's default payment method from its code; an empty one keeps
/// `stored` (a form posted before the field existed changes nothing).
pub fn check_default_payment(typed: &str, stored: PaymentChoice) -> Result<PaymentChoice, String> {
    if typed.trim().is_empty() {
        return Ok(stored);
    }
    PaymentChoice::parse(typed).ok_or_else(|| {
        let codes: Vec<&str> = PaymentChoice::ALL.iter().map(|c| c.code()).collect();
        format!(
            "\"{}\" is not a payment method: choose one of {}.",
            typed.trim().chars().take(40).collect::<String>(),
            codes.join(", ")
        )
    })
}

/// A logo on an https address only: an http image is blocked on the https
/// pay page and by mail clients.
pub fn check_logo(typed: &str) -> Result<Option<String>, String> {
    let logo = typed.trim();
    if logo.is_empty() {
        return Ok(None);
    }
    if logo.starts_with("http://") {
        return Err("The logo must be an https:// address: an http one is blocked on the pay page and in most mail clients.".to_owned());
    }
    let ok = logo.starts_with("https://")
        && logo.len() > "https://".len()
        && logo.len() <= 500
        && !logo
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    if ok {
        Ok(Some(logo.to_owned()))
    } else {
        Err("The logo must be the https:// address of an image, at most 500 characters.".to_owned())
    }
}

fn days(errors: &mut Vec<FieldError>, field: &str, label: &str, value: &str) -> i32 {
    match value.trim().parse::<i32>() {
        Ok(d) if (0..=3650).contains(&d) => d,
        _ => {
            errors.push(FieldError::new(
                field,
                format!("{label} must be a whole number of days from 0 to 3650."),
            ));
            0
        }
    }
}

fn is_hex_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn is_domain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// Checks every field and, when all are valid, writes them in one update.
pub async fn save(
    db: &DatabaseConnection,
    row: model::Model,
    form: &SettingsForm,
) -> Result<Result<(), Vec<FieldError>>, DbErr> {
    let mut errors = Vec::new();
    let name = clean_text(
        &mut errors,
        "name",
        "The store name",
        &form.name,
        100,
        false,
    );
    if name.is_empty() {
        errors.push(FieldError::new("name", "Enter the store's name."));
    }
    let email = match Email::parse(&form.email) {
        Ok(e) => e.as_str().to_owned(),
        Err(e) => {
            errors.push(FieldError::new("email", format!("The store email: {e}.")));
            String::new()
        }
    };
    let phone = clean_text(
        &mut errors,
        "phone",
        "The phone number",
        &form.phone,
        40,
        false,
    );
    let address = clean_text(
        &mut errors,
        "address",
        "The address",
        &form.address,
        500,
        true,
    );
    let due = days(
        &mut errors,
        "default_due_days",
        "Invoices due after",
        &form.default_due_days,
    );
    let grace = days(
        &mut errors,
        "expiry_grace_days",
        "Pay links expire after",
        &form.expiry_grace_days,
    );
    let logo_url = check_logo(&form.logo_url).unwrap_or_else(|m| {
        errors.push(FieldError::new("logo_url", m));
        None
    });
    let orders = order_count(db).await?;
    // An empty currency keeps the stored one, unconfirmed if it was (the
    // command line changing only the name does not choose a currency); the
    // page always posts its choice.
    let currency_chosen = !form.currency.trim().is_empty();
    let typed_currency = if currency_chosen {
        form.currency.as_str()
    } else {
        row.currency.as_str()
    };
    let currency = check_currency(typed_currency, &row.currency, orders).unwrap_or_else(|m| {
        errors.push(FieldError::new("currency", m));
        crate::domain::Currency::parse(&row.currency).unwrap_or_else(|_| {
            crate::domain::Currency::parse("EUR").expect("EUR is a supported currency")
        })
    });
    let default_payment = check_default_payment(&form.default_payment, row.default_payment)
        .unwrap_or_else(|m| {
            errors.push(FieldError::new("default_payment", m));
            row.default_payment
        });
    let language = match form.language.trim() {
        "" => row.language,
        typed => crate::i18n::Lang::parse(typed).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "language",
                "Choose a language Settle speaks: English (en) or Français (fr).",
            ));
            row.language
        }),
    };
    let time_zone = match crate::domain::StoreZone::parse(&form.time_zone) {
        Ok(z) => z.name().to_owned(),
        Err(e) => {
            errors.push(FieldError::new("time_zone", format!("Time zone: {e}.")));
            String::new()
        }
    };
    for (field, value) in [
        ("brand_color", &form.brand_color),
        ("accent_color", &form.accent_color),
    ] {
        if !is_hex_color(value.trim()) {
            errors.push(FieldError::new(
                field,
                "Enter a colour as #rrggbb, e.g. #1f4f82.",
            ));
        }
    }
    let subject = clean_text(
        &mut errors,
        "invoice_subject",
        "The subject",
        &form.invoice_subject,
        200,
        false,
    );
    if subject.is_empty() {
        errors.push(FieldError::new(
            "invoice_subject",
            "Enter the invoice email's subject.",
        ));
    }
    let heading = clean_text(
        &mut errors,
        "invoice_heading",
        "The heading",
        &form.invoice_heading,
        200,
        false,
    );
    let intro = clean_text(
        &mut errors,
        "invoice_intro",
        "The introduction",
        &form.invoice_intro,
        2000,
        true,
    );
    let footer = clean_text(
        &mut errors,
        "invoice_footer",
        "The footer",
        &form.invoice_footer,
        2000,
        true,
    );

    let dkim_domain = form.dkim_domain.trim().to_ascii_lowercase();
    let dkim_selector = form.dkim_selector.trim().to_owned();
    let remove_key = form.dkim_remove.is_some();
    let typed_key = form.dkim_private_key.trim().to_owned();
    let key = if remove_key {
        String::new()
    } else if typed_key.is_empty() {
        row.dkim_private_key.clone()
    } else {
        typed_key
    };
    let any_dkim = !dkim_domain.is_empty() || !dkim_selector.is_empty() || !key.is_empty();
    if any_dkim {
        if !is_domain(&dkim_domain) {
            errors.push(FieldError::new(
                "dkim_domain",
                "Enter the domain that signs, e.g. example.com.",
            ));
        }
        if !is_domain(&dkim_selector) || dkim_selector.contains('.') {
            errors.push(FieldError::new(
                "dkim_selector",
                "Enter the selector published in DNS, e.g. settle.",
            ));
        }
        if key.is_empty() {
            errors.push(FieldError::new(
                "dkim_private_key",
                "Paste the private key, or clear the domain and selector to stop signing.",
            ));
        } else if let Err(message) = (crate::email::ssr::transport::DkimSettings {
            domain: dkim_domain.clone(),
            selector: dkim_selector.clone(),
            private_key: key.clone(),
        })
        .config()
        {
            errors.push(FieldError::new("dkim_private_key", message));
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let row_confirmed = row.currency_confirmed;
    let mut active: model::ActiveModel = row.into();
    active.name = Set(name);
    active.email = Set(email);
    active.phone = Set(phone);
    active.address = Set(address);
    active.default_due_days = Set(due);
    active.expiry_grace_days = Set(grace);
    active.logo_url = Set(logo_url);
    active.brand_color = Set(form.brand_color.trim().to_ascii_lowercase());
    active.accent_color = Set(form.accent_color.trim().to_ascii_lowercase());
    active.invoice_subject = Set(subject);
    active.invoice_heading = Set(heading);
    active.invoice_intro = Set(intro);
    active.invoice_footer = Set(footer);
    active.dkim_domain = Set(dkim_domain);
    active.dkim_selector = Set(dkim_selector);
    active.dkim_private_key = Set(key);
    active.currency = Set(currency.code().to_owned());
    active.currency_confirmed = Set(row_confirmed || currency_chosen);
    active.time_zone = Set(time_zone);
    active.prices_include_tax = Set(form.prices_include_tax.is_some());
    active.default_payment = Set(default_payment);
    active.language = Set(language);
    active.updated_at = Set(time::OffsetDateTime::now_utc());
    active.update(db).await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::check_default_payment;
    use crate::orders::create::PaymentChoice;

    #[test]
    fn the_default_payment_is_a_known_code_and_empty_keeps_the_stored_one() {
        assert_eq!(
            check_default_payment("cash", PaymentChoice::EmailInvoice),
            Ok(PaymentChoice::Cash)
        );
        assert_eq!(
            check_default_payment("  ", PaymentChoice::Other),
            Ok(PaymentChoice::Other)
        );
        let refused = check_default_payment("bitcoin", PaymentChoice::Cash).unwrap_err();
        assert!(
            refused.contains("\"bitcoin\" is not a payment method"),
            "{refused}"
        );
        assert!(
            refused.contains("email_invoice, cash, card_terminal, other"),
            "{refused}"
        );
    }
}
