//! Applying a parsed WooCommerce export to the catalogue, in one transaction,
//! with a report line per row. Products are matched by SKU, so importing the
//! same file twice changes nothing the second time.
use super::model;
use crate::catalog::woocommerce::{self, ImportFileError, ProductInput, RowParse};
use crate::domain::Currency;
use crate::settings::ssr::tax_rate;
use sea_orm::{ActiveModelTrait, DatabaseConnection, DbErr, EntityTrait, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowOutcome {
    Imported,
    Updated,
    Unchanged,
    Skipped(String),
    Error(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowReport {
    pub line: usize,
    pub sku: String,
    pub name: String,
    pub outcome: RowOutcome,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub rows: Vec<RowReport>,
    /// Tax classes the file uses that have no rate (and were not mapped),
    /// with how many rows use each. When any, nothing was saved: a catalogue
    /// half imported, with the taxed products missing, would be worse than none.
    pub missing_classes: Vec<(String, usize)>,
}

impl ImportReport {
    pub fn count(&self, pred: impl Fn(&RowOutcome) -> bool) -> usize {
        self.rows.iter().filter(|r| pred(&r.outcome)).count()
    }

    /// "21 imported, 0 updated, 0 unchanged, 4 skipped, 0 with errors".
    pub fn summary(&self) -> String {
        if !self.missing_classes.is_empty() {
            let rows: usize = self.missing_classes.iter().map(|(_, n)| n).sum();
            return format!(
                "Nothing was imported: {} tax class{} used by {rows} row{} {} no tax rate. Create a rate for each, or map it to one you have, then run the import again.",
                self.missing_classes.len(),
                if self.missing_classes.len() == 1 { "" } else { "es" },
                if rows == 1 { "" } else { "s" },
                if self.missing_classes.len() == 1 { "has" } else { "have" },
            );
        }
        format!(
            "{} imported, {} updated, {} unchanged, {} skipped, {} with errors",
            self.count(|o| *o == RowOutcome::Imported),
            self.count(|o| *o == RowOutcome::Updated),
            self.count(|o| *o == RowOutcome::Unchanged),
            self.count(|o| matches!(o, RowOutcome::Skipped(_))),
            self.count(|o| matches!(o, RowOutcome::Error(_))),
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] ImportFileError),
    #[error("the import could not be saved (nothing was changed): {0}")]
    Database(#[from] DbErr),
}

/// Imports the export in one transaction. `mapping` sends a tax class the
/// store has no rate for to one of its rates (tax rate id), for this import.
/// When a class is left with no rate, nothing is saved and the report lists
/// the classes (`missing_classes`).
pub async fn import_products(
    db: &DatabaseConnection,
    bytes: &[u8],
    currency: Currency,
    mapping: &HashMap<String, i32>,
) -> Result<ImportReport, ImportError> {
    let parsed = woocommerce::parse(bytes, currency)?;
    let txn = db.begin().await?;
    let stored = tax_rate::Entity::find().all(&txn).await?;
    let mut rates: HashMap<String, i32> = stored
        .iter()
        .filter(|r| r.retired_at.is_none())
        .map(|r| (r.class.clone(), r.id))
        .collect();
    for (class, id) in mapping {
        if stored.iter().any(|r| r.id == *id && r.retired_at.is_none()) {
            rates.insert(class.clone(), *id);
        }
    }
    // Before writing anything: every taxed product's class needs a rate.
    let mut missing: Vec<(String, usize)> = Vec::new();
    for row in &parsed {
        if let RowParse::Product(ProductInput {
            tax_class: Some(class),
            ..
        }) = &row.parse
        {
            if !rates.contains_key(class) {
                let shown = crate::settings::ssr::taxes::class_label(class).to_owned();
                match missing.iter_mut().find(|(c, _)| *c == shown) {
                    Some((_, n)) => *n += 1,
                    None => missing.push((shown, 1)),
                }
            }
        }
    }
    let mut by_sku: HashMap<String, model::Model> = model::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|p| p.sku.clone().map(|s| (s, p)))
        .collect();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let now = time::OffsetDateTime::now_utc();

    let mut report = ImportReport {
        missing_classes: missing,
        ..Default::default()
    };
    let dry_run = !report.missing_classes.is_empty();
    for row in parsed {
        let outcome = match row.parse {
            RowParse::Skip(reason) => RowOutcome::Skipped(reason),
            RowParse::Error(reason) => RowOutcome::Error(reason),
            RowParse::Product(input) => {
                if let Some(first) = first_line.get(&input.sku) {
                    RowOutcome::Error(format!(
                        "the SKU {} already appears on line {first}",
                        input.sku
                    ))
                } else {
                    first_line.insert(input.sku.clone(), row.line);
                    match resolve_tax(&input, &rates) {
                        Err(reason) => RowOutcome::Error(reason),
                        Ok(_) if dry_run => RowOutcome::Skipped(
                            "not imported yet: the file's other tax classes need a rate first"
                                .to_owned(),
                        ),
                        Ok(tax_rate_id) => {
                            apply(&txn, &mut by_sku, input, tax_rate_id, now).await?
                        }
                    }
                }
            }
        };
        report.rows.push(RowReport {
            line: row.line,
            sku: row.sku,
            name: row.name,
            outcome,
        });
    }
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(report)
}

fn resolve_tax(input: &ProductInput, rates: &HashMap<String, i32>) -> Result<Option<i32>, String> {
    match &input.tax_class {
        None => Ok(None),
        Some(class) => rates.get(class).copied().map(Some).ok_or_else(|| {
            let shown = if class.is_empty() {
                "standard"
            } else {
                class.as_str()
            };
            format!("the tax class \"{shown}\" has no tax rate in Settings")
        }),
    }
}

async fn apply(
    txn: &sea_orm::DatabaseTransaction,
    by_sku: &mut HashMap<String, model::Model>,
    input: ProductInput,
    tax_rate_id: Option<i32>,
    now: time::OffsetDateTime,
) -> Result<RowOutcome, DbErr> {
    match by_sku.get(&input.sku) {
        Some(existing)
            if existing.name == input.name
                && existing.price_minor == input.price_minor
                && existing.regular_price_minor == input.regular_price_minor
                && existing.tax_rate_id == tax_rate_id
                && existing.active == input.active
                && input
                    .barcode
                    .as_ref()
                    .is_none_or(|b| existing.barcode.as_deref() == Some(b.as_str())) =>
        {
            Ok(RowOutcome::Unchanged)
        }
        Some(existing) => {
            let mut row: model::ActiveModel = existing.clone().into();
            row.name = Set(input.name);
            row.price_minor = Set(input.price_minor);
            row.regular_price_minor = Set(input.regular_price_minor);
            row.tax_rate_id = Set(tax_rate_id);
            row.active = Set(input.active);
            // An empty cell keeps the barcode the product has (see `ProductInput`).
            if let Some(barcode) = input.barcode {
                row.barcode = Set(Some(barcode.into_string()));
            }
            row.updated_at = Set(now);
            let saved = row.update(txn).await?;
            by_sku.insert(input.sku, saved);
            Ok(RowOutcome::Updated)
        }
        None => {
            let saved = model::ActiveModel {
                sku: Set(Some(input.sku.clone())),
                barcode: Set(input.barcode.map(|b| b.into_string())),
                name: Set(input.name),
                price_minor: Set(input.price_minor),
                regular_price_minor: Set(input.regular_price_minor),
                tax_rate_id: Set(tax_rate_id),
                active: Set(input.active),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            by_sku.insert(input.sku, saved);
            Ok(RowOutcome::Imported)
        }
    }
}
