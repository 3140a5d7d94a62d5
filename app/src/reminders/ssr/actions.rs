//! Staff and an order's reminders: what the order page says about them, and
//! pausing and resuming them. Each action runs under the order's lock, is
//! refused with a typed `Refusal`, and is recorded in the order's timeline.
use super::schedule::{policy_of, reschedule};
use crate::customers::model as customer;
use crate::domain::StoreZone;
use crate::orders::model::event::EventKind;
use crate::orders::model::order;
use crate::orders::service::{add_event, long_date, order_and_status, OrderActionError};
use crate::orders::Refusal;
use crate::reminders::{OrderReminders, MAX_PAUSE_DAYS, MAX_PAUSE_REASON};
use crate::settings::ssr::model as settings;
use crate::staff::StaffView;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QuerySelect, Set,
    TransactionTrait,
};
use time::{Date, Duration, OffsetDateTime};

/// What the order page says about the order's reminders at `now`.
pub async fn order_reminders<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    zone: &StoreZone,
    o: &order::Model,
    now: OffsetDateTime,
) -> Result<OrderReminders, DbErr> {
    let policy = policy_of(store);
    let today = zone.today(now);
    let payable = o.status.is_payable();
    let opted_out = match o.customer_id {
        Some(id) => customer::Entity::find_by_id(id)
            .select_only()
            .column(customer::Column::NoReminders)
            .into_tuple::<bool>()
            .one(conn)
            .await?
            .unwrap_or(false),
        None => false,
    };
    let stopped = match o.reminders_stopped {
        Some(why) => Some(why.label().to_owned()),
        None if opted_out => Some("No reminders: the customer asked for none".to_owned()),
        None => None,
    };
    // Whether a reminder can still go at all: the scheduler sends none while
    // reminders are off, and skips for good once stopped or opted out, so a
    // plan left on the order then would only mislead.
    let may_go = payable && policy.enabled && stopped.is_none();
    // Once the order no longer awaits payment, pauses and promises to pay in
    // store are history (the timeline keeps them), not something to act on.
    let paused = o
        .reminders_paused_until
        .filter(|until| payable && *until >= today)
        .map(|until| match o.reminders_pause_reason.as_deref() {
            Some(reason) if !reason.is_empty() => {
                format!("Paused until {}: {reason}", long_date(until))
            }
            _ => format!("Paused until {}", long_date(until)),
        });
    let in_store = o.in_store_on.filter(|_| payable).map(|day| {
        if day >= today {
            format!("Customer will pay in store on {}", long_date(day))
        } else if may_go {
            format!(
                "Customer said they would pay in store on {}; reminders have resumed",
                long_date(day)
            )
        } else {
            format!(
                "Customer said they would pay in store on {}",
                long_date(day)
            )
        }
    });
    Ok(OrderReminders {
        enabled: policy.enabled,
        next: if may_go {
            super::schedule::planned_label(&policy, zone, o).map(|l| format!("Next reminder: {l}"))
        } else {
            None
        },
        paused,
        in_store,
        stopped,
        can_pause: payable,
        pause_min: today.to_string(),
        // Checked: `Date + Duration` panics past the year 9999.
        pause_max: today
            .checked_add(Duration::days(MAX_PAUSE_DAYS))
            .unwrap_or(today)
            .to_string(),
    })
}

/// Pauses the order's reminders up to and including `until` (a day in the
/// store's time zone), with an optional reason. A reminder that falls due
/// meanwhile is skipped (`Skip::Paused`); the ones after it go as planned.
/// Pausing a paused order moves the date and replaces the reason.
pub async fn pause_reminders(
    db: &DatabaseConnection,
    staff: &StaffView,
    number: i64,
    until: Date,
    reason: &str,
) -> Result<(), OrderActionError> {
    let reason = reason.trim();
    // One line: it is shown on the order page and in the timeline.
    if reason.chars().count() > MAX_PAUSE_REASON || reason.chars().any(char::is_control) {
        return Err(Refusal::PauseReasonTooLong.into());
    }
    let txn = db.begin().await?;
    let (o, status) = order_and_status(&txn, number).await?;
    if !status.is_payable() {
        return Err(Refusal::NotPayable(status).into());
    }
    let store = crate::settings::ssr::store(&txn).await?;
    let now = OffsetDateTime::now_utc();
    let today = StoreZone::stored(&store.time_zone).today(now);
    if until < today {
        return Err(Refusal::PauseInPast.into());
    }
    // A difference of dates, not `today + days`: no overflow to think about.
    if (until - today).whole_days() > MAX_PAUSE_DAYS {
        return Err(Refusal::PauseTooFar.into());
    }
    let id = o.id;
    let mut active: order::ActiveModel = o.into();
    active.reminders_paused_until = Set(Some(until));
    active.reminders_pause_reason = Set((!reason.is_empty()).then(|| reason.to_owned()));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let message = if reason.is_empty() {
        format!(
            "Reminders paused until {} by {}",
            long_date(until),
            staff.name
        )
    } else {
        format!(
            "Reminders paused until {} by {}: {reason}",
            long_date(until),
            staff.name
        )
    };
    add_event(
        &txn,
        id,
        EventKind::RemindersChanged,
        &message,
        Some(staff.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Ends a pause before its day, and plans the order's next reminder again
/// from the store's policy (the first still to come after the last one
/// handled), in the same transaction.
pub async fn resume_reminders(
    db: &DatabaseConnection,
    staff: &StaffView,
    number: i64,
) -> Result<(), OrderActionError> {
    let txn = db.begin().await?;
    let (o, status) = order_and_status(&txn, number).await?;
    if !status.is_payable() {
        return Err(Refusal::NotPayable(status).into());
    }
    let store = crate::settings::ssr::store(&txn).await?;
    let now = OffsetDateTime::now_utc();
    let today = StoreZone::stored(&store.time_zone).today(now);
    // A pause whose last day is past has ended by itself: nothing to resume,
    // and a "resumed" in the timeline would say something that did not happen.
    if !o.reminders_paused_until.is_some_and(|until| until >= today) {
        return Err(Refusal::NotPaused.into());
    }
    let mut active: order::ActiveModel = o.into();
    active.reminders_paused_until = Set(None);
    active.reminders_pause_reason = Set(None);
    active.updated_at = Set(now);
    let o = active.update(&txn).await?;
    add_event(
        &txn,
        o.id,
        EventKind::RemindersChanged,
        &format!("Reminders resumed by {}", staff.name),
        Some(staff.id),
    )
    .await?;
    reschedule(&txn, &store, &o, now).await?;
    txn.commit().await?;
    Ok(())
}
