//! The one-click stop (RFC 8058): a reminder's `List-Unsubscribe` URL. A GET
//! (a person following the link, or a mail scanner checking it) only shows
//! a confirmation page; a POST (the customer's button, or the mail client's
//! one-click `List-Unsubscribe=One-Click`, which carries no session) stops
//! reminders for that order alone. The order's pay key guards it, with the
//! pay page's throttle on wrong keys.
use crate::orders::model::event::EventKind;
use crate::orders::model::order;
use crate::orders::service::{add_event, order_by_id_for_update, pay_url};
use crate::payments::pay::ssr::{find, wrong_key};
use crate::proxy::ClientAddr;
use crate::reminders::Stopped;
use crate::state::AppState;
use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};
use sea_orm::{ActiveModelTrait, DbErr, Set, TransactionTrait};
use serde::Deserialize;
use time::OffsetDateTime;

pub fn routes() -> Router<AppState> {
    Router::new().route("/pay/{number}/stop-reminders", get(confirm_page).post(stop))
}

#[derive(Debug, Default, Deserialize)]
struct KeyQuery {
    #[serde(default)]
    key: String,
}

#[derive(Template)]
#[template(path = "pay/stop_reminders.html")]
struct StopPage<'a> {
    /// The order's language: the page answers a link in its reminder.
    w: crate::i18n::Words,
    stylesheet: String,
    store_name: &'a str,
    number: i64,
    pay_url: String,
    action: String,
    stopped: bool,
    payable: bool,
}

fn page(state: &AppState, o: &order::Model, store_name: &str, stopped: bool) -> Response {
    let pay_url = pay_url(&state.public_url, o);
    let html = StopPage {
        w: o.language.words(),
        stylesheet: crate::shell::stylesheet_href(&state.leptos_options),
        store_name,
        number: o.number,
        action: format!(
            "/pay/{}/stop-reminders?key={}",
            o.number,
            o.order_key.encode()
        ),
        pay_url,
        stopped,
        payable: o.status.is_payable(),
    }
    .render();
    match html {
        Ok(html) => {
            let mut res = Html(html).into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering the stop-reminders page");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html("<!DOCTYPE html><html lang=\"en\"><title>Try again</title><p>The page could not be loaded. Please try again in a moment.</p>"),
    )
        .into_response()
}

async fn confirm_page(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(number): Path<String>,
    Query(q): Query<KeyQuery>,
) -> Response {
    let Ok(found) = find(&state.readers, &number, &q.key).await else {
        return unavailable();
    };
    let Some(o) = found else {
        return wrong_key(&state, client).await;
    };
    let Ok(store) = crate::settings::ssr::store(&state.readers).await else {
        return unavailable();
    };
    page(
        &state,
        &o,
        &store.name,
        o.reminders_stopped == Some(Stopped::Unsubscribed),
    )
}

async fn stop(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(number): Path<String>,
    Query(q): Query<KeyQuery>,
) -> Response {
    let Ok(found) = find(&state.db, &number, &q.key).await else {
        return unavailable();
    };
    let Some(o) = found else {
        return wrong_key(&state, client).await;
    };
    match stop_reminders(&state, o.id).await {
        Ok(Some((o, store_name))) => page(&state, &o, &store_name, true),
        Ok(None) => wrong_key(&state, client).await,
        Err(e) => {
            tracing::error!(error = %e, number = o.number, "stopping reminders");
            unavailable()
        }
    }
}

/// Stops reminders for the order (once: a second click changes nothing).
async fn stop_reminders(
    state: &AppState,
    order_id: i32,
) -> Result<Option<(order::Model, String)>, DbErr> {
    let txn = state.db.begin().await?;
    let store = crate::settings::ssr::store(&txn).await?;
    let Some(o) = order_by_id_for_update(&txn, order_id).await? else {
        return Ok(None);
    };
    if o.reminders_stopped == Some(Stopped::Unsubscribed) {
        return Ok(Some((o, store.name)));
    }
    let mut active: order::ActiveModel = o.into();
    active.reminders_stopped = Set(Some(Stopped::Unsubscribed));
    active.next_reminder_at = Set(None);
    active.next_reminder_step = Set(None);
    active.next_reminder_repeat = Set(None);
    active.updated_at = Set(OffsetDateTime::now_utc());
    let o = active.update(&txn).await?;
    add_event(
        &txn,
        o.id,
        EventKind::RemindersChanged,
        "Reminders stopped: the customer used the link in a reminder",
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(Some((o, store.name)))
}
