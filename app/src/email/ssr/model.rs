use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: Option<i32>,
    /// `invoice`, `receipt`, `reminder` or `test`.
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: TimeDateTimeWithTimeZone,
    pub claimed_until: Option<TimeDateTimeWithTimeZone>,
    pub last_error: Option<String>,
    pub smtp_response: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub sent_at: Option<TimeDateTimeWithTimeZone>,
    /// RFC 8058 one-click unsubscribe URL (reminders only): sent as
    /// `List-Unsubscribe` with `List-Unsubscribe-Post`.
    pub list_unsubscribe: Option<String>,
    /// Failed because the SMTP server refused it (a permanent answer), not
    /// because temporary failures ran out: the address takes no mail.
    pub refused: bool,
    /// Invoices and reminders: the invoice PDF goes with it under this file
    /// name, rendered as the message leaves (`outbox_worker`).
    pub attachment_name: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
