//! What Stripe says about a PaymentIntent, acted on once. The trust rule: an
//! intent is Settle's only if a `stripe_intents` row names it (written before
//! its client secret was handed out). Metadata is never used to find an
//! order: the same Stripe account takes the shop's WooCommerce payments,
//! whose intents carry WooCommerce's own `order_id`.
use super::amount::from_stripe;
use super::intent::{self, IntentStatus};
use super::model::{self as payment, PaymentMethod, PaymentStatus};
use crate::counters::{self, PaymentOutcome};
use crate::domain::{Currency, Email, Money};
use crate::orders::ledger::Ledger;
use crate::orders::model::event::EventKind;
use crate::orders::model::order;
use crate::orders::service::{add_event, balance_note, ledger_of, paid_line, queue_receipt};
use crate::orders::{Actor, OrderAction, OrderStatus};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};
use time::OffsetDateTime;

/// Stripe's ids are a few dozen characters; the columns that hold them
/// (`stripe_events.id`, `stripe_intents.intent_id`) take 255.
pub const MAX_STRIPE_ID_CHARS: usize = 255;

/// What Settle needs to know about an intent Stripe reported on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentFacts {
    pub id: String,
    /// As Stripe wrote it, in Stripe's units.
    pub stripe_amount: i64,
    /// Upper-case ISO code as Stripe sent it.
    pub currency: String,
    pub status: IntentStatus,
    pub failure: Option<String>,
}

impl IntentFacts {
    pub fn of(pi: &stripe_core::PaymentIntent) -> IntentFacts {
        IntentFacts {
            id: pi.id.to_string(),
            stripe_amount: pi.amount,
            currency: pi.currency.to_string().to_ascii_uppercase(),
            status: IntentStatus::from_stripe(pi.status.as_str()),
            failure: pi
                .last_payment_error
                .as_ref()
                .and_then(|e| e.message.clone()),
        }
    }

    /// The amount in Settle's units, when it stands for one exactly.
    pub fn amount(&self) -> Option<Money> {
        from_stripe(self.stripe_amount, Currency::parse(&self.currency).ok()?)
    }

    /// The amount as people read it (Stripe's units when it is not one of ours).
    pub fn display_amount(&self) -> String {
        self.amount().map_or_else(
            || format!("{} {} (Stripe units)", self.stripe_amount, self.currency),
            |m| m.to_string(),
        )
    }

    /// What Stripe can send: an id of at most `MAX_STRIPE_ID_CHARS`, a
    /// three-letter currency and an amount that is not negative. Anything
    /// else is refused before it reaches a column it does not fit.
    pub fn plausible(&self) -> bool {
        !self.id.is_empty()
            && self.id.chars().count() <= MAX_STRIPE_ID_CHARS
            && self.currency.len() == 3
            && self.currency.bytes().all(|b| b.is_ascii_alphabetic())
            && self.stripe_amount >= 0
    }
}

/// How a succeeded intent was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// The payment is recorded: the order is now paid, or partially paid
    /// when a balance is left. `excess_refund` is the refund row reserved for
    /// what it paid beyond the balance (the till took money meanwhile): to
    /// send now (`refunds::send_reserved`); the payments job sends it anyway.
    Paid {
        order_id: i32,
        excess_refund: Option<i32>,
    },
    /// Already recorded (a replay, or the return page got there first).
    Duplicate,
    /// The order was already paid (in store) or closed: this payment is kept
    /// on record and must be refunded.
    NeedsRefund { order_id: i32, payment_id: i32 },
    /// Amount or currency differ from the intent Settle made: recorded,
    /// flagged, not paid.
    Mismatch { order_id: i32 },
    /// Not an intent Settle created: nothing was changed.
    Foreign,
}

/// The order behind one of our intents, locked (PostgreSQL `FOR UPDATE`;
/// SQLite has one writer), with the intent row; `None` for an intent
/// Settle did not create.
async fn ours(
    txn: &DatabaseTransaction,
    intent_id: &str,
) -> Result<Option<(intent::Model, order::Model)>, DbErr> {
    let Some(row) = intent::Entity::find()
        .filter(intent::Column::IntentId.eq(intent_id))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let o = crate::orders::service::order_by_id_for_update(txn, row.order_id).await?;
    Ok(o.map(|o| (row, o)))
}

/// Records a succeeded intent exactly once (the payment row is unique by
/// intent id) and, in the same transaction, marks the order paid and queues
/// the receipt, or flags why it cannot.
pub async fn record_success(
    db: &DatabaseConnection,
    public_url: &str,
    facts: &IntentFacts,
) -> Result<Recorded, DbErr> {
    let txn = db.begin().await?;
    let Some((row, o)) = ours(&txn, &facts.id).await? else {
        return Ok(Recorded::Foreign);
    };
    let already = payment::Entity::find()
        .filter(payment::Column::ProviderReference.eq(facts.id.clone()))
        .one(&txn)
        .await?;
    if already.is_some() {
        return Ok(Recorded::Duplicate);
    }
    let status = o.status;
    let currency = o.currency;
    // Compared in Settle's units with the intent we made (for the deposit,
    // the balance, or the total): an ISK amount off by a factor of 100 is no
    // match.
    let paid = facts.amount();
    let matches =
        paid == Some(Money::from_minor(row.amount_minor, currency)) && row.currency == o.currency;
    let ledger = ledger_of(&txn, &o).await?;
    let taken = ledger.take(row.amount_minor);
    let outcome_status = if !matches {
        PaymentStatus::Flagged
    } else if status.is_payable() && taken.applied_minor > 0 {
        PaymentStatus::Succeeded
    } else {
        PaymentStatus::RefundPending
    };
    let now = OffsetDateTime::now_utc();
    let inserted = payment::ActiveModel {
        order_id: Set(o.id),
        method: Set(PaymentMethod::Stripe),
        // A mismatched amount is kept as Stripe said it, in Stripe's units
        // when it has no exact Settle amount.
        amount_minor: Set(paid.map_or(facts.stripe_amount, |m| m.minor())),
        currency: Set(facts.currency.clone()),
        provider_reference: Set(Some(facts.id.clone())),
        status: Set(outcome_status),
        staff_id: Set(None),
        note: Set(None),
        refund_of: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let p = match inserted {
        Ok(p) => p,
        // A concurrent delivery of the same intent won the insert.
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            return Ok(Recorded::Duplicate)
        }
        Err(e) => return Err(e),
    };
    super::intents::mark_recorded(&txn, &facts.id).await?;
    let shown = facts.display_amount();
    let recorded = match outcome_status {
        PaymentStatus::Flagged => {
            let why = format!(
                "An online payment of {shown} ({}) does not match the {} it was asked for: it was recorded but does not count as paying the order. Check it in Stripe.",
                facts.id,
                Money::from_minor(row.amount_minor, currency)
            );
            flag(&txn, &o, &why).await?;
            Recorded::Mismatch { order_id: o.id }
        }
        PaymentStatus::Succeeded => {
            let after = Ledger::new(o.total_minor, [ledger.paid_minor, taken.applied_minor]);
            let action = if after.balance_minor() == 0 {
                OrderAction::PaymentSucceeded
            } else {
                OrderAction::PartPaid
            };
            let next = status
                .apply(action, Actor::Stripe)
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            let mut active: order::ActiveModel = o.clone().into();
            active.status = Set(next);
            if next == OrderStatus::Paid {
                active.paid_at = Set(Some(now));
            }
            active.updated_at = Set(now);
            let o = active.update(&txn).await?;
            let money = |m: i64| Money::from_minor(m, currency).to_string();
            let what = format!(
                "Paid online by card: {shown} ({}){}",
                facts.id,
                balance_note(&after, currency)
            );
            add_event(&txn, o.id, EventKind::PaidOnline, &what, None).await?;
            // Beyond the balance (the till took money while the customer
            // paid): the excess is reserved as a refund at once, so the
            // ledger never shows more than the total, and sent after commit.
            let excess_refund = if taken.excess_minor > 0 {
                let why = format!(
                    "Paid beyond the balance: an online payment of {shown} ({}) arrived when {} was due. The excess of {} is being refunded automatically.",
                    facts.id,
                    money(ledger.balance_minor()),
                    money(taken.excess_minor)
                );
                flag(&txn, &o, &why).await?;
                let reserved = payment::ActiveModel {
                    order_id: Set(o.id),
                    method: Set(PaymentMethod::Stripe),
                    amount_minor: Set(-taken.excess_minor),
                    currency: Set(facts.currency.clone()),
                    provider_reference: Set(None),
                    status: Set(PaymentStatus::Refunding),
                    staff_id: Set(None),
                    note: Set(Some(
                        "paid beyond the balance, refunded automatically".into(),
                    )),
                    refund_of: Set(Some(p.id)),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                Some(reserved.id)
            } else {
                None
            };
            if let Some(to) = o
                .billing_email
                .as_deref()
                .and_then(|e| Email::parse(e).ok())
            {
                let store = crate::settings::ssr::store(&txn).await?;
                let zone = crate::domain::StoreZone::stored(&store.time_zone);
                let mut line = paid_line(
                    &zone,
                    &o,
                    now,
                    PaymentMethod::Stripe,
                    taken.applied_minor + taken.excess_minor,
                );
                if taken.excess_minor > 0 {
                    line.push_str(&o.language.words().excess_refunding(crate::i18n::money(
                        crate::domain::Money::from_minor(taken.excess_minor, o.currency),
                        o.language,
                    )));
                }
                queue_receipt(&txn, &store, &o, &to, public_url, line)
                    .await
                    .map_err(|e| DbErr::Custom(e.to_string()))?;
            }
            Recorded::Paid {
                order_id: o.id,
                excess_refund,
            }
        }
        _ => {
            let why = format!(
                "Paid twice: an online payment of {shown} ({}) succeeded after the order was {}. It is being refunded automatically.",
                facts.id,
                status.label().to_lowercase()
            );
            flag(&txn, &o, &why).await?;
            Recorded::NeedsRefund {
                order_id: o.id,
                payment_id: p.id,
            }
        }
    };
    txn.commit().await?;
    // Counted once committed: a replay or a lost race returned above.
    let outcome = match recorded {
        Recorded::Paid { .. } => Some(PaymentOutcome::Succeeded),
        Recorded::NeedsRefund { .. } => Some(PaymentOutcome::PaidTwice),
        Recorded::Mismatch { .. } => Some(PaymentOutcome::Flagged),
        Recorded::Duplicate | Recorded::Foreign => None,
    };
    if let Some(outcome) = outcome {
        counters::payment(PaymentMethod::Stripe, outcome);
    }
    Ok(recorded)
}

async fn flag(txn: &DatabaseTransaction, o: &order::Model, why: &str) -> Result<(), DbErr> {
    let mut active: order::ActiveModel = o.clone().into();
    active.attention = Set(Some(why.to_owned()));
    active.updated_at = Set(OffsetDateTime::now_utc());
    active.update(txn).await?;
    add_event(txn, o.id, EventKind::Flagged, why, None).await
}

/// How a failed attempt was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureRecorded {
    /// A payable order is now `failed` (still payable).
    Failed,
    /// The order was paid, cancelled or refunded: left as it is.
    Unchanged,
    /// Not an intent Settle created: nothing was changed.
    Foreign,
}

/// Stripe says an attempt failed: a payable order becomes `failed` (still
/// payable); a paid, cancelled or refunded order is left as it is.
pub async fn record_failure(
    db: &DatabaseConnection,
    facts: &IntentFacts,
) -> Result<FailureRecorded, DbErr> {
    let txn = db.begin().await?;
    let Some((_, o)) = ours(&txn, &facts.id).await? else {
        return Ok(FailureRecorded::Foreign);
    };
    super::intents::set_intent_status(&txn, &facts.id, IntentStatus::RequiresPaymentMethod).await?;
    let status = o.status;
    let Ok(next) = status.apply(OrderAction::PaymentFailed, Actor::Stripe) else {
        txn.commit().await?;
        counters::payment(PaymentMethod::Stripe, PaymentOutcome::Failed);
        return Ok(FailureRecorded::Unchanged);
    };
    let mut active: order::ActiveModel = o.clone().into();
    active.status = Set(next);
    active.updated_at = Set(OffsetDateTime::now_utc());
    active.update(&txn).await?;
    let reason = facts
        .failure
        .clone()
        .unwrap_or_else(|| "no reason given".into());
    add_event(
        &txn,
        o.id,
        EventKind::PaymentFailed,
        &format!("An online payment attempt failed: {reason}"),
        None,
    )
    .await?;
    txn.commit().await?;
    counters::payment(PaymentMethod::Stripe, PaymentOutcome::Failed);
    Ok(FailureRecorded::Failed)
}
