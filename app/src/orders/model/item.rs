use sea_orm::entity::prelude::*;

/// A line as sold: name, SKU and price are snapshots, so later catalogue edits
/// never change an invoice already sent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    pub position: i32,
    pub product_id: Option<i32>,
    pub sku: Option<String>,
    pub name: String,
    pub unit_price_minor: i64,
    pub quantity: i32,
    pub tax_label: String,
    pub tax_rate_ppm: i32,
    pub line_subtotal_minor: i64,
    pub line_tax_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::order::Entity",
        from = "Column::OrderId",
        to = "super::order::Column::Id"
    )]
    Order,
}

impl Related<super::order::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Order.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
