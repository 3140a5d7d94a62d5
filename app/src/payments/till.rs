//! Taking payment in store: the cashier's **Take payment** on an invoice's
//! page (the whole balance or a part of it), or a POS sale paid at once. One
//! transaction records the payment, moves the order to paid or partially
//! paid as its ledger says, and queues the receipt; an invoice's open
//! PaymentIntents are cancelled after (they were for the old balance).
use super::model::{self as payment, PaymentMethod, PaymentStatus};
use crate::counters::{self, PaymentOutcome};
use crate::domain::{Email, Money};
use crate::orders::create::{CreatedOrder, FieldError, NewOrderRequest, PaymentChoice};
use crate::orders::ledger::Ledger;
use crate::orders::model::event::EventKind;
use crate::orders::model::order;
use crate::orders::service::{
    actor_of, add_event, balance_note, create_in, ledger_from, order_and_status, paid_line,
    payment_rows, queue_receipt, CreateOrderError, Intent, OnlineCheck, OrderActionError,
};
use crate::orders::{OrderAction, OrderStatus, Refusal};
use crate::staff::StaffView;
use sea_orm::{ActiveModelTrait, DatabaseConnection, DatabaseTransaction, Set, TransactionTrait};
use time::OffsetDateTime;

/// What the cashier entered in the order page's **Take payment** form.
#[derive(Debug, Clone)]
pub struct InStorePayment {
    /// Cash, card terminal or other (never Stripe).
    pub method: PaymentMethod,
    /// How much is paid now; `None` is the whole balance due.
    pub amount_minor: Option<i64>,
    /// Cash handed over, when the cashier typed it (the change is worked out).
    pub tendered_minor: Option<i64>,
    /// A terminal slip number or what "Other" was.
    pub reference: String,
    /// With online payment on: what Stripe can charge. A part payment must
    /// leave a balance the pay page can take (Stripe has minimums and, in
    /// some currencies, steps); the whole balance is always fine.
    pub online: Option<OnlineCheck>,
}

/// What taking payment at the till did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    pub order_id: i32,
    /// Paid, or partially paid when a balance is left.
    pub status: OrderStatus,
    pub change_minor: Option<i64>,
}

/// Takes payment for an invoice at the till: its whole balance, or part of it.
pub async fn settle_in_store(
    db: &DatabaseConnection,
    staff: &StaffView,
    public_url: &str,
    number: i64,
    pay: InStorePayment,
) -> Result<Settled, OrderActionError> {
    let txn = db.begin().await?;
    let (o, _) = order_and_status(&txn, number).await?;
    let (o, change) = record_in_store(&txn, staff, public_url, o, &pay).await?;
    txn.commit().await?;
    counters::payment(pay.method, PaymentOutcome::Succeeded);
    Ok(Settled {
        order_id: o.id,
        status: o.status,
        change_minor: change,
    })
}

/// A sale at the POS paid at once (cash, card terminal, other): the order
/// and its payment in one transaction, so a sale is never half recorded.
/// An email invoice is the order alone.
///
/// The cash tendered is taken for Cash only: the till sends it with no other
/// method, so one given with a card or an invoice means the screen and the
/// server disagree on how the customer pays, and guessing would record a
/// change nobody handed back. Short of the total, the sale is refused (field
/// `tendered`) and nothing is saved.
pub async fn sell(
    db: &DatabaseConnection,
    staff: &StaffView,
    public_url: &str,
    req: NewOrderRequest,
    online: Option<OnlineCheck>,
) -> Result<CreatedOrder, CreateOrderError> {
    let method = in_store_method(req.payment);
    let tendered_minor = req.tendered_minor;
    match tendered_minor {
        Some(_) if method != Some(PaymentMethod::Cash) => {
            return Err(tendered_refused(
                "Cash tendered is only for a cash payment: choose Cash, or clear it.",
            ))
        }
        Some(t) if t < 0 => return Err(tendered_refused("The cash tendered cannot be negative.")),
        _ => {}
    }
    let txn = db.begin().await?;
    let (mut created, o) = create_in(&txn, staff, public_url, req, Intent::Order, online).await?;
    if let Some(method) = method {
        // With a deposit, the deposit is what is taken now; the rest is owed.
        let pay = InStorePayment {
            method,
            amount_minor: o.deposit_minor,
            tendered_minor,
            reference: String::new(),
            online,
        };
        let (paid, change) = record_in_store(&txn, staff, public_url, o, &pay)
            .await
            .map_err(|e| match e {
                OrderActionError::Database(e) => CreateOrderError::Database(e),
                OrderActionError::Render(r) => CreateOrderError::Render(r),
                // Dropping the transaction rolls the order back too.
                OrderActionError::Refused(r @ Refusal::TenderedShort { .. }) => {
                    tendered_refused(&r.to_string())
                }
                other => CreateOrderError::Invalid(vec![FieldError {
                    field: "cart".into(),
                    message: other.to_string(),
                }]),
            })?;
        created.status = paid.status.as_str().to_owned();
        created.change_minor = change;
    }
    txn.commit().await?;
    // Counted once committed: a refused sale rolled back above.
    if let Some(method) = method {
        counters::payment(method, PaymentOutcome::Succeeded);
    }
    Ok(created)
}

fn tendered_refused(message: &str) -> CreateOrderError {
    CreateOrderError::Invalid(vec![FieldError {
        field: "tendered".into(),
        message: message.to_owned(),
    }])
}

/// Records an in-store payment for `o` (locked by the caller): the amount
/// asked for (the whole balance when none), checked against the ledger
/// (at least one minor unit, at most the balance). The order becomes paid
/// when nothing is owed after it, partially paid otherwise; the receipt says
/// what was paid, what has been paid so far and what is still due. In the
/// caller's transaction. Returns the order as saved and the change due.
async fn record_in_store(
    txn: &DatabaseTransaction,
    staff: &StaffView,
    public_url: &str,
    o: order::Model,
    pay: &InStorePayment,
) -> Result<(order::Model, Option<i64>), OrderActionError> {
    if pay.method == PaymentMethod::Stripe {
        return Err(Refusal::MethodMissing.into());
    }
    let reference = pay.reference.trim();
    if reference.chars().count() > 200 || reference.chars().any(char::is_control) {
        return Err(Refusal::ReferenceTooLong.into());
    }
    let currency = o.currency;
    let money = |m: i64| Money::from_minor(m, currency).to_string();
    let rows = payment_rows(txn, o.id).await?;
    // A refund sent to Stripe whose answer is not in yet may still fail and
    // be held again: until then what is owed is not known.
    if rows.iter().any(|p| p.status == PaymentStatus::Refunding) {
        return Err(Refusal::RefundConfirming.into());
    }
    let ledger = ledger_from(&o, &rows);
    if !o.status.is_payable() {
        return Err(
            Refusal::illegal(o.status, OrderAction::SettledInStore, actor_of(staff)).into(),
        );
    }
    let amount = ledger
        .check_payment(pay.amount_minor.unwrap_or(ledger.balance_minor()))
        .map_err(|_| Refusal::PaymentAmount {
            balance: money(ledger.balance_minor()),
        })?;
    let after = Ledger::new(o.total_minor, [ledger.paid_minor, amount]);
    if let (Some(check), true) = (pay.online, after.balance_minor() > 0) {
        let left = Money::from_minor(after.balance_minor(), currency);
        check(left).map_err(|why| {
            Refusal::NotChargeable(format!(
                "After this payment {left} would be left, which cannot be paid online ({why}). Take a different amount, or the whole balance."
            ))
        })?;
    }
    let action = if after.balance_minor() == 0 {
        OrderAction::SettledInStore
    } else {
        OrderAction::PartPaid
    };
    let next = o
        .status
        .apply(action, actor_of(staff))
        .map_err(Refusal::Illegal)?;
    let change = match pay.tendered_minor {
        Some(t) if t < amount => {
            return Err(Refusal::TenderedShort {
                tendered: money(t),
                total: money(amount),
            }
            .into())
        }
        Some(t) => Some(t - amount),
        None => None,
    };
    let now = OffsetDateTime::now_utc();
    payment::ActiveModel {
        order_id: Set(o.id),
        method: Set(pay.method),
        amount_minor: Set(amount),
        currency: Set(o.currency.code().to_owned()),
        provider_reference: Set(None),
        status: Set(PaymentStatus::Succeeded),
        staff_id: Set(Some(staff.id)),
        note: Set((!reference.is_empty()).then(|| reference.to_owned())),
        refund_of: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut message = format!("Paid in store: {} {}", pay.method.label(), money(amount));
    if let (Some(t), Some(c)) = (pay.tendered_minor, change) {
        message.push_str(&format!(" (tendered {}, change {})", money(t), money(c)));
    }
    if !reference.is_empty() {
        message.push_str(&format!(", reference {reference}"));
    }
    message.push_str(&format!(", taken by {}", staff.name));
    message.push_str(&balance_note(&after, currency));
    let mut active: order::ActiveModel = o.into();
    active.status = Set(next);
    if next == OrderStatus::Paid {
        active.paid_at = Set(Some(now));
    }
    active.updated_at = Set(now);
    let o = active.update(txn).await?;
    add_event(txn, o.id, EventKind::PaidInStore, &message, Some(staff.id)).await?;
    if let Some(to) = o
        .billing_email
        .as_deref()
        .and_then(|e| Email::parse(e).ok())
    {
        let store = crate::settings::ssr::store(txn).await?;
        let zone = crate::domain::StoreZone::stored(&store.time_zone);
        let line = paid_line(&zone, &o, now, pay.method, amount);
        queue_receipt(txn, &store, &o, &to, public_url, line).await?;
    }
    Ok((o, change))
}

/// The payment method of a POS payment choice paid at once.
fn in_store_method(choice: PaymentChoice) -> Option<PaymentMethod> {
    match choice {
        PaymentChoice::EmailInvoice => None,
        PaymentChoice::Cash => Some(PaymentMethod::Cash),
        PaymentChoice::CardTerminal => Some(PaymentMethod::CardTerminal),
        PaymentChoice::Other => Some(PaymentMethod::Other),
    }
}
