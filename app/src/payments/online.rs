//! Online payment: the PaymentIntent behind an order's pay page, and what
//! happens when Stripe says an intent succeeded or failed. Whatever the order
//! of events, an order is paid once; a second payment is refunded and the
//! order flagged for staff.
use super::gateway::{Gateway, GatewayError};
use super::{intent, model as payment};
use crate::domain::{Email, Money};
use crate::orders::model::order;
use crate::orders::service::{add_event, paid_line, queue_receipt};
use crate::orders::{Actor, OrderAction, OrderStatus};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, Set, TransactionTrait,
};
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum OnlineError {
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What the pay page hands Stripe.js.
#[derive(Debug, Clone)]
pub struct PayIntent {
    pub intent_id: String,
    pub client_secret: String,
}

const CLOSED: [&str; 2] = ["succeeded", "canceled"];

/// The order's open PaymentIntent for its current total, made on first need
/// and reused on every reload (no Stripe call then). An open intent for
/// another amount is cancelled and replaced.
pub async fn ensure_intent(
    db: &DatabaseConnection,
    gw: &Gateway,
    o: &order::Model,
) -> Result<PayIntent, OnlineError> {
    let rows = intent::Entity::find()
        .filter(intent::Column::OrderId.eq(o.id))
        .all(db)
        .await?;
    if let Some(open) = rows.iter().find(|r| {
        r.amount_minor == o.total_minor
            && r.currency == o.currency
            && !CLOSED.contains(&r.status.as_str())
    }) {
        return Ok(PayIntent {
            intent_id: open.intent_id.clone(),
            client_secret: open.client_secret.clone(),
        });
    }
    for stale in rows.iter().filter(|r| !CLOSED.contains(&r.status.as_str())) {
        // The amount changed: the old intent must not be payable any more.
        gw.cancel_intent(&stale.intent_id).await?;
        set_intent_status(db, &stale.intent_id, "canceled").await?;
    }
    // A cancelled intent for this same amount gives way to a new one.
    intent::Entity::delete_many()
        .filter(intent::Column::OrderId.eq(o.id))
        .filter(intent::Column::AmountMinor.eq(o.total_minor))
        .filter(intent::Column::Currency.eq(o.currency.clone()))
        .filter(intent::Column::Status.eq("canceled"))
        .exec(db)
        .await?;
    let created = gw
        .create_intent(o.id, o.number, o.total_minor, &o.currency)
        .await?;
    let client_secret = created.client_secret.clone().unwrap_or_default();
    let now = OffsetDateTime::now_utc();
    let inserted = intent::ActiveModel {
        order_id: Set(o.id),
        intent_id: Set(created.id.to_string()),
        amount_minor: Set(o.total_minor),
        currency: Set(o.currency.clone()),
        client_secret: Set(client_secret.clone()),
        status: Set(created.status.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(row) => Ok(PayIntent {
            intent_id: row.intent_id,
            client_secret: row.client_secret,
        }),
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            // Another view made one at the same moment: use it, and withdraw ours
            // (with real Stripe the idempotency key makes them the same intent).
            let winner = intent::Entity::find()
                .filter(intent::Column::OrderId.eq(o.id))
                .filter(intent::Column::AmountMinor.eq(o.total_minor))
                .one(db)
                .await?
                .ok_or(e)?;
            if winner.intent_id != created.id.as_str() {
                if let Err(err) = gw.cancel_intent(created.id.as_str()).await {
                    tracing::warn!(error = %err, "withdrawing a duplicate PaymentIntent");
                }
            }
            Ok(PayIntent {
                intent_id: winner.intent_id,
                client_secret: winner.client_secret,
            })
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn set_intent_status<C: ConnectionTrait>(
    conn: &C,
    intent_id: &str,
    status: &str,
) -> Result<(), DbErr> {
    intent::Entity::update_many()
        .col_expr(
            intent::Column::Status,
            sea_orm::sea_query::Expr::value(status),
        )
        .col_expr(
            intent::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(OffsetDateTime::now_utc()),
        )
        .filter(intent::Column::IntentId.eq(intent_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Stripe's ids are a few dozen characters; the columns that hold them
/// (`stripe_events.id`, `stripe_intents.intent_id`) take 255.
pub const MAX_STRIPE_ID_CHARS: usize = 255;

/// What Settle needs to know about an intent Stripe reported on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentFacts {
    pub id: String,
    pub amount_minor: i64,
    pub currency: String,
    /// From our metadata, when the intent carries it.
    pub order_id: Option<i32>,
    pub failure: Option<String>,
}

impl IntentFacts {
    pub fn of(pi: &stripe_core::PaymentIntent) -> IntentFacts {
        IntentFacts {
            id: pi.id.to_string(),
            amount_minor: pi.amount,
            currency: pi.currency.to_string().to_ascii_uppercase(),
            order_id: pi.metadata.get("order_id").and_then(|v| v.parse().ok()),
            failure: pi
                .last_payment_error
                .as_ref()
                .and_then(|e| e.message.clone()),
        }
    }

    /// What Stripe can send: an id of at most `MAX_STRIPE_ID_CHARS`, a
    /// three-letter currency and an amount that is not negative. Anything
    /// else is refused before it reaches a column it does not fit.
    pub fn plausible(&self) -> bool {
        !self.id.is_empty()
            && self.id.chars().count() <= MAX_STRIPE_ID_CHARS
            && self.currency.len() == 3
            && self.currency.bytes().all(|b| b.is_ascii_alphabetic())
            && self.amount_minor >= 0
    }
}

/// How a succeeded intent was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// The order is now paid.
    Paid { order_id: i32 },
    /// Already recorded (a replay, or the return page got there first).
    Duplicate,
    /// The order was already paid (in store) or closed: this payment is kept
    /// on record and must be refunded.
    NeedsRefund { order_id: i32, payment_id: i32 },
    /// Amount or currency differ from the order: recorded, flagged, not paid.
    Mismatch { order_id: i32 },
    /// No order of ours: acknowledged and logged.
    UnknownOrder,
}

async fn order_of(
    txn: &DatabaseTransaction,
    facts: &IntentFacts,
) -> Result<Option<order::Model>, DbErr> {
    use sea_orm::QuerySelect;
    let by_intent = intent::Entity::find()
        .filter(intent::Column::IntentId.eq(facts.id.clone()))
        .one(txn)
        .await?
        .map(|r| r.order_id);
    let Some(order_id) = by_intent.or(facts.order_id) else {
        return Ok(None);
    };
    let mut query = order::Entity::find_by_id(order_id);
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    query.one(txn).await
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
    let Some(o) = order_of(&txn, facts).await? else {
        tracing::warn!(intent = %facts.id, "a succeeded PaymentIntent for no order of ours");
        return Ok(Recorded::UnknownOrder);
    };
    let already = payment::Entity::find()
        .filter(payment::Column::ProviderReference.eq(facts.id.clone()))
        .one(&txn)
        .await?;
    if already.is_some() {
        return Ok(Recorded::Duplicate);
    }
    let status = OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Pending);
    let matches =
        facts.amount_minor == o.total_minor && facts.currency.eq_ignore_ascii_case(&o.currency);
    let outcome_status = if !matches {
        "flagged"
    } else if status.is_payable() {
        "succeeded"
    } else {
        "refund_pending"
    };
    let now = OffsetDateTime::now_utc();
    let inserted = payment::ActiveModel {
        order_id: Set(o.id),
        method: Set("stripe".into()),
        amount_minor: Set(facts.amount_minor),
        currency: Set(facts.currency.clone()),
        provider_reference: Set(Some(facts.id.clone())),
        status: Set(outcome_status.into()),
        staff_id: Set(None),
        note: Set(None),
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
    set_intent_status(&txn, &facts.id, "succeeded").await?;
    let money = Money::display_stored;
    let paid = money(facts.amount_minor, &facts.currency);
    let recorded = match outcome_status {
        "flagged" => {
            let why = format!(
                "An online payment of {paid} ({}) does not match the order total of {}: it was recorded but the order is not marked paid. Check it in Stripe.",
                facts.id,
                money(o.total_minor, &o.currency)
            );
            flag(&txn, &o, &why).await?;
            Recorded::Mismatch { order_id: o.id }
        }
        "succeeded" => {
            let next = status
                .apply(OrderAction::PaymentSucceeded, Actor::Stripe)
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            let mut active: order::ActiveModel = o.clone().into();
            active.status = Set(next.as_str().to_owned());
            active.paid_at = Set(Some(now));
            active.updated_at = Set(now);
            let o = active.update(&txn).await?;
            add_event(
                &txn,
                o.id,
                "paid_online",
                &format!("Paid online by card: {paid} ({})", facts.id),
                None,
            )
            .await?;
            if let Some(to) = o
                .billing_email
                .as_deref()
                .and_then(|e| Email::parse(e).ok())
            {
                let store = crate::settings::ssr::model::Entity::find_by_id(
                    crate::settings::ssr::model::SINGLETON_ID,
                )
                .one(&txn)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound("store_settings".into()))?;
                queue_receipt(
                    &txn,
                    &store,
                    &o,
                    &to,
                    public_url,
                    paid_line(now, "Card online", &paid),
                )
                .await
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            }
            Recorded::Paid { order_id: o.id }
        }
        _ => {
            let why = format!(
                "Paid twice: an online payment of {paid} ({}) succeeded after the order was {}. It is being refunded automatically.",
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
    Ok(recorded)
}

async fn flag(txn: &DatabaseTransaction, o: &order::Model, why: &str) -> Result<(), DbErr> {
    let mut active: order::ActiveModel = o.clone().into();
    active.attention = Set(Some(why.to_owned()));
    active.updated_at = Set(OffsetDateTime::now_utc());
    active.update(txn).await?;
    add_event(txn, o.id, "flagged", why, None).await
}

/// Refunds a payment recorded as `refund_pending` and says so in the timeline.
/// On failure it stays pending, flagged, and the timeline says what to do.
pub async fn refund_pending(
    db: &DatabaseConnection,
    gw: &Gateway,
    order_id: i32,
    payment_id: i32,
) -> Result<bool, DbErr> {
    let Some(p) = payment::Entity::find_by_id(payment_id).one(db).await? else {
        return Ok(false);
    };
    if p.status != "refund_pending" {
        return Ok(false);
    }
    let intent_id = p.provider_reference.clone().unwrap_or_default();
    match gw.refund_intent(&intent_id, p.id).await {
        Ok(refund_id) => {
            let mut active: payment::ActiveModel = p.into();
            active.status = Set("refunded".into());
            active.note = Set(Some(format!("Refunded automatically ({refund_id})")));
            active.updated_at = Set(OffsetDateTime::now_utc());
            active.update(db).await?;
            add_event(
                db,
                order_id,
                "refunded_online",
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
                add_event(db, order_id, "refund_failed", &format!("The automatic refund of {intent_id} failed ({e}). Settle retries it every minute; if it keeps failing, refund it in the Stripe dashboard."), None).await?;
                let mut active: payment::ActiveModel = p.into();
                active.note = Set(Some(format!("Automatic refund failed: {e}")));
                active.updated_at = Set(OffsetDateTime::now_utc());
                active.update(db).await?;
            }
            Ok(false)
        }
    }
}

/// Stripe says an attempt failed: a payable order becomes `failed` (still
/// payable); a paid, cancelled or refunded order is left as it is.
pub async fn record_failure(db: &DatabaseConnection, facts: &IntentFacts) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let Some(o) = order_of(&txn, facts).await? else {
        return Ok(false);
    };
    set_intent_status(&txn, &facts.id, "requires_payment_method").await?;
    let status = OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Pending);
    let Ok(next) = status.apply(OrderAction::PaymentFailed, Actor::Stripe) else {
        txn.commit().await?;
        return Ok(false);
    };
    let mut active: order::ActiveModel = o.clone().into();
    active.status = Set(next.as_str().to_owned());
    active.updated_at = Set(OffsetDateTime::now_utc());
    active.update(&txn).await?;
    let reason = facts
        .failure
        .clone()
        .unwrap_or_else(|| "no reason given".into());
    add_event(
        &txn,
        o.id,
        "payment_failed",
        &format!("An online payment attempt failed: {reason}"),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// After an in-store settlement: every open intent of the order is cancelled
/// at Stripe so the pay page can no longer take money. An intent that already
/// succeeded will arrive by webhook and be refunded.
pub async fn cancel_open_intents(
    db: &DatabaseConnection,
    gw: &Gateway,
    order_id: i32,
) -> Result<(), DbErr> {
    let open = intent::Entity::find()
        .filter(intent::Column::OrderId.eq(order_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| !CLOSED.contains(&r.status.as_str()));
    for r in open {
        match gw.cancel_intent(&r.intent_id).await {
            Ok(_) => set_intent_status(db, &r.intent_id, "canceled").await?,
            Err(e) => {
                tracing::warn!(error = %e, intent = %r.intent_id, "cancelling an open PaymentIntent after an in-store payment");
                // It may have succeeded meanwhile: ask, so the page is truthful.
                if let Ok(pi) = gw.retrieve_intent(&r.intent_id).await {
                    set_intent_status(db, &r.intent_id, pi.status.as_str()).await?;
                }
            }
        }
    }
    Ok(())
}

/// An open intent that Stripe says is mid-payment (processing, or waiting for
/// the customer's bank): the order page warns before money is taken in store.
pub async fn payment_in_progress(
    db: &DatabaseConnection,
    gw: &Gateway,
    order_id: i32,
) -> Result<bool, DbErr> {
    let open: Vec<intent::Model> = intent::Entity::find()
        .filter(intent::Column::OrderId.eq(order_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| !CLOSED.contains(&r.status.as_str()))
        .collect();
    for r in open {
        if let Ok(pi) = gw.retrieve_intent(&r.intent_id).await {
            let s = pi.status.as_str().to_owned();
            if s != r.status {
                set_intent_status(db, &r.intent_id, &s).await?;
            }
            if s == "processing" || s == "requires_action" || s == "requires_capture" {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Retries every automatic refund that has not gone through yet (run every
/// minute while Stripe is configured). Returns how many went through now.
pub async fn retry_pending_refunds(db: &DatabaseConnection, gw: &Gateway) -> Result<usize, DbErr> {
    let pending = payment::Entity::find()
        .filter(payment::Column::Status.eq("refund_pending"))
        .all(db)
        .await?;
    let mut done = 0;
    for p in pending {
        if refund_pending(db, gw, p.order_id, p.id).await? {
            done += 1;
        }
    }
    Ok(done)
}
