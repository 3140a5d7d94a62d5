use sea_orm::entity::prelude::*;
use sea_orm::Set;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub number: i64,
    #[sea_orm(unique)]
    pub order_key: crate::orders::OrderKey,
    pub customer_id: Option<i32>,
    pub billing_email: Option<String>,
    pub billing_first_name: String,
    pub billing_last_name: String,
    pub billing_company: String,
    pub billing_phone: String,
    pub billing_address_1: String,
    pub billing_address_2: String,
    pub billing_city: String,
    pub billing_state: String,
    pub billing_postcode: String,
    pub billing_country: String,
    pub currency: crate::domain::Currency,
    pub subtotal_minor: i64,
    pub tax_total_minor: i64,
    pub fee_total_minor: i64,
    pub discount_total_minor: i64,
    pub total_minor: i64,
    /// Changed only through the status machine.
    pub status: crate::orders::OrderStatus,
    pub due_date: Option<TimeDate>,
    /// The deposit asked for first, in minor units (less than the total),
    /// and when it is due; the rest is due on `due_date`. See `orders::ledger`.
    pub deposit_minor: Option<i64>,
    pub deposit_due_date: Option<TimeDate>,
    pub created_by_staff_id: Option<i32>,
    pub note: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// Why a person should look at this order (set by payment handling), if anything.
    pub attention: Option<String>,
    pub paid_at: Option<TimeDateTimeWithTimeZone>,
    /// The order's prices included tax (a snapshot of the store setting when
    /// it was made): its lines' totals are the shelf prices, tax contained.
    pub prices_include_tax: bool,
    /// Search keys (`crate::search`), written by `before_save` only.
    pub name_key: String,
    pub name_key_rev: String,
    pub email_key: String,
    /// When the next reminder is due (UTC) and which it is: step (index in
    /// the store's policy) and repeat (0, then 1.. for "then every N days").
    /// Kept by `reminders::schedule` only; NULL: none planned.
    pub next_reminder_at: Option<TimeDateTimeWithTimeZone>,
    pub next_reminder_step: Option<i32>,
    pub next_reminder_repeat: Option<i32>,
    /// Staff paused reminders up to and including this day, and why.
    pub reminders_paused_until: Option<TimeDate>,
    pub reminders_pause_reason: Option<String>,
    /// Reminders stopped for good, and why.
    pub reminders_stopped: Option<crate::reminders::Stopped>,
    /// The day the customer said they will pay in store (pay page).
    pub in_store_on: Option<TimeDate>,
    /// The language the customer reads this order in (pay page, emails,
    /// reminders): the customer's, or the store's for a guest.
    pub language: crate::i18n::Lang,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::item::Entity")]
    Items,
}

impl Related<super::item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Items.def()
    }
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    /// Every save recomputes the search keys from the billing name and email
    /// it writes, so no write path can leave them stale.
    async fn before_save<C>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        use crate::search::{email_key, name_keys, saved_text};
        if insert || self.billing_first_name.is_set() || self.billing_last_name.is_set() {
            let (key, rev) = name_keys(
                saved_text(&self.billing_first_name, "billing_first_name", insert)?,
                saved_text(&self.billing_last_name, "billing_last_name", insert)?,
            );
            self.name_key = Set(key);
            self.name_key_rev = Set(rev);
        }
        if insert || self.billing_email.is_set() {
            // Unset on insert is the column's default: no email.
            let email = self.billing_email.try_as_ref().cloned().flatten();
            self.email_key = Set(email_key(email.as_deref().unwrap_or("")));
        }
        Ok(self)
    }
}
