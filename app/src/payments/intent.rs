use sea_orm::entity::prelude::*;

/// A Stripe PaymentIntent made for an order: one per order and amount.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stripe_intents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    #[sea_orm(unique)]
    pub intent_id: String,
    pub amount_minor: i64,
    pub currency: String,
    /// Handed to Stripe.js on the pay page; it lets the holder pay, nothing else.
    pub client_secret: String,
    /// Stripe's status as last seen (`requires_payment_method`, `processing`,
    /// `succeeded`, `canceled`, …).
    pub status: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
