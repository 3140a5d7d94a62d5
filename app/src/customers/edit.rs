//! Creating and editing a customer from the staff form.
use super::{model, CustomerForm};
use crate::domain::Email;
use crate::forms::{clean_text, FieldError};
use sea_orm::{ActiveModelTrait, DatabaseConnection, DbErr, EntityTrait, Set};

pub fn form_of(c: &model::Model) -> CustomerForm {
    CustomerForm {
        email: c.email.clone(),
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        company: c.company.clone(),
        phone: c.phone.clone(),
        address_1: c.address_1.clone(),
        address_2: c.address_2.clone(),
        city: c.city.clone(),
        state: c.state.clone(),
        postcode: c.postcode.clone(),
        country: c.country.clone(),
        preferred_language: c.preferred_language.clone(),
        payment_terms_days: c
            .payment_terms_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        no_reminders: c.no_reminders.then(|| "on".to_owned()),
    }
}

pub enum Saved {
    Ok(i32),
    Refused(Vec<FieldError>),
    NotFound,
}

pub async fn save(
    db: &DatabaseConnection,
    id: Option<i32>,
    form: &CustomerForm,
) -> Result<Saved, DbErr> {
    let mut errors = Vec::new();
    let email = match Email::parse(&form.email) {
        Ok(e) => e.as_str().to_owned(),
        Err(e) => {
            errors.push(FieldError::new("email", format!("Email: {e}.")));
            String::new()
        }
    };
    let mut text = |field: &str, label: &str, value: &str, max: usize| {
        clean_text(&mut errors, field, label, value, max, false)
    };
    let first_name = text("first_name", "The first name", &form.first_name, 100);
    let last_name = text("last_name", "The last name", &form.last_name, 100);
    let company = text("company", "The company", &form.company, 200);
    let phone = text("phone", "The phone number", &form.phone, 40);
    let address_1 = text("address_1", "The address", &form.address_1, 200);
    let address_2 = text("address_2", "The address", &form.address_2, 200);
    let city = text("city", "The city", &form.city, 100);
    let state = text("state", "The county or state", &form.state, 100);
    let postcode = text("postcode", "The postcode", &form.postcode, 20);
    let country = form.country.trim().to_ascii_uppercase();
    if !(country.is_empty()
        || (country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase())))
    {
        errors.push(FieldError::new(
            "country",
            "Enter the country as a two-letter code, e.g. GB.",
        ));
    }
    // Empty: the store's language, whatever it is when an order is made.
    let language = match form.preferred_language.trim() {
        "" => String::new(),
        typed => match crate::i18n::Lang::parse(typed) {
            Some(l) => l.code().to_owned(),
            None => {
                errors.push(FieldError::new(
                    "preferred_language",
                    "Choose English or Français, or the store's language.",
                ));
                String::new()
            }
        },
    };
    let terms = match form.payment_terms_days.trim() {
        "" => None,
        s => match s.parse::<i32>() {
            Ok(d) if (0..=365).contains(&d) => Some(d),
            _ => {
                errors.push(FieldError::new("payment_terms_days", "Payment terms are a whole number of days from 0 to 365, or empty for the store default."));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Ok(Saved::Refused(errors));
    }
    let now = time::OffsetDateTime::now_utc();
    let mut opted_out_before = false;
    let mut row = match id {
        None => model::ActiveModel {
            created_at: Set(now),
            ..Default::default()
        },
        Some(id) => match model::Entity::find_by_id(id).one(db).await? {
            Some(c) => {
                opted_out_before = c.no_reminders;
                c.into()
            }
            None => return Ok(Saved::NotFound),
        },
    };
    row.email = Set(email);
    row.first_name = Set(first_name);
    row.last_name = Set(last_name);
    row.company = Set(company);
    row.phone = Set(phone);
    row.address_1 = Set(address_1);
    row.address_2 = Set(address_2);
    row.city = Set(city);
    row.state = Set(state);
    row.postcode = Set(postcode);
    row.country = Set(country);
    row.preferred_language = Set(language);
    row.payment_terms_days = Set(terms);
    row.no_reminders = Set(form.no_reminders.is_some());
    row.updated_at = Set(now);
    let result = if id.is_some() {
        row.update(db).await
    } else {
        row.insert(db).await
    };
    match result {
        Ok(c) => {
            // Reminders skipped while the customer wanted none ended each
            // order's plan: wanting them again plans them again.
            if opted_out_before && !c.no_reminders {
                crate::reminders::ssr::schedule::reschedule_customer(db, c.id, now).await?;
            }
            Ok(Saved::Ok(c.id))
        }
        Err(e) => match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                Ok(Saved::Refused(vec![FieldError::new(
                    "email",
                    "Another customer already uses this email address.",
                )]))
            }
            _ => Err(e),
        },
    }
}
