use sea_orm::entity::prelude::*;

/// One attempt or settlement; refunds are rows with negative amounts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    /// `stripe`, `cash`, `card_terminal` or `other`.
    pub method: String,
    pub amount_minor: i64,
    pub currency: String,
    /// The PaymentIntent id for Stripe: unique, so an intent is recorded once.
    #[sea_orm(unique)]
    pub provider_reference: Option<String>,
    pub status: String,
    pub staff_id: Option<i32>,
    pub note: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
