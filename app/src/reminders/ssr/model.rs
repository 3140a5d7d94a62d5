use sea_orm::entity::prelude::*;

/// One reminder handled for an order: sent or skipped. Unique per (order,
/// step, repeat): a second process, or a second run of the scheduler, that
/// reaches the same reminder fails to insert and sends nothing.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    pub step: i32,
    pub repeat: i32,
    pub outcome: Outcome,
    /// `Skip::code` when skipped.
    pub reason: Option<String>,
    pub outbox_id: Option<i32>,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Outcome {
    #[sea_orm(string_value = "sent")]
    Sent,
    #[sea_orm(string_value = "skipped")]
    Skipped,
}
