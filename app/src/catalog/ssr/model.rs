use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub sku: Option<String>,
    /// Digits only (see `catalog::Barcode`). Not unique: a messy import may
    /// give two products one code, and a scan of it then adds neither.
    pub barcode: Option<String>,
    pub name: String,
    /// What the customer is charged (the sale price when one is set).
    pub price_minor: i64,
    pub regular_price_minor: i64,
    pub tax_rate_id: Option<i32>,
    pub active: bool,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
