//! Creating and editing one product from the admin form.
use super::model;
use crate::catalog::{Barcode, ProductForm};
use crate::domain::{Currency, Money};
use crate::forms::{clean_text, FieldError};
use crate::settings::ssr::tax_rate;
use sea_orm::{ActiveModelTrait, DatabaseConnection, DbErr, EntityTrait, Set};

pub fn form_of(p: &model::Model, currency: Currency) -> ProductForm {
    ProductForm {
        sku: p.sku.clone().unwrap_or_default(),
        name: p.name.clone(),
        price: Money::from_minor(p.price_minor, currency).format_plain(),
        tax_rate_id: p.tax_rate_id.map(|id| id.to_string()).unwrap_or_default(),
        barcode: p.barcode.clone().unwrap_or_default(),
    }
}

pub enum Saved {
    Ok(i32),
    Refused(Vec<FieldError>),
    NotFound,
}

/// Whether the stored product `product` already has rate `rate`.
async fn keeps_rate(
    db: &DatabaseConnection,
    product: Option<i32>,
    rate: i32,
) -> Result<bool, DbErr> {
    let Some(product) = product else {
        return Ok(false);
    };
    Ok(model::Entity::find_by_id(product)
        .one(db)
        .await?
        .is_some_and(|p| p.tax_rate_id == Some(rate)))
}

/// Validates the form and inserts (`id` None) or updates the product. A SKU
/// another product already has is refused next to the SKU field.
pub async fn save(
    db: &DatabaseConnection,
    id: Option<i32>,
    form: &ProductForm,
    currency: Currency,
) -> Result<Saved, DbErr> {
    let product = id;
    let mut errors = Vec::new();
    let sku = clean_text(&mut errors, "sku", "The SKU", &form.sku, 64, false);
    if sku.chars().any(char::is_whitespace) {
        errors.push(FieldError::new("sku", "The SKU cannot contain spaces."));
    }
    let name = clean_text(&mut errors, "name", "The name", &form.name, 200, false);
    if name.is_empty() {
        errors.push(FieldError::new("name", "Enter the product's name."));
    }
    let price = match Money::parse(&form.price, currency) {
        Ok(m) => m.minor(),
        Err(e) => {
            errors.push(FieldError::new("price", format!("Price: {e}.")));
            0
        }
    };
    let barcode = match form.barcode.trim() {
        "" => None,
        s => match Barcode::parse(s) {
            Ok(b) => Some(b.into_string()),
            Err(e) => {
                errors.push(FieldError::new("barcode", format!("Barcode: {e}.")));
                None
            }
        },
    };
    let tax_rate_id = match form.tax_rate_id.trim() {
        "" => None,
        s => match s.parse::<i32>() {
            Ok(id) => match tax_rate::Entity::find_by_id(id).one(db).await? {
                // A retired rate is for the record: a product may keep it
                // (its form says so) but nothing new is put on it.
                Some(r) if r.retired_at.is_some() && !keeps_rate(db, product, id).await? => {
                    errors.push(FieldError::new(
                        "tax_rate_id",
                        format!("{} is retired: choose a current rate.", r.name),
                    ));
                    None
                }
                Some(_) => Some(id),
                None => {
                    errors.push(FieldError::new(
                        "tax_rate_id",
                        "Choose one of the store's tax rates.",
                    ));
                    None
                }
            },
            Err(_) => {
                errors.push(FieldError::new(
                    "tax_rate_id",
                    "Choose one of the store's tax rates.",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Ok(Saved::Refused(errors));
    }
    let now = time::OffsetDateTime::now_utc();
    let sku = (!sku.is_empty()).then_some(sku);
    let result = match id {
        None => {
            model::ActiveModel {
                sku: Set(sku),
                barcode: Set(barcode),
                name: Set(name),
                price_minor: Set(price),
                regular_price_minor: Set(price),
                tax_rate_id: Set(tax_rate_id),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
        }
        Some(id) => {
            let Some(p) = model::Entity::find_by_id(id).one(db).await? else {
                return Ok(Saved::NotFound);
            };
            let regular = p.regular_price_minor.max(price);
            let mut active: model::ActiveModel = p.into();
            active.sku = Set(sku);
            active.barcode = Set(barcode);
            active.name = Set(name);
            active.price_minor = Set(price);
            active.regular_price_minor = Set(regular);
            active.tax_rate_id = Set(tax_rate_id);
            active.updated_at = Set(now);
            active.update(db).await
        }
    };
    match result {
        Ok(p) => Ok(Saved::Ok(p.id)),
        Err(e) => match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                Ok(Saved::Refused(vec![FieldError::new(
                    "sku",
                    "Another product already has this SKU.",
                )]))
            }
            _ => Err(e),
        },
    }
}

/// Takes a product off the POS (or back on). Orders keep their copy of it.
pub async fn set_active(db: &DatabaseConnection, id: i32, active: bool) -> Result<bool, DbErr> {
    let Some(p) = model::Entity::find_by_id(id).one(db).await? else {
        return Ok(false);
    };
    let mut row: model::ActiveModel = p.into();
    row.active = Set(active);
    row.updated_at = Set(time::OffsetDateTime::now_utc());
    row.update(db).await?;
    Ok(true)
}
