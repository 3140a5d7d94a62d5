//! Taking payment in store: the cashier's **Take payment** on an invoice's
//! page, or a POS sale paid at once. One transaction records the payment,
//! marks the order paid and queues the receipt; an invoice's open
//! PaymentIntents are cancelled after.
use super::model::{self as payment, PaymentMethod, PaymentStatus};
use crate::counters::{self, PaymentOutcome};
use crate::domain::{Email, Money};
use crate::orders::create::{CreatedOrder, FieldError, NewOrderRequest, PaymentChoice};
use crate::orders::model::event::EventKind;
use crate::orders::model::order;
use crate::orders::service::{
    actor_of, add_event, create_in, order_and_status, paid_line, queue_receipt, CreateOrderError,
    Intent, OnlineCheck, OrderActionError,
};
use crate::orders::{OrderAction, Refusal};
use crate::staff::StaffView;
use sea_orm::{ActiveModelTrait, DatabaseConnection, DatabaseTransaction, Set, TransactionTrait};
use time::OffsetDateTime;

/// What the cashier entered in the order page's **Take payment** form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InStorePayment {
    /// Cash, card terminal or other (never Stripe).
    pub method: PaymentMethod,
    /// Cash handed over, when the cashier typed it (the change is worked out).
    pub tendered_minor: Option<i64>,
    /// A terminal slip number or what "Other" was.
    pub reference: String,
}

/// Settles an invoice at the till. Returns the order's id and the change due.
pub async fn settle_in_store(
    db: &DatabaseConnection,
    staff: &StaffView,
    public_url: &str,
    number: i64,
    pay: InStorePayment,
) -> Result<(i32, Option<i64>), OrderActionError> {
    let txn = db.begin().await?;
    let (o, _) = order_and_status(&txn, number).await?;
    let (o, change) = record_in_store(&txn, staff, public_url, o, &pay).await?;
    txn.commit().await?;
    counters::payment(pay.method, PaymentOutcome::Succeeded);
    Ok((o.id, change))
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
        let pay = InStorePayment {
            method,
            tendered_minor,
            reference: String::new(),
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

/// Records an in-store payment of the whole total for `o` (locked by the
/// caller), marks it paid and queues the receipt, in the caller's
/// transaction. Returns the order as saved and the change due.
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
    let next = o
        .status
        .apply(OrderAction::SettledInStore, actor_of(staff))
        .map_err(Refusal::Illegal)?;
    let currency = o.currency;
    let money = |m: i64| Money::from_minor(m, currency).to_string();
    let change = match pay.tendered_minor {
        Some(t) if t < o.total_minor => {
            return Err(Refusal::TenderedShort {
                tendered: money(t),
                total: money(o.total_minor),
            }
            .into())
        }
        Some(t) => Some(t - o.total_minor),
        None => None,
    };
    let now = OffsetDateTime::now_utc();
    payment::ActiveModel {
        order_id: Set(o.id),
        method: Set(pay.method),
        amount_minor: Set(o.total_minor),
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
    let mut message = format!(
        "Paid in store: {} {}",
        pay.method.label(),
        money(o.total_minor)
    );
    if let (Some(t), Some(c)) = (pay.tendered_minor, change) {
        message.push_str(&format!(" (tendered {}, change {})", money(t), money(c)));
    }
    if !reference.is_empty() {
        message.push_str(&format!(", reference {reference}"));
    }
    message.push_str(&format!(", taken by {}", staff.name));
    let mut active: order::ActiveModel = o.into();
    active.status = Set(next);
    active.paid_at = Set(Some(now));
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
        let line = paid_line(&zone, now, pay.method.label(), &money(o.total_minor));
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
