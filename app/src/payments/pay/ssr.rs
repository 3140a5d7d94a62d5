//! Serving the pay page: key check in constant time, the same 404 for a wrong
//! key and a missing order, wrong keys throttled per client address (a valid
//! key is never throttled), the first view recorded in the timeline.
use super::in_store::{self, Refusal};
use super::{expires_after, pay_state, PayState};
use crate::email::ssr::invoice::InvoiceData;
use crate::i18n::{Lang, Words};
use crate::orders::model::event::EventKind;
use crate::orders::model::{event, order};
use crate::orders::{OrderKey, OrderNumber};
use crate::payments::intents::PayChoice;
use crate::proxy::ClientAddr;
use crate::settings::ssr::model as settings;
use crate::state::AppState;
use crate::throttle::{self, whole_seconds, Admission, Key, Policy};
use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
    Router,
};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::{Date, OffsetDateTime};

/// What the pay page keeps in memory, so a view costs one indexed read of the
/// order row: rendered pages (keyed by the order's and the settings' last
/// change and today's date, so any change renders afresh, in any process),
/// the store settings for a few seconds, and which orders were already seen.
pub struct PayCache {
    pages: Mutex<HashMap<i32, CachedPage>>,
    settings: Mutex<Option<(Instant, Arc<settings::Model>)>>,
    seen: Mutex<HashSet<i32>>,
    /// Rendered PDF invoices, one per order and language, by the same
    /// changes as pages (no nonce in them).
    pdfs: Mutex<HashMap<(i32, Lang), (PdfKey, axum::body::Bytes)>>,
    /// PDFs rendered at once: a burst of downloads (or someone asking again
    /// and again) waits its turn instead of taking every core.
    rendering: tokio::sync::Semaphore,
}

impl Default for PayCache {
    fn default() -> Self {
        PayCache {
            pages: Mutex::default(),
            settings: Mutex::default(),
            seen: Mutex::default(),
            pdfs: Mutex::default(),
            rendering: tokio::sync::Semaphore::new(PDF_RENDERS),
        }
    }
}

/// The order's and the settings' last change.
type PdfKey = (OffsetDateTime, OffsetDateTime);
/// About 40 KB each: a few hundred keep memory small.
const MAX_PDFS: usize = 500;
/// One render per core on the machine Settle is sized for.
const PDF_RENDERS: usize = 2;

struct CachedPage {
    key: PageKey,
    /// The HTML with `NONCE_MARK` where each response's nonce goes.
    html: Arc<str>,
}

/// The order's and the settings' last change, the store's date, whether
/// the customer chose to pay the whole balance rather than the deposit, and
/// the page's language.
type PageKey = (OffsetDateTime, OffsetDateTime, Date, bool, Lang);

/// Settings changes reach pay pages within this long.
const SETTINGS_TTL: Duration = Duration::from_secs(5);
/// Bounds memory: past this many pages the cache starts again.
const MAX_PAGES: usize = 10_000;
const NONCE_MARK: &str = "__settle_nonce__";

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl PayCache {
    async fn settings(&self, db: &DatabaseConnection) -> Result<Arc<settings::Model>, PageError> {
        if let Some((at, s)) = lock(&self.settings).as_ref() {
            if at.elapsed() < SETTINGS_TTL {
                return Ok(s.clone());
            }
        }
        let row = Arc::new(crate::settings::ssr::store(db).await?);
        *lock(&self.settings) = Some((Instant::now(), row.clone()));
        Ok(row)
    }

    fn page(&self, order_id: i32, key: &PageKey) -> Option<Arc<str>> {
        lock(&self.pages)
            .get(&order_id)
            .filter(|p| &p.key == key)
            .map(|p| p.html.clone())
    }

    fn pdf(&self, order: (i32, Lang), key: &PdfKey) -> Option<axum::body::Bytes> {
        lock(&self.pdfs)
            .get(&order)
            .filter(|(k, _)| k == key)
            .map(|(_, pdf)| pdf.clone())
    }

    fn keep_pdf(&self, order: (i32, Lang), key: PdfKey, pdf: axum::body::Bytes) {
        let mut pdfs = lock(&self.pdfs);
        if pdfs.len() >= MAX_PDFS {
            pdfs.clear();
        }
        pdfs.insert(order, (key, pdf));
    }

    fn keep(&self, order_id: i32, key: PageKey, html: Arc<str>) {
        let mut pages = lock(&self.pages);
        if pages.len() >= MAX_PAGES {
            pages.clear();
        }
        pages.insert(order_id, CachedPage { key, html });
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pay/{number}", get(pay_page))
        .route("/pay/{number}/return", get(return_page))
        .route("/pay/{number}/invoice.pdf", get(invoice_pdf))
        .route("/pay/{number}/in-store", post(in_store::in_store))
}

#[derive(Debug, Default, Deserialize)]
struct PayQuery {
    #[serde(default)]
    key: String,
    /// Set by the return page: `processing`, `failed` or `unconfirmed`.
    #[serde(default)]
    notice: String,
    /// `balance`: pay the whole balance rather than the deposit first. Only
    /// a choice: the amount is always the server's (`intents::PayChoice`).
    #[serde(default)]
    pay: String,
    /// Set after a refused "I'll pay in store" (`in_store::Refusal::code`).
    #[serde(default)]
    in_store_error: String,
    /// `fr` or `en`: the customer's choice of language, remembered in a
    /// cookie; anything else is ignored (the order's language is used).
    #[serde(default)]
    lang: String,
}

/// The cookie that remembers a `?lang=` choice on this device.
const LANG_COOKIE: &str = "settle_lang";

/// The language the page is shown in: a valid `?lang=` (remembered), else
/// the one remembered on this device, else the order's. Returns it and
/// whether it was just chosen (the answer then sets the cookie).
fn page_lang(o: &order::Model, query: &str, headers: &HeaderMap) -> (Lang, bool) {
    if let Some(l) = Lang::parse(query) {
        return (l, true);
    }
    let remembered = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == LANG_COOKIE)
        .and_then(|(_, value)| Lang::parse(value));
    (remembered.unwrap_or(o.language), false)
}

#[derive(Debug, Default, Deserialize)]
struct ReturnQuery {
    #[serde(default)]
    key: String,
    #[serde(default)]
    payment_intent: String,
}

/// The return page's outcome, shown above the order (fixed texts only).
fn notice_text(code: &str, w: Words) -> Option<(bool, String)> {
    Some(match code {
        "processing" => (false, w.notice_processing()),
        "failed" => (true, w.notice_failed()),
        "unconfirmed" => (true, w.notice_unconfirmed()),
        _ => return None,
    })
}

#[derive(Template)]
#[template(path = "pay/page.html")]
struct PayPage<'a> {
    doc: &'a InvoiceData,
    w: Words,
    state: PayState,
    nonce: &'a str,
    /// The site's stylesheet under the running version (`server::assets`).
    stylesheet: String,
    /// What the form pays: the deposit (or the balance) as the server
    /// decided from the customer's choice.
    pay_amount: String,
    /// The form pays the deposit first.
    paying_deposit: bool,
    /// The other choice, when a deposit is asked: (link, label).
    switch: Option<(String, String)>,
    address: Vec<&'a str>,
    logo_url: Option<&'a str>,
    brand_color: &'a str,
    accent_color: &'a str,
    /// Black or white, whichever reads on the colour (`domain::colour`).
    brand_text: &'static str,
    accent_text: &'static str,
    expired_after: String,
    /// The Stripe Payment Element is shown (Stripe configured and reachable).
    online: bool,
    /// The order-number QR code, for paying at the till (payable or expired).
    show_qr: bool,
    /// "15 December 2026": the day the customer said they will pay in store,
    /// while it has not passed.
    in_store_on: Option<String>,
    /// Where the in-store forms post, and the days the date field offers.
    in_store_action: String,
    in_store_min: String,
    in_store_max: String,
    /// Why the last date was refused, shown beside the field (form open).
    in_store_error: Option<String>,
    /// **Download invoice (PDF)**, in the page's language.
    pdf_url: Option<String>,
    offline_reason: String,
    notice: Option<(bool, String)>,
    publishable_key: &'a str,
    client_secret: &'a str,
    return_url: &'a str,
    stripe_js_url: &'a str,
}

/// One answer for "no such order" and "wrong key", so a guesser learns nothing.
const NOT_FOUND: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Order not found</title><link rel=\"stylesheet\" href=\"{STYLESHEET}\"></head><body class=\"pay\"><main class=\"pay-main\"><h1>Order not found</h1><p>This payment link is not valid. Check that you opened the whole link from your invoice email, or contact the store.</p></main></body></html>";

const THROTTLED: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Too many attempts</title><link rel=\"stylesheet\" href=\"{STYLESHEET}\"></head><body class=\"pay\"><main class=\"pay-main\"><h1>Too many attempts</h1><p>Too many payment links that do not match were opened from this connection. Please wait a few minutes and open the link from your invoice email again.</p></main></body></html>";

/// A short page with the site's stylesheet, which lives under the build's
/// version (`server::assets`): never a fixed `/pkg/settle.css`.
fn short_page(state: &AppState, html: &str) -> String {
    html.replace(
        "{STYLESHEET}",
        &crate::shell::stylesheet_href(&state.leptos_options),
    )
}

fn not_found(state: &AppState) -> Response {
    (StatusCode::NOT_FOUND, Html(short_page(state, NOT_FOUND))).into_response()
}

/// Wrong keys (or numbers) one client address may try in ten minutes.
pub const WRONG_KEYS_PER_ADDRESS: u32 = 20;

/// The window opens with the first wrong key; past the allowance every wrong
/// key is answered 429 until it closes. Right keys are never counted.
pub const WRONG_KEYS: Policy = Policy::Cap {
    max: WRONG_KEYS_PER_ADDRESS,
    window: Duration::from_secs(10 * 60),
};

/// A wrong key or no such order: counted against the client's address,
/// answered 404 while it has wrong keys to spare and 429 once it has not.
/// Only the address is keyed, never the key that was tried.
pub(crate) async fn wrong_key(state: &AppState, client: ClientAddr) -> Response {
    let key = Key::new("pay/wrong-key", &[&client.bucket()]);
    // A client already over its allowance is answered from a read on the
    // readers: a loop of wrong keys never queues behind the one SQLite
    // writer (invoices, webhooks). Only counted attempts write.
    let over = match throttle::peek(&state.readers, &key).await {
        Ok(Some(hits)) => WRONG_KEYS.wait(&hits, throttle::now_ms()),
        _ => None,
    };
    let admitted = match over {
        Some(wait) => Ok(Admission::Refused { wait }),
        None => throttle::admit(&state.db, &key, WRONG_KEYS).await,
    };
    match admitted {
        Ok(Admission::Admitted) => not_found(state),
        Ok(Admission::Refused { wait }) => {
            tracing::warn!(%client, "pay page throttled after wrong keys");
            let mut res = (
                StatusCode::TOO_MANY_REQUESTS,
                Html(short_page(state, THROTTLED)),
            )
                .into_response();
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(whole_seconds(wait)));
            res
        }
        Err(e) => {
            // Not counted this once; the answer is the same 404 either way.
            tracing::error!(error = %e, "counting a wrong pay key");
            not_found(state)
        }
    }
}

async fn pay_page(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(number): Path<String>,
    Query(q): Query<PayQuery>,
    headers: HeaderMap,
) -> Response {
    let found = match find(&state.readers, &number, &q.key).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "loading a pay page");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Html("<!DOCTYPE html><html lang=\"en\"><title>Try again</title><p>The page could not be loaded. Please try again in a moment.</p>"),
            )
                .into_response();
        }
    };
    let Some(mut o) = found else {
        return wrong_key(&state, client).await;
    };
    let (lang, chosen) = page_lang(&o, &q.lang, &headers);
    // The page and everything it prints (amounts, dates) in that language.
    o.language = lang;
    let w = lang.words();
    let choice = if q.pay == "balance" {
        PayChoice::Balance
    } else {
        PayChoice::Next
    };
    // A closed order has no date field to show a refusal beside: that one
    // goes above the order with the other notices.
    let refused = Refusal::from_code(&q.in_store_error);
    let notice = notice_text(&q.notice, w).or_else(|| {
        (refused == Some(Refusal::Closed)).then(|| (true, Refusal::Closed.message_in(w)))
    });
    let field_error = refused.filter(|r| *r != Refusal::Closed);
    match render(&state, &o, notice, field_error, choice).await {
        Ok(Some(mut page)) => {
            if chosen {
                // A year on this device, for this site's pay pages only.
                let cookie =
                    format!(
                    "{LANG_COOKIE}={lang}; Path=/pay; Max-Age=31536000; SameSite=Lax; HttpOnly{}",
                    if state.public_url.starts_with("https://") { "; Secure" } else { "" }
                );
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    page.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            page
        }
        Ok(None) => not_found(&state),
        Err(e) => {
            tracing::error!(error = %e, number = o.number, "rendering a pay page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!DOCTYPE html><html lang=\"en\"><title>Try again</title><p>The page could not be shown. Please try again in a moment.</p>"),
            )
                .into_response()
        }
    }
}

/// **Download invoice (PDF)**: the same key as the page, the same language
/// choice, rendered once per change of the order or the settings.
async fn invoice_pdf(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(number): Path<String>,
    Query(q): Query<PayQuery>,
    headers: HeaderMap,
) -> Response {
    let unavailable = || {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Html("<!DOCTYPE html><html lang=\"en\"><title>Try again</title><p>The invoice could not be made just now. Please try again in a moment.</p>"),
        )
            .into_response()
    };
    let mut o = match find(&state.readers, &number, &q.key).await {
        Ok(Some(o)) => o,
        Ok(None) => return wrong_key(&state, client).await,
        Err(e) => {
            tracing::error!(error = %e, "loading an order for its PDF");
            return unavailable();
        }
    };
    let (lang, _) = page_lang(&o, &q.lang, &headers);
    o.language = lang;
    let cache = &state.pay_cache;
    let store = match cache.settings(&state.readers).await {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(error = %e, "loading settings for a PDF");
            return unavailable();
        }
    };
    let today = crate::domain::StoreZone::stored(&store.time_zone).today(OffsetDateTime::now_utc());
    // Only while the order is owed and payable, or paid: a cancelled,
    // refunded or expired order's PDF would ask for money with a dead link.
    if !matches!(
        pay_state(o.status, o.due_date, store.expiry_grace_days, today),
        Some(PayState::Payable | PayState::Paid)
    ) {
        return not_found(&state);
    }
    let key = (o.updated_at, store.updated_at);
    let slot = (o.id, lang);
    let pdf = match cache.pdf(slot, &key) {
        Some(pdf) => pdf,
        None => {
            // Wait for a render slot, then look again: the same PDF asked
            // for twice at once is rendered once.
            let Ok(_permit) = cache.rendering.acquire().await else {
                return unavailable();
            };
            match cache.pdf(slot, &key) {
                Some(pdf) => pdf,
                None => {
                    let made = crate::orders::service::invoice_pdf(
                        &state.readers,
                        &store,
                        &o,
                        &state.public_url,
                    )
                    .await;
                    match made {
                        Ok(pdf) => {
                            let pdf = axum::body::Bytes::from(pdf);
                            cache.keep_pdf(slot, key, pdf.clone());
                            pdf
                        }
                        Err(e) => {
                            tracing::error!(error = %e, number = o.number, "rendering a PDF invoice");
                            return unavailable();
                        }
                    }
                }
            }
        }
    };
    crate::orders::web::pdf_response(lang, o.number, pdf)
}

/// The order when `number` and `key` both match it. Every order number that
/// parses is looked up and every key compared in constant time, so timing
/// says nothing about which part was wrong.
pub(crate) async fn find(
    db: &DatabaseConnection,
    number: &str,
    key: &str,
) -> Result<Option<order::Model>, DbErr> {
    let (Ok(number), Ok(key)) = (OrderNumber::parse(number), OrderKey::parse(key)) else {
        return Ok(None);
    };
    let Some(o) = order::Entity::find()
        .filter(order::Column::Number.eq(number.get()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(o.order_key.matches(&key).then_some(o))
}

#[derive(Debug, thiserror::Error)]
enum PageError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("{0}")]
    Other(String),
}

async fn render(
    state: &AppState,
    o: &order::Model,
    notice: Option<(bool, String)>,
    field_error: Option<Refusal>,
    choice: PayChoice,
) -> Result<Option<Response>, PageError> {
    let cache = &state.pay_cache;
    let store = cache.settings(&state.readers).await?;
    // The store's date: a pay link expires at the end of the store's day, and a
    // cached page is rendered afresh when that day (not UTC's) changes.
    let today = crate::domain::StoreZone::stored(&store.time_zone).today(OffsetDateTime::now_utc());
    let key = (
        o.updated_at,
        store.updated_at,
        today,
        choice == PayChoice::Balance,
        o.language,
    );
    // A page with a message on it is for this one answer only.
    let plain = notice.is_none() && field_error.is_none();
    if plain {
        if let Some(html) = cache.page(o.id, &key) {
            return Ok(Some(respond(state, &html)));
        }
    }
    let Some((html, cacheable)) =
        build(state, &store, o, notice, field_error, today, choice).await?
    else {
        return Ok(None);
    };
    let html: Arc<str> = html.into();
    if cacheable && plain {
        cache.keep(o.id, key, html.clone());
    }
    Ok(Some(respond(state, &html)))
}

/// The page as HTML with `NONCE_MARK` for the nonce, and whether it may be
/// reused until the order or the settings change (not when Stripe was down).
async fn build(
    state: &AppState,
    store: &settings::Model,
    o: &order::Model,
    notice: Option<(bool, String)>,
    field_error: Option<Refusal>,
    today: Date,
    choice: PayChoice,
) -> Result<Option<(String, bool)>, PageError> {
    let status = o.status;
    let Some(page_state) = pay_state(status, o.due_date, store.expiry_grace_days, today) else {
        return Ok(None);
    };
    let receipt = if page_state == PayState::Paid {
        let zone = crate::domain::StoreZone::stored(&store.time_zone);
        crate::orders::service::paid_summary(&state.readers, &zone, o).await?
    } else {
        None
    };
    let doc = crate::orders::service::order_document(
        &state.readers,
        store,
        o,
        &state.public_url,
        receipt,
    )
    .await
    .map_err(|e| PageError::Other(e.to_string()))?;
    if lock(&state.pay_cache.seen).insert(o.id) {
        record_first_view(&state.db, o.id).await?;
    }
    let mut cacheable = true;
    let w = o.language.words();
    let money =
        |m: i64| crate::i18n::money(crate::domain::Money::from_minor(m, o.currency), o.language);
    let (intent, offline_reason) = match (page_state, &state.stripe) {
        (PayState::Payable, Some(gw)) => {
            // Cancelling an old intent and creating a new one together stay
            // within the one bound the page promises.
            let made = tokio::time::timeout(
                crate::payments::gateway::CALL_TIMEOUT,
                crate::payments::intents::ensure_intent(&state.db, gw, o, choice),
            )
            .await
            .unwrap_or_else(|_| {
                Err(crate::payments::intents::IntentError::Gateway(
                    crate::payments::gateway::GatewayError::Unknown("no answer in time".into()),
                ))
            });
            match made {
                Ok(pi) => (Some(pi), String::new()),
                // Paid or changed a moment ago (the page read a replica):
                // no form, and the next view renders the order afresh.
                Err(crate::payments::intents::IntentError::NotPayable) => {
                    cacheable = false;
                    (None, w.order_changed())
                }
                Err(e) => {
                    tracing::warn!(error = %e, number = o.number, "no PaymentIntent for the pay page");
                    cacheable = false;
                    (None, w.online_unavailable())
                }
            }
        }
        (PayState::Payable, None) => (None, w.online_not_offered()),
        _ => (None, String::new()),
    };
    let return_url = crate::orders::service::pay_return_url(&state.public_url, o);
    let logo_url = store
        .logo_url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    let brand_color = if is_hex(&store.brand_color) {
        store.brand_color.as_str()
    } else {
        "#1f4f82"
    };
    let accent_color = if is_hex(&store.accent_color) {
        store.accent_color.as_str()
    } else {
        "#f2a900"
    };
    let deposit_first = doc.money.deposit_first();
    let paying_deposit = deposit_first && choice == PayChoice::Next;
    // The button says what the intent charges: the intent was made from the
    // ledger as the writer holds it, which a payment at the till a moment
    // ago may have moved past what this page read.
    let pay_amount = match &intent {
        Some(pi) => {
            let charged = money(pi.amount_minor);
            let read = if paying_deposit {
                &doc.money.next_amount
            } else {
                &doc.money.balance
            };
            if &charged != read {
                cacheable = false;
            }
            charged
        }
        None if paying_deposit => doc.money.next_amount.clone(),
        None => doc.money.balance.clone(),
    };
    let switch = deposit_first.then(|| {
        let here = crate::orders::service::pay_url("", o);
        if paying_deposit {
            (
                format!("{here}&pay=balance"),
                w.pay_whole_balance_instead(&doc.money.balance),
            )
        } else {
            (here, w.pay_deposit_instead(&doc.money.next_amount))
        }
    });
    let page = PayPage {
        doc: &doc,
        w,
        pay_amount,
        paying_deposit,
        switch,
        state: page_state,
        nonce: NONCE_MARK,
        stylesheet: crate::shell::stylesheet_href(&state.leptos_options),
        address: store
            .address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect(),
        logo_url,
        brand_color,
        accent_color,
        brand_text: crate::domain::colour::text_on(brand_color),
        accent_text: crate::domain::colour::text_on(accent_color),
        expired_after: expires_after(o.due_date, store.expiry_grace_days)
            .map(|d| crate::i18n::long_date(d, o.language))
            .unwrap_or_default(),
        online: intent.is_some(),
        show_qr: matches!(page_state, PayState::Payable | PayState::Expired),
        // Only a payable order shows the promise: paid or expired, the page
        // says so instead.
        in_store_on: o
            .in_store_on
            .filter(|d| page_state == PayState::Payable && *d >= today)
            .map(|d| crate::i18n::long_date(d, o.language)),
        in_store_action: in_store::action(o),
        in_store_min: today.to_string(),
        in_store_max: in_store::last_day(today).to_string(),
        in_store_error: field_error.map(|r| r.message_in(w)),
        pdf_url: matches!(page_state, PayState::Payable | PayState::Paid).then(|| {
            format!(
                "/pay/{}/invoice.pdf?key={}&lang={}",
                o.number,
                o.order_key.encode(),
                o.language
            )
        }),
        offline_reason,
        notice,
        publishable_key: state
            .stripe
            .as_ref()
            .map_or("", |g| g.publishable_key.as_str()),
        client_secret: intent.as_ref().map_or("", |i| i.client_secret.as_str()),
        return_url: &return_url,
        stripe_js_url: state.stripe.as_ref().map_or("", |g| g.js_url.as_str()),
    };
    let html = page.render().map_err(|e| PageError::Other(e.to_string()))?;
    Ok(Some((html, cacheable)))
}

/// The page with a fresh script nonce and the headers that go with it.
fn respond(state: &AppState, html: &str) -> Response {
    let nonce = crate::orders::OrderKey::generate().encode();
    let mut res = Html(html.replace(NONCE_MARK, &nonce)).into_response();
    let csp = state.csp_template.replace("{nonce}", &nonce);
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    // The page holds the order key in its URL and the order's details: never cached.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn is_hex(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// The first view goes into the timeline ("the customer has seen it").
async fn record_first_view(db: &DatabaseConnection, order_id: i32) -> Result<(), DbErr> {
    let seen = event::Entity::find()
        .filter(event::Column::OrderId.eq(order_id))
        .filter(event::Column::Kind.eq(EventKind::Viewed))
        .one(db)
        .await?;
    if seen.is_none() {
        crate::orders::service::add_event(
            db,
            order_id,
            EventKind::Viewed,
            "Pay page opened by the customer",
            None,
        )
        .await?;
    }
    Ok(())
}

/// Where Stripe.js sends the customer after `confirmPayment`. Asks Stripe for
/// the intent's status so the customer sees the outcome before the webhook
/// lands (a success is recorded here, once, exactly as the webhook would).
async fn return_page(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(number): Path<String>,
    Query(q): Query<ReturnQuery>,
) -> Response {
    use crate::payments::{intent, intents, record, refunds};
    let o = match find(&state.readers, &number, &q.key).await {
        Ok(Some(o)) => o,
        Ok(None) => return wrong_key(&state, client).await,
        Err(e) => {
            tracing::error!(error = %e, "loading an order for the return page");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let back = |notice: &str| {
        let mut url = crate::orders::service::pay_url("", &o);
        if !notice.is_empty() {
            url.push_str("&notice=");
            url.push_str(notice);
        }
        axum::response::Redirect::to(&url).into_response()
    };
    let Some(gw) = state.stripe.clone() else {
        return back("");
    };
    // Only an intent Settle made for this order is looked up (the trust
    // rule: never an intent id the query string merely names).
    let ours = intent::Entity::find()
        .filter(intent::Column::IntentId.eq(q.payment_intent.clone()))
        .filter(intent::Column::OrderId.eq(o.id))
        .one(&state.db)
        .await;
    let Ok(Some(_)) = ours else {
        return back("");
    };
    let pi = match gw.retrieve_intent(&q.payment_intent).await {
        Ok(pi) => pi,
        Err(e) => {
            tracing::warn!(error = %e, "asking Stripe for an intent on the return page");
            let soon = OffsetDateTime::now_utc() + time::Duration::minutes(1);
            if let Err(e) = intents::check_again(&state.db, &q.payment_intent, soon).await {
                tracing::warn!(error = %e, "scheduling a check of an unconfirmed payment");
            }
            return back("unconfirmed");
        }
    };
    let facts = record::IntentFacts::of(&pi);
    match facts.status {
        intent::IntentStatus::Succeeded => {
            match record::record_success(&state.db, &state.public_url, &facts).await {
                Ok(record::Recorded::NeedsRefund { payment_id, .. }) => {
                    let db = state.db.clone();
                    tokio::spawn(async move {
                        if let Err(e) = refunds::refund_second_payment(&db, &gw, payment_id).await {
                            tracing::error!(error = %e, "recording an automatic refund");
                        }
                    });
                }
                Ok(record::Recorded::Foreign) => return back(""),
                Ok(record::Recorded::Paid {
                    order_id,
                    excess_refund,
                }) => {
                    state.outbox_wake.notify_one();
                    let db = state.db.clone();
                    tokio::spawn(async move {
                        let after =
                            intents::after_online_payment(&db, &gw, order_id, excess_refund);
                        if let Err(e) = after.await {
                            tracing::error!(error = %e, "refunding an excess payment or cancelling stale intents");
                        }
                    });
                }
                Ok(_) => state.outbox_wake.notify_one(),
                Err(e) => {
                    tracing::error!(error = %e, "recording a payment from the return page");
                    return back("unconfirmed");
                }
            }
            back("")
        }
        intent::IntentStatus::Processing | intent::IntentStatus::RequiresCapture => {
            // The bank decides later: reconciliation asks again in a minute,
            // whether or not the webhook arrives.
            let soon = OffsetDateTime::now_utc() + time::Duration::minutes(1);
            if let Err(e) = intents::check_again(&state.db, &q.payment_intent, soon).await {
                tracing::warn!(error = %e, "scheduling a check of a processing payment");
            }
            back("processing")
        }
        _ => back("failed"),
    }
}
