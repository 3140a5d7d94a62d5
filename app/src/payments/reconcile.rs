//! The payments job: what the webhook alone cannot guarantee. Every minute
//! (and at once when woken, e.g. after an order is cancelled) it
//! - asks Stripe about our intents still open a while after the customer
//!   was sent to pay (or that the return page saw processing), so a lost
//!   webhook never leaves a charged customer with an unpaid order;
//! - cancels the open intents of orders no longer payable;
//! - retries automatic refunds of second payments, and confirms refunds
//!   whose answer from Stripe was lost.
use super::gateway::Gateway;
use super::intent::{self, IntentStatus};
use super::intents::{cancel_open_intents, check_again, mark_recorded, set_intent_status};
use super::model::{self as payment, PaymentStatus};
use super::record::{record_failure, record_success, IntentFacts, Recorded};
use super::refunds::{
    confirm_refund, refund_second_payment, retry_second_payments, Confirmed, IN_FLIGHT,
};
use crate::orders::model::order;
use crate::orders::OrderStatus;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// At most this many of each kind per pass: a pass stays short, the next
/// one takes the rest.
const BATCH: u64 = 100;

/// What one pass did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    pub intents_checked: usize,
    pub payments_recorded: usize,
    pub intents_cancelled: usize,
    pub refunds_settled: usize,
}

/// How long until an open intent is asked about again: as long as it has
/// existed, between 10 minutes and a day (a payment is usually decided in
/// minutes; some banks take days).
fn backoff(age: Duration) -> Duration {
    age.clamp(Duration::minutes(10), Duration::days(1))
}

/// One pass of the job as of `now`.
pub async fn run_once(
    db: &DatabaseConnection,
    gw: &Gateway,
    public_url: &str,
    now: OffsetDateTime,
) -> Result<Pass, DbErr> {
    let mut pass = Pass::default();

    let due = intent::Entity::find()
        .filter(intent::Column::NextCheckAt.lte(now))
        .order_by_asc(intent::Column::NextCheckAt)
        .limit(BATCH)
        .all(db)
        .await?;
    for row in due {
        pass.intents_checked += 1;
        // One intent's trouble never stops the pass: logged, asked again later.
        match check_intent(db, gw, public_url, now, &row).await {
            Ok(recorded) => pass.payments_recorded += usize::from(recorded),
            Err(e) => {
                tracing::error!(error = %e, intent = %row.intent_id, "reconciling an intent; trying again in 5 minutes");
                check_again(db, &row.intent_id, now + Duration::minutes(5)).await?;
            }
        }
    }

    // Open intents of orders that are no longer payable.
    let mut open_orders = Query::select();
    open_orders
        .column(intent::Column::OrderId)
        .from(intent::Entity)
        .and_where(
            intent::Column::Status.is_not_in([IntentStatus::Succeeded, IntentStatus::Canceled]),
        );
    let closed: Vec<i32> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::Id.in_subquery(open_orders))
        .filter(
            order::Column::Status.is_not_in(
                OrderStatus::ALL
                    .into_iter()
                    .filter(|s| s.is_payable())
                    .map(OrderStatus::as_str),
            ),
        )
        .limit(BATCH)
        .into_tuple()
        .all(db)
        .await?;
    for order_id in closed {
        match cancel_open_intents(db, gw, order_id).await {
            Ok(()) => pass.intents_cancelled += 1,
            Err(e) => {
                tracing::error!(error = %e, order_id, "cancelling the intents of a closed order")
            }
        }
    }

    pass.refunds_settled += retry_second_payments(db, gw).await?;
    let confirming = payment::Entity::find()
        .filter(payment::Column::Status.eq(PaymentStatus::Refunding))
        .filter(payment::Column::UpdatedAt.lte(now - IN_FLIGHT))
        .limit(BATCH)
        .all(db)
        .await?;
    for p in confirming {
        match confirm_refund(db, Some(gw), p.id).await {
            Ok(Confirmed::StillUnknown) => {}
            Ok(_) => pass.refunds_settled += 1,
            Err(e) => tracing::error!(error = %e, row = p.id, "confirming a refund"),
        }
    }
    Ok(pass)
}

/// Asks Stripe about one of our open intents and records what it says.
/// Returns whether a payment was recorded.
async fn check_intent(
    db: &DatabaseConnection,
    gw: &Gateway,
    public_url: &str,
    now: OffsetDateTime,
    row: &intent::Model,
) -> Result<bool, DbErr> {
    let pi = match gw.retrieve_intent(&row.intent_id).await {
        Ok(pi) => pi,
        Err(e) => {
            tracing::info!(error = %e, intent = %row.intent_id, "reconciliation could not ask Stripe; later");
            check_again(db, &row.intent_id, now + Duration::minutes(5)).await?;
            return Ok(false);
        }
    };
    let facts = IntentFacts::of(&pi);
    match facts.status {
        IntentStatus::Succeeded => match record_success(db, public_url, &facts).await? {
            Recorded::Paid {
                order_id,
                excess_refund,
            } => {
                tracing::warn!(intent = %row.intent_id, order_id, "a payment no webhook reported was found by reconciliation and recorded");
                super::intents::after_online_payment(db, gw, order_id, excess_refund).await?;
                Ok(true)
            }
            Recorded::NeedsRefund { payment_id, .. } => {
                refund_second_payment(db, gw, payment_id).await?;
                Ok(true)
            }
            Recorded::Mismatch { .. } => Ok(true),
            Recorded::Duplicate | Recorded::Foreign => {
                mark_recorded(db, &row.intent_id).await?;
                Ok(false)
            }
        },
        IntentStatus::Canceled => {
            set_intent_status(db, &row.intent_id, IntentStatus::Canceled).await?;
            Ok(false)
        }
        status => {
            // A failed attempt the webhook did not report marks a pending
            // order failed, once: not again at every later check while the
            // intent waits for another card.
            if status == IntentStatus::RequiresPaymentMethod && facts.failure.is_some() {
                let pending = order::Entity::find_by_id(row.order_id)
                    .one(db)
                    .await?
                    .is_some_and(|o| o.status == OrderStatus::Pending);
                if pending {
                    record_failure(db, &facts).await?;
                }
            }
            set_intent_status(db, &row.intent_id, status).await?;
            check_again(db, &row.intent_id, now + backoff(now - row.created_at)).await?;
            Ok(false)
        }
    }
}

/// Runs the job every minute, and at once when `wake` is notified.
pub fn spawn(
    db: DatabaseConnection,
    gw: Arc<Gateway>,
    public_url: Arc<str>,
    wake: Arc<tokio::sync::Notify>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_once(&db, &gw, &public_url, OffsetDateTime::now_utc()).await {
                Ok(pass) if pass != Pass::default() => {
                    tracing::info!(?pass, "payments reconciliation pass")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "payments reconciliation pass failed"),
            }
            let _ = tokio::time::timeout(std::time::Duration::from_secs(60), wake.notified()).await;
        }
    })
}
