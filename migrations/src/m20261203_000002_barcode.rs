//! Products carry the number under their barcode (GTIN, EAN, UPC or ISBN),
//! so a scan at the till finds them. Indexed for that exact look-up, but not
//! unique: an imported catalogue may give two products the same code, and
//! refusing the whole import for it would help nobody.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("products")
                .add_column(string_len_null("barcode", 14))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_products_barcode")
                .table("products")
                .col("barcode")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_products_barcode")
                .table("products")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("products")
                .drop_column("barcode")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
