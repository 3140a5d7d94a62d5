//! An order's ledger as stored: its payment rows, read in one query, and
//! what follows from them (`orders::ledger`). Every screen and document
//! that says what was paid or what is owed reads it here.
use crate::orders::ledger::{DepositPlan, Ledger};
use crate::orders::model::order;
use crate::orders::model::payment::{self, PaymentMethod, PaymentStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// The order's payment rows, oldest first.
pub async fn payment_rows<C: ConnectionTrait>(
    conn: &C,
    order_id: i32,
) -> Result<Vec<payment::Model>, DbErr> {
    payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .order_by_asc(payment::Column::Id)
        .all(conn)
        .await
}

/// The ledger of `o` from its rows: what counts as held (kept payments,
/// refunds made or under way) against the order's total.
pub fn ledger_from(o: &order::Model, rows: &[payment::Model]) -> Ledger {
    Ledger::new(
        o.total_minor,
        rows.iter()
            .filter(|p| p.status.counts_as_held())
            .map(|p| p.amount_minor),
    )
}

/// The ledger of `o` as stored now (read it under the order's lock before
/// moving money).
pub async fn ledger_of<C: ConnectionTrait>(conn: &C, o: &order::Model) -> Result<Ledger, DbErr> {
    Ok(ledger_from(o, &payment_rows(conn, o.id).await?))
}

/// Where the ledger stands: the id of the order's newest payment row (0 for
/// none). Every payment and refund adds a row, so it moves forward as money
/// moves; an intent made at another position is stale.
pub fn ledger_position(rows: &[payment::Model]) -> i64 {
    rows.iter().map(|p| i64::from(p.id)).max().unwrap_or(0)
}

/// What the timeline adds after a payment that leaves a balance:
/// ". Paid so far £8.64, balance due £20.16" (nothing once nothing is owed).
pub fn balance_note(after: &Ledger, currency: crate::domain::Currency) -> String {
    if after.balance_minor() == 0 {
        return String::new();
    }
    let money = |m: i64| crate::domain::Money::from_minor(m, currency).to_string();
    format!(
        ". Paid so far {}, balance due {}",
        money(after.paid_minor),
        money(after.balance_minor())
    )
}

/// The order's deposit and due dates.
pub fn deposit_plan(o: &order::Model) -> DepositPlan {
    DepositPlan {
        deposit_minor: o.deposit_minor,
        deposit_due: o.deposit_due_date,
        balance_due: o.due_date,
    }
}

/// A payment as the order page and the pay page list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentLine {
    pub id: i32,
    pub at: time::OffsetDateTime,
    pub method: PaymentMethod,
    /// The PaymentIntent, terminal slip or note.
    pub reference: String,
    pub amount_minor: i64,
    /// Refunded from it so far (made or under way), positive.
    pub refunded_minor: i64,
    pub status: PaymentStatus,
}

impl PaymentLine {
    /// What this payment still holds: what a refund of it may take back.
    pub fn holds_minor(&self) -> i64 {
        if self.status == PaymentStatus::Succeeded {
            (self.amount_minor - self.refunded_minor).max(0)
        } else {
            0
        }
    }
}

/// The payments (not the refund rows) with what was refunded from each,
/// oldest first. A refund row that names no payment (from before refunds
/// named one) counts against the latest kept payment, as it did then.
pub fn payment_lines(rows: &[payment::Model]) -> Vec<PaymentLine> {
    let mut lines: Vec<PaymentLine> = rows
        .iter()
        .filter(|p| p.amount_minor > 0 && p.refund_of.is_none())
        .map(|p| PaymentLine {
            id: p.id,
            at: p.created_at,
            method: p.method,
            reference: p
                .provider_reference
                .clone()
                .or_else(|| p.note.clone())
                .unwrap_or_default(),
            amount_minor: p.amount_minor,
            refunded_minor: 0,
            status: p.status,
        })
        .collect();
    for r in rows
        .iter()
        .filter(|p| p.amount_minor < 0 && p.status.counts_as_held())
    {
        let target = match r.refund_of {
            Some(id) => lines.iter_mut().find(|l| l.id == id),
            None => lines
                .iter_mut()
                .rev()
                .find(|l| l.status == PaymentStatus::Succeeded),
        };
        if let Some(line) = target {
            line.refunded_minor += -r.amount_minor;
        }
    }
    lines
}
