use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_rates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub class: String,
    pub name: String,
    pub rate_ppm: i32,
    /// A retired rate stays for the record but is offered for nothing new.
    pub retired_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The stored parts per million (never negative: the forms refuse it).
    pub fn ppm(&self) -> u32 {
        u32::try_from(self.rate_ppm).unwrap_or(0)
    }

    /// "20%", "5.5%".
    pub fn percent(&self) -> String {
        crate::orders::TaxRate {
            label: String::new(),
            rate_ppm: self.ppm(),
        }
        .percent_label()
    }

    /// How the rate is offered in a choice: "VAT 20%", "Sales tax (8.875%)".
    pub fn choice_label(&self) -> String {
        crate::orders::tax_line_label(&self.name, self.ppm())
    }
}
