//! Money going back: an admin's refund from the order page, and the
//! automatic refund of a second payment. Every refund is a payment row
//! written before Stripe is asked, and Stripe is asked with an idempotency
//! key and metadata naming that row, so a refund is never sent twice: a
//! lost answer leaves the row `refunding` ("confirming"), and
//! [`confirm_refund`] finds it at Stripe later instead of sending another.
use super::gateway::Gateway;
use super::model::{self as payment, PaymentMethod, PaymentStatus};
use crate::domain::Money;
use crate::orders::model::event::EventKind;
use crate::orders::model::order;
use crate::orders::service::{add_event, order_for_update, OrderActionError};
use crate::orders::{Actor, OrderAction, OrderStatus, Refusal};
use crate::staff::{Role, StaffView};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};
use time::OffsetDateTime;

/// What an order holds now: kept payments less refunds made or under way.
pub async fn held<C: ConnectionTrait>(conn: &C, order_id: i32) -> Result<i64, DbErr> {
    let rows = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .all(conn)
        .await?;
    Ok(rows
        .iter()
        .filter(|p| p.status.counts_as_held())
        .map(|p| p.amount_minor)
        .sum())
}

/// How an admin's refund went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// Made (through Stripe, or recorded for an in-store payment).
    Made { amount_minor: i64 },
    /// Sent to Stripe, whose answer was lost: kept as `refunding` and
    /// confirmed by asking Stripe (never sent again under another key).
    Confirming,
    /// An earlier refund whose answer had been lost was found at Stripe and
    /// recorded; no new refund was made.
    EarlierConfirmed,
}

/// A full or partial refund from the order page (admins): through Stripe
/// for an online payment, recorded for one taken in store (the cash or
/// terminal refund happens at the till). A full refund makes the order
/// `refunded`.
pub async fn refund_order(
    db: &DatabaseConnection,
    gw: Option<&Gateway>,
    staff: &StaffView,
    number: i64,
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
    // A refund whose answer was lost is settled before anything new is sent:
    // a second click must never become a second refund.
    let o = order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or(OrderActionError::NotFound(number))?;
    let confirming = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(o.id))
        .filter(payment::Column::Status.eq(PaymentStatus::Refunding))
        .all(db)
        .await?;
    if !confirming.is_empty() {
        let mut all_settled = true;
        for row in confirming {
            all_settled &= confirm_refund(db, gw, row.id).await?;
        }
        return if all_settled {
            Ok(RefundOutcome::EarlierConfirmed)
        } else {
            Err(Refusal::RefundConfirming.into())
        };
    }

    // Checked and reserved under the order's lock, so two clicks cannot
    // refund the same money twice.
    let txn = db.begin().await?;
    let o = order_for_update(&txn, number).await?;
    let status = o.status;
    if status != OrderStatus::Paid {
        return Err(Refusal::illegal(status, OrderAction::RefundInFull, Actor::Admin).into());
    }
    let currency = o.currency;
    let left = held(&txn, o.id).await?;
    let amount = amount_minor.unwrap_or(left);
    if amount <= 0 || amount > left {
        return Err(Refusal::RefundAbove {
            max: Money::from_minor(left, currency).to_string(),
        }
        .into());
    }
    let kept = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(o.id))
        .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
        .order_by_desc(payment::Column::Id)
        .one(&txn)
        .await?
        .ok_or(Refusal::NothingToRefund)?;
    if kept.method == PaymentMethod::Stripe && gw.is_none() {
        return Err(Refusal::StripeOff.into());
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
    txn.commit().await?;

    let (PaymentMethod::Stripe, Some(gw)) = (kept.method, gw) else {
        finish_refund(db, reserved.id, None, Some(&staff.name)).await?;
        return Ok(RefundOutcome::Made {
            amount_minor: amount,
        });
    };
    let intent_id = kept.provider_reference.clone().unwrap_or_default();
    match gw
        .refund(
            &intent_id,
            Some(Money::from_minor(amount, currency)),
            reserved.id,
        )
        .await
    {
        Ok(refund_id) => {
            finish_refund(db, reserved.id, Some(refund_id), Some(&staff.name)).await?;
            Ok(RefundOutcome::Made {
                amount_minor: amount,
            })
        }
        Err(e) if e.outcome_unknown() => {
            tracing::warn!(error = %e, row = reserved.id, "refund sent to Stripe without a clear answer; confirming");
            add_event(
                db,
                o.id,
                EventKind::RefundConfirming,
                &format!(
                    "Refund of {} sent to Stripe by {}; confirming (Stripe's answer was lost: {e}).",
                    Money::from_minor(amount, currency),
                    staff.name
                ),
                Some(staff.id),
            )
            .await?;
            Ok(RefundOutcome::Confirming)
        }
        Err(e) => {
            // Stripe answered no: nothing was refunded, so the reservation goes.
            payment::Entity::delete_by_id(reserved.id).exec(db).await?;
            Err(Refusal::RefundRefusedByStripe(e.to_string()).into())
        }
    }
}

/// Records a reserved refund as made, once: the row becomes `refund` with
/// Stripe's refund id, the timeline says so, and a refund of everything
/// left makes the order `refunded`. A row already finished is left alone
/// (a second process, or the job and a click, got there first).
async fn finish_refund(
    db: &DatabaseConnection,
    row_id: i32,
    stripe_refund: Option<String>,
    by: Option<&str>,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let Some(row) = payment::Entity::find_by_id(row_id).one(&txn).await? else {
        return Ok(());
    };
    let o = {
        use sea_orm::QuerySelect;
        let mut q = order::Entity::find_by_id(row.order_id);
        if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
            q = q.lock_exclusive();
        }
        q.one(&txn)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("the refunded order".into()))?
    };
    // Read again under the order's lock: finished once only.
    let Some(row) = payment::Entity::find_by_id(row_id).one(&txn).await? else {
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
    active.update(&txn).await?;
    let full = held(&txn, o.id).await? == 0;
    let how = match &stripe_refund {
        Some(r) => format!("through Stripe ({r})"),
        None => "in store".to_owned(),
    };
    let who = by.map_or_else(String::new, |n| format!(" by {n}"));
    add_event(
        &txn,
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
    if full {
        match o.status.apply(OrderAction::RefundInFull, Actor::Admin) {
            Ok(next) => {
                let mut active: order::ActiveModel = o.into();
                active.status = Set(next);
                active.updated_at = Set(OffsetDateTime::now_utc());
                active.update(&txn).await?;
            }
            Err(e) => tracing::warn!(error = %e, "a full refund of an order that is not paid"),
        }
    }
    txn.commit().await
}

/// Settles a `refunding` row whose answer from Stripe was lost: finds the
/// refund Stripe made for it (by the row named in its metadata) and records
/// it; if Stripe holds none, sends it again under the same idempotency key;
/// if Stripe refuses, the reservation goes and the timeline says nothing
/// was refunded. Returns whether the row is settled (`false`: Stripe still
/// cannot be asked, try later).
pub async fn confirm_refund(
    db: &DatabaseConnection,
    gw: Option<&Gateway>,
    row_id: i32,
) -> Result<bool, DbErr> {
    let Some(row) = payment::Entity::find_by_id(row_id).one(db).await? else {
        return Ok(true);
    };
    if row.status != PaymentStatus::Refunding {
        return Ok(true);
    }
    let Some(gw) = gw else {
        return Ok(false);
    };
    let Some(kept) = (match row.refund_of {
        Some(id) => payment::Entity::find_by_id(id).one(db).await?,
        None => None,
    }) else {
        tracing::error!(
            row = row.id,
            "a refund under way names no payment; leaving it for staff"
        );
        return Ok(false);
    };
    let intent_id = kept.provider_reference.clone().unwrap_or_default();
    let found = match gw.refunds_of(&intent_id).await {
        Ok(list) => list.into_iter().find(|r| r.row == Some(row.id)),
        Err(e) => {
            tracing::info!(error = %e, row = row.id, "cannot ask Stripe about a refund yet");
            return Ok(false);
        }
    };
    let o = order::Entity::find_by_id(row.order_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the refunded order".into()))?;
    match found {
        Some(r) if r.status == "failed" || r.status == "canceled" => {
            drop_refund(
                db,
                &row,
                &format!("Stripe could not make the refund ({})", r.status),
            )
            .await?;
            Ok(true)
        }
        Some(r) => {
            finish_refund(db, row.id, Some(r.id), None).await?;
            Ok(true)
        }
        None => {
            // Stripe never saw it: send it again under the same key.
            let money = Money::from_minor(-row.amount_minor, o.currency);
            match gw.refund(&intent_id, Some(money), row.id).await {
                Ok(refund_id) => {
                    finish_refund(db, row.id, Some(refund_id), None).await?;
                    Ok(true)
                }
                Err(e) if e.outcome_unknown() => Ok(false),
                Err(e) => {
                    drop_refund(db, &row, &format!("Stripe refused the refund ({e})")).await?;
                    Ok(true)
                }
            }
        }
    }
}

async fn drop_refund(
    db: &DatabaseConnection,
    row: &payment::Model,
    why: &str,
) -> Result<(), DbErr> {
    payment::Entity::delete_by_id(row.id).exec(db).await?;
    add_event(
        db,
        row.order_id,
        EventKind::RefundFailed,
        &format!("{why}: nothing was refunded. Try again from this page."),
        None,
    )
    .await
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
    let earlier = gw
        .refunds_of(&intent_id)
        .await
        .ok()
        .and_then(|list| list.into_iter().find(|r| r.row == Some(p.id)).map(|r| r.id));
    let result = match earlier {
        Some(id) => Ok(id),
        None => gw.refund(&intent_id, None, p.id).await,
    };
    let order_id = p.order_id;
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
            Ok(true)
        }
        Err(e) => {
            tracing::error!(error = %e, intent = %intent_id, "automatic refund failed; will retry");
            // Said once in the timeline; the retries that follow stay in the logs.
            if p.note.is_none() {
                add_event(db, order_id, EventKind::RefundFailed, &format!("The automatic refund of {intent_id} failed ({e}). Settle retries it every minute; if it keeps failing, refund it in the Stripe dashboard."), None).await?;
                let mut active: payment::ActiveModel = p.into();
                active.note = Set(Some(format!("Automatic refund failed: {e}")));
                active.updated_at = Set(OffsetDateTime::now_utc());
                active.update(db).await?;
            }
            Ok(false)
        }
    }
}
