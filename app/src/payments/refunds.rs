//! Money going back: an admin's refund from the order page, and the
//! automatic refund of a second payment. Every refund is a payment row
//! written before Stripe is asked, and Stripe is asked with an idempotency
//! key and metadata naming that row, so a refund is never sent twice: a
//! lost answer leaves the row `refunding` ("confirming"), and
//! [`confirm_refund`] finds it at Stripe later instead of sending another.
use super::amount::to_stripe;
use super::gateway::Gateway;
use super::model::{self as payment, PaymentMethod, PaymentStatus};
use crate::counters::{self, AutoRefund};
use crate::domain::{Currency, Money};
use crate::orders::model::event::EventKind;
use crate::orders::model::order;
use crate::orders::service::{
    add_event, ledger_from, order_by_id_for_update, order_for_update, payment_lines, payment_rows,
    OrderActionError,
};
use crate::orders::{Actor, OrderAction, OrderStatus, Refusal};
use crate::staff::{Role, StaffView};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};
use time::{Duration, OffsetDateTime};

/// How an admin's refund went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// Made (through Stripe, or recorded for an in-store payment).
    Made { amount_minor: i64 },
    /// Sent to Stripe, whose answer was lost: kept as `refunding` and
    /// confirmed by asking Stripe (never sent again blind).
    Confirming,
    /// An earlier refund whose answer had been lost was found at Stripe and
    /// recorded; no new refund was made.
    EarlierConfirmed,
    /// An earlier refund whose answer had been lost turned out not to have
    /// been made (Stripe refused or failed it); nothing new was sent.
    EarlierFailed,
}

/// What confirming a `refunding` row found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    /// The refund was made: recorded once.
    Recorded,
    /// It was not made (Stripe refused or failed it): the reservation went.
    Dropped,
    /// Stripe cannot be asked yet, or the first attempt may still be in
    /// flight: ask again later.
    StillUnknown,
}

/// Until this long after a refund row was last sent, its answer may still
/// be on the way (every Stripe call ends within `CALL_TIMEOUT`, 8 s): it is
/// only looked for, never sent again.
pub const IN_FLIGHT: Duration = Duration::seconds(30);

/// A full or partial refund of one payment from the order page (admins):
/// through Stripe for an online payment, recorded for one taken in store
/// (the cash or terminal refund happens at the till). `payment_id` names the
/// payment (the latest that still holds money when `None`); the amount is at
/// most what that payment still holds (all of it when `None`). Refunding
/// everything a paid order holds makes it `refunded`; a partially paid
/// order goes back to partially paid or waiting for payment (its balance
/// grows back), never `refunded` while money is held.
pub async fn refund_order(
    db: &DatabaseConnection,
    gw: Option<&Gateway>,
    staff: &StaffView,
    number: i64,
    payment_id: Option<i32>,
    amount_minor: Option<i64>,
    reason: &str,
) -> Result<RefundOutcome, OrderActionError> {
    if staff.role != Role::Admin {
        return Err(Refusal::AdminOnly.into());
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 || reason.chars().any(char::is_control) {
        return Err(Refusal::RefundReasonMissing.into());
    }
    // Checked and reserved under the order's lock, so two clicks cannot
    // refund the same money twice.
    let txn = db.begin().await?;
    let o = order_for_update(&txn, number).await?;
    // A refund whose answer was lost is settled before anything new is sent:
    // a second click must never become a second refund.
    let confirming: Vec<i32> = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(o.id))
        .filter(payment::Column::Status.eq(PaymentStatus::Refunding))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    if !confirming.is_empty() {
        txn.rollback().await?;
        let mut found = Vec::new();
        for row in confirming {
            found.push(confirm_refund(db, gw, row).await?);
        }
        return if found.contains(&Confirmed::StillUnknown) {
            Err(Refusal::RefundConfirming.into())
        } else if found.contains(&Confirmed::Recorded) {
            Ok(RefundOutcome::EarlierConfirmed)
        } else {
            Ok(RefundOutcome::EarlierFailed)
        };
    }
    let status = o.status;
    if !matches!(status, OrderStatus::Paid | OrderStatus::PartiallyPaid) {
        return Err(Refusal::illegal(status, OrderAction::RefundInFull, Actor::Admin).into());
    }
    let currency = o.currency;
    let rows = payment_rows(&txn, o.id).await?;
    let lines = payment_lines(&rows);
    let line = match payment_id {
        Some(id) => lines.iter().find(|l| l.id == id),
        None => lines.iter().rev().find(|l| l.holds_minor() > 0),
    }
    .filter(|l| l.holds_minor() > 0)
    .ok_or(Refusal::NothingToRefund)?;
    let left = line.holds_minor();
    let amount = amount_minor.unwrap_or(left);
    if amount <= 0 || amount > left {
        return Err(Refusal::RefundAbove {
            max: Money::from_minor(left, currency).to_string(),
        }
        .into());
    }
    let kept = rows
        .iter()
        .find(|p| p.id == line.id)
        .cloned()
        .ok_or(Refusal::NothingToRefund)?;
    if kept.method == PaymentMethod::Stripe && gw.is_none() {
        return Err(Refusal::StripeOff.into());
    }
    let money = Money::from_minor(amount, currency);
    if kept.method == PaymentMethod::Stripe {
        // Checked before anything is reserved: an amount Stripe cannot take
        // in this currency is the admin's to change, not Stripe's to refuse.
        to_stripe(money).map_err(|e| Refusal::NotChargeable(e.to_string()))?;
    }
    let now = OffsetDateTime::now_utc();
    let reserved = payment::ActiveModel {
        order_id: Set(o.id),
        method: Set(kept.method),
        amount_minor: Set(-amount),
        currency: Set(o.currency.code().to_owned()),
        provider_reference: Set(None),
        status: Set(PaymentStatus::Refunding),
        staff_id: Set(Some(staff.id)),
        note: Set(Some(reason.to_owned())),
        refund_of: Set(Some(kept.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // The ledger changed: the order's pages (the pay page's cache) follow.
    let mut touched: order::ActiveModel = o.clone().into();
    touched.updated_at = Set(now);
    touched.update(&txn).await?;
    let (PaymentMethod::Stripe, Some(gw)) = (kept.method, gw) else {
        // In store: the money goes back at the till; recorded at once, in
        // the same transaction as its reservation.
        finish_refund_in(&txn, reserved.id, None, Some(&staff.name)).await?;
        txn.commit().await?;
        return Ok(RefundOutcome::Made {
            amount_minor: amount,
        });
    };
    txn.commit().await?;

    let intent_id = kept.provider_reference.clone().unwrap_or_default();
    match gw.refund(&intent_id, Some(money), reserved.id, None).await {
        Ok(refund_id) => {
            match finish_refund(db, reserved.id, Some(refund_id), Some(&staff.name)).await {
                Ok(()) => Ok(RefundOutcome::Made {
                    amount_minor: amount,
                }),
                // Stripe refunded; the row stays `refunding` and the job
                // records it from Stripe's list: never "nothing changed".
                Err(e) => {
                    tracing::error!(error = %e, row = reserved.id, "recording a refund Stripe made; the job will confirm it");
                    Ok(RefundOutcome::Confirming)
                }
            }
        }
        Err(e) if e.outcome_unknown() => {
            tracing::warn!(error = %e, row = reserved.id, "refund sent to Stripe without a clear answer; confirming");
            add_event(
                db,
                o.id,
                EventKind::RefundConfirming,
                &format!(
                    "Refund of {money} sent to Stripe by {}; confirming (Stripe's answer was lost: {e}).",
                    staff.name
                ),
                Some(staff.id),
            )
            .await?;
            Ok(RefundOutcome::Confirming)
        }
        Err(e) => {
            // Stripe answered no: nothing was refunded, so the reservation goes.
            tracing::warn!(error = %e, row = reserved.id, "Stripe refused a refund");
            let why = e.to_string();
            drop_refund(
                db,
                &reserved,
                &format!("Stripe refused the refund of {money} ({why})"),
            )
            .await?;
            Err(Refusal::RefundRefusedByStripe(why).into())
        }
    }
}

/// Records a reserved refund as made, once (see [`finish_refund_in`]).
async fn finish_refund(
    db: &DatabaseConnection,
    row_id: i32,
    stripe_refund: Option<String>,
    by: Option<&str>,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    finish_refund_in(&txn, row_id, stripe_refund, by).await?;
    txn.commit().await
}

/// Records a reserved refund as made, once: the row becomes `refund` with
/// Stripe's refund id, the timeline says so, and once nothing is held and
/// no other refund is still unconfirmed the order becomes `refunded`. A row
/// already finished is left alone (a second process, or the job and a
/// click, got there first).
async fn finish_refund_in(
    txn: &DatabaseTransaction,
    row_id: i32,
    stripe_refund: Option<String>,
    by: Option<&str>,
) -> Result<(), DbErr> {
    let Some(row) = payment::Entity::find_by_id(row_id).one(txn).await? else {
        return Ok(());
    };
    let o = order_by_id_for_update(txn, row.order_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the refunded order".into()))?;
    // Read again under the order's lock: finished once only.
    let Some(row) = payment::Entity::find_by_id(row_id).one(txn).await? else {
        return Ok(());
    };
    if row.status != PaymentStatus::Refunding {
        return Ok(());
    }
    let amount = -row.amount_minor;
    let staff_id = row.staff_id;
    let reason = row.note.clone().unwrap_or_default();
    let mut active: payment::ActiveModel = row.into();
    active.status = Set(PaymentStatus::Refund);
    active.provider_reference = Set(stripe_refund.clone());
    active.updated_at = Set(OffsetDateTime::now_utc());
    active.update(txn).await?;
    // One read of the order's rows: the ledger, and whether another refund
    // is still unconfirmed.
    let rows = payment_rows(txn, o.id).await?;
    let others_unconfirmed = rows.iter().any(|p| p.status == PaymentStatus::Refunding);
    let ledger = ledger_from(&o, &rows);
    let full = ledger.paid_minor == 0 && !others_unconfirmed;
    let how = match &stripe_refund {
        Some(r) => format!("through Stripe ({r})"),
        None => "in store".to_owned(),
    };
    let who = by.map_or_else(String::new, |n| format!(" by {n}"));
    add_event(
        txn,
        o.id,
        EventKind::Refunded,
        &format!(
            "{} {} {how}{who}: {reason}",
            if full {
                "Refunded in full:"
            } else {
                "Partially refunded:"
            },
            Money::from_minor(amount, o.currency)
        ),
        staff_id,
    )
    .await?;
    // The state follows the ledger: a paid order is refunded once nothing
    // is held (and no other refund is unconfirmed); a partially paid one
    // goes back to owing its balance. Touched either way: the pay page and
    // documents show what is paid now.
    let mut next = o.status;
    if full || o.status != OrderStatus::Paid {
        let target = ledger.state_after_refund(o.status);
        if target != o.status {
            let action = OrderAction::RefundInFull;
            match o.status.apply(action, Actor::Admin) {
                Ok(s) if s == target => next = s,
                Ok(_) | Err(_) => {
                    tracing::warn!(status = %o.status, %target, "a refund left the order where the ledger says it cannot be")
                }
            }
        }
    }
    let mut active: order::ActiveModel = o.into();
    active.status = Set(next);
    active.updated_at = Set(OffsetDateTime::now_utc());
    active.update(txn).await?;
    Ok(())
}

/// Settles a `refunding` row whose answer from Stripe was lost: finds the
/// refund Stripe made for it (by the row named in its metadata) and records
/// it; if Stripe's list holds none and the first attempt can no longer be
/// in flight, sends it again (under a fresh key: Stripe replays a saved
/// error for a reused one); if Stripe refuses, the reservation goes and the
/// timeline says nothing was refunded.
pub async fn confirm_refund(
    db: &DatabaseConnection,
    gw: Option<&Gateway>,
    row_id: i32,
) -> Result<Confirmed, DbErr> {
    let Some(row) = payment::Entity::find_by_id(row_id).one(db).await? else {
        return Ok(Confirmed::Recorded);
    };
    if row.status != PaymentStatus::Refunding {
        return Ok(Confirmed::Recorded);
    }
    // The payment it pays back; a reservation from before `refund_of`
    // existed names none: the order's kept payment, as it did then.
    let kept = match row.refund_of {
        Some(id) => payment::Entity::find_by_id(id).one(db).await?,
        None => {
            payment::Entity::find()
                .filter(payment::Column::OrderId.eq(row.order_id))
                .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
                .order_by_desc(payment::Column::Id)
                .one(db)
                .await?
        }
    };
    let Some(kept) = kept else {
        drop_refund(db, &row, "The refund names no payment to pay back").await?;
        return Ok(Confirmed::Dropped);
    };
    if kept.method != PaymentMethod::Stripe {
        finish_refund(db, row.id, None, None).await?;
        return Ok(Confirmed::Recorded);
    }
    let Some(gw) = gw else {
        return Ok(Confirmed::StillUnknown);
    };
    let intent_id = kept.provider_reference.clone().unwrap_or_default();
    let found = match gw.refunds_of(&intent_id).await {
        Ok(list) => list.into_iter().find(|r| r.row == Some(row.id)),
        Err(e) => {
            tracing::info!(error = %e, row = row.id, "cannot ask Stripe about a refund yet");
            return Ok(Confirmed::StillUnknown);
        }
    };
    let o = order::Entity::find_by_id(row.order_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the refunded order".into()))?;
    let money = Money::from_minor(-row.amount_minor, o.currency);
    match found {
        Some(r) if r.status == "failed" || r.status == "canceled" => {
            drop_refund(
                db,
                &row,
                &format!("Stripe could not make the refund of {money} ({})", r.status),
            )
            .await?;
            Ok(Confirmed::Dropped)
        }
        Some(r) => {
            finish_refund(db, row.id, Some(r.id), None).await?;
            Ok(Confirmed::Recorded)
        }
        None if OffsetDateTime::now_utc() - row.updated_at < IN_FLIGHT => {
            Ok(Confirmed::StillUnknown)
        }
        None => {
            // Stripe never saw it: send it again, under a fresh key.
            let attempt = row.updated_at.unix_timestamp_nanos();
            touch(db, row.id).await?;
            match gw
                .refund(&intent_id, Some(money), row.id, Some(attempt))
                .await
            {
                Ok(refund_id) => {
                    finish_refund(db, row.id, Some(refund_id), None).await?;
                    Ok(Confirmed::Recorded)
                }
                Err(e) if e.outcome_unknown() => Ok(Confirmed::StillUnknown),
                Err(e) => {
                    drop_refund(
                        db,
                        &row,
                        &format!("Stripe refused the refund of {money} ({e})"),
                    )
                    .await?;
                    Ok(Confirmed::Dropped)
                }
            }
        }
    }
}

/// Sends a refund reserved without a click (the excess of an online payment
/// beyond the balance) to Stripe now, under its row's idempotency key. An
/// unclear answer leaves the row `refunding`: the payments job confirms it
/// by asking Stripe (`confirm_refund`), never by sending blind.
pub async fn send_reserved(
    db: &DatabaseConnection,
    gw: &Gateway,
    row_id: i32,
) -> Result<(), DbErr> {
    let Some(row) = payment::Entity::find_by_id(row_id).one(db).await? else {
        return Ok(());
    };
    if row.status != PaymentStatus::Refunding {
        return Ok(());
    }
    let kept = match row.refund_of {
        Some(id) => payment::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let Some(kept) = kept else {
        return Ok(());
    };
    let Ok(currency) = Currency::parse(&row.currency) else {
        return Ok(());
    };
    let intent_id = kept.provider_reference.clone().unwrap_or_default();
    let money = Money::from_minor(-row.amount_minor, currency);
    match gw.refund(&intent_id, Some(money), row.id, None).await {
        Ok(refund_id) => finish_refund(db, row.id, Some(refund_id), None).await,
        Err(e) => {
            // Refused or unclear: the job asks Stripe after `IN_FLIGHT` and
            // sends it again or says in the timeline that it could not.
            tracing::warn!(error = %e, row = row.id, "refunding an excess payment; the payments job confirms it");
            Ok(())
        }
    }
}

/// Marks a refund row as sent again now (see `IN_FLIGHT`).
async fn touch(db: &DatabaseConnection, row_id: i32) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    payment::Entity::update_many()
        .col_expr(
            payment::Column::UpdatedAt,
            Expr::value(OffsetDateTime::now_utc()),
        )
        .filter(payment::Column::Id.eq(row_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A reserved refund Stripe did not make: the reservation goes (the money is
/// held again), under the order's lock, and the order is touched so its pages
/// show it. An automatic refund (no staff member asked for it: the excess of
/// an online payment beyond the balance) flags the order, since money above
/// the total is now held and a person must give it back.
async fn drop_refund(
    db: &DatabaseConnection,
    row: &payment::Model,
    why: &str,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let Some(o) = order_by_id_for_update(&txn, row.order_id).await? else {
        return Ok(());
    };
    payment::Entity::delete_by_id(row.id).exec(&txn).await?;
    let mut active: order::ActiveModel = o.clone().into();
    if row.staff_id.is_none() {
        let money = Money::display_stored(-row.amount_minor, &row.currency);
        active.attention = Set(Some(format!(
            "The automatic refund of {money} paid beyond the balance was NOT made ({why}). Refund it in the Stripe dashboard, or from this page."
        )));
    }
    active.updated_at = Set(OffsetDateTime::now_utc());
    active.update(&txn).await?;
    add_event(
        &txn,
        row.order_id,
        EventKind::RefundFailed,
        &format!("{why}: Settle refunded nothing. Try again from this page."),
        None,
    )
    .await?;
    txn.commit().await
}

/// Retries every automatic refund that has not gone through yet. Returns
/// how many went through now.
pub async fn retry_second_payments(db: &DatabaseConnection, gw: &Gateway) -> Result<usize, DbErr> {
    let pending = payment::Entity::find()
        .filter(payment::Column::Status.eq(PaymentStatus::RefundPending))
        .all(db)
        .await?;
    let mut done = 0;
    for p in pending {
        if refund_second_payment(db, gw, p.id).await? {
            done += 1;
        }
    }
    Ok(done)
}

/// Refunds a second payment (`refund_pending`) in full and says so in the
/// timeline. A refund Stripe already made for it (an answer lost earlier)
/// is found and recorded instead of sent again. On failure it stays
/// pending, flagged, and the timeline says what to do.
pub async fn refund_second_payment(
    db: &DatabaseConnection,
    gw: &Gateway,
    payment_id: i32,
) -> Result<bool, DbErr> {
    let Some(p) = payment::Entity::find_by_id(payment_id).one(db).await? else {
        return Ok(false);
    };
    if p.status != PaymentStatus::RefundPending {
        return Ok(false);
    }
    let intent_id = p.provider_reference.clone().unwrap_or_default();
    let order_id = p.order_id;
    let listed = gw.refunds_of(&intent_id).await.ok();
    let earlier = listed.as_ref().and_then(|list| {
        list.iter()
            .find(|r| r.row == Some(p.id))
            .map(|r| r.id.clone())
    });
    // Refunded by someone else (the dashboard, as the timeline suggests
    // when this keeps failing): recorded, not refused by Stripe forever.
    let elsewhere: i64 = listed
        .iter()
        .flatten()
        .filter(|r| r.row.is_none() && r.status != "failed" && r.status != "canceled")
        .map(|r| r.amount)
        .sum();
    let whole = Currency::parse(&p.currency)
        .ok()
        .and_then(|c| to_stripe(Money::from_minor(p.amount_minor, c)).ok());
    if earlier.is_none() && whole.is_some_and(|w| w > 0 && elsewhere >= w) {
        let mut active: payment::ActiveModel = p.into();
        active.status = Set(PaymentStatus::Refunded);
        active.note = Set(Some("Refunded outside Settle (Stripe dashboard)".into()));
        active.updated_at = Set(OffsetDateTime::now_utc());
        active.update(db).await?;
        add_event(
            db,
            order_id,
            EventKind::RefundedOnline,
            &format!("The second payment ({intent_id}) was refunded outside Settle, in Stripe."),
            None,
        )
        .await?;
        counters::automatic_refund(AutoRefund::RefundedElsewhere);
        return Ok(true);
    }
    // A retry goes under a fresh key (Stripe replays a saved error for a
    // reused one), only after Stripe's list showed no refund for this row.
    let attempt = p
        .note
        .is_some()
        .then(|| p.updated_at.unix_timestamp_nanos());
    let result = match earlier {
        Some(id) => Ok(id),
        None => gw.refund(&intent_id, None, p.id, attempt).await,
    };
    match result {
        Ok(refund_id) => {
            let mut active: payment::ActiveModel = p.into();
            active.status = Set(PaymentStatus::Refunded);
            active.note = Set(Some(format!("Refunded automatically ({refund_id})")));
            active.updated_at = Set(OffsetDateTime::now_utc());
            active.update(db).await?;
            add_event(
                db,
                order_id,
                EventKind::RefundedOnline,
                &format!(
                    "The second payment ({intent_id}) was refunded through Stripe ({refund_id})."
                ),
                None,
            )
            .await?;
            counters::automatic_refund(AutoRefund::Refunded);
            Ok(true)
        }
        Err(e) => {
            tracing::error!(error = %e, intent = %intent_id, "automatic refund failed; will retry");
            // Said once in the timeline; the retries that follow stay in the logs.
            if p.note.is_none() {
                add_event(db, order_id, EventKind::RefundFailed, &format!("The automatic refund of {intent_id} failed ({e}). Settle retries it every minute; if it keeps failing, refund it in the Stripe dashboard."), None).await?;
            }
            let mut active: payment::ActiveModel = p.into();
            active.note = Set(Some(format!("Automatic refund failed: {e}")));
            active.updated_at = Set(OffsetDateTime::now_utc());
            active.update(db).await?;
            counters::automatic_refund(AutoRefund::Failed);
            Ok(false)
        }
    }
}
