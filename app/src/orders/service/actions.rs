//! What staff do to an order after it is made: cancel, resend, convert a
//! quote, change the due date; each under the order's lock, refused with a
//! typed `Refusal`. (Taking payment and refunds are in `payments`.)
use super::creating::{CreateOrderError, OnlineCheck};
use super::document::{long_date, queue_invoice};
use super::timeline::add_event;
use crate::customers::model as customer;
use crate::domain::{Email, Money, StoreZone};
use crate::orders::model::event::EventKind;
use crate::orders::model::order;
use crate::orders::{Actor, OrderAction, OrderStatus, Refusal};
use crate::staff::{Role, StaffView};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, Set, TransactionTrait,
};
use time::{Date, OffsetDateTime};
#[derive(Debug, thiserror::Error)]
pub enum OrderActionError {
    #[error("There is no order #{0}.")]
    NotFound(i64),
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("rendering the invoice failed: {0}")]
    Render(String),
}

impl From<CreateOrderError> for OrderActionError {
    fn from(e: CreateOrderError) -> Self {
        match e {
            CreateOrderError::Database(d) => OrderActionError::Database(d),
            CreateOrderError::Render(r) => OrderActionError::Render(r),
            CreateOrderError::Invalid(errors) => OrderActionError::Refused(Refusal::Invalid(
                errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
        }
    }
}

pub fn actor_of(staff: &StaffView) -> Actor {
    if staff.role == Role::Admin {
        Actor::Admin
    } else {
        Actor::Cashier
    }
}

/// Loads an order for an action, locking its row on PostgreSQL so that two
/// actions on one order run one after the other (SQLite has one writer).
pub async fn order_for_update(
    txn: &DatabaseTransaction,
    number: i64,
) -> Result<order::Model, OrderActionError> {
    locked(
        txn,
        order::Entity::find().filter(order::Column::Number.eq(number)),
    )
    .await?
    .ok_or(OrderActionError::NotFound(number))
}

/// The same lock, for an order known by its id (payments find orders
/// through their own rows).
pub async fn order_by_id_for_update(
    txn: &DatabaseTransaction,
    id: i32,
) -> Result<Option<order::Model>, DbErr> {
    locked(txn, order::Entity::find_by_id(id)).await
}

async fn locked(
    txn: &DatabaseTransaction,
    mut query: sea_orm::Select<order::Entity>,
) -> Result<Option<order::Model>, DbErr> {
    use sea_orm::QuerySelect;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    query.one(txn).await
}

/// The locked order and its status.
pub async fn order_and_status(
    txn: &DatabaseTransaction,
    number: i64,
) -> Result<(order::Model, OrderStatus), OrderActionError> {
    let o = order_for_update(txn, number).await?;
    let status = o.status;
    Ok((o, status))
}

/// Cancels an unpaid order with a reason; its pay link then says so. The order
/// and its history stay: cancelling is never deleting.
pub async fn cancel_order(
    db: &DatabaseConnection,
    staff: &StaffView,
    number: i64,
    reason: &str,
) -> Result<(), OrderActionError> {
    let reason = reason.trim();
    if reason.is_empty()
        || reason.chars().count() > 500
        || reason.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(Refusal::CancelReasonMissing.into());
    }
    let txn = db.begin().await?;
    let (o, status) = order_and_status(&txn, number).await?;
    let next = status
        .apply(OrderAction::Cancel, actor_of(staff))
        .map_err(Refusal::Illegal)?;
    let id = o.id;
    let mut active: order::ActiveModel = o.into();
    active.status = Set(next);
    active.cancel_reason = Set(Some(reason.to_owned()));
    active.updated_at = Set(OffsetDateTime::now_utc());
    active.update(&txn).await?;
    add_event(
        &txn,
        id,
        EventKind::Cancelled,
        &format!("Cancelled by {}: {reason}", staff.name),
        Some(staff.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Queues the invoice again, to the order's billing email or a corrected
/// address (which then becomes the order's billing email).
pub async fn resend_invoice(
    db: &DatabaseConnection,
    staff: &StaffView,
    public_url: &str,
    number: i64,
    to: Option<Email>,
) -> Result<Email, OrderActionError> {
    let txn = db.begin().await?;
    let (o, status) = order_and_status(&txn, number).await?;
    if !status.is_payable() {
        return Err(Refusal::NotPayable(status).into());
    }
    let current = o
        .billing_email
        .as_deref()
        .and_then(|e| Email::parse(e).ok());
    let to = match (to, current) {
        (Some(to), _) => to,
        (None, Some(current)) => current,
        (None, None) => return Err(Refusal::EmailMissing.into()),
    };
    let o = if o.billing_email.as_deref() != Some(to.as_str()) {
        let previous = o.billing_email.clone().unwrap_or_default();
        let previous_stop = o.reminders_stopped;
        let mut active: order::ActiveModel = o.into();
        active.billing_email = Set(Some(to.as_str().to_owned()));
        // A new address may take mail the old one refused: reminders may go again.
        active.reminders_stopped = Set(match previous_stop {
            Some(crate::reminders::Stopped::AddressRefused) => None,
            other => other,
        });
        active.updated_at = Set(OffsetDateTime::now_utc());
        let updated = active.update(&txn).await?;
        add_event(
            &txn,
            updated.id,
            EventKind::BillingEmailUpdated,
            &format!("Invoice email corrected from {previous} to {to}"),
            Some(staff.id),
        )
        .await?;
        updated
    } else {
        o
    };
    let store = crate::settings::ssr::store(&txn).await?;
    queue_invoice(
        &txn,
        &store,
        &o,
        &to,
        public_url,
        Some(staff.id),
        "Invoice re-sent to",
    )
    .await?;
    txn.commit().await?;
    Ok(to)
}

/// Turns a quote into an invoice: due date from the form, the customer's
/// terms or the store default; the invoice goes to `to` or the order's
/// billing email (which a typed address replaces).
pub async fn convert_quote(
    db: &DatabaseConnection,
    staff: &StaffView,
    public_url: &str,
    number: i64,
    to: Option<Email>,
    due: Option<Date>,
    online: Option<OnlineCheck>,
) -> Result<Email, OrderActionError> {
    let txn = db.begin().await?;
    let (o, status) = order_and_status(&txn, number).await?;
    let next = status
        .apply(OrderAction::ConvertQuote, actor_of(staff))
        .map_err(Refusal::Illegal)?;
    if let Some(check) = online {
        check(Money::from_minor(o.total_minor, o.currency)).map_err(Refusal::NotChargeable)?;
        if let Some(d) = o.deposit_minor {
            check(Money::from_minor(d, o.currency)).map_err(Refusal::NotChargeable)?;
        }
    }
    let to = match (
        to,
        o.billing_email
            .as_deref()
            .and_then(|e| Email::parse(e).ok()),
    ) {
        (Some(to), _) | (None, Some(to)) => to,
        (None, None) => return Err(Refusal::EmailMissing.into()),
    };
    let store = crate::settings::ssr::store(&txn).await?;
    let terms = match o.customer_id {
        Some(id) => customer::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .and_then(|c| c.payment_terms_days),
        None => None,
    };
    let now = OffsetDateTime::now_utc();
    let today = StoreZone::stored(&store.time_zone).today(now);
    let days = i64::from(terms.unwrap_or(store.default_due_days).clamp(0, 3650));
    let due = due.unwrap_or(today + time::Duration::days(days));
    if due < today {
        return Err(Refusal::DueInPast.into());
    }
    // A deposit saved with the quote is due from today at the earliest,
    // and never after the balance.
    let deposit_due = o
        .deposit_minor
        .map(|_| o.deposit_due_date.unwrap_or(today).clamp(today, due));
    let mut active: order::ActiveModel = o.into();
    active.status = Set(next);
    active.billing_email = Set(Some(to.as_str().to_owned()));
    active.due_date = Set(Some(due));
    active.deposit_due_date = Set(deposit_due);
    active.updated_at = Set(now);
    let o = active.update(&txn).await?;
    add_event(
        &txn,
        o.id,
        EventKind::QuoteConverted,
        &format!("Quote converted to an invoice by {}", staff.name),
        Some(staff.id),
    )
    .await?;
    queue_invoice(
        &txn,
        &store,
        &o,
        &to,
        public_url,
        Some(staff.id),
        "Invoice queued to",
    )
    .await?;
    txn.commit().await?;
    Ok(to)
}

/// Moves a payable invoice's due date (to extend an expired pay link, or to
/// agree a later date), recorded in the timeline.
pub async fn change_due_date(
    db: &DatabaseConnection,
    staff: &StaffView,
    number: i64,
    due: Date,
) -> Result<(), OrderActionError> {
    let txn = db.begin().await?;
    let store = crate::settings::ssr::store(&txn).await?;
    if due < StoreZone::stored(&store.time_zone).today(OffsetDateTime::now_utc()) {
        return Err(Refusal::DueInPast.into());
    }
    let (o, status) = order_and_status(&txn, number).await?;
    if !status.is_payable() {
        return Err(Refusal::NotPayable(status).into());
    }
    let before = o.due_date.map_or_else(|| "none".to_owned(), long_date);
    let id = o.id;
    // The deposit is never due after the balance: an earlier balance date
    // brings the deposit's with it.
    let deposit_due = o.deposit_due_date.map(|d| d.min(due));
    let mut active: order::ActiveModel = o.into();
    active.due_date = Set(Some(due));
    active.deposit_due_date = Set(deposit_due);
    active.updated_at = Set(OffsetDateTime::now_utc());
    let updated = active.update(&txn).await?;
    // Reminders follow the new date (an expired invoice extended gets them again).
    crate::reminders::ssr::schedule::reschedule(&txn, &store, &updated, OffsetDateTime::now_utc())
        .await?;
    add_event(
        &txn,
        id,
        EventKind::DueDateChanged,
        &format!(
            "Due date changed from {before} to {} by {}",
            long_date(due),
            staff.name
        ),
        Some(staff.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
