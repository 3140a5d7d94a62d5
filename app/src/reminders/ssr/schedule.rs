//! The scheduler: every order keeps its next reminder (`orders.next_reminder_*`,
//! indexed by time), so a tick reads only what is due, never the whole table.
//! Each due reminder is handled in one transaction under the order's lock:
//! re-checked, then sent (to the outbox) or skipped with its reason, recorded
//! once in `reminders` (unique per order, step and repeat, so a second
//! process or a second run inserts nothing and sends nothing), and the
//! order's next reminder planned.
use super::model::{self as reminder, Outcome};
use crate::customers::model as customer;
use crate::domain::StoreZone;
use crate::email::ssr::model as outbox_row;
use crate::orders::model::event::EventKind;
use crate::orders::model::order;
use crate::orders::service::{add_event, ledger_of, order_by_id_for_update};
use crate::orders::Lateness;
use crate::payments::intent as stripe_intent;
use crate::reminders::{Policy, Skip, Slot, Stopped};
use crate::settings::ssr::model as settings;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use time::{Duration, OffsetDateTime};

/// Reminders handled per batch of a tick.
const BATCH: u64 = 100;
/// No reminder within this long of any email about the order.
pub const QUIET: Duration = Duration::hours(24);
/// An order whose reminder failed (an error, not a skip) is tried again after this.
const RETRY: Duration = Duration::hours(1);

/// The store's policy. A row that cannot be read (edited by hand) is logged
/// and reads as the default, which is off: nothing goes by mistake.
pub fn policy_of(store: &settings::Model) -> Policy {
    Policy::from_json(&store.reminder_policy).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the stored reminder policy cannot be read; reminders are off");
        Policy::default()
    })
}

/// The order's planned reminder as staff read it, "Tue 8 Dec, 2nd of 3"
/// (store time), or `None` when none will go: reminders off, nothing
/// planned, or a plan the policy no longer has (it shrank; the scheduler
/// plans again when it falls due, and "4th of 3" would make no sense).
pub fn planned_label(policy: &Policy, zone: &StoreZone, o: &order::Model) -> Option<String> {
    if !policy.enabled {
        return None;
    }
    let at = o.next_reminder_at?;
    let slot = Slot {
        step: u16::try_from(o.next_reminder_step?).ok()?,
        repeat: u16::try_from(o.next_reminder_repeat?).ok()?,
    };
    if !policy.has(slot) {
        return None;
    }
    let day = zone
        .local(at)
        .format(time::macros::format_description!(
            "[weekday repr:short] [day padding:none] [month repr:short]"
        ))
        .ok()?;
    Some(format!("{day}, {}", policy.label(slot)))
}

/// Where reminders go: where the invoice last went (a registered
/// customer's invoice may go to an address typed at the till, their
/// record keeping its own), else the order's billing email.
pub async fn reminder_address<C: ConnectionTrait>(
    conn: &C,
    o: &order::Model,
) -> Result<Option<String>, DbErr> {
    let sent_to: Option<String> = outbox_row::Entity::find()
        .select_only()
        .column(outbox_row::Column::Recipient)
        .filter(outbox_row::Column::OrderId.eq(o.id))
        .filter(outbox_row::Column::Kind.eq("invoice"))
        .order_by_desc(outbox_row::Column::Id)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(sent_to.or_else(|| o.billing_email.clone()))
}

/// The last reminder handled for the order (sent or skipped), if any.
async fn last_handled<C: ConnectionTrait>(conn: &C, order_id: i32) -> Result<Option<Slot>, DbErr> {
    let row: Option<(i32, i32)> = reminder::Entity::find()
        .select_only()
        .column(reminder::Column::Step)
        .column(reminder::Column::Repeat)
        .filter(reminder::Column::OrderId.eq(order_id))
        .order_by_desc(reminder::Column::Step)
        .order_by_desc(reminder::Column::Repeat)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(row.map(|(step, repeat)| Slot {
        step: u16::try_from(step).unwrap_or(0),
        repeat: u16::try_from(repeat).unwrap_or(0),
    }))
}

/// Whether reminders can be planned for the order at all: a payable
/// invoice with a due date and an address, not stopped.
fn plannable(o: &order::Model) -> bool {
    o.status.is_payable()
        && o.due_date.is_some()
        && o.billing_email.is_some()
        && o.reminders_stopped.is_none()
}

/// Plans the order's next reminder from the policy: the first after the
/// last one handled that is still to come after `now`; none when reminders
/// are off or the order cannot have any. Called when an invoice is sent,
/// its due date moves, reminders resume, and the policy changes.
pub async fn reschedule<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    o: &order::Model,
    now: OffsetDateTime,
) -> Result<Option<(Slot, OffsetDateTime)>, DbErr> {
    let policy = policy_of(store);
    let next = match o.due_date {
        Some(due) if policy.enabled && plannable(o) => {
            let zone = StoreZone::stored(&store.time_zone);
            let handled = last_handled(conn, o.id).await?;
            policy.next_after(&zone, due, handled, now)
        }
        _ => None,
    };
    set_next(conn, o.id, next).await?;
    Ok(next)
}

async fn set_next<C: ConnectionTrait>(
    conn: &C,
    order_id: i32,
    next: Option<(Slot, OffsetDateTime)>,
) -> Result<(), DbErr> {
    // Not through the ActiveModel: this is the scheduler's bookkeeping, not
    // a change to the order, and must not move `updated_at` (pay pages are
    // cached by it).
    order::Entity::update_many()
        .col_expr(
            order::Column::NextReminderAt,
            sea_orm::sea_query::Expr::value(next.map(|(_, at)| at)),
        )
        .col_expr(
            order::Column::NextReminderStep,
            sea_orm::sea_query::Expr::value(next.map(|(s, _)| i32::from(s.step))),
        )
        .col_expr(
            order::Column::NextReminderRepeat,
            sea_orm::sea_query::Expr::value(next.map(|(s, _)| i32::from(s.repeat))),
        )
        .filter(order::Column::Id.eq(order_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// After a policy change: re-plans every order still waiting for payment,
/// in batches by id (each its own short write). (A closed order's plan is
/// ended by the scheduler when it falls due, with the reason on its
/// timeline.) Returns how many orders have a reminder planned.
pub async fn reschedule_all(db: &DatabaseConnection, now: OffsetDateTime) -> Result<u64, DbErr> {
    use crate::orders::OrderStatus;
    let store = crate::settings::ssr::store(db).await?;
    let mut after = 0;
    let mut planned = 0;
    loop {
        let batch = order::Entity::find()
            .filter(order::Column::Status.is_in([
                OrderStatus::Pending,
                OrderStatus::Failed,
                OrderStatus::PartiallyPaid,
            ]))
            .filter(order::Column::Id.gt(after))
            .order_by_asc(order::Column::Id)
            .limit(500)
            .all(db)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let txn = db.begin().await?;
        for o in &batch {
            if reschedule(&txn, &store, o, now).await?.is_some() {
                planned += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(planned)
}

/// The orders with a reminder due at `now`, oldest first, a batch at a
/// time: a range on the `next_reminder_at` index, whatever the table holds
/// (the load bench checks its plan at 1,000,000 orders).
pub fn due_query(now: OffsetDateTime) -> sea_orm::Select<order::Entity> {
    order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::NextReminderAt.lte(now))
        .order_by_asc(order::Column::NextReminderAt)
        .order_by_asc(order::Column::Id)
        .limit(BATCH)
}

/// Plans again the open invoices of one customer (who wants reminders again).
pub async fn reschedule_customer(
    db: &DatabaseConnection,
    customer_id: i32,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    use crate::orders::OrderStatus;
    let store = crate::settings::ssr::store(db).await?;
    let txn = db.begin().await?;
    for o in order::Entity::find()
        .filter(order::Column::CustomerId.eq(customer_id))
        .filter(order::Column::Status.is_in([
            OrderStatus::Pending,
            OrderStatus::Failed,
            OrderStatus::PartiallyPaid,
        ]))
        .all(&txn)
        .await?
    {
        reschedule(&txn, &store, &o, now).await?;
    }
    txn.commit().await
}

/// What one tick did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    pub sent: u32,
    pub skipped: u32,
    /// Due, but outside the sending window: moved to its next opening.
    pub deferred: u32,
}

/// Handles every reminder due at `now`. Runs every minute in every process;
/// tests call it with the time they want.
pub async fn tick(
    db: &DatabaseConnection,
    public_url: &str,
    now: OffsetDateTime,
) -> Result<Tick, DbErr> {
    let mut done = Tick::default();
    let store = crate::settings::ssr::store(db).await?;
    let policy = policy_of(&store);
    if !policy.enabled {
        return Ok(done);
    }
    let zone = StoreZone::stored(&store.time_zone);
    loop {
        let due: Vec<i32> = due_query(now).into_tuple().all(db).await?;
        let mut moved = 0;
        for id in &due {
            match handle(db, &store, &policy, &zone, public_url, *id, now).await {
                Ok(Handled::Sent) => done.sent += 1,
                Ok(Handled::Skipped) => done.skipped += 1,
                Ok(Handled::Deferred) => done.deferred += 1,
                Ok(Handled::Elsewhere) => continue,
                Err(e) => {
                    // One order that cannot be handled (say its reminder
                    // fails to render) must not hold up the others behind
                    // it: it waits an hour and is tried again.
                    tracing::error!(order_id = id, error = %e, "a reminder could not be handled; trying again in an hour");
                    order::Entity::update_many()
                        .col_expr(
                            order::Column::NextReminderAt,
                            sea_orm::sea_query::Expr::value(now + RETRY),
                        )
                        .filter(order::Column::Id.eq(*id))
                        .exec(db)
                        .await?;
                }
            }
            moved += 1;
        }
        // A short batch was all there was; one where nothing moved is held
        // by another process, which will finish it.
        if (due.len() as u64) < BATCH || moved == 0 {
            return Ok(done);
        }
    }
}

enum Handled {
    Sent,
    Skipped,
    Deferred,
    /// Another process (or run) handled it first.
    Elsewhere,
}

async fn handle(
    db: &DatabaseConnection,
    store: &settings::Model,
    policy: &Policy,
    zone: &StoreZone,
    public_url: &str,
    order_id: i32,
    now: OffsetDateTime,
) -> Result<Handled, DbErr> {
    let txn = db.begin().await?;
    let Some(o) = order_by_id_for_update(&txn, order_id).await? else {
        return Ok(Handled::Elsewhere);
    };
    // Re-read under the lock: another process may have just handled it.
    let (Some(at), Some(step), Some(repeat)) = (
        o.next_reminder_at,
        o.next_reminder_step,
        o.next_reminder_repeat,
    ) else {
        return Ok(Handled::Elsewhere);
    };
    if at > now {
        return Ok(Handled::Elsewhere);
    }
    let slot = Slot {
        step: u16::try_from(step).unwrap_or(u16::MAX),
        repeat: u16::try_from(repeat).unwrap_or(u16::MAX),
    };
    if !policy.has(slot) {
        // The policy shrank since this was planned: plan again from it.
        reschedule(&txn, store, &o, now).await?;
        txn.commit().await?;
        return Ok(Handled::Deferred);
    }
    let open = policy.window.next_open(zone, now);
    if open > now {
        set_next(&txn, o.id, Some((slot, open))).await?;
        txn.commit().await?;
        return Ok(Handled::Deferred);
    }
    let skip = check(&txn, store, zone, &o, now).await?;
    let label = policy.label(slot);
    if skip == Some(Skip::Expired) {
        // The plan ends, but no step is used up: extending the due date
        // plans the reminders that are still to come from the new date.
        add_event(
            &txn,
            o.id,
            EventKind::ReminderSkipped,
            &format!(
                "Reminder ({label}) not sent, and no more for now: {}",
                Skip::Expired.reason()
            ),
            None,
        )
        .await?;
        set_next(&txn, o.id, None).await?;
        txn.commit().await?;
        return Ok(Handled::Skipped);
    }
    let record = reminder::ActiveModel {
        order_id: Set(o.id),
        step: Set(i32::from(slot.step)),
        repeat: Set(i32::from(slot.repeat)),
        outcome: Set(if skip.is_some() {
            Outcome::Skipped
        } else {
            Outcome::Sent
        }),
        reason: Set(skip.map(|s| s.code().to_owned())),
        outbox_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    };
    let record = match record.insert(&txn).await {
        Ok(r) => r,
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            // This reminder was handled already (a plan made before the
            // policy changed can point at one): nothing is sent; the plan
            // moves on so that the order does not come back every minute.
            txn.rollback().await?;
            let next = match (o.due_date, policy.after(slot)) {
                (Some(due), Some(next)) => Some((next, policy.when(zone, due, next))),
                _ => None,
            };
            set_next(db, o.id, next).await?;
            return Ok(Handled::Elsewhere);
        }
        Err(e) => return Err(e),
    };
    let handled = match skip {
        None => {
            let queued =
                super::email::queue_reminder(&txn, store, policy, &o, slot, public_url).await?;
            let mut r: reminder::ActiveModel = record.into();
            r.outbox_id = Set(Some(queued.id));
            r.update(&txn).await?;
            add_event(
                &txn,
                o.id,
                EventKind::ReminderSent,
                &format!("Reminder ({label}) queued to {}", queued.recipient),
                None,
            )
            .await?;
            Handled::Sent
        }
        Some(why) => {
            add_event(
                &txn,
                o.id,
                EventKind::ReminderSkipped,
                &format!("Reminder ({label}) not sent: {}", why.reason()),
                None,
            )
            .await?;
            if why == Skip::AddressRefused {
                order::Entity::update_many()
                    .col_expr(
                        order::Column::RemindersStopped,
                        sea_orm::sea_query::Expr::value(Stopped::AddressRefused),
                    )
                    .filter(order::Column::Id.eq(o.id))
                    .exec(&txn)
                    .await?;
            }
            Handled::Skipped
        }
    };
    let next = match (
        skip.is_some_and(Skip::ends_schedule),
        o.due_date,
        policy.after(slot),
    ) {
        (false, Some(due), Some(next)) => Some((next, policy.when(zone, due, next))),
        _ => None,
    };
    set_next(&txn, o.id, next).await?;
    txn.commit().await?;
    Ok(handled)
}

/// Whether a reminder due now must not go, and why (the first reason that
/// applies, most lasting first).
pub async fn check<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    zone: &StoreZone,
    o: &order::Model,
    now: OffsetDateTime,
) -> Result<Option<Skip>, DbErr> {
    if !o.status.is_payable() {
        return Ok(Some(Skip::Closed));
    }
    if o.reminders_stopped.is_some() {
        return Ok(Some(Skip::Stopped));
    }
    if ledger_of(conn, o).await?.balance_minor() <= 0 {
        return Ok(Some(Skip::NothingOwed));
    }
    let Some(address) = reminder_address(conn, o).await? else {
        return Ok(Some(Skip::NoAddress));
    };
    let address = address.as_str();
    if let Some(customer_id) = o.customer_id {
        let opted_out = customer::Entity::find_by_id(customer_id)
            .select_only()
            .column(customer::Column::NoReminders)
            .into_tuple::<bool>()
            .one(conn)
            .await?
            .unwrap_or(false);
        if opted_out {
            return Ok(Some(Skip::CustomerOptedOut));
        }
    }
    // The newest message to this address, about any order, was refused by
    // the mail server (not merely undelivered while SMTP was down).
    let last_refused: Option<bool> = outbox_row::Entity::find()
        .select_only()
        .column(outbox_row::Column::Refused)
        .filter(outbox_row::Column::Recipient.eq(address))
        .order_by_desc(outbox_row::Column::Id)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    if last_refused == Some(true) {
        return Ok(Some(Skip::AddressRefused));
    }
    let today = zone.today(now);
    if Lateness::of(o.status, o.due_date, store.expiry_grace_days, today) == Some(Lateness::Expired)
    {
        return Ok(Some(Skip::Expired));
    }
    // A payment Stripe is processing; or a card check (3-D Secure) begun in
    // the last day: one abandoned in a closed tab must not hold reminders
    // for ever.
    let paying = stripe_intent::Entity::find()
        .filter(stripe_intent::Column::OrderId.eq(o.id))
        .all(conn)
        .await?
        .iter()
        .any(|i| {
            i.status.in_progress()
                && (i.status != stripe_intent::IntentStatus::RequiresAction
                    || i.updated_at > now - QUIET)
        });
    if paying {
        return Ok(Some(Skip::PaymentInProgress));
    }
    if o.in_store_on.is_some_and(|d| d >= today) {
        return Ok(Some(Skip::PayInStore));
    }
    if o.reminders_paused_until.is_some_and(|d| d >= today) {
        return Ok(Some(Skip::Paused));
    }
    // The invoice, a resend or a receipt: not the policy's own reminders,
    // which may be a day apart by the owner's choice.
    let recent = outbox_row::Entity::find()
        .select_only()
        .column(outbox_row::Column::Id)
        .filter(outbox_row::Column::OrderId.eq(o.id))
        .filter(outbox_row::Column::Kind.ne("reminder"))
        .filter(outbox_row::Column::CreatedAt.gt(now - QUIET))
        .limit(1)
        .into_tuple::<i32>()
        .one(conn)
        .await?;
    if recent.is_some() {
        return Ok(Some(Skip::RecentEmail));
    }
    Ok(None)
}

/// What the outbox does with a queued reminder when it comes to send it:
/// a reminder that waited out an SMTP outage must not reach the customer
/// after they paid, or at night.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtDelivery {
    Send,
    /// Outside the sending window: at its next opening.
    Later(OffsetDateTime),
    /// Not any more, and why (kept as the message's error for staff).
    Drop(&'static str),
}

pub async fn at_delivery<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    order_id: Option<i32>,
    now: OffsetDateTime,
) -> Result<AtDelivery, DbErr> {
    let Some(order_id) = order_id else {
        return Ok(AtDelivery::Send);
    };
    let Some(o) = order::Entity::find_by_id(order_id).one(conn).await? else {
        return Ok(AtDelivery::Drop("not sent: the order is gone"));
    };
    if !o.status.is_payable() {
        return Ok(AtDelivery::Drop(
            "not sent: the order no longer waits for payment",
        ));
    }
    if o.reminders_stopped.is_some() {
        return Ok(AtDelivery::Drop("not sent: reminders were stopped"));
    }
    let policy = policy_of(store);
    if !policy.enabled {
        return Ok(AtDelivery::Drop("not sent: reminders were switched off"));
    }
    let open = policy
        .window
        .next_open(&StoreZone::stored(&store.time_zone), now);
    Ok(if open > now {
        AtDelivery::Later(open)
    } else {
        AtDelivery::Send
    })
}
