//! What the POS sends to create an order, and how a refusal is reported:
//! per field, so the screen can show each message next to its field.
use crate::orders::ledger::{Deposit, DepositError};
use crate::orders::{Discount, DiscountError};
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

/// How the till is told to settle a cart. Also the store's default method
/// (`store_settings.default_payment`), stored as its `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
pub enum PaymentChoice {
    EmailInvoice,
    Cash,
    CardTerminal,
    Other,
}

/// A payment method code that is none of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown payment method")]
pub struct UnknownPaymentChoice;

impl PaymentChoice {
    pub const ALL: [PaymentChoice; 4] = [
        PaymentChoice::EmailInvoice,
        PaymentChoice::Cash,
        PaymentChoice::CardTerminal,
        PaymentChoice::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PaymentChoice::EmailInvoice => "Email invoice",
            PaymentChoice::Cash => "Cash",
            PaymentChoice::CardTerminal => "Card terminal",
            PaymentChoice::Other => "Other",
        }
    }

    /// The stable code kept in the database, forms and the command line.
    pub fn code(self) -> &'static str {
        match self {
            PaymentChoice::EmailInvoice => "email_invoice",
            PaymentChoice::Cash => "cash",
            PaymentChoice::CardTerminal => "card_terminal",
            PaymentChoice::Other => "other",
        }
    }

    /// A code as typed: case and `-` for `_` do not matter (`card-terminal`
    /// on the command line, like its other keys).
    pub fn parse(code: &str) -> Option<PaymentChoice> {
        let code = code.trim().to_ascii_lowercase().replace('-', "_");
        PaymentChoice::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl std::str::FromStr for PaymentChoice {
    type Err = UnknownPaymentChoice;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PaymentChoice::parse(s).ok_or(UnknownPaymentChoice)
    }
}

impl std::fmt::Display for PaymentChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrderRequest {
    pub lines: Vec<CartLine>,
    pub fees: Vec<CartFee>,
    /// A fixed discount; 0 with `discount_percent_bp`.
    pub discount_minor: i64,
    /// A percentage discount in basis points (10% = 1000). The server works
    /// the amount out from its own prices: the till's figure is never trusted.
    #[serde(default)]
    pub discount_percent_bp: Option<u32>,
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
    /// Cash handed over, for a cash sale paid at once (the change is worked
    /// out and recorded). Refused with any other method; a quote ignores it.
    #[serde(default)]
    pub tendered_minor: Option<i64>,
    /// A deposit asked first: a fixed amount, or a percentage of the total in
    /// basis points (the server works it out from its own total, see
    /// `orders::ledger`). With an email invoice the invoice asks for it by
    /// `deposit_due`; with a sale at the till it is what is taken now, and
    /// the rest is owed by the due date.
    #[serde(default)]
    pub deposit_minor: Option<i64>,
    #[serde(default)]
    pub deposit_percent_bp: Option<u32>,
    /// `YYYY-MM-DD`; empty for today.
    #[serde(default)]
    pub deposit_due: String,
    /// A guest's language (the POS's **Language**, defaulting to the
    /// store's). Ignored for a registered customer, whose own language is
    /// used; `None` for the store's.
    #[serde(default)]
    pub language: Option<crate::i18n::Lang>,
}

impl NewOrderRequest {
    /// The discount asked for, checked (a request may carry anything).
    pub fn discount(&self) -> Result<Discount, DiscountError> {
        match (self.discount_percent_bp, self.discount_minor) {
            (Some(_), amount) if amount != 0 => Err(DiscountError::AmountAndPercent),
            (Some(bp), _) => Discount::Percent(bp).check(),
            (None, 0) => Ok(Discount::None),
            (None, amount) => Discount::Amount(amount).check(),
        }
    }

    /// The deposit asked for, as given (checked against the total by
    /// `Deposit::amount_for`).
    pub fn deposit(&self) -> Result<Deposit, DepositError> {
        match (self.deposit_percent_bp, self.deposit_minor) {
            (Some(_), Some(_)) => Err(DepositError::Malformed {
                example: "30.00".into(),
            }),
            (Some(bp), None) => Ok(Deposit::Percent(bp)),
            (None, Some(amount)) => Ok(Deposit::Amount(amount)),
            (None, None) => Ok(Deposit::None),
        }
    }

    /// The request's two deposit fields for `deposit`: (amount, percentage).
    pub fn deposit_fields(deposit: Deposit) -> (Option<i64>, Option<u32>) {
        match deposit {
            Deposit::None => (None, None),
            Deposit::Amount(minor) => (Some(minor), None),
            Deposit::Percent(bp) => (None, Some(bp)),
        }
    }

    /// The request's two discount fields for `discount`: (amount, percentage).
    pub fn discount_fields(discount: Discount) -> (i64, Option<u32>) {
        match discount {
            Discount::None => (0, None),
            Discount::Amount(minor) => (minor, None),
            Discount::Percent(bp) => (0, Some(bp)),
        }
    }
}

/// Field names: `cart`, `line:{product_id}`, `fee:{index}`, `discount`,
/// `customer`, `invoice_email`, `due_date`, `note`, `tendered`.
pub use crate::forms::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedOrder {
    pub number: i64,
    pub status: String,
    pub total_minor: i64,
    pub currency: String,
    /// The change due on a cash sale when the cash tendered was given.
    #[serde(default)]
    pub change_minor: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::PaymentChoice;

    #[test]
    fn payment_codes_round_trip_and_are_read_as_typed() {
        for c in PaymentChoice::ALL {
            assert_eq!(PaymentChoice::parse(c.code()), Some(c));
            assert_eq!(c.to_string().parse::<PaymentChoice>(), Ok(c));
        }
        assert_eq!(
            PaymentChoice::parse(" Card-Terminal "),
            Some(PaymentChoice::CardTerminal)
        );
        assert_eq!(PaymentChoice::parse("stripe"), None);
        assert_eq!(PaymentChoice::parse(""), None);
    }

    // serde_json comes with the ssr feature, which the test command enables.
    #[cfg(feature = "ssr")]
    #[test]
    fn an_older_client_without_tendered_still_parses() {
        let json = r#"{"lines":[],"fees":[],"discount_minor":0,"customer_id":null,
            "invoice_email":"","save_to_billing":false,"payment":"Cash","due_date":"","note":""}"#;
        let req: super::NewOrderRequest = serde_json::from_str(json).unwrap();
        assert_eq!((req.tendered_minor, req.expected_total_minor), (None, None));
    }
}

#[cfg(test)]
mod discount_tests {
    use super::*;

    fn request(discount_minor: i64, discount_percent_bp: Option<u32>) -> NewOrderRequest {
        NewOrderRequest {
            lines: Vec::new(),
            fees: Vec::new(),
            discount_minor,
            discount_percent_bp,
            customer_id: None,
            invoice_email: String::new(),
            save_to_billing: false,
            payment: PaymentChoice::EmailInvoice,
            due_date: String::new(),
            note: String::new(),
            expected_total_minor: None,
            tendered_minor: None,
            deposit_minor: None,
            deposit_percent_bp: None,
            deposit_due: String::new(),
            language: None,
        }
    }

    #[test]
    fn the_discount_a_request_carries() {
        assert_eq!(request(0, None).discount(), Ok(Discount::None));
        assert_eq!(request(250, None).discount(), Ok(Discount::Amount(250)));
        assert_eq!(
            request(0, Some(1000)).discount(),
            Ok(Discount::Percent(1000))
        );
        assert_eq!(request(-1, None).discount(), Err(DiscountError::Negative));
        assert_eq!(
            request(250, Some(1000)).discount(),
            Err(DiscountError::AmountAndPercent)
        );
        assert_eq!(
            request(0, Some(0)).discount(),
            Err(DiscountError::PercentOutOfRange)
        );
        assert_eq!(
            request(0, Some(10_001)).discount(),
            Err(DiscountError::PercentOutOfRange)
        );
        for d in [
            Discount::None,
            Discount::Amount(250),
            Discount::Percent(1250),
        ] {
            let (minor, bp) = NewOrderRequest::discount_fields(d);
            assert_eq!(request(minor, bp).discount(), Ok(d));
        }
    }

    // serde_json comes with the server build.
    #[cfg(feature = "ssr")]
    #[test]
    fn an_old_request_without_a_percentage_still_reads() {
        let json = serde_json::json!({
            "lines": [], "fees": [], "discount_minor": 100, "customer_id": null,
            "invoice_email": "", "save_to_billing": false, "payment": "Cash",
            "due_date": "", "note": ""
        });
        let req: NewOrderRequest = serde_json::from_value(json).unwrap();
        assert_eq!(req.discount(), Ok(Discount::Amount(100)));
    }
}
