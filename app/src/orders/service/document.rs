//! What an order shows a customer: its lines, the pay link, the invoice and
//! the receipt, rendered from the order as stored and queued to the outbox.
use super::creating::CreateOrderError;
use super::timeline::add_event;
use crate::domain::{Email, Money, StoreZone};
use crate::email::ssr::{invoice, outbox};
use crate::orders::model::event::EventKind;
use crate::orders::model::{adjustment, item, order, tax};
use crate::settings::ssr::model as settings;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use time::{Date, OffsetDateTime};

/// "27 November 2026": a date as invoices, receipts and the timeline print it.
/// A moment becomes a date in the store's zone first (`StoreZone::local`).
pub fn long_date(d: Date) -> String {
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

/// The customer's pay link: `SETTLE_PUBLIC_URL/pay/{number}?key={key}`
/// (with an empty base, the path alone). The one place it is spelled.
pub fn pay_url(public_url: &str, o: &order::Model) -> String {
    pay_link(public_url, o, "")
}

/// Where Stripe sends the customer back: the pay link's `/return` page.
pub fn pay_return_url(public_url: &str, o: &order::Model) -> String {
    pay_link(public_url, o, "/return")
}

fn pay_link(public_url: &str, o: &order::Model, page: &str) -> String {
    format!(
        "{}/pay/{}{page}?key={}",
        public_url.trim_end_matches('/'),
        o.number,
        o.order_key.encode()
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
    let currency = o.currency;
    let money = |m: i64| Money::from_minor(m, currency).to_string();
    let zone = StoreZone::stored(&store.time_zone);
    let (items, adjustments, taxes) = order_lines(conn, o.id).await?;
    let money_state = money_state(&zone, o, &super::payment_rows(conn, o.id).await?);
    let pay_url = pay_url(public_url, o);
    let tax_lines: Vec<(String, String)> = taxes
        .iter()
        .map(|t| {
            let label =
                crate::orders::tax_line_label(&t.label, u32::try_from(t.rate_ppm).unwrap_or(0));
            (label, money(t.amount_minor))
        })
        .collect();
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
        order_date: long_date(zone.local(o.created_at).date()),
        // A receipt is paid: a due date on it only confuses.
        due_date: o.due_date.filter(|_| receipt.is_none()).map(long_date),
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
            .find(|a| a.kind == adjustment::AdjustmentKind::Discount)
            .map(|a| (a.label.clone(), money(a.amount_minor))),
        fees: adjustments
            .iter()
            .filter(|a| a.kind == adjustment::AdjustmentKind::Fee)
            .map(|a| (a.label.clone(), money(a.amount_minor)))
            .collect(),
        taxes: if o.prices_include_tax {
            Vec::new()
        } else {
            tax_lines.clone()
        },
        total: money(o.total_minor),
        taxes_included: if o.prices_include_tax {
            tax_lines
                .into_iter()
                .map(|(label, amount)| (format!("Includes {label}"), amount))
                .collect()
        } else {
            Vec::new()
        },
        pay_url,
        receipt,
        qr: crate::orders::qr::order_qr(o.number),
        money: money_state,
        unsubscribe_url: None,
    })
}

/// The order's ledger as documents print it (see `invoice::MoneyState`).
pub fn money_state(
    zone: &StoreZone,
    o: &order::Model,
    rows: &[crate::orders::model::payment::Model],
) -> invoice::MoneyState {
    use crate::orders::ledger::NextDue;
    let money = |m: i64| Money::from_minor(m, o.currency).to_string();
    let ledger = super::ledger_from(o, rows);
    let date = |d: Option<Date>| d.map(long_date);
    let next = if o.status.may_owe() {
        ledger.next_due(&super::deposit_plan(o))
    } else {
        crate::orders::ledger::NextDue::Nothing
    };
    let (deposit_due, balance_due) = match next {
        NextDue::Deposit {
            amount_minor,
            due,
            balance_minor,
            balance_due,
        } => (
            Some((money(amount_minor), date(due))),
            Some((money(balance_minor - amount_minor), date(balance_due))),
        ),
        NextDue::Balance { amount_minor, due } => (None, Some((money(amount_minor), date(due)))),
        NextDue::Nothing => (None, None),
    };
    let owed = match next {
        NextDue::Nothing => 0,
        _ => ledger.balance_minor(),
    };
    invoice::MoneyState {
        payments: super::payment_lines(rows)
            .into_iter()
            .filter(|p| p.status == crate::orders::model::payment::PaymentStatus::Succeeded)
            .map(|p| invoice::PaidRow {
                date: long_date(zone.local(p.at).date()),
                method: p.method.label().to_owned(),
                amount: money(p.amount_minor),
                refunded: (p.refunded_minor > 0).then(|| money(p.refunded_minor)),
            })
            .collect(),
        paid_so_far: (ledger.paid_minor > 0).then(|| money(ledger.paid_minor)),
        deposit_due,
        balance_due,
        next_amount: money(next.amount_minor()),
        balance: money(owed),
    }
}

/// Writes the invoice to the outbox, with a timeline event, and plans the
/// order's first reminder from it (every send, resend and conversion
/// comes through here).
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
            list_unsubscribe: None,
        },
    )
    .await?;
    add_event(
        conn,
        o.id,
        EventKind::InvoiceQueued,
        &format!("{event_prefix} {to}"),
        staff_id,
    )
    .await?;
    crate::reminders::ssr::schedule::reschedule(conn, store, o, OffsetDateTime::now_utc()).await?;
    Ok(())
}

/// "Paid 27 November 2026 by cash: £46.88", the line a receipt shows, dated
/// in the store's zone.
pub fn paid_line(zone: &StoreZone, at: OffsetDateTime, method: &str, amount: &str) -> String {
    format!(
        "Paid {} by {}: {amount}",
        long_date(zone.local(at).date()),
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
            list_unsubscribe: None,
        },
    )
    .await?;
    add_event(
        conn,
        o.id,
        EventKind::ReceiptQueued,
        &format!("Receipt queued to {to}"),
        None,
    )
    .await?;
    Ok(())
}
