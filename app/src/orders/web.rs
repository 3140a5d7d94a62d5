//! Order actions as plain HTML form posts (they work before and without
//! hydration), answered with a 303 back to the order page and a short code
//! the page turns into a message.
use super::create::PaymentChoice;
use super::service::{
    cancel_order, convert_quote, render_invoice, resend_invoice, settle_in_store, InStorePayment,
    OrderActionError,
};
use super::OrderNumber;
use crate::domain::Email;
use crate::state::AppState;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use serde::Deserialize;
use tower_sessions::Session;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders/{number}/cancel", post(cancel))
        .route("/orders/{number}/resend", post(resend))
        .route("/orders/{number}/convert", post(convert))
        .route("/orders/{number}/settle", post(settle))
        .route("/orders/{number}/refund", post(refund))
        .route("/orders/{number}/due", post(due_date))
        .route("/orders/{number}/email", get(preview))
}

#[derive(Debug, Default, Deserialize)]
struct CancelForm {
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
struct ResendForm {
    #[serde(default)]
    email: String,
}

#[derive(Debug, Default, Deserialize)]
struct ConvertForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    due_date: String,
}

#[derive(Debug, Default, Deserialize)]
struct SettleForm {
    /// Ticked when staff confirm taking money while an online payment is in progress.
    #[serde(default)]
    confirm_in_progress: Option<String>,
    #[serde(default)]
    method: String,
    #[serde(default)]
    tendered: String,
    #[serde(default)]
    reference: String,
}

#[derive(Debug, Default, Deserialize)]
struct DueForm {
    #[serde(default)]
    due_date: String,
}

#[derive(Debug, Default, Deserialize)]
struct RefundForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
struct PreviewQuery {
    #[serde(default)]
    part: String,
}

fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, Html("<!DOCTYPE html><title>Sign in</title><p>Please <a href=\"/login\">sign in</a> to continue.</p>")).into_response()
}

fn back(number: i64, query: &str) -> Response {
    Redirect::to(&format!("/orders/{number}?{query}")).into_response()
}

fn outcome(number: i64, done: &str, result: Result<(), OrderActionError>) -> Response {
    match result {
        Ok(()) => back(number, &format!("done={done}")),
        Err(OrderActionError::NotFound(_)) => StatusCode::NOT_FOUND.into_response(),
        Err(OrderActionError::Refused(msg)) if msg.starts_with("Give a reason for the refund") => {
            back(number, "error=refund_reason")
        }
        Err(OrderActionError::Refused(msg)) if msg.starts_with("Give a reason") => {
            back(number, "error=reason")
        }
        Err(OrderActionError::Refused(msg)) if msg.starts_with("Enter the email") => {
            back(number, "error=email")
        }
        Err(OrderActionError::Refused(msg)) if msg.starts_with("The due date") => {
            back(number, "error=due")
        }
        Err(OrderActionError::Refused(msg)) if msg.starts_with("The refund must be") => {
            back(number, "error=refund_amount")
        }
        Err(OrderActionError::Refused(msg)) if msg.starts_with("Stripe did not refund") => {
            back(number, "error=refund_stripe")
        }
        Err(OrderActionError::Refused(msg)) if msg.starts_with("The cash tendered") => {
            back(number, "take=1&error=tendered")
        }
        Err(OrderActionError::Refused(_)) => back(number, "error=refused"),
        Err(e) => {
            tracing::error!(error = %e, number, "order action failed");
            back(number, "error=internal")
        }
    }
}

async fn staff(state: &AppState, session: &Session) -> Option<crate::staff::StaffView> {
    crate::staff::ssr::current_staff(&state.db, session)
        .await
        .ok()
        .flatten()
}

/// Who is acting and on which order number, or the answer to give instead
/// (401 without a session, 404 for a number that is not one).
async fn signed_in_order(
    state: &AppState,
    session: &Session,
    number: &str,
) -> Result<(crate::staff::StaffView, OrderNumber), Response> {
    let Some(who) = staff(state, session).await else {
        return Err(unauthorized());
    };
    let Ok(number) = OrderNumber::parse(number) else {
        return Err(StatusCode::NOT_FOUND.into_response());
    };
    Ok((who, number))
}

async fn cancel(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(form): Form<CancelForm>,
) -> Response {
    let (who, number) = match signed_in_order(&state, &session, &number).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    outcome(
        number.get(),
        "cancelled",
        cancel_order(&state.db, &who, number.get(), &form.reason).await,
    )
}

async fn resend(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(form): Form<ResendForm>,
) -> Response {
    let (who, number) = match signed_in_order(&state, &session, &number).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let to = match form.email.trim() {
        "" => None,
        typed => match Email::parse(typed) {
            Ok(e) => Some(e),
            Err(_) => return back(number.get(), "error=email"),
        },
    };
    let result = resend_invoice(&state.db, &who, &state.public_url, number.get(), to)
        .await
        .map(|_| ());
    if result.is_ok() {
        state.outbox_wake.notify_one();
    }
    outcome(number.get(), "resent", result)
}

fn typed_email(typed: &str) -> Result<Option<Email>, ()> {
    match typed.trim() {
        "" => Ok(None),
        typed => Email::parse(typed).map(Some).map_err(|_| ()),
    }
}

async fn convert(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(form): Form<ConvertForm>,
) -> Response {
    let (who, number) = match signed_in_order(&state, &session, &number).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let Ok(to) = typed_email(&form.email) else {
        return back(number.get(), "error=email");
    };
    let due = match form.due_date.trim() {
        "" => None,
        s => {
            match time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")) {
                Ok(d) => Some(d),
                Err(_) => return back(number.get(), "error=due"),
            }
        }
    };
    let result = convert_quote(&state.db, &who, &state.public_url, number.get(), to, due)
        .await
        .map(|_| ());
    if result.is_ok() {
        state.outbox_wake.notify_one();
    }
    outcome(number.get(), "converted", result)
}

/// The invoice email exactly as it would be sent now, rendered from the
/// stored order: `?part=text` for the plain-text part. Served with a policy
/// of its own (no script at all, inline styles allowed, as mail clients do).
async fn preview(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    axum::extract::Query(q): axum::extract::Query<PreviewQuery>,
) -> Response {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    if staff(&state, &session).await.is_none() {
        return unauthorized();
    }
    let Ok(number) = OrderNumber::parse(&number) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let order = super::model::order::Entity::find()
        .filter(super::model::order::Column::Number.eq(number.get()))
        .one(&state.db)
        .await;
    let store =
        crate::settings::ssr::model::Entity::find_by_id(crate::settings::ssr::model::SINGLETON_ID)
            .one(&state.db)
            .await;
    let (Ok(Some(order)), Ok(Some(store))) = (order, store) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match render_invoice(&state.db, &store, &order, &state.public_url).await {
        Ok(rendered) if q.part == "text" => (
            [
                (axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (axum::http::header::CONTENT_SECURITY_POLICY, "default-src 'none'"),
            ],
            format!("Subject: {}\n\n{}", rendered.subject, rendered.text),
        )
            .into_response(),
        Ok(rendered) => (
            [
                (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    axum::http::header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; img-src http: https:; form-action 'none'; base-uri 'none'",
                ),
            ],
            rendered.html,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, number = number.get(), "rendering an invoice preview");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// **Confirm payment** on the order page: the invoice is settled at the till.
async fn settle(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(form): Form<SettleForm>,
) -> Response {
    let (who, number) = match signed_in_order(&state, &session, &number).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let n = number.get();
    let method = match form.method.as_str() {
        "cash" => PaymentChoice::Cash,
        "card_terminal" => PaymentChoice::CardTerminal,
        "other" => PaymentChoice::Other,
        _ => return back(n, "take=1&error=method"),
    };
    let tendered = match (method, form.tendered.trim()) {
        (PaymentChoice::Cash, t) if !t.is_empty() => {
            let currency = match crate::settings::ssr::currency(&state.db).await {
                Ok(c) => c,
                Err(_) => return back(n, "error=internal"),
            };
            match crate::domain::Money::parse(t, currency) {
                Ok(m) => Some(m.minor()),
                Err(_) => return back(n, "take=1&error=tendered_format"),
            }
        }
        _ => None,
    };
    let order_id = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        match super::model::order::Entity::find()
            .filter(super::model::order::Column::Number.eq(n))
            .one(&state.db)
            .await
        {
            Ok(Some(o)) => o.id,
            Ok(None) => return StatusCode::NOT_FOUND.into_response(),
            Err(_) => return back(n, "error=internal"),
        }
    };
    // The customer may be paying online this very minute: staff confirm first.
    if let (Some(gw), None) = (&state.stripe, &form.confirm_in_progress) {
        match crate::payments::online::payment_in_progress(&state.db, gw, order_id).await {
            Ok(true) => return back(n, "take=1&error=in_progress"),
            Ok(false) => {}
            Err(_) => return back(n, "error=internal"),
        }
    }
    let pay = InStorePayment {
        method,
        tendered_minor: tendered,
        reference: form.reference,
    };
    match settle_in_store(&state.db, &who, &state.public_url, n, pay).await {
        Ok(change) => {
            state.outbox_wake.notify_one();
            // The pay page must not take money any more.
            if let Some(gw) = state.stripe.clone() {
                let db = state.db.clone();
                tokio::spawn(async move {
                    if let Err(e) =
                        crate::payments::online::cancel_open_intents(&db, &gw, order_id).await
                    {
                        tracing::warn!(error = %e, "cancelling open PaymentIntents");
                    }
                });
            }
            match change {
                Some(c) => back(n, &format!("done=paid&change={c}")),
                None => back(n, "done=paid"),
            }
        }
        Err(e) => outcome(n, "paid", Err(e)),
    }
}

/// **Refund** on a paid order (admins): full when the amount is empty.
async fn refund(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(form): Form<RefundForm>,
) -> Response {
    let who = match crate::forms::ssr::staff_for_post(&state, &session, crate::staff::Role::Admin)
        .await
    {
        Ok(who) => who,
        Err(answer) => return answer,
    };
    let Ok(number) = OrderNumber::parse(&number) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let n = number.get();
    let amount = match form.amount.trim() {
        "" => None,
        typed => {
            let Ok(currency) = crate::settings::ssr::currency(&state.db).await else {
                return back(n, "error=internal");
            };
            match crate::domain::Money::parse(typed, currency) {
                Ok(m) => Some(m.minor()),
                Err(_) => return back(n, "error=refund_amount"),
            }
        }
    };
    let result = super::service::refund_order(
        &state.db,
        state.stripe.as_deref(),
        &who,
        n,
        amount,
        &form.reason,
    )
    .await
    .map(|_| ());
    outcome(n, "refunded", result)
}

/// **Change due date** on a payable invoice (also how an expired pay link is extended).
async fn due_date(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(form): Form<DueForm>,
) -> Response {
    let (who, number) = match signed_in_order(&state, &session, &number).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let n = number.get();
    let Ok(due) = time::Date::parse(
        form.due_date.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    ) else {
        return back(n, "error=due");
    };
    outcome(
        n,
        "due_changed",
        super::service::change_due_date(&state.db, &who, n, due).await,
    )
}
