use sea_orm::entity::prelude::*;

/// A Stripe PaymentIntent Settle created for an order: one per order and
/// amount. The only proof that an intent is Settle's (see `record`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stripe_intents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    #[sea_orm(unique)]
    pub intent_id: String,
    /// In Settle's units (ISO 4217 minor units), not Stripe's.
    pub amount_minor: i64,
    /// Where the order's ledger stood when this intent was made: the id of
    /// its newest `payments` row then (0 for none). Every payment and refund
    /// adds a row, so the position only moves forward while money moves: an
    /// intent is for one amount at one position, and one made before another
    /// payment or refund is stale (cancelled, never reused).
    pub ledger_position: i64,
    pub currency: crate::domain::Currency,
    /// Handed to Stripe.js on the pay page; it lets the holder pay, nothing else.
    pub client_secret: String,
    pub status: IntentStatus,
    /// When reconciliation next asks Stripe about this intent while it is
    /// open (a lost webhook must not leave a charged customer unpaid).
    pub next_check_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Stripe's PaymentIntent status, as last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum IntentStatus {
    #[sea_orm(string_value = "requires_payment_method")]
    RequiresPaymentMethod,
    #[sea_orm(string_value = "requires_confirmation")]
    RequiresConfirmation,
    #[sea_orm(string_value = "requires_action")]
    RequiresAction,
    #[sea_orm(string_value = "processing")]
    Processing,
    #[sea_orm(string_value = "requires_capture")]
    RequiresCapture,
    #[sea_orm(string_value = "canceled")]
    Canceled,
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
}

impl IntentStatus {
    /// Stripe's status string. One Settle has never seen is taken as a
    /// payment under way: the till warns and reconciliation keeps asking.
    pub fn from_stripe(s: &str) -> IntentStatus {
        match s {
            "requires_payment_method" => IntentStatus::RequiresPaymentMethod,
            "requires_confirmation" => IntentStatus::RequiresConfirmation,
            "requires_action" => IntentStatus::RequiresAction,
            "requires_capture" => IntentStatus::RequiresCapture,
            "canceled" => IntentStatus::Canceled,
            "succeeded" => IntentStatus::Succeeded,
            _ => IntentStatus::Processing,
        }
    }

    /// Can still take money.
    pub fn is_open(self) -> bool {
        !matches!(self, IntentStatus::Canceled | IntentStatus::Succeeded)
    }

    /// The customer has started paying (their bank is deciding).
    pub fn in_progress(self) -> bool {
        matches!(
            self,
            IntentStatus::Processing | IntentStatus::RequiresAction | IntentStatus::RequiresCapture
        )
    }
}
