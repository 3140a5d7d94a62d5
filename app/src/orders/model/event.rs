use sea_orm::entity::prelude::*;

/// One entry of an order's timeline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    pub kind: EventKind,
    pub message: String,
    pub staff_id: Option<i32>,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum EventKind {
    /// The order or quote was made.
    #[sea_orm(string_value = "created")]
    Created,
    /// The invoice went to the outbox (first send, resend, conversion).
    #[sea_orm(string_value = "invoice_queued")]
    InvoiceQueued,
    /// The address invoices go to was corrected.
    #[sea_orm(string_value = "billing_email_updated")]
    BillingEmailUpdated,
    #[sea_orm(string_value = "quote_converted")]
    QuoteConverted,
    /// The customer opened the pay page (first time only).
    #[sea_orm(string_value = "viewed")]
    Viewed,
    #[sea_orm(string_value = "paid_online")]
    PaidOnline,
    #[sea_orm(string_value = "paid_in_store")]
    PaidInStore,
    #[sea_orm(string_value = "payment_failed")]
    PaymentFailed,
    #[sea_orm(string_value = "receipt_queued")]
    ReceiptQueued,
    /// Something for staff to look at (a mismatched or second payment).
    #[sea_orm(string_value = "flagged")]
    Flagged,
    /// A refund was sent to Stripe whose answer was lost.
    #[sea_orm(string_value = "refund_confirming")]
    RefundConfirming,
    /// A refund made (by staff, through Stripe or in store).
    #[sea_orm(string_value = "refunded")]
    Refunded,
    /// A second payment refunded automatically.
    #[sea_orm(string_value = "refunded_online")]
    RefundedOnline,
    #[sea_orm(string_value = "refund_failed")]
    RefundFailed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "due_date_changed")]
    DueDateChanged,
    /// A payment reminder went to the outbox.
    #[sea_orm(string_value = "reminder_sent")]
    ReminderSent,
    /// A reminder that was due was not sent, and why.
    #[sea_orm(string_value = "reminder_skipped")]
    ReminderSkipped,
    /// Staff paused or resumed reminders, or they stopped (unsubscribed).
    #[sea_orm(string_value = "reminders_changed")]
    RemindersChanged,
    /// The customer said they will pay in store on a date.
    #[sea_orm(string_value = "pay_in_store")]
    PayInStore,
}
