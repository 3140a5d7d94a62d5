//! The PaymentIntents Settle creates: one per order and amount, made on the
//! pay page's first need and reused on every reload; closed when the order
//! stops being payable.
use super::gateway::{Gateway, GatewayError};
use super::intent::{self, IntentStatus};
use crate::domain::Money;
use crate::orders::model::order;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use time::{Duration, OffsetDateTime};

#[derive(Debug, thiserror::Error)]
pub enum IntentError {
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    #[error(transparent)]
    Db(#[from] DbErr),
    /// Paid, cancelled or changed since the page read it: no intent.
    #[error("the order is no longer payable as read")]
    NotPayable,
}

/// What the pay page hands Stripe.js.
#[derive(Debug, Clone)]
pub struct PayIntent {
    pub intent_id: String,
    pub client_secret: String,
}

/// How long after an intent is made reconciliation first asks Stripe about
/// it, should no webhook have closed it by then.
pub const FIRST_CHECK_AFTER: Duration = Duration::minutes(10);

/// The order's open PaymentIntent for its current total, made on first need
/// and reused on every reload (no Stripe call then). An open intent for
/// another amount is cancelled and replaced. `seen` is the order as the
/// page read it (perhaps through the read pool): it is read again through
/// the writer, and no intent is made unless it is still payable for the
/// same total.
pub async fn ensure_intent(
    db: &DatabaseConnection,
    gw: &Gateway,
    seen: &order::Model,
) -> Result<PayIntent, IntentError> {
    let o = order::Entity::find_by_id(seen.id)
        .one(db)
        .await?
        .ok_or(IntentError::NotPayable)?;
    let payable = o.status.is_payable();
    if !payable || o.total_minor != seen.total_minor || o.currency != seen.currency {
        return Err(IntentError::NotPayable);
    }
    let rows = intent::Entity::find()
        .filter(intent::Column::OrderId.eq(o.id))
        .all(db)
        .await?;
    if let Some(open) = rows
        .iter()
        .find(|r| r.amount_minor == o.total_minor && r.currency == o.currency && r.status.is_open())
    {
        return Ok(PayIntent {
            intent_id: open.intent_id.clone(),
            client_secret: open.client_secret.clone(),
        });
    }
    for stale in rows.iter().filter(|r| r.status.is_open()) {
        // The amount changed: the old intent must not be payable any more.
        gw.cancel_intent(&stale.intent_id).await?;
        set_intent_status(db, &stale.intent_id, IntentStatus::Canceled).await?;
    }
    // A cancelled intent for this same amount gives way to a new one.
    intent::Entity::delete_many()
        .filter(intent::Column::OrderId.eq(o.id))
        .filter(intent::Column::AmountMinor.eq(o.total_minor))
        .filter(intent::Column::Currency.eq(o.currency.clone()))
        .filter(intent::Column::Status.eq(IntentStatus::Canceled))
        .exec(db)
        .await?;
    let created = gw
        .create_intent(o.id, o.number, Money::from_minor(o.total_minor, o.currency))
        .await?;
    let client_secret = created.client_secret.clone().unwrap_or_default();
    let now = OffsetDateTime::now_utc();
    let inserted = intent::ActiveModel {
        order_id: Set(o.id),
        intent_id: Set(created.id.to_string()),
        amount_minor: Set(o.total_minor),
        currency: Set(o.currency),
        client_secret: Set(client_secret.clone()),
        status: Set(IntentStatus::from_stripe(created.status.as_str())),
        next_check_at: Set(Some(now + FIRST_CHECK_AFTER)),
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

/// Records the status Stripe reported for one of our intents. A cancelled
/// intent needs no more reconciliation; one seen `succeeded` here (not by
/// [`mark_recorded`]) is due for reconciliation at once, so its payment is
/// recorded even if no webhook ever comes.
pub async fn set_intent_status<C: ConnectionTrait>(
    conn: &C,
    intent_id: &str,
    status: IntentStatus,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    let now = OffsetDateTime::now_utc();
    let mut update = intent::Entity::update_many()
        .col_expr(intent::Column::Status, Expr::value(status))
        .col_expr(intent::Column::UpdatedAt, Expr::value(now));
    match status {
        IntentStatus::Canceled => {
            update = update.col_expr(
                intent::Column::NextCheckAt,
                Expr::value(Option::<OffsetDateTime>::None),
            )
        }
        IntentStatus::Succeeded => {
            update = update.col_expr(intent::Column::NextCheckAt, Expr::value(Some(now)))
        }
        _ => {}
    }
    update
        .filter(intent::Column::IntentId.eq(intent_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The intent's payment is recorded: succeeded, nothing left to reconcile.
pub async fn mark_recorded<C: ConnectionTrait>(conn: &C, intent_id: &str) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    intent::Entity::update_many()
        .col_expr(intent::Column::Status, Expr::value(IntentStatus::Succeeded))
        .col_expr(
            intent::Column::UpdatedAt,
            Expr::value(OffsetDateTime::now_utc()),
        )
        .col_expr(
            intent::Column::NextCheckAt,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(intent::Column::IntentId.eq(intent_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Asks reconciliation to look at an intent again at `at` (the return page
/// saw it processing; Stripe did not answer).
pub async fn check_again<C: ConnectionTrait>(
    conn: &C,
    intent_id: &str,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    intent::Entity::update_many()
        .col_expr(intent::Column::NextCheckAt, Expr::value(Some(at)))
        .filter(intent::Column::IntentId.eq(intent_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Once an order is no longer payable (settled in store, cancelled): every
/// open intent of it is cancelled at Stripe so the pay page can no longer
/// take money. An intent that succeeded meanwhile arrives by webhook or
/// reconciliation and is refunded.
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
        .filter(|r| r.status.is_open());
    for r in open {
        match gw.cancel_intent(&r.intent_id).await {
            Ok(_) => set_intent_status(db, &r.intent_id, IntentStatus::Canceled).await?,
            Err(e) => {
                tracing::warn!(error = %e, intent = %r.intent_id, order_id, "cancelling an open PaymentIntent of an order no longer payable");
                // It may have succeeded meanwhile: ask, so the page is truthful.
                if let Ok(pi) = gw.retrieve_intent(&r.intent_id).await {
                    set_intent_status(
                        db,
                        &r.intent_id,
                        IntentStatus::from_stripe(pi.status.as_str()),
                    )
                    .await?;
                }
            }
        }
    }
    Ok(())
}

/// What Stripe says about an order's open intents, asked before money is
/// taken in store and when staff open the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnlineNow {
    Nothing,
    /// Mid-payment (processing, or waiting for the customer's bank).
    InProgress,
    /// The customer has paid online; the payment is now recorded.
    Paid,
}

/// Asks Stripe about the order's open intents. A payment that succeeded is
/// recorded there and then (exactly as the webhook would), so a lost
/// webhook can never let the till take the money a second time.
pub async fn online_now(
    db: &DatabaseConnection,
    gw: &Gateway,
    public_url: &str,
    order_id: i32,
) -> Result<OnlineNow, DbErr> {
    use super::record::{record_success, IntentFacts, Recorded};
    let open: Vec<intent::Model> = intent::Entity::find()
        .filter(intent::Column::OrderId.eq(order_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.status.is_open())
        .collect();
    let mut now = OnlineNow::Nothing;
    for r in open {
        let Ok(pi) = gw.retrieve_intent(&r.intent_id).await else {
            continue;
        };
        let facts = IntentFacts::of(&pi);
        match facts.status {
            IntentStatus::Succeeded => match record_success(db, public_url, &facts).await? {
                Recorded::NeedsRefund { payment_id, .. } => {
                    super::refunds::refund_second_payment(db, gw, payment_id).await?;
                }
                Recorded::Foreign => {}
                _ => now = OnlineNow::Paid,
            },
            s => {
                if s != r.status {
                    set_intent_status(db, &r.intent_id, s).await?;
                }
                if s.in_progress() && now == OnlineNow::Nothing {
                    now = OnlineNow::InProgress;
                }
            }
        }
    }
    Ok(now)
}
