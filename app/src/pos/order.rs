//! The order page: what was sold, what is owed, what happened, what was sent.
use crate::domain::Money;
use crate::error::AppError;
use crate::orders::OrderStatus;
use crate::staff::{pages::StaffPage, Role};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub number: i64,
    pub status: String,
    /// "Overdue" or "Expired" for an unpaid invoice past its dates.
    pub late: Option<String>,
    pub currency: String,
    pub billing_email: Option<String>,
    pub billing_name: String,
    pub due_date: Option<String>,
    pub created_at: String,
    pub pay_url: String,
    pub payable: bool,
    pub is_quote: bool,
    /// Owed or paid: **Download invoice (PDF)** is offered.
    pub has_pdf: bool,
    /// An admin looking at an order whose payments still hold money: the
    /// Refund form is shown.
    pub can_refund: bool,
    /// The order's payments (the ledger), oldest first.
    pub payments: Vec<PaymentView>,
    /// Paid so far (payments less refunds), in minor units.
    pub paid_so_far: i64,
    /// What is still owed, in minor units (0 once paid, refunded or cancelled).
    pub balance: i64,
    /// Given back so far (refunds made or under way), in minor units.
    pub refunded: i64,
    /// The balance as typed into the Take payment form ("70.00").
    pub balance_plain: String,
    /// The deposit asked for first (amount, due date), while it is not covered.
    pub deposit_due: Option<(i64, Option<String>)>,
    /// Money is held: cancelling needs its payments refunded first.
    pub holds_money: bool,
    /// Stripe says the customer is paying online right now.
    pub in_progress: bool,
    /// Why staff should look at this order (a double payment, a mismatch).
    pub attention: Option<String>,
    /// The total, formatted, for the Take payment form.
    pub total_label: String,
    pub cancel_reason: Option<String>,
    /// Staff's note on the order (never shown to the customer).
    pub note: Option<String>,
    /// (name, quantity, unit price, line subtotal)
    pub items: Vec<(String, i32, i64, i64)>,
    /// (label, amount); discounts negative
    pub adjustments: Vec<(String, i64)>,
    pub taxes: Vec<(String, i64)>,
    /// The prices include the taxes (shown after the total, as contained).
    pub taxes_included: bool,
    pub subtotal: i64,
    pub total: i64,
    /// (when, message)
    pub timeline: Vec<(String, String)>,
    /// (when, recipient, subject, state)
    pub emails: Vec<(String, String, String, String)>,
    /// The order's payment reminders: planned, paused, promised, stopped.
    pub reminders: crate::reminders::OrderReminders,
}

/// One payment on the order page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub id: i32,
    pub date: String,
    pub method: String,
    pub reference: String,
    pub amount: i64,
    pub refunded: i64,
    /// What a refund of it may still take back, as typed ("28.80").
    pub refundable_plain: String,
    pub holds: i64,
    /// Not a kept payment: flagged, refunded automatically (paid twice).
    pub note: Option<String>,
}

#[server]
pub async fn get_order(number: i64) -> Result<OrderDetail, AppError> {
    use crate::email::ssr::model as outbox;
    use crate::orders::model::{event, order};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let me = crate::staff::ssr::require(Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    crate::error::with_status(
        async {
            // Times as the shop's clocks showed them, with the zone's name.
            let store = crate::settings::ssr::store(&state.db).await?;
            let zone = crate::domain::StoreZone::stored(&store.time_zone);
            let fmt = |t: time::OffsetDateTime| zone.date_time(t);
            let find = || {
                order::Entity::find()
                    .filter(order::Column::Number.eq(number))
                    .one(&state.db)
            };
            let mut o = find().await?.ok_or(AppError::NotFound)?;
            // Ask Stripe first: a payment it took (its webhook lost) is
            // recorded now, and the page shows the order as it then is.
            let mut in_progress = false;
            if let (Some(gw), true) = (&state.stripe, o.status.is_payable()) {
                use crate::payments::intents::{online_now, OnlineNow};
                match online_now(&state.db, gw, &state.public_url, o.id).await? {
                    OnlineNow::InProgress => in_progress = true,
                    OnlineNow::Paid => o = find().await?.ok_or(AppError::NotFound)?,
                    OnlineNow::Nothing => {}
                }
            }
            let (items, adjustments, taxes) =
                crate::orders::service::order_lines(&state.db, o.id).await?;
            let events = event::Entity::find()
                .filter(event::Column::OrderId.eq(o.id))
                .order_by_asc(event::Column::Id)
                .all(&state.db)
                .await?;
            let mails = outbox::Entity::find()
                .filter(outbox::Column::OrderId.eq(o.id))
                .order_by_asc(outbox::Column::Id)
                .all(&state.db)
                .await?;
            let payable = o.status.is_payable();
            let rows = crate::orders::service::payment_rows(&state.db, o.id).await?;
            let ledger = crate::orders::service::ledger_from(&o, &rows);
            let lines = crate::orders::service::payment_lines(&rows);
            let holds_money = lines.iter().any(|l| l.holds_minor() > 0);
            let can_refund = me.role == Role::Admin
                && matches!(o.status, OrderStatus::Paid | OrderStatus::PartiallyPaid)
                && holds_money;
            let owes = o.status.may_owe();
            let balance = if owes { ledger.balance_minor() } else { 0 };
            let refunded: i64 = lines.iter().map(|l| l.refunded_minor).sum();
            let deposit_due = match ledger.next_due(&crate::orders::service::deposit_plan(&o)) {
                _ if !owes => None,
                crate::orders::ledger::NextDue::Deposit {
                    amount_minor, due, ..
                } => Some((amount_minor, due.map(|d| d.to_string()))),
                _ => None,
            };
            use crate::payments::model::PaymentStatus;
            let payments = lines
                .iter()
                .map(|l| PaymentView {
                    id: l.id,
                    date: fmt(l.at),
                    method: l.method.label().to_owned(),
                    reference: l.reference.clone(),
                    amount: l.amount_minor,
                    refunded: l.refunded_minor,
                    refundable_plain: Money::from_minor(l.holds_minor(), o.currency).format_plain(),
                    holds: l.holds_minor(),
                    note: match l.status {
                        PaymentStatus::Succeeded => None,
                        PaymentStatus::Flagged => Some("does not count: amount differs".into()),
                        PaymentStatus::RefundPending => {
                            Some("paid twice: being refunded automatically".into())
                        }
                        PaymentStatus::Refunded => Some("paid twice: refunded".into()),
                        _ => None,
                    },
                })
                .collect();
            let reminders = crate::reminders::ssr::actions::order_reminders(
                &state.db,
                &store,
                &zone,
                &o,
                time::OffsetDateTime::now_utc(),
            )
            .await?;
            Ok(OrderDetail {
                reminders,
                can_refund,
                payments,
                paid_so_far: ledger.paid_minor,
                balance,
                refunded,
                balance_plain: Money::from_minor(balance, o.currency).format_plain(),
                deposit_due,
                holds_money,
                in_progress,
                attention: o.attention.clone(),
                number: o.number,
                status: o.status.as_str().to_owned(),
                late: crate::orders::Lateness::of(
                    o.status,
                    o.due_date,
                    store.expiry_grace_days,
                    zone.today(time::OffsetDateTime::now_utc()),
                )
                .map(|l| l.label().to_owned()),
                currency: o.currency.code().to_owned(),
                billing_email: o.billing_email.clone(),
                billing_name: format!("{} {}", o.billing_first_name, o.billing_last_name)
                    .trim()
                    .to_owned(),
                due_date: o.due_date.map(|d| d.to_string()),
                created_at: fmt(o.created_at),
                pay_url: crate::orders::service::pay_url(&state.public_url, &o),
                payable,
                is_quote: o.status == OrderStatus::Quote,
                has_pdf: crate::orders::service::has_invoice_pdf(o.status),
                total_label: Money::from_minor(o.total_minor, o.currency).to_string(),
                cancel_reason: o.cancel_reason.clone(),
                note: o.note.clone(),
                items: items
                    .into_iter()
                    .map(|i| {
                        (
                            i.name,
                            i.quantity,
                            i.unit_price_minor,
                            i.line_subtotal_minor,
                        )
                    })
                    .collect(),
                adjustments: adjustments
                    .into_iter()
                    .map(|a| {
                        if a.kind == crate::orders::model::adjustment::AdjustmentKind::Discount {
                            (a.label, -a.amount_minor)
                        } else {
                            (a.label, a.amount_minor)
                        }
                    })
                    .collect(),
                taxes: taxes
                    .into_iter()
                    .map(|t| (t.label, t.amount_minor))
                    .collect(),
                taxes_included: o.prices_include_tax,
                subtotal: o.subtotal_minor,
                total: o.total_minor,
                timeline: events
                    .into_iter()
                    .map(|e| (fmt(e.created_at), e.message))
                    .collect(),
                emails: mails
                    .into_iter()
                    .map(|m| {
                        let state = match m.status.as_str() {
                            "sent" => format!("Sent ({})", m.smtp_response.unwrap_or_default()),
                            "failed" => format!("Failed: {}", m.last_error.unwrap_or_default()),
                            _ => match m.last_error {
                                Some(e) => {
                                    format!("Waiting to send (attempt {} failed: {e})", m.attempts)
                                }
                                None => "Queued".to_owned(),
                            },
                        };
                        (fmt(m.created_at), m.recipient, m.subject, state)
                    })
                    .collect(),
            })
        }
        .await,
    )
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let number = params.with_untracked(|p| {
        p.get("number")
            .and_then(|n| crate::orders::OrderNumber::parse(&n).ok())
            .map(|n| n.get())
    });
    let load = move || async move {
        match number {
            Some(n) => get_order(n).await,
            None => Err(AppError::NotFound),
        }
    };
    // The outcome of the last action (?done= / ?error=), shown once above the order.
    let notice = crate::forms::query_notice(order_message);
    let (taking, change) = leptos_router::hooks::use_query_map().with_untracked(|q| {
        (
            q.get("take").is_some(),
            q.get("change").and_then(|c| c.parse::<i64>().ok()),
        )
    });
    view! {
        <StaffPage role=Role::Cashier load=load render=move |o| view! {
            <crate::forms::Notice notice=notice.clone()/>
            {change.map(|c| {
                let c = Money::display_stored(c, &o.currency);
                view! { <p class="notice change" role="status">"Change due: " <strong>{c}</strong></p> }
            })}
            {order_view(o, taking)}
        }/>
    }
}

/// What the order page says for each `?done=` / `?error=` code.
fn order_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "cancelled" => "The order was cancelled. Its pay link now says so.",
        "resent" => "The invoice was queued again.",
        "converted" => "The quote is now an invoice; it was queued to the customer.",
        "paid" => "Payment recorded. The order is paid; a receipt goes to the customer when they have an email.",
        "part_paid" => "Payment recorded. The order is partially paid: the balance due is below, and the pay link now asks for it. A receipt goes to the customer when they have an email.",
        "amount" => "Enter an amount above zero and no more than the balance due.",
        "amount_format" => "Enter the amount as an amount, e.g. 20 or 20.00.",
        "tendered" => "The cash tendered is less than the amount to pay.",
        "tendered_format" => "Enter the cash tendered as an amount, e.g. 20 or 20.00.",
        "method" => "Choose how the customer paid: Cash, Card terminal or Other.",
        "due_changed" => "Due date changed. The pay link works until the new date plus the store's grace period.",
        "refunded" => "Refund recorded. The timeline says how it was paid back.",
        "refund_reason" => "Give a reason for the refund (at most 500 characters).",
        "refund_amount" => "Enter a refund amount above zero and no more than what is left to refund.",
        "refund_stripe" => "Stripe refused the refund, so nothing was refunded. The timeline says why.",
        "refund_earlier_failed" => "The refund sent earlier did not go through at Stripe (the timeline says why), so nothing was refunded and nothing new was sent. Refund again if you still want to.",
        "stripe_off" => "This payment was made online and Stripe is not configured here: refund it in the Stripe dashboard.",
        "refund_confirming" => "Refund sent to Stripe; confirming. Stripe's answer was lost on the way: Settle asks Stripe and records the refund once, so do not refund again.",
        "refund_confirmed" => "The refund sent earlier went through at Stripe and is now recorded. Nothing more was refunded.",
        "refund_still_confirming" => "A refund sent to Stripe is still being confirmed (its answer may still be on the way, or Stripe cannot be reached just now). Nothing new was sent; try again in a minute.",
        "not_chargeable" => "Stripe cannot take this amount in the store's currency (its rules, e.g. three-decimal currencies in steps of 0.010, no zero amounts): change the amount, or settle it in store.",
        "reference" => "The reference can be at most 200 characters on one line.",
        "paid_online" => "The customer has just paid online: Settle asked Stripe and recorded that payment, so nothing was taken in store.",
        "in_progress" => "The customer is paying online right now. Tick the confirmation below if you still want to take payment in store.",
        "due" => "Enter the due date as a date that is today or later.",
        "reason" => "Give a reason for cancelling (at most 500 characters).",
        "refused" => "That is not possible for this order in its current status.",
        "email" => "Enter a valid email address for the invoice.",
        "reminders_paused" => "Reminders paused. A reminder that falls due before the pause ends is skipped; the ones after it go as planned.",
        "reminders_resumed" => "Reminders resumed. The next one is planned from the store's reminder policy.",
        "pause_date" => "Enter the day to pause reminders until: today or a later date.",
        "pause_too_far" => "Reminders can be paused for at most a year; agree a later due date instead.",
        "pause_reason" => "The reason for pausing can be at most 200 characters on one line.",
        "not_paused" => "Reminders on this order are not paused.",
        "internal" => "Something went wrong on our side. Nothing was changed; please try again.",
        _ => return None,
    })
}

fn order_view(o: OrderDetail, taking: bool) -> impl IntoView {
    let code = o.currency.clone();
    let money = move |m: i64| Money::display_stored(m, &code);
    let status = OrderStatus::label_of(&o.status);
    view! {
        <h1>{format!("Order #{}", o.number)}</h1>
        <p class="status"><strong>{status}</strong>
            {o.late.clone().map(|l| view! { " " <span class="badge late" data-testid="late">{l}</span> })}
            {o.due_date.clone().map(|d| view! { " · Due " {d} })}
            " · Created " {o.created_at.clone()}
        </p>
        <p>{o.billing_name.clone()} " " {o.billing_email.clone().unwrap_or_default()}</p>
        {o.attention.clone().map(|a| view! { <p class="error attention" role="alert"><strong>"Needs attention: "</strong>{a}</p> })}
        {o.in_progress.then(|| view! { <p class="notice" role="status"><strong>"Payment in progress"</strong>": the customer is paying online right now."</p> })}
        <section aria-labelledby="items-h">
            <h2 id="items-h">"Items"</h2>
            <table>
                <thead><tr><th scope="col">"Item"</th><th scope="col" class="num">"Qty"</th><th scope="col" class="num">"Unit price"</th><th scope="col" class="num">"Total"</th></tr></thead>
                <tbody>
                    {o.items.iter().map(|(name, qty, unit, line)| view! {
                        <tr><td>{name.clone()}</td><td class="num">{*qty}</td><td class="num">{money(*unit)}</td><td class="num">{money(*line)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <dl class="totals">
                <dt>"Subtotal"</dt><dd class="num">{money(o.subtotal)}</dd>
                {o.adjustments.iter().map(|(label, amount)| view! { <dt>{label.clone()}</dt><dd class="num">{money(*amount)}</dd> }).collect_view()}
                {(!o.taxes_included).then(|| o.taxes.iter().map(|(label, amount)| view! { <dt>{label.clone()}</dt><dd class="num">{money(*amount)}</dd> }).collect_view())}
                <dt class="grand">"Total"</dt><dd class="num grand">{money(o.total)}</dd>
                {o.taxes_included.then(|| o.taxes.iter().map(|(label, amount)| view! { <dt>{format!("Includes {label}")}</dt><dd class="num">{money(*amount)}</dd> }).collect_view())}
            </dl>
        </section>
        {(!o.payments.is_empty() || o.deposit_due.is_some()).then(|| view! {
            <section aria-labelledby="payments-h">
                <h2 id="payments-h">"Payments"</h2>
                {(!o.payments.is_empty()).then(|| view! {
                    <table class="payments-table">
                        <thead><tr><th scope="col">"Date"</th><th scope="col">"Method"</th><th scope="col">"Reference"</th><th scope="col" class="num">"Amount"</th><th scope="col" class="num">"Refunded"</th></tr></thead>
                        <tbody>
                            {o.payments.iter().map(|p| view! {
                                <tr>
                                    <td>{p.date.clone()}</td>
                                    <td>{p.method.clone()}{p.note.clone().map(|n| view! { <br/><span class="muted">{n}</span> })}</td>
                                    <td>{p.reference.clone()}</td>
                                    <td class="num">{money(p.amount)}</td>
                                    <td class="num">{(p.refunded > 0).then(|| money(p.refunded))}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
                <dl class="totals" data-testid="ledger">
                    <dt>"Paid so far"</dt><dd class="num">{money(o.paid_so_far)}</dd>
                    {o.deposit_due.clone().map(|(amount, due)| view! {
                        <dt>{match due { Some(d) => format!("Deposit due by {d}"), None => "Deposit due".to_owned() }}</dt>
                        <dd class="num">{money(amount)}</dd>
                    })}
                    {(o.refunded > 0).then(|| view! { <dt>"Refunded"</dt><dd class="num">{money(o.refunded)}</dd> })}
                    {(o.payable || o.is_quote).then(|| view! { <dt class="grand">"Balance due"</dt><dd class="num grand">{money(o.balance)}</dd> })}
                </dl>
            </section>
        })}
        {o.cancel_reason.clone().map(|r| view! { <p>"Cancelled: " {r}</p> })}
        {o.note.clone().map(|n| view! { <p class="note">"Note: " {n}</p> })}
        {o.payable.then(|| {
            let number = o.number;
            let holds_money = o.holds_money;
            let email = o.billing_email.clone().unwrap_or_default();
            let due = o.due_date.clone().unwrap_or_default();
            view! {
                <section aria-labelledby="actions-h" class="actions">
                    <h2 id="actions-h">"Actions"</h2>
                    {take_payment(number, &o.balance_plain, &money(o.balance), taking, o.in_progress)}
                    <form method="post" action=format!("/orders/{number}/resend") class="stack">
                        <label for="resend-email">"Send the invoice to"</label>
                        <input id="resend-email" name="email" type="email" value=email maxlength="254"/>
                        <button type="submit" class="secondary">"Resend invoice"</button>
                    </form>
                    <form method="post" action=format!("/orders/{number}/due") class="stack">
                        <label for="due-date">"New due date"</label>
                        <input id="due-date" name="due_date" type="date" required value=due.clone()/>
                        <button type="submit" class="secondary">"Change due date"</button>
                    </form>
                    {if holds_money {
                        view! { <p class="muted">"This order holds a payment: refund it before cancelling the order."</p> }.into_any()
                    } else {
                        view! {
                            <form method="post" action=format!("/orders/{number}/cancel") class="stack">
                                <label for="cancel-reason">"Reason for cancelling"</label>
                                <input id="cancel-reason" name="reason" type="text" required maxlength="500"/>
                                <button type="submit" class="secondary">"Cancel order"</button>
                            </form>
                        }.into_any()
                    }}
                </section>
            }
        })}
        {reminders_section(o.number, o.reminders.clone())}
        {o.can_refund.then(|| {
            let number = o.number;
            let holding: Vec<PaymentView> = o.payments.iter().filter(|p| p.holds > 0).cloned().collect();
            let last = holding.last().map(|p| p.refundable_plain.clone()).unwrap_or_default();
            view! {
                <section aria-labelledby="refund-h" class="actions">
                    <h2 id="refund-h">"Refund"</h2>
                    <form method="post" action=format!("/orders/{number}/refund") class="stack">
                        {if holding.len() > 1 {
                            let count = holding.len();
                            view! {
                                <label for="refund-payment">"Payment to refund"</label>
                                <select id="refund-payment" name="payment">
                                    {holding.iter().enumerate().map(|(i, p)| view! {
                                        <option value=p.id.to_string() selected=i + 1 == count>
                                            {format!("{}, {} {} (up to {})", p.date, p.method, money(p.amount), p.refundable_plain)}
                                        </option>
                                    }).collect_view()}
                                </select>
                            }.into_any()
                        } else {
                            let id = holding.first().map(|p| p.id.to_string()).unwrap_or_default();
                            view! { <input type="hidden" name="payment" value=id/> }.into_any()
                        }}
                        <label for="refund-amount">"Amount to refund (empty for all that payment still holds)"</label>
                        <input id="refund-amount" name="amount" type="text" inputmode="decimal" maxlength="20" placeholder=last/>
                        <label for="refund-reason">"Reason for the refund"</label>
                        <input id="refund-reason" name="reason" type="text" required maxlength="500"/>
                        <button type="submit" class="secondary">"Refund"</button>
                    </form>
                </section>
            }
        })}
        {o.is_quote.then(|| {
            let number = o.number;
            let email = o.billing_email.clone().unwrap_or_default();
            view! {
                <section aria-labelledby="quote-h" class="actions">
                    <h2 id="quote-h">"Quote"</h2>
                    <p class="muted">"Nothing has been sent. Converting queues the invoice with these prices."</p>
                    <form method="post" action=format!("/orders/{number}/convert") class="stack">
                        <label for="convert-email">"Send the invoice to"</label>
                        <input id="convert-email" name="email" type="email" value=email maxlength="254"/>
                        <label for="convert-due">"Due date (empty for the usual terms)"</label>
                        <input id="convert-due" name="due_date" type="date"/>
                        <button type="submit" class="primary">"Convert to invoice"</button>
                    </form>
                    <form method="post" action=format!("/orders/{number}/cancel") class="stack">
                        <label for="cancel-reason">"Reason for cancelling"</label>
                        <input id="cancel-reason" name="reason" type="text" required maxlength="500"/>
                        <button type="submit" class="secondary">"Cancel order"</button>
                    </form>
                </section>
            }
        })}
        {(!o.is_quote).then(|| view! {
            <section aria-labelledby="link-h">
                <h2 id="link-h">"Pay link"</h2>
                <p class="paylink"><a href=o.pay_url.clone()>{o.pay_url.clone()}</a></p>
                <CopyButton text=o.pay_url.clone() label="Copy pay link".to_owned()/>
                <p>
                    <a href=format!("/orders/{}/email", o.number) target="_blank" rel="noopener">"Preview email"</a>
                    " · "
                    <a href=format!("/orders/{}/email?part=text", o.number) target="_blank" rel="noopener">"Plain-text part"</a>
                    {o.has_pdf.then(|| view! {
                        " · "
                        <a href=format!("/orders/{}/invoice.pdf", o.number) download="">"Download invoice (PDF)"</a>
                    })}
                </p>
            </section>
        })}
        <section aria-labelledby="emails-h">
            <h2 id="emails-h">"Emails"</h2>
            {if o.emails.is_empty() {
                view! { <p class="muted">"No emails for this order."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Queued"</th><th scope="col">"To"</th><th scope="col">"Subject"</th><th scope="col">"Delivery"</th></tr></thead>
                        <tbody>
                            {o.emails.iter().map(|(when, to, subject, state)| view! {
                                <tr><td>{when.clone()}</td><td>{to.clone()}</td><td>{subject.clone()}</td><td>{state.clone()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="timeline-h">
            <h2 id="timeline-h">"Timeline"</h2>
            <ol class="timeline">
                {o.timeline.iter().map(|(when, what)| view! { <li><time>{when.clone()}</time> " " {what.clone()}</li> }).collect_view()}
            </ol>
        </section>
    }
}

/// The order's reminders, shown when the store sends them or when there is
/// something to say (a pause, a promise, a stop outlives the policy being
/// switched off). An order awaiting payment gets the Pause form, and the
/// Resume button while paused: plain posts, working without JavaScript.
fn reminders_section(number: i64, r: crate::reminders::OrderReminders) -> impl IntoView {
    let lines: Vec<String> = [&r.next, &r.paused, &r.in_store, &r.stopped]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let shown = r.enabled || !lines.is_empty();
    shown.then(move || {
        let quiet = if lines.is_empty() {
            Some(if r.can_pause {
                "No reminder is planned for this order."
            } else {
                "No reminders: the order is not awaiting payment."
            })
        } else {
            None
        };
        let paused = r.paused.is_some();
        let max_reason = crate::reminders::MAX_PAUSE_REASON.to_string();
        view! {
            <section aria-labelledby="reminders-h" data-testid="order-reminders">
                <h2 id="reminders-h">"Reminders"</h2>
                {lines.into_iter().map(|line| view! { <p>{line}</p> }).collect_view()}
                {quiet.map(|q| view! { <p class="muted">{q}</p> })}
                {r.can_pause.then(|| view! {
                    <form method="post" action=format!("/orders/{number}/reminders/pause") class="stack">
                        <label for="pause-until">"Until"</label>
                        <input id="pause-until" name="until" type="date" required min=r.pause_min.clone() max=r.pause_max.clone()/>
                        <label for="pause-reason">"Reason"</label>
                        <input id="pause-reason" name="reason" type="text" maxlength=max_reason autocomplete="off"/>
                        <button type="submit" class="secondary">"Pause reminders"</button>
                    </form>
                })}
                {(r.can_pause && paused).then(|| view! {
                    <form method="post" action=format!("/orders/{number}/reminders/resume")>
                        <button type="submit" class="secondary">"Resume reminders"</button>
                    </form>
                })}
            </section>
        }
    })
}

/// **Take payment**: a GET form that opens the settle form (so it works
/// without JavaScript); the settle form posts the payment.
fn take_payment(
    number: i64,
    balance_plain: &str,
    balance: &str,
    taking: bool,
    in_progress: bool,
) -> AnyView {
    if !taking {
        return view! {
            <form method="get" action=format!("/orders/{number}") class="stack">
                <input type="hidden" name="take" value="1"/>
                <button type="submit" class="primary">"Take payment"</button>
            </form>
        }
        .into_any();
    }
    view! {
        <form method="post" action=format!("/orders/{number}/settle") class="stack settle" id="take-payment">
            <p>"Balance due: " <strong>{balance.to_owned()}</strong></p>
            <label for="settle-amount">"Amount"</label>
            <input id="settle-amount" name="amount" type="text" inputmode="decimal" maxlength="20" autocomplete="off" required value=balance_plain.to_owned() aria-describedby="settle-amount-help"/>
            <p id="settle-amount-help" class="muted">"The whole balance, or less for a part payment (a deposit, an instalment)."</p>
            <div role="radiogroup" aria-labelledby="settle-method-label" class="radios">
                <span id="settle-method-label" class="label">"Payment method"</span>
                <label class="radio"><input type="radio" name="method" value="cash" checked/>" Cash"</label>
                <label class="radio"><input type="radio" name="method" value="card_terminal"/>" Card terminal"</label>
                <label class="radio"><input type="radio" name="method" value="other"/>" Other"</label>
            </div>
            <label for="settle-tendered">"Cash tendered (optional; the change is worked out)"</label>
            <input id="settle-tendered" name="tendered" type="text" inputmode="decimal" maxlength="20" autocomplete="off"/>
            <label for="settle-reference">"Reference (terminal slip, voucher…)"</label>
            <input id="settle-reference" name="reference" type="text" maxlength="200" autocomplete="off"/>
            {in_progress.then(|| view! {
                <label class="check"><input type="checkbox" name="confirm_in_progress" required/>
                    " The customer is paying online right now. Take payment in store anyway (an online payment that still goes through is refunded automatically)."</label>
            })}
            <button type="submit" class="primary">"Confirm payment"</button>
            <a href=format!("/orders/{number}")>"Not now"</a>
        </form>
    }
    .into_any()
}

/// Copies `text` to the clipboard. Without JavaScript the link above it can
/// still be selected and copied by hand.
#[island]
fn CopyButton(text: String, label: String) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    let copy = move |_| {
        // Click handlers only ever run in the browser.
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
            set_copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&text, set_copied);
    };
    view! {
        <button type="button" class="secondary" hidden=move || !hydrated.get() on:click=copy>{label}</button>
        <span role="status">{move || if copied.get() { "Copied." } else { "" }}</span>
    }
}

#[cfg(test)]
mod tests {
    use super::order_message;
    use crate::orders::Refusal;

    /// A refusal whose code the page has no words for would come back as no
    /// message at all: staff would see the page unchanged and not know why.
    #[test]
    fn every_reminder_refusal_has_its_message() {
        for r in [
            Refusal::PauseInPast,
            Refusal::PauseTooFar,
            Refusal::PauseReasonTooLong,
            Refusal::NotPaused,
        ] {
            assert!(order_message(r.code()).is_some(), "{}", r.code());
        }
        for done in ["reminders_paused", "reminders_resumed"] {
            assert!(order_message(done).is_some(), "{done}");
        }
    }
}
