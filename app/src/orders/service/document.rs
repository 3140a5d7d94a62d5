//! What an order shows a customer: its lines, the pay link, the invoice and
//! the receipt, rendered from the order as stored and queued to the outbox.
use super::creating::CreateOrderError;
use super::timeline::add_event;
use crate::domain::{Email, Money, StoreZone};
use crate::email::ssr::{invoice, outbox};
use crate::i18n::{self, Lang};
use crate::orders::model::event::EventKind;
use crate::orders::model::{adjustment, item, order, tax};
use crate::settings::ssr::model as settings;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use time::{Date, OffsetDateTime};

/// "27 November 2026": a date as staff pages and the timeline print it
/// (customers' documents use their order's language: `i18n::long_date`).
/// A moment becomes a date in the store's zone first (`StoreZone::local`).
pub fn long_date(d: Date) -> String {
    i18n::long_date(d, Lang::En)
}

/// A text of the store's (invoice subject, heading, …) for an order in
/// `lang`: the store's own wording, unless it is still one of Settle's
/// defaults (in any language), which then reads as Settle's default in the
/// order's language. (Per-language store texts are to come.)
fn store_text(stored: &str, lang: Lang, default: fn(i18n::Words) -> String) -> String {
    if Lang::ALL.iter().any(|l| stored == default(l.words())) {
        default(lang.words())
    } else {
        stored.to_owned()
    }
}

/// The discount's label in `lang`. Settle writes it (`Discount::label`):
/// "Discount" or "Discount (12.5%)", which reads "Remise (12,5 %)" in
/// French; anything else is shown as stored.
fn discount_label(stored: &str, lang: Lang) -> String {
    let word = lang.words().discount();
    if stored == "Discount" {
        return word;
    }
    match stored
        .strip_prefix("Discount (")
        .and_then(|rest| rest.strip_suffix("%)"))
    {
        Some(number) if lang == Lang::Fr => {
            format!("{word} ({}\u{a0}%)", number.replace('.', ","))
        }
        Some(number) => format!("{word} ({number}%)"),
        None => stored.to_owned(),
    }
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
    let lang = o.language;
    let words = lang.words();
    let money = |m: i64| i18n::money(Money::from_minor(m, currency), lang);
    let date = |d: Date| i18n::long_date(d, lang);
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
            store_text(
                &store.invoice_subject,
                lang,
                i18n::Words::default_invoice_subject,
            )
            .replace("{order_number}", &o.number.to_string())
            .replace("{store_name}", &store.name),
            store_text(
                &store.invoice_heading,
                lang,
                i18n::Words::default_invoice_heading,
            ),
            store_text(
                &store.invoice_intro,
                lang,
                i18n::Words::default_invoice_intro,
            ),
        ),
        Some(_) => (
            words.receipt_subject(o.number, &store.name),
            words.receipt_heading(),
            words.receipt_intro(),
        ),
    };
    Ok(invoice::InvoiceData {
        subject,
        heading,
        intro,
        footer: store_text(
            &store.invoice_footer,
            lang,
            i18n::Words::default_invoice_footer,
        ),
        lang,
        store_name: store.name.clone(),
        store_email: store.email.clone(),
        store_phone: store.phone.clone(),
        store_address: store.address.clone(),
        logo_url: store.logo_url.clone(),
        brand_color: store.brand_color.clone(),
        accent_color: store.accent_color.clone(),
        number: o.number,
        order_date: date(zone.local(o.created_at).date()),
        // A receipt is paid: a due date on it only confuses.
        due_date: o.due_date.filter(|_| receipt.is_none()).map(date),
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
            .map(|a| (discount_label(&a.label, lang), money(a.amount_minor))),
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
                .map(|(label, amount)| (words.includes_tax(label), amount))
                .collect()
        } else {
            Vec::new()
        },
        pay_url,
        receipt,
        qr: crate::orders::qr::order_qr(o.number),
        money: money_state,
        unsubscribe_url: None,
        bill_to: bill_to(o),
        legal: Vec::new(),
        legal_mentions: Vec::new(),
    })
}

/// The customer as the order was billed, line by line, blanks left out.
fn bill_to(o: &order::Model) -> Vec<String> {
    let name = format!(
        "{} {}",
        o.billing_first_name.trim(),
        o.billing_last_name.trim()
    );
    let town = format!("{} {}", o.billing_postcode.trim(), o.billing_city.trim());
    [
        name.trim(),
        o.billing_company.trim(),
        o.billing_address_1.trim(),
        o.billing_address_2.trim(),
        town.trim(),
        o.billing_state.trim(),
        o.billing_country.trim(),
        o.billing_email.as_deref().unwrap_or_default().trim(),
    ]
    .into_iter()
    .filter(|l| !l.is_empty())
    .map(str::to_owned)
    .collect()
}

/// The order's ledger as documents print it (see `invoice::MoneyState`).
pub fn money_state(
    zone: &StoreZone,
    o: &order::Model,
    rows: &[crate::orders::model::payment::Model],
) -> invoice::MoneyState {
    use crate::orders::ledger::NextDue;
    let lang = o.language;
    let money = |m: i64| i18n::money(Money::from_minor(m, o.currency), lang);
    let ledger = super::ledger_from(o, rows);
    let date = |d: Option<Date>| d.map(|d| i18n::long_date(d, lang));
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
                date: i18n::long_date(zone.local(p.at).date(), lang),
                method: lang.words().method(p.method),
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
            attachment_name: Some(pdf_file_name(o.language, o.number)),
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

/// "Paid 27 November 2026 by cash: £46.88", the line a receipt shows, in the
/// order's language, dated in the store's zone.
pub fn paid_line(
    zone: &StoreZone,
    o: &order::Model,
    at: OffsetDateTime,
    method: crate::orders::model::payment::PaymentMethod,
    amount_minor: i64,
) -> String {
    let lang = o.language;
    lang.words().paid_line(
        i18n::long_date(zone.local(at).date(), lang),
        lang.words().method(method),
        i18n::money(Money::from_minor(amount_minor, o.currency), lang),
    )
}

/// "Paid 27 November 2026 by cash: £46.88" from the payment that settled
/// the order (its last succeeded one), in the order's language.
pub async fn paid_summary<C: ConnectionTrait>(
    conn: &C,
    zone: &StoreZone,
    o: &order::Model,
) -> Result<Option<String>, DbErr> {
    use crate::orders::model::payment::{self, PaymentStatus};
    use sea_orm::QueryOrder;
    let p = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(o.id))
        .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
        .order_by_desc(payment::Column::Id)
        .one(conn)
        .await?;
    Ok(p.map(|p| {
        paid_line(
            zone,
            o,
            o.paid_at.unwrap_or(p.created_at),
            p.method,
            p.amount_minor,
        )
    }))
}

/// The invoice as a PDF (`pdf::render`), from the same document as the
/// email and the pay page, in `o.language`; a paid order's carries the line
/// that says how it was paid. Rendered off the async threads.
pub async fn invoice_pdf<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    o: &order::Model,
    public_url: &str,
) -> Result<Vec<u8>, CreateOrderError> {
    let paid = if o.status == crate::orders::OrderStatus::Paid {
        paid_summary(conn, &StoreZone::stored(&store.time_zone), o).await?
    } else {
        None
    };
    let doc = order_document(conn, store, o, public_url, paid).await?;
    let issued = o.created_at;
    tokio::task::spawn_blocking(move || super::pdf::render(&doc, issued))
        .await
        .map_err(|e| CreateOrderError::Render(e.to_string()))?
        .map_err(|e| CreateOrderError::Render(e.to_string()))
}

/// Whether an order has an invoice PDF: one that is owed or paid. A quote is
/// not an invoice, and a cancelled or refunded order's PDF would ask for
/// money nobody owes.
pub fn has_invoice_pdf(status: crate::orders::OrderStatus) -> bool {
    use crate::orders::OrderStatus as S;
    matches!(status, S::Pending | S::Failed | S::PartiallyPaid | S::Paid)
}

/// The PDF's file name, in its language: `facture-1042.pdf`.
pub fn pdf_file_name(lang: i18n::Lang, number: i64) -> String {
    format!(
        "{}-{number}.pdf",
        lang.words().pdf_invoice_title().to_lowercase()
    )
}

/// The invoice PDF a queued invoice or reminder goes with, rendered as it
/// leaves: the order as it is then (paid meanwhile: the PDF says so). A
/// PDF that cannot be made is left off with a warning: the email, with its
/// pay link, still goes.
pub async fn pdf_attachment<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    order_id: i32,
    name: &str,
    public_url: &str,
) -> Option<outbox::Attachment> {
    let made = async {
        let o = order::Entity::find_by_id(order_id)
            .one(conn)
            .await?
            .ok_or_else(|| CreateOrderError::Render("the order is gone".into()))?;
        invoice_pdf(conn, store, &o, public_url).await
    }
    .await;
    match made {
        Ok(pdf) => Some(outbox::Attachment {
            name: name.to_owned(),
            pdf,
        }),
        Err(e) => {
            tracing::warn!(error = %e, order_id, "the invoice PDF could not be made; sending without it");
            None
        }
    }
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
            attachment_name: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_discount_label_reads_in_the_order_language() {
        assert_eq!(discount_label("Discount", Lang::En), "Discount");
        assert_eq!(discount_label("Discount", Lang::Fr), "Remise");
        assert_eq!(discount_label("Discount (10%)", Lang::En), "Discount (10%)");
        assert_eq!(
            discount_label("Discount (12.5%)", Lang::Fr),
            "Remise (12,5\u{a0}%)"
        );
        assert_eq!(discount_label("Loyalty", Lang::Fr), "Loyalty");
    }
}
