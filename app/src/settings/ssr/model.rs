use sea_orm::entity::prelude::*;

pub const SINGLETON_ID: i32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub logo_url: Option<String>,
    pub brand_color: String,
    pub accent_color: String,
    pub currency: String,
    pub default_due_days: i32,
    pub expiry_grace_days: i32,
    pub invoice_subject: String,
    pub invoice_heading: String,
    pub invoice_intro: String,
    pub invoice_footer: String,
    pub dkim_domain: String,
    pub dkim_selector: String,
    /// Never shown back on a page once stored.
    pub dkim_private_key: String,
    /// IANA zone name (Europe/Paris): "today" and every time staff and
    /// customers read are in it.
    pub time_zone: String,
    /// Shelf prices include tax (WooCommerce's "prices entered with tax").
    pub prices_include_tax: bool,
    /// An admin chose the currency (a new database starts with a guess).
    pub currency_confirmed: bool,
    /// Optional setup steps the owner dismissed, comma-separated codes.
    pub setup_dismissed: String,
    /// When **Send test email** last passed.
    pub mail_tested_at: Option<TimeDateTimeWithTimeZone>,
    /// The payment method the POS starts with and returns to after a sale.
    pub default_payment: crate::orders::create::PaymentChoice,
    /// The reminder policy as JSON (`reminders::Policy`); empty: the
    /// default policy, switched off.
    pub reminder_policy: String,
    /// The store's language: new orders', customers' and staff's default.
    pub language: crate::i18n::Lang,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
