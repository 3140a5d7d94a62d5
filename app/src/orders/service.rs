//! Creating an order: one transaction writes the order, its lines, taxes,
//! adjustments, timeline and (for an email invoice) the outbox row, or, for an
//! in-store sale, the payment. Either all of it is saved or none of it.
use super::create::{CreatedOrder, FieldError, NewOrderRequest, PaymentChoice};
use super::model::{adjustment, event, item, order, tax};
use super::{
    compute_totals, Actor, FeeInput, LineInput, OrderAction, OrderKey, OrderStatus, Refusal,
    TaxRate,
};
use crate::catalog::model as product;
use crate::customers::model as customer;
use crate::domain::{Currency, Email, Money, Quantity};
use crate::email::ssr::{invoice, outbox};
use crate::settings::ssr::{model as settings, tax_rate};
use crate::staff::{Role, StaffView};
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
    if req.discount_minor < 0 {
        errors.push(FieldError {
            field: "discount".into(),
            message: "The discount cannot be negative.".into(),
        });
    }
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
    let totals =
        compute_totals(currency, &line_inputs, &fee_inputs, req.discount_minor).map_err(|e| {
            invalid(
                if matches!(e, super::TotalsError::DiscountExceedsSubtotal { .. }) {
                    "discount"
                } else {
                    "cart"
                },
                capitalise(&e.to_string()),
            )
        })?;
    if let (false, PaymentChoice::EmailInvoice, Some(check)) = (quote, req.payment, online) {
        check(Money::from_minor(totals.total, currency)).map_err(|why| invalid("cart", why))?;
    }

    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let due_date = match req.payment {
        _ if quote => None,
        PaymentChoice::EmailInvoice => {
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
        order_key: Set(key.encode()),
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
        currency: Set(currency.code().to_owned()),
        subtotal_minor: Set(totals.subtotal),
        tax_total_minor: Set(totals.tax_total),
        fee_total_minor: Set(totals.fee_total),
        discount_total_minor: Set(totals.discount),
        total_minor: Set(totals.total),
        status: Set(if quote {
            OrderStatus::Quote
        } else {
            OrderStatus::Pending
        }
        .as_str()
        .to_owned()),
        due_date: Set(due_date),
        created_by_staff_id: Set(Some(staff.id)),
        note: Set((!note.is_empty()).then(|| note.to_owned())),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        paid_at: Set(None),
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
            kind: Set("fee".into()),
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
            kind: Set("discount".into()),
            label: Set("Discount".into()),
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
        "created",
        &if quote {
            format!("Quote saved by {}", staff.name)
        } else {
            format!("Order created by {}", staff.name)
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
                    "billing_email_updated",
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

pub async fn add_event<C: ConnectionTrait>(
    conn: &C,
    order_id: i32,
    kind: &str,
    message: &str,
    staff_id: Option<i32>,
) -> Result<(), DbErr> {
    event::ActiveModel {
        order_id: Set(order_id),
        kind: Set(kind.to_owned()),
        message: Set(message.to_owned()),
        staff_id: Set(staff_id),
        created_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map(|_| ())
}

fn long_date(d: Date) -> String {
    d.format(time::macros::format_description!(
        "[day padding:none] [month repr:long] [year]"
    ))
    .unwrap_or_else(|_| d.to_string())
}

/// An order's stored lines, in their order: items, adjustments (fees and the
/// discount), taxes per rate.
pub async fn order_lines<C: ConnectionTrait>(
    conn: &C,
    order_id: i32,
) -> Result<(Vec<item::Model>, Vec<adjustment::Model>, Vec<tax::Model>), DbErr> {
    use sea_orm::QueryOrder;
    let items = item::Entity::find()
        .filter(item::Column::OrderId.eq(order_id))
        .order_by_asc(item::Column::Position)
        .all(conn)
        .await?;
    let adjustments = adjustment::Entity::find()
        .filter(adjustment::Column::OrderId.eq(order_id))
        .order_by_asc(adjustment::Column::Position)
        .all(conn)
        .await?;
    let taxes = tax::Entity::find()
        .filter(tax::Column::OrderId.eq(order_id))
        .order_by_asc(tax::Column::Id)
        .all(conn)
        .await?;
    Ok((items, adjustments, taxes))
}

/// The customer's pay link: `SETTLE_PUBLIC_URL/pay/{number}?key={key}`.
pub fn pay_url(public_url: &str, o: &order::Model) -> String {
    format!(
        "{}/pay/{}?key={}",
        public_url.trim_end_matches('/'),
        o.number,
        o.order_key
    )
}

/// Renders the invoice from the order as stored: the one path for first
/// sends, resends and previews, so each shows exactly what the order holds.
pub async fn render_invoice<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    o: &order::Model,
    public_url: &str,
) -> Result<invoice::Rendered, CreateOrderError> {
    let data = order_document(conn, store, o, public_url, None).await?;
    invoice::render(&data).map_err(|e| CreateOrderError::Render(e.to_string()))
}

/// Everything an order shows a customer, formatted: the invoice and receipt
/// emails and the pay page all read it, so they never disagree. `receipt` is
/// the "Paid … by …" line once the order is paid.
pub async fn order_document<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    o: &order::Model,
    public_url: &str,
    receipt: Option<String>,
) -> Result<invoice::InvoiceData, CreateOrderError> {
    let currency = Currency::parse(&o.currency).map_err(|e| DbErr::Custom(e.to_string()))?;
    let money = |m: i64| Money::from_minor(m, currency).to_string();
    let (items, adjustments, taxes) = order_lines(conn, o.id).await?;
    let pay_url = pay_url(public_url, o);
    let (subject, heading, intro) = match &receipt {
        None => (
            store
                .invoice_subject
                .replace("{order_number}", &o.number.to_string())
                .replace("{store_name}", &store.name),
            store.invoice_heading.clone(),
            store.invoice_intro.clone(),
        ),
        Some(_) => (
            format!("Receipt for order #{} from {}", o.number, store.name),
            "Thank you for your payment".to_owned(),
            "This is your receipt. Keep it for your records.".to_owned(),
        ),
    };
    Ok(invoice::InvoiceData {
        subject,
        heading,
        intro,
        footer: store.invoice_footer.clone(),
        store_name: store.name.clone(),
        store_email: store.email.clone(),
        store_phone: store.phone.clone(),
        store_address: store.address.clone(),
        logo_url: store.logo_url.clone(),
        brand_color: store.brand_color.clone(),
        accent_color: store.accent_color.clone(),
        number: o.number,
        order_date: long_date(o.created_at.date()),
        due_date: o.due_date.map(long_date),
        lines: items
            .iter()
            .map(|i| invoice::InvoiceLine {
                name: i.name.clone(),
                quantity: u32::try_from(i.quantity).unwrap_or(0),
                unit_price: money(i.unit_price_minor),
                total: money(i.line_subtotal_minor),
            })
            .collect(),
        subtotal: money(o.subtotal_minor),
        discount: adjustments
            .iter()
            .find(|a| a.kind == "discount")
            .map(|a| (a.label.clone(), money(a.amount_minor))),
        fees: adjustments
            .iter()
            .filter(|a| a.kind == "fee")
            .map(|a| (a.label.clone(), money(a.amount_minor)))
            .collect(),
        taxes: taxes
            .iter()
            .map(|t| {
                let label = super::tax_line_label(&t.label, u32::try_from(t.rate_ppm).unwrap_or(0));
                (label, money(t.amount_minor))
            })
            .collect(),
        total: money(o.total_minor),
        pay_url,
        receipt,
        qr: super::qr::order_qr(o.number),
    })
}

/// Writes the invoice to the outbox, with a timeline event.
pub async fn queue_invoice<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    o: &order::Model,
    to: &Email,
    public_url: &str,
    staff_id: Option<i32>,
    event_prefix: &str,
) -> Result<(), CreateOrderError> {
    let rendered = render_invoice(conn, store, o, public_url).await?;
    outbox::enqueue(
        conn,
        outbox::NewMessage {
            order_id: Some(o.id),
            kind: "invoice",
            recipient: to.as_str().to_owned(),
            subject: rendered.subject,
            html_body: rendered.html,
            text_body: rendered.text,
        },
    )
    .await?;
    add_event(
        conn,
        o.id,
        "invoice_queued",
        &format!("{event_prefix} {to}"),
        staff_id,
    )
    .await?;
    Ok(())
}

fn capitalise(s: &str) -> String {
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

#[derive(Debug, thiserror::Error)]
pub enum OrderActionError {
    #[error("There is no order #{0}.")]
    NotFound(i64),
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("rendering the invoice failed: {0}")]
    Render(String),
}

impl From<CreateOrderError> for OrderActionError {
    fn from(e: CreateOrderError) -> Self {
        match e {
            CreateOrderError::Database(d) => OrderActionError::Database(d),
            CreateOrderError::Render(r) => OrderActionError::Render(r),
            CreateOrderError::Invalid(errors) => OrderActionError::Refused(Refusal::Invalid(
                errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
        }
    }
}

pub fn actor_of(staff: &StaffView) -> Actor {
    if staff.role == Role::Admin {
        Actor::Admin
    } else {
        Actor::Cashier
    }
}

/// Loads an order for an action, locking its row on PostgreSQL so that two
/// actions on one order run one after the other (SQLite has one writer).
pub async fn order_for_update(
    txn: &DatabaseTransaction,
    number: i64,
) -> Result<order::Model, OrderActionError> {
    use sea_orm::QuerySelect;
    let mut query = order::Entity::find().filter(order::Column::Number.eq(number));
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    query
        .one(txn)
        .await?
        .ok_or(OrderActionError::NotFound(number))
}

/// The locked order and its status.
pub async fn order_and_status(
    txn: &DatabaseTransaction,
    number: i64,
) -> Result<(order::Model, OrderStatus), OrderActionError> {
    let o = order_for_update(txn, number).await?;
    let status = OrderStatus::parse(&o.status)
        .ok_or_else(|| DbErr::Custom(format!("unknown status {}", o.status)))?;
    Ok((o, status))
}

/// Cancels an unpaid order with a reason; its pay link then says so. The order
/// and its history stay: cancelling is never deleting.
pub async fn cancel_order(
    db: &DatabaseConnection,
    staff: &StaffView,
    number: i64,
    reason: &str,
) -> Result<(), OrderActionError> {
    let reason = reason.trim();
    if reason.is_empty()
        || reason.chars().count() > 500
        || reason.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(Refusal::CancelReasonMissing.into());
    }
    let txn = db.begin().await?;
    let (o, status) = order_and_status(&txn, number).await?;
    let next = status
        .apply(OrderAction::Cancel, actor_of(staff))
        .map_err(Refusal::Illegal)?;
    let id = o.id;
    let mut active: order::ActiveModel = o.into();
    active.status = Set(next.as_str().to_owned());
    active.cancel_reason = Set(Some(reason.to_owned()));
    active.updated_at = Set(OffsetDateTime::now_utc());
    active.update(&txn).await?;
    add_event(
        &txn,
        id,
        "cancelled",
        &format!("Cancelled by {}: {reason}", staff.name),
        Some(staff.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Queues the invoice again, to the order's billing email or a corrected
/// address (which then becomes the order's billing email).
pub async fn resend_invoice(
    db: &DatabaseConnection,
    staff: &StaffView,
    public_url: &str,
    number: i64,
    to: Option<Email>,
) -> Result<Email, OrderActionError> {
    let txn = db.begin().await?;
    let (o, status) = order_and_status(&txn, number).await?;
    if !status.is_payable() {
        return Err(Refusal::NotPayable(status).into());
    }
    let current = o
        .billing_email
        .as_deref()
        .and_then(|e| Email::parse(e).ok());
    let to = match (to, current) {
        (Some(to), _) => to,
        (None, Some(current)) => current,
        (None, None) => {
            return Err(Refusal::EmailMissing.into())
        }
    };
    let o = if o.billing_email.as_deref() != Some(to.as_str()) {
        let previous = o.billing_email.clone().unwrap_or_default();
        let mut active: order::ActiveModel = o.into();
        active.billing_email = Set(Some(to.as_str().to_owned()));
        active.updated_at = Set(OffsetDateTime::now_utc());
        let updated = active.update(&txn).await?;
        add_event(
            &txn,
            updated.id,
            "billing_email_updated",
            &format!("Invoice email corrected from {previous} to {to}"),
            Some(staff.id),
        )
        .await?;
        updated
    } else {
        o
    };
    let store = crate::settings::ssr::store(&txn).await?;
    queue_invoice(
        &txn,
        &store,
        &o,
        &to,
        public_url,
        Some(staff.id),
        "Invoice re-sent to",
    )
    .await?;
    txn.commit().await?;
    Ok(to)
}

/// Turns a quote into an invoice: due date from the form, the customer's
/// terms or the store default; the invoice goes to `to` or the order's
/// billing email (which a typed address replaces).
pub async fn convert_quote(
    db: &DatabaseConnection,
    staff: &StaffView,
    public_url: &str,
    number: i64,
    to: Option<Email>,
    due: Option<Date>,
    online: Option<OnlineCheck>,
) -> Result<Email, OrderActionError> {
    let txn = db.begin().await?;
    let (o, status) = order_and_status(&txn, number).await?;
    let next = status
        .apply(OrderAction::ConvertQuote, actor_of(staff))
        .map_err(Refusal::Illegal)?;
    if let Some(check) = online {
        let currency = Currency::parse(&o.currency).map_err(|e| DbErr::Type(e.to_string()))?;
        check(Money::from_minor(o.total_minor, currency)).map_err(Refusal::NotChargeable)?;
    }
    let to = match (
        to,
        o.billing_email
            .as_deref()
            .and_then(|e| Email::parse(e).ok()),
    ) {
        (Some(to), _) | (None, Some(to)) => to,
        (None, None) => {
            return Err(Refusal::EmailMissing.into())
        }
    };
    let store = crate::settings::ssr::store(&txn).await?;
    let terms = match o.customer_id {
        Some(id) => customer::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .and_then(|c| c.payment_terms_days),
        None => None,
    };
    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let days = i64::from(terms.unwrap_or(store.default_due_days).clamp(0, 3650));
    let due = due.unwrap_or(today + time::Duration::days(days));
    if due < today {
        return Err(Refusal::DueInPast.into());
    }
    let mut active: order::ActiveModel = o.into();
    active.status = Set(next.as_str().to_owned());
    active.billing_email = Set(Some(to.as_str().to_owned()));
    active.due_date = Set(Some(due));
    active.updated_at = Set(now);
    let o = active.update(&txn).await?;
    add_event(
        &txn,
        o.id,
        "quote_converted",
        &format!("Quote converted to an invoice by {}", staff.name),
        Some(staff.id),
    )
    .await?;
    queue_invoice(
        &txn,
        &store,
        &o,
        &to,
        public_url,
        Some(staff.id),
        "Invoice queued to",
    )
    .await?;
    txn.commit().await?;
    Ok(to)
}

/// "Paid 27 November 2026 by cash: £46.88", the line a receipt shows.
pub fn paid_line(at: OffsetDateTime, method: &str, amount: &str) -> String {
    format!(
        "Paid {} by {}: {amount}",
        long_date(at.date()),
        method.to_lowercase()
    )
}

/// Writes the receipt for a paid order to the outbox, with a timeline event.
pub async fn queue_receipt<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    o: &order::Model,
    to: &Email,
    public_url: &str,
    paid_line: String,
) -> Result<(), CreateOrderError> {
    let data = order_document(conn, store, o, public_url, Some(paid_line)).await?;
    let rendered = invoice::render(&data).map_err(|e| CreateOrderError::Render(e.to_string()))?;
    outbox::enqueue(
        conn,
        outbox::NewMessage {
            order_id: Some(o.id),
            kind: "receipt",
            recipient: to.as_str().to_owned(),
            subject: rendered.subject,
            html_body: rendered.html,
            text_body: rendered.text,
        },
    )
    .await?;
    add_event(
        conn,
        o.id,
        "receipt_queued",
        &format!("Receipt queued to {to}"),
        None,
    )
    .await?;
    Ok(())
}

/// Moves a payable invoice's due date (to extend an expired pay link, or to
/// agree a later date), recorded in the timeline.
pub async fn change_due_date(
    db: &DatabaseConnection,
    staff: &StaffView,
    number: i64,
    due: Date,
) -> Result<(), OrderActionError> {
    if due < OffsetDateTime::now_utc().date() {
        return Err(Refusal::DueInPast.into());
    }
    let txn = db.begin().await?;
    let (o, status) = order_and_status(&txn, number).await?;
    if !status.is_payable() {
        return Err(Refusal::NotPayable(status).into());
    }
    let before = o.due_date.map_or_else(|| "none".to_owned(), long_date);
    let id = o.id;
    let mut active: order::ActiveModel = o.into();
    active.due_date = Set(Some(due));
    active.updated_at = Set(OffsetDateTime::now_utc());
    active.update(&txn).await?;
    add_event(
        &txn,
        id,
        "due_date_changed",
        &format!(
            "Due date changed from {before} to {} by {}",
            long_date(due),
            staff.name
        ),
        Some(staff.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
