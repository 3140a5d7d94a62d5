//! Products: the catalogue staff sell from, its admin pages, and its import
//! from WooCommerce.
pub mod admin;
pub mod api;
pub mod barcode;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod woocommerce;

pub use barcode::{Barcode, BarcodeError};
#[cfg(feature = "ssr")]
pub use ssr::model;

use serde::{Deserialize, Serialize};

/// The product form as typed (strings, so a refused value comes back as entered).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductForm {
    pub sku: String,
    pub name: String,
    pub price: String,
    /// A tax rate id, or empty for no tax.
    pub tax_rate_id: String,
    /// GTIN/EAN/UPC or ISBN-10, or empty for none.
    pub barcode: String,
}

/// A row of the catalogue list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    pub id: i32,
    pub sku: String,
    pub barcode: String,
    pub name: String,
    pub price: String,
    pub tax: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductEdit {
    /// `None` for a new product.
    pub id: Option<i32>,
    pub active: bool,
    pub form: ProductForm,
    pub errors: Vec<crate::forms::FieldError>,
    /// (id, label) of each tax rate.
    pub rates: Vec<(i32, String)>,
    pub currency: String,
    /// The store's prices include tax: the price typed is the shelf price.
    pub prices_include_tax: bool,
}

/// One line of an import's report, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    pub line: usize,
    pub sku: String,
    pub name: String,
    pub outcome: String,
    pub problem: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportResult {
    pub file_name: String,
    /// The summary line, or why the whole file was refused.
    pub summary: String,
    pub refused: bool,
    pub lines: Vec<ImportLine>,
    /// Rows beyond those kept for the page.
    pub more: usize,
    /// Tax classes with no rate, with their row counts: nothing was imported.
    pub missing_classes: Vec<(String, usize)>,
    /// The store's rates (id, label), to map such a class to.
    pub rates: Vec<(i32, String)>,
    /// The file is kept for **Run the import again** (no second upload).
    pub file_kept: bool,
}

/// The import page: the last report, and the file waiting for tax rates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPageData {
    pub result: Option<ImportResult>,
    /// The name of a file kept because its tax classes had no rate.
    pub pending: Option<String>,
}
