//! The reminder email: the invoice's own document (items, live balance, due
//! date, pay link, QR) with the step's wording, and a one-click link that
//! stops reminders for this order only (RFC 8058).
use crate::email::ssr::{invoice, model as outbox_row, outbox};
use crate::orders::model::order;
use crate::orders::service::order_document;
use crate::reminders::{Policy, Slot};
use crate::settings::ssr::model as settings;
use sea_orm::{ConnectionTrait, DbErr};

/// The page (GET: confirm; POST: stop) that ends reminders for the order.
/// Its key is the order's pay key: whoever can pay can stop reminders.
pub fn stop_url(public_url: &str, o: &order::Model) -> String {
    format!(
        "{}/pay/{}/stop-reminders?key={}",
        public_url.trim_end_matches('/'),
        o.number,
        o.order_key.encode()
    )
}

/// The step's wording for an order in `lang`: the owner's, unless it is
/// still Settle's English default and the order is in another language,
/// which then gets Settle's default in that language.
fn wording(
    policy: &Policy,
    slot: Slot,
    step: &crate::reminders::policy::Step,
    lang: crate::i18n::Lang,
) -> (String, String, String) {
    let count = policy.steps.len();
    let last_of_several = count > 1 && usize::from(slot.step) + 1 == count;
    // Settle's default wording in every language: a step still using one
    // reads as the default in the order's language.
    let defaults: Vec<_> = crate::i18n::Lang::ALL
        .iter()
        .map(|l| crate::reminders::policy::default_wording_in(step.days, last_of_several, *l))
        .collect();
    let ours = crate::reminders::policy::default_wording_in(step.days, last_of_several, lang);
    let pick = |typed: &String, default_of: fn(&(String, String, String)) -> &String| {
        if defaults.iter().any(|d| default_of(d) == typed) {
            default_of(&ours).clone()
        } else {
            typed.clone()
        }
    };
    (
        pick(&step.subject, |d| &d.0),
        pick(&step.heading, |d| &d.1),
        pick(&step.intro, |d| &d.2),
    )
}

/// Fills a step's wording: `{order_number}`, `{store_name}`, `{amount}`
/// (what is asked for next) and `{due_date}` (when).
fn fill(text: &str, o: &order::Model, store: &settings::Model, amount: &str, due: &str) -> String {
    text.replace("{order_number}", &o.number.to_string())
        .replace("{store_name}", &store.name)
        .replace("{amount}", amount)
        .replace("{due_date}", due)
}

/// Renders the reminder for `slot` and writes it to the outbox (in the
/// caller's transaction).
pub async fn queue_reminder<C: ConnectionTrait>(
    conn: &C,
    store: &settings::Model,
    policy: &Policy,
    o: &order::Model,
    slot: Slot,
    public_url: &str,
) -> Result<outbox_row::Model, DbErr> {
    let render_failed = |e: String| DbErr::Custom(format!("rendering a reminder: {e}"));
    let mut data = order_document(conn, store, o, public_url, None)
        .await
        .map_err(|e| render_failed(e.to_string()))?;
    let step = policy
        .step(slot)
        .ok_or_else(|| render_failed("no such step".into()))?;
    // The next amount due and its date, from the live ledger.
    let due = data
        .money
        .deposit_due
        .as_ref()
        .or(data.money.balance_due.as_ref())
        .and_then(|(_, d)| d.clone())
        .or_else(|| o.due_date.map(|d| crate::i18n::long_date(d, o.language)))
        .unwrap_or_default();
    let amount = data.money.next_amount.clone();
    let (subject, heading, intro) = wording(policy, slot, step, o.language);
    data.subject = fill(&subject, o, store, &amount, &due);
    data.heading = fill(&heading, o, store, &amount, &due);
    data.intro = fill(&intro, o, store, &amount, &due);
    let stop = stop_url(public_url, o);
    data.unsubscribe_url = Some(stop.clone());
    let rendered = invoice::render(&data).map_err(|e| render_failed(e.to_string()))?;
    let recipient = super::schedule::reminder_address(conn, o)
        .await?
        .ok_or_else(|| render_failed("no address".into()))?;
    outbox::enqueue(
        conn,
        outbox::NewMessage {
            order_id: Some(o.id),
            kind: "reminder",
            recipient,
            subject: rendered.subject,
            html_body: rendered.html,
            text_body: rendered.text,
            list_unsubscribe: Some(stop),
            // The invoice itself (no reminder wording), as the reminder leaves.
            attachment_name: Some(crate::orders::service::pdf_file_name(o.language, o.number)),
        },
    )
    .await
}
