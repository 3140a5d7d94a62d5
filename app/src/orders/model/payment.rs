use sea_orm::entity::prelude::*;

/// One attempt, settlement or refund of an order; refunds have negative amounts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    pub method: PaymentMethod,
    pub amount_minor: i64,
    pub currency: String,
    /// The PaymentIntent id of an online payment, Stripe's refund id of a
    /// refund through Stripe: unique, so either is recorded once.
    #[sea_orm(unique)]
    pub provider_reference: Option<String>,
    pub status: PaymentStatus,
    pub staff_id: Option<i32>,
    pub note: Option<String>,
    /// For a refund row: the payment it pays back.
    pub refund_of: Option<i32>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// How money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PaymentMethod {
    /// Online, through a PaymentIntent Settle created.
    #[sea_orm(string_value = "stripe")]
    Stripe,
    #[sea_orm(string_value = "cash")]
    Cash,
    #[sea_orm(string_value = "card_terminal")]
    CardTerminal,
    #[sea_orm(string_value = "other")]
    Other,
}

impl PaymentMethod {
    /// As a receipt says it ("Paid … by card online").
    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::Stripe => "Card online",
            PaymentMethod::Cash => "Cash",
            PaymentMethod::CardTerminal => "Card terminal",
            PaymentMethod::Other => "Other",
        }
    }
}

/// Where a payment row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PaymentStatus {
    /// Money taken and kept: it pays the order.
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    /// An online payment whose amount or currency differ from the order's:
    /// recorded for staff, never counted as paying the order.
    #[sea_orm(string_value = "flagged")]
    Flagged,
    /// A second payment of an order already closed: to be refunded
    /// automatically (retried until Stripe takes it).
    #[sea_orm(string_value = "refund_pending")]
    RefundPending,
    /// A second payment that was refunded automatically.
    #[sea_orm(string_value = "refunded")]
    Refunded,
    /// A refund reserved under the order's lock and sent to Stripe, whose
    /// answer has not been seen yet: it counts as refunded until Stripe says
    /// otherwise, so it can never be sent twice.
    #[sea_orm(string_value = "refunding")]
    Refunding,
    /// A refund made (through Stripe, or in store and recorded).
    #[sea_orm(string_value = "refund")]
    Refund,
}

impl PaymentStatus {
    /// Rows whose amount counts towards what an order holds: kept payments,
    /// and refunds made or under way (negative).
    pub fn counts_as_held(self) -> bool {
        matches!(
            self,
            PaymentStatus::Succeeded | PaymentStatus::Refund | PaymentStatus::Refunding
        )
    }
}
