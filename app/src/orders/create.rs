//! What the POS sends to create an order, and how a refusal is reported:
//! per field, so the screen can show each message next to its field.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product_id: i32,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartFee {
    pub label: String,
    pub amount_minor: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentChoice {
    EmailInvoice,
    Cash,
    CardTerminal,
    Other,
}

impl PaymentChoice {
    pub fn label(self) -> &'static str {
        match self {
            PaymentChoice::EmailInvoice => "Email invoice",
            PaymentChoice::Cash => "Cash",
            PaymentChoice::CardTerminal => "Card terminal",
            PaymentChoice::Other => "Other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrderRequest {
    pub lines: Vec<CartLine>,
    pub fees: Vec<CartFee>,
    pub discount_minor: i64,
    pub customer_id: Option<i32>,
    /// The address the invoice goes to (the customer's billing email when empty).
    pub invoice_email: String,
    pub save_to_billing: bool,
    pub payment: PaymentChoice,
    /// `YYYY-MM-DD`; empty for the customer's terms or the store's default.
    pub due_date: String,
    pub note: String,
    /// The total the till showed. When given, the order is refused if the
    /// server's total differs (a rate or **Prices include tax** changed while
    /// the till was open): the cashier never takes an amount they were not shown.
    #[serde(default)]
    pub expected_total_minor: Option<i64>,
}

/// Field names: `cart`, `line:{product_id}`, `fee:{index}`, `discount`,
/// `customer`, `invoice_email`, `due_date`, `note`.
pub use crate::forms::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedOrder {
    pub number: i64,
    pub status: String,
    pub total_minor: i64,
    pub currency: String,
}
