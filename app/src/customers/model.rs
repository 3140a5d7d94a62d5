use sea_orm::entity::prelude::*;
use sea_orm::Set;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Lowercased: unique case-insensitively.
    #[sea_orm(unique)]
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub phone: String,
    pub address_1: String,
    pub address_2: String,
    pub city: String,
    pub state: String,
    pub postcode: String,
    pub country: String,
    pub preferred_language: String,
    pub payment_terms_days: Option<i32>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// Search keys (`crate::search`), written by `before_save` only.
    pub name_key: String,
    pub name_key_rev: String,
    pub email_key: String,
    /// The customer asked for no payment reminders (invoices still go).
    pub no_reminders: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    /// Every save recomputes the search keys from what it writes, so no
    /// write path can leave them stale.
    async fn before_save<C>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        use crate::search::{email_key, name_keys, saved_text};
        if insert || self.first_name.is_set() || self.last_name.is_set() {
            let (key, rev) = name_keys(
                saved_text(&self.first_name, "first_name", insert)?,
                saved_text(&self.last_name, "last_name", insert)?,
            );
            self.name_key = Set(key);
            self.name_key_rev = Set(rev);
        }
        if insert || self.email.is_set() {
            self.email_key = Set(email_key(saved_text(&self.email, "email", insert)?));
        }
        Ok(self)
    }
}
