//! Creating an order: one transaction writes the order, its lines, taxes,
//! adjustments, timeline and (for an email invoice) the outbox row. A sale
//! paid at once adds its payment in the same transaction (`payments::till`).
//! Either all of it is saved or none of it.
use super::document::queue_invoice;
use super::timeline::add_event;
use crate::catalog::model as product;
use crate::customers::model as customer;
use crate::domain::{Currency, Email, Money, Quantity, StoreZone};
use crate::orders::create::{CreatedOrder, FieldError, NewOrderRequest, PaymentChoice};
use crate::orders::ledger::Deposit;
use crate::orders::model::event::EventKind;
use crate::orders::model::{adjustment, item, order, tax};
use crate::orders::{
    compute_totals, Discount, FeeInput, LineInput, OrderKey, OrderStatus, TaxMode, TaxRate,
    TotalsError,
};
use crate::settings::ssr::tax_rate;
use crate::staff::StaffView;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, Set, Statement, TransactionTrait,
};
use std::collections::HashMap;
use time::{Date, OffsetDateTime};

#[derive(Debug, thiserror::Error)]
pub enum CreateOrderError {
    #[error("the order has errors")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("rendering the invoice failed: {0}")]
    Render(String),
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> CreateOrderError {
    CreateOrderError::Invalid(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }])
}

/// At most this many lines and fees: a POS cart, not a bulk loader.
const MAX_LINES: usize = 500;
const MAX_FEES: usize = 20;
const MAX_NOTE_CHARS: usize = 2000;

/// What a new order becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// As the cart's payment choice says: an invoice, or an in-store sale.
    Order,
    /// A quote: priced and kept, nothing sent or paid until converted.
    Quote,
}

/// Whether an amount can be paid online, and why not: given by the caller
/// when online payment is on (the payments room knows the processor's
/// rules; orders only asks), so an invoice the pay page could never charge
/// is refused when it is made, not discovered by the customer.
pub type OnlineCheck = fn(Money) -> Result<(), String>;

/// An email invoice (for a sale paid at once, see `payments::till::sell`,
/// which records the payment in the same transaction).
pub async fn create_order(
    db: &DatabaseConnection,
    staff: &StaffView,
    public_url: &str,
    req: NewOrderRequest,
) -> Result<CreatedOrder, CreateOrderError> {
    create(db, staff, public_url, req, Intent::Order, None).await
}

/// [`create_order`], refusing an invoice whose total cannot be paid online
/// when `online` says so.
pub async fn create_order_checked(
    db: &DatabaseConnection,
    staff: &StaffView,
    public_url: &str,
    req: NewOrderRequest,
    online: Option<OnlineCheck>,
) -> Result<CreatedOrder, CreateOrderError> {
    create(db, staff, public_url, req, Intent::Order, online).await
}

/// Saves the cart as a quote (see [`convert_quote`]).
pub async fn create_quote(
    db: &DatabaseConnection,
    staff: &StaffView,
    req: NewOrderRequest,
) -> Result<CreatedOrder, CreateOrderError> {
    create(db, staff, "", req, Intent::Quote, None).await
}

async fn create(
    db: &DatabaseConnection,
    staff: &StaffView,
    public_url: &str,
    req: NewOrderRequest,
    intent: Intent,
    online: Option<OnlineCheck>,
) -> Result<CreatedOrder, CreateOrderError> {
    let txn = db.begin().await?;
    let (created, _) = create_in(&txn, staff, public_url, req, intent, online).await?;
    txn.commit().await?;
    Ok(created)
}

/// Creates the order inside the caller's transaction and returns it as
/// saved. For an in-store payment choice the order is left `pending` with
/// nothing queued: the caller records the payment in the same transaction.
pub async fn create_in(
    txn: &DatabaseTransaction,
    staff: &StaffView,
    public_url: &str,
    req: NewOrderRequest,
    intent: Intent,
    online: Option<OnlineCheck>,
) -> Result<(CreatedOrder, order::Model), CreateOrderError> {
    let quote = intent == Intent::Quote;
    let mut errors = Vec::new();
    if req.lines.is_empty() {
        errors.push(FieldError {
            field: "cart".into(),
            message: "Add at least one product.".into(),
        });
    }
    if req.lines.len() > MAX_LINES {
        errors.push(FieldError {
            field: "cart".into(),
            message: format!("An order can have at most {MAX_LINES} lines.").into(),
        });
    }
    let mut quantities: Vec<(i32, Quantity)> = Vec::new();
    for line in &req.lines {
        match Quantity::new(line.quantity) {
            Ok(q) => quantities.push((line.product_id, q)),
            Err(e) => errors.push(FieldError {
                field: format!("line:{}", line.product_id),
                message: capitalise(&e.to_string()),
            }),
        }
    }
    if req.fees.len() > MAX_FEES {
        errors.push(FieldError {
            field: "cart".into(),
            message: format!("An order can have at most {MAX_FEES} fees."),
        });
    }
    for (i, fee) in req.fees.iter().enumerate() {
        let label = fee.label.trim();
        if label.is_empty() || label.chars().count() > 100 || label.chars().any(char::is_control) {
            errors.push(FieldError {
                field: format!("fee:{i}"),
                message: "Give the fee a name (at most 100 characters).".into(),
            });
        }
        if fee.amount_minor < 0 {
            errors.push(FieldError {
                field: format!("fee:{i}"),
                message: "A fee cannot be negative.".into(),
            });
        }
    }
    let discount = req.discount().unwrap_or_else(|e| {
        errors.push(FieldError {
            field: "discount".into(),
            message: capitalise(&e.to_string()),
        });
        Discount::None
    });
    let deposit = req.deposit().unwrap_or_else(|e| {
        errors.push(FieldError {
            field: "deposit".into(),
            message: capitalise(&e.to_string()),
        });
        Deposit::None
    });
    let typed_deposit_due = match req.deposit_due.trim() {
        "" => None,
        s => match Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")) {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError {
                    field: "deposit_due".into(),
                    message: "Enter the deposit's due date as YYYY-MM-DD.".into(),
                });
                None
            }
        },
    };
    let note = req.note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.push(FieldError {
            field: "note".into(),
            message: format!("The note can be at most {MAX_NOTE_CHARS} characters."),
        });
    } else if note
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        // PostgreSQL refuses NUL in text: say so here rather than fail the save.
        errors.push(FieldError {
            field: "note".into(),
            message: "The note cannot contain control characters.".into(),
        });
    }
    let typed_email = match req.invoice_email.trim() {
        "" => None,
        s => match Email::parse(s) {
            Ok(e) => Some(e),
            Err(e) => {
                errors.push(FieldError {
                    field: "invoice_email".into(),
                    message: capitalise(&e.to_string()),
                });
                None
            }
        },
    };
    let typed_due = match req.due_date.trim() {
        "" => None,
        s => match Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")) {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError {
                    field: "due_date".into(),
                    message: "Enter the due date as YYYY-MM-DD.".into(),
                });
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(CreateOrderError::Invalid(errors));
    }

    let store = crate::settings::ssr::store(txn).await?;
    let currency = Currency::parse(&store.currency).map_err(|e| DbErr::Custom(e.to_string()))?;

    let buyer = match req.customer_id {
        Some(id) => Some(
            customer::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| invalid("customer", "That customer no longer exists."))?,
        ),
        None => None,
    };
    let recipient: Option<Email> = typed_email
        .clone()
        .or_else(|| buyer.as_ref().and_then(|c| Email::parse(&c.email).ok()));
    if !quote && req.payment == PaymentChoice::EmailInvoice && recipient.is_none() {
        return Err(invalid(
            "invoice_email",
            "Enter the email address the invoice goes to.",
        ));
    }

    // Products, in the cart's order, with their tax rates.
    let ids: Vec<i32> = quantities.iter().map(|(id, _)| *id).collect();
    let products: HashMap<i32, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(ids.clone()))
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let rates: HashMap<i32, tax_rate::Model> = tax_rate::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for (id, qty) in &quantities {
        match products.get(id) {
            None => errors.push(FieldError {
                field: format!("line:{id}"),
                message: "This product no longer exists.".into(),
            }),
            Some(p) if !p.active => errors.push(FieldError {
                field: format!("line:{id}"),
                message: format!("{} is no longer sold.", p.name),
            }),
            Some(p)
                if p.tax_rate_id
                    .and_then(|r| rates.get(&r))
                    .is_some_and(|r| r.retired_at.is_some()) =>
            {
                // Charging a rate the owner retired would be wrong; guessing
                // another would be too.
                errors.push(FieldError {
                    field: format!("line:{id}"),
                    message: format!(
                        "{} uses a retired tax rate: an admin must choose its current rate in Products.",
                        p.name
                    ),
                })
            }
            Some(p) => {
                let tax =
                    p.tax_rate_id
                        .and_then(|r| rates.get(&r))
                        .map_or_else(TaxRate::none, |r| TaxRate {
                            label: r.name.clone(),
                            rate_ppm: u32::try_from(r.rate_ppm).unwrap_or(0),
                        });
                lines.push((
                    p,
                    LineInput {
                        unit_price_minor: p.price_minor,
                        quantity: *qty,
                        tax,
                    },
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(CreateOrderError::Invalid(errors));
    }
    let fee_inputs: Vec<FeeInput> = req
        .fees
        .iter()
        .map(|f| FeeInput {
            amount_minor: f.amount_minor,
            tax: TaxRate::none(),
        })
        .collect();
    let line_inputs: Vec<LineInput> = lines.iter().map(|(_, l)| l.clone()).collect();
    let mode = TaxMode::from_inclusive(store.prices_include_tax);
    // A percentage is worked out here, from the server's own prices.
    let totals =
        compute_totals(currency, mode, &line_inputs, &fee_inputs, discount).map_err(|e| {
            let field = match e {
                TotalsError::DiscountExceedsSubtotal { .. }
                | TotalsError::NegativeDiscount
                | TotalsError::DiscountPercentOutOfRange => "discount",
                _ => "cart",
            };
            invalid(field, capitalise(&e.to_string()))
        })?;
    if let Some(shown) = req.expected_total_minor.filter(|t| *t != totals.total) {
        return Err(invalid(
            "cart",
            format!(
                "Prices or taxes changed since this till opened: the total is now {}, not {}. Nothing was saved; reload the page and check the cart.",
                Money::from_minor(totals.total, currency),
                Money::from_minor(shown, currency)
            ),
        ));
    }
    if let (false, PaymentChoice::EmailInvoice, Some(check)) = (quote, req.payment, online) {
        check(Money::from_minor(totals.total, currency)).map_err(|why| invalid("cart", why))?;
    }
    // The deposit from the server's own total (`orders::ledger`).
    let deposit_minor = deposit
        .amount_for(totals.total)
        .map_err(|e| invalid("deposit", capitalise(&e.to_string())))?;
    if let (Some(d), false, PaymentChoice::EmailInvoice, Some(check)) =
        (deposit_minor, quote, req.payment, online)
    {
        // The deposit is paid online on its own: it must be chargeable too.
        check(Money::from_minor(d, currency)).map_err(|why| invalid("deposit", why))?;
    }

    let now = OffsetDateTime::now_utc();
    // The store's date, not UTC's: an invoice made on a Paris evening is due
    // counting from that evening's date.
    let today = StoreZone::stored(&store.time_zone).today(now);
    // An invoice is due by its terms; so is the balance of a sale at the till
    // that took a deposit only.
    let due_date = match req.payment {
        _ if quote => None,
        _ if req.payment == PaymentChoice::EmailInvoice || deposit_minor.is_some() => {
            let days = buyer
                .as_ref()
                .and_then(|c| c.payment_terms_days)
                .unwrap_or(store.default_due_days);
            let due =
                typed_due.unwrap_or(today + time::Duration::days(i64::from(days.clamp(0, 3650))));
            if due < today {
                return Err(invalid("due_date", "The due date cannot be in the past."));
            }
            Some(due)
        }
        _ => None,
    };
    // The deposit is due by its own date (today when none was given): never
    // in the past, never after the balance. At the till it is taken now.
    let deposit_due = match deposit_minor {
        None => None,
        Some(_) if req.payment != PaymentChoice::EmailInvoice && !quote => Some(today),
        Some(_) => Some(
            crate::orders::ledger::check_deposit_due(
                Some(typed_deposit_due.unwrap_or(today)),
                due_date,
                today,
            )
            .map_err(|e| invalid("deposit_due", capitalise(&e.to_string())))?,
        ),
    };

    let number = next_order_number(txn).await?;
    let key = OrderKey::generate();
    let billing_email = match (&buyer, req.save_to_billing) {
        // A registered customer's order keeps their billing email unless told otherwise.
        (Some(c), false) => Some(c.email.clone()),
        _ => recipient.as_ref().map(|e| e.as_str().to_owned()),
    };
    let blank = String::new;
    let o = order::ActiveModel {
        number: Set(number),
        order_key: Set(key),
        customer_id: Set(buyer.as_ref().map(|c| c.id)),
        billing_email: Set(billing_email),
        billing_first_name: Set(buyer.as_ref().map_or_else(blank, |c| c.first_name.clone())),
        billing_last_name: Set(buyer.as_ref().map_or_else(blank, |c| c.last_name.clone())),
        billing_company: Set(buyer.as_ref().map_or_else(blank, |c| c.company.clone())),
        billing_phone: Set(buyer.as_ref().map_or_else(blank, |c| c.phone.clone())),
        billing_address_1: Set(buyer.as_ref().map_or_else(blank, |c| c.address_1.clone())),
        billing_address_2: Set(buyer.as_ref().map_or_else(blank, |c| c.address_2.clone())),
        billing_city: Set(buyer.as_ref().map_or_else(blank, |c| c.city.clone())),
        billing_state: Set(buyer.as_ref().map_or_else(blank, |c| c.state.clone())),
        billing_postcode: Set(buyer.as_ref().map_or_else(blank, |c| c.postcode.clone())),
        billing_country: Set(buyer.as_ref().map_or_else(blank, |c| c.country.clone())),
        currency: Set(currency),
        subtotal_minor: Set(totals.subtotal),
        tax_total_minor: Set(totals.tax_total),
        fee_total_minor: Set(totals.fee_total),
        discount_total_minor: Set(totals.discount),
        total_minor: Set(totals.total),
        status: Set(if quote {
            OrderStatus::Quote
        } else {
            OrderStatus::Pending
        }),
        due_date: Set(due_date),
        deposit_minor: Set(deposit_minor),
        deposit_due_date: Set(deposit_due),
        created_by_staff_id: Set(Some(staff.id)),
        note: Set((!note.is_empty()).then(|| note.to_owned())),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        paid_at: Set(None),
        prices_include_tax: Set(mode.is_inclusive()),
        // A registered customer's language when Settle speaks it; a
        // guest's as the till chose it; else the store's.
        language: Set(match &buyer {
            Some(c) => crate::i18n::Lang::parse(&c.preferred_language),
            None => req.language,
        }
        .unwrap_or(store.language)),
        ..Default::default()
    }
    .insert(txn)
    .await?;

    for (position, ((p, input), line_totals)) in lines.iter().zip(&totals.lines).enumerate() {
        item::ActiveModel {
            order_id: Set(o.id),
            position: Set(position as i32),
            product_id: Set(Some(p.id)),
            sku: Set(p.sku.clone()),
            name: Set(p.name.clone()),
            unit_price_minor: Set(input.unit_price_minor),
            quantity: Set(input.quantity.get() as i32),
            tax_label: Set(input.tax.label.clone()),
            tax_rate_ppm: Set(input.tax.rate_ppm as i32),
            line_subtotal_minor: Set(line_totals.subtotal),
            line_tax_minor: Set(line_totals.tax),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    let mut position = 0;
    for fee in &req.fees {
        adjustment::ActiveModel {
            order_id: Set(o.id),
            position: Set(position),
            kind: Set(adjustment::AdjustmentKind::Fee),
            label: Set(fee.label.trim().to_owned()),
            amount_minor: Set(fee.amount_minor),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        position += 1;
    }
    if totals.discount > 0 {
        adjustment::ActiveModel {
            order_id: Set(o.id),
            position: Set(position),
            kind: Set(adjustment::AdjustmentKind::Discount),
            // "Discount (10%)": the order page, invoice, email and receipt
            // all print this label.
            label: Set(totals.discount_label()),
            amount_minor: Set(totals.discount),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    for t in &totals.taxes {
        tax::ActiveModel {
            order_id: Set(o.id),
            label: Set(t.label.clone()),
            rate_ppm: Set(t.rate_ppm as i32),
            amount_minor: Set(t.amount),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    add_event(
        txn,
        o.id,
        EventKind::Created,
        &{
            let mut what = if quote {
                format!("Quote saved by {}", staff.name)
            } else {
                format!("Order created by {}", staff.name)
            };
            if let Some(d) = deposit_minor {
                what.push_str(&format!(
                    ", with a deposit of {}{}",
                    Money::from_minor(d, currency),
                    deposit_due.map_or_else(String::new, |due| format!(" due by {due}"))
                ));
            }
            what
        },
        Some(staff.id),
    )
    .await?;

    if req.save_to_billing {
        if let (Some(c), Some(email)) = (&buyer, &typed_email) {
            if c.email != email.as_str() {
                let mut active: customer::ActiveModel = c.clone().into();
                active.email = Set(email.as_str().to_owned());
                active.updated_at = Set(now);
                active.update(txn).await.map_err(|e| match e.sql_err() {
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => invalid(
                        "invoice_email",
                        "Another customer already uses this email address.",
                    ),
                    _ => CreateOrderError::Database(e),
                })?;
                add_event(
                    txn,
                    o.id,
                    EventKind::BillingEmailUpdated,
                    &format!("Billing email changed from {} to {}", c.email, email),
                    Some(staff.id),
                )
                .await?;
            }
        }
    }

    let status = match req.payment {
        _ if quote => OrderStatus::Quote,
        // Paid at once: the caller records the payment in this transaction
        // (see `payments::till::sell`); orders only makes the order.
        PaymentChoice::Cash | PaymentChoice::CardTerminal | PaymentChoice::Other => {
            OrderStatus::Pending
        }
        PaymentChoice::EmailInvoice => {
            let to = recipient.ok_or_else(|| {
                invalid(
                    "invoice_email",
                    "Enter the email address the invoice goes to.",
                )
            })?;
            queue_invoice(
                txn,
                &store,
                &o,
                &to,
                public_url,
                Some(staff.id),
                "Invoice queued to",
            )
            .await?;
            OrderStatus::Pending
        }
    };
    let created = CreatedOrder {
        number,
        status: status.as_str().to_owned(),
        total_minor: totals.total,
        currency: currency.code().to_owned(),
        change_minor: None,
    };
    Ok((created, o))
}

/// The counter row is locked by the update until the transaction ends, so two
/// orders never share a number and a rolled-back order gives its number back.
async fn next_order_number(txn: &DatabaseTransaction) -> Result<i64, DbErr> {
    let backend = txn.get_database_backend();
    let row = txn
        .query_one_raw(Statement::from_string(
            backend,
            "UPDATE counters SET value = value + 1 WHERE name = 'order_number' RETURNING value",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("counters.order_number".into()))?;
    row.try_get_by_index::<i64>(0)
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    let mut out = match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}
