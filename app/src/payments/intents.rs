//! The PaymentIntents Settle creates: one per order and amount, made on the
//! pay page's first need and reused on every reload; closed when the order
//! stops being payable.
use super::gateway::{Gateway, GatewayError};
use super::intent::{self, IntentStatus};
use crate::domain::Money;
use crate::orders::ledger::{DepositPlan, Ledger};
use crate::orders::model::order;
use crate::orders::model::payment::PaymentStatus;
use crate::orders::service::{deposit_plan, ledger_from, ledger_position, payment_rows};
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

/// What the pay page hands Stripe.js, and the amount it charges (the page's
/// button says this amount, never one read separately).
#[derive(Debug, Clone)]
pub struct PayIntent {
    pub intent_id: String,
    pub client_secret: String,
    pub amount_minor: i64,
}

/// How long after an intent is made reconciliation first asks Stripe about
/// it, should no webhook have closed it by then.
pub const FIRST_CHECK_AFTER: Duration = Duration::minutes(10);

/// What the customer chose to pay on the pay page. The server turns it into
/// an amount from the order's ledger; an amount never comes from the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PayChoice {
    /// What is owed next: the deposit while it is not covered, else the balance.
    #[default]
    Next,
    /// The whole balance at once.
    Balance,
}

impl PayChoice {
    /// The amount the choice stands for now (0 when nothing is owed).
    pub fn amount(self, ledger: &Ledger, plan: &DepositPlan) -> i64 {
        match self {
            PayChoice::Next => ledger.next_due(plan).amount_minor(),
            PayChoice::Balance => ledger.balance_minor(),
        }
    }
}

/// The order's open PaymentIntent for what `choice` asks now, made on first
/// need and reused on every reload (no Stripe call then). An intent is for
/// one amount at one position of the ledger (what had been paid when it was
/// made): open intents made before another payment, or for an amount that
/// is neither the next amount due nor the balance, are cancelled first, so a
/// customer can only pay what is owed now. `seen` is the order as the page
/// read it (perhaps through the read pool): it is read again through the
/// writer, and no intent is made unless it is still payable for the same
/// total.
pub async fn ensure_intent(
    db: &DatabaseConnection,
    gw: &Gateway,
    seen: &order::Model,
    choice: PayChoice,
) -> Result<PayIntent, IntentError> {
    let o = order::Entity::find_by_id(seen.id)
        .one(db)
        .await?
        .ok_or(IntentError::NotPayable)?;
    let payable = o.status.is_payable();
    if !payable || o.total_minor != seen.total_minor || o.currency != seen.currency {
        return Err(IntentError::NotPayable);
    }
    let rows = payment_rows(db, o.id).await?;
    // A refund whose answer from Stripe is not in yet may still fail: until
    // it is settled the balance is not known, so nothing is charged.
    if rows.iter().any(|p| p.status == PaymentStatus::Refunding) {
        return Err(IntentError::NotPayable);
    }
    let ledger = ledger_from(&o, &rows);
    let plan = deposit_plan(&o);
    let amount = choice.amount(&ledger, &plan);
    if amount <= 0 {
        return Err(IntentError::NotPayable);
    }
    let position = ledger_position(&rows);
    let wanted = [
        PayChoice::Next.amount(&ledger, &plan),
        PayChoice::Balance.amount(&ledger, &plan),
    ];
    let intents = intent::Entity::find()
        .filter(intent::Column::OrderId.eq(o.id))
        .all(db)
        .await?;
    let current = |r: &intent::Model| r.ledger_position == position && r.currency == o.currency;
    if let Some(open) = intents
        .iter()
        .find(|r| current(r) && r.amount_minor == amount && r.status.is_open())
    {
        return Ok(PayIntent {
            intent_id: open.intent_id.clone(),
            client_secret: open.client_secret.clone(),
            amount_minor: open.amount_minor,
        });
    }
    for stale in intents
        .iter()
        .filter(|r| r.status.is_open() && !(current(r) && wanted.contains(&r.amount_minor)))
    {
        // Paid for in part since, or for an amount no longer owed: it must
        // not take money any more.
        gw.cancel_intent(&stale.intent_id).await?;
        set_intent_status(db, &stale.intent_id, IntentStatus::Canceled).await?;
    }
    // A cancelled intent for this same amount and position gives way to a new one.
    intent::Entity::delete_many()
        .filter(intent::Column::OrderId.eq(o.id))
        .filter(intent::Column::LedgerPosition.eq(position))
        .filter(intent::Column::AmountMinor.eq(amount))
        .filter(intent::Column::Currency.eq(o.currency.clone()))
        .filter(intent::Column::Status.eq(IntentStatus::Canceled))
        .exec(db)
        .await?;
    let created = gw
        .create_intent(o.id, o.number, Money::from_minor(amount, o.currency))
        .await?;
    let client_secret = created.client_secret.clone().unwrap_or_default();
    let now = OffsetDateTime::now_utc();
    let inserted = intent::ActiveModel {
        order_id: Set(o.id),
        intent_id: Set(created.id.to_string()),
        amount_minor: Set(amount),
        ledger_position: Set(position),
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
            amount_minor: row.amount_minor,
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
                .filter(intent::Column::LedgerPosition.eq(position))
                .filter(intent::Column::AmountMinor.eq(amount))
                .one(db)
                .await?
                .ok_or(e)?;
            if winner.intent_id != created.id.as_str() {
                if let Err(err) = gw.cancel_intent(created.id.as_str()).await {
                    tracing::warn!(error = %err, "withdrawing a duplicate PaymentIntent");
                }
            }
            // Only an intent that can still take money is handed out.
            if !winner.status.is_open() {
                return Err(IntentError::NotPayable);
            }
            Ok(PayIntent {
                intent_id: winner.intent_id,
                client_secret: winner.client_secret,
                amount_minor: winner.amount_minor,
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// After a payment that left a balance: the order's open intents made
/// before it are stale (they were for the old balance) and are cancelled,
/// so the pay page cannot take the old amount again.
pub async fn cancel_stale_intents(
    db: &DatabaseConnection,
    gw: &Gateway,
    order_id: i32,
) -> Result<(), DbErr> {
    let Some(o) = order::Entity::find_by_id(order_id).one(db).await? else {
        return Ok(());
    };
    if !o.status.is_payable() {
        return cancel_open_intents(db, gw, order_id).await;
    }
    let position = ledger_position(&payment_rows(db, o.id).await?);
    cancel_intents(db, gw, order_id, |r| r.ledger_position != position).await
}

/// After an online payment was recorded: the excess beyond the balance (if
/// any) goes back, and the order's intents for the old balance stop taking
/// money. What the webhook, the return page and reconciliation do next.
pub async fn after_online_payment(
    db: &DatabaseConnection,
    gw: &Gateway,
    order_id: i32,
    excess_refund: Option<i32>,
) -> Result<(), DbErr> {
    // Both are tried whatever the other did; the first error is returned.
    let refunded = match excess_refund {
        Some(row) => super::refunds::send_reserved(db, gw, row).await,
        None => Ok(()),
    };
    let cancelled = cancel_stale_intents(db, gw, order_id).await;
    refunded.and(cancelled)
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
    cancel_intents(db, gw, order_id, |_| true).await
}

/// Cancels at Stripe each open intent of the order that `which` picks, and
/// records it. One Stripe refuses to cancel may have succeeded meanwhile: it
/// is asked about, so the pay page is truthful (a payment it took arrives by
/// webhook or reconciliation).
async fn cancel_intents(
    db: &DatabaseConnection,
    gw: &Gateway,
    order_id: i32,
    which: impl Fn(&intent::Model) -> bool,
) -> Result<(), DbErr> {
    let open = intent::Entity::find()
        .filter(intent::Column::OrderId.eq(order_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.status.is_open() && which(r));
    for r in open {
        match gw.cancel_intent(&r.intent_id).await {
            Ok(_) => set_intent_status(db, &r.intent_id, IntentStatus::Canceled).await?,
            Err(e) => {
                tracing::warn!(error = %e, intent = %r.intent_id, order_id, "cancelling a PaymentIntent that must not take money any more");
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
                Recorded::Paid {
                    excess_refund: Some(row),
                    ..
                } => {
                    super::refunds::send_reserved(db, gw, row).await?;
                    now = OnlineNow::Paid;
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
