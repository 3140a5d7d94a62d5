use sea_orm::entity::prelude::*;

/// A named fee or the discount; `amount_minor` is positive, `kind` gives the sign.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_adjustments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    pub position: i32,
    pub kind: AdjustmentKind,
    pub label: String,
    pub amount_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A fee adds to the total, the discount takes from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AdjustmentKind {
    #[sea_orm(string_value = "fee")]
    Fee,
    #[sea_orm(string_value = "discount")]
    Discount,
}
