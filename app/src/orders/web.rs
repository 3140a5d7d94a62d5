//! Order actions as plain HTML form posts (they work before and without
//! hydration), answered with a 303 back to the order page and a short code
//! the page turns into a message.
use super::service::{cancel_order, resend_invoice, OrderActionError};
use super::OrderNumber;
use crate::domain::Email;
use crate::state::AppState;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
    routing::post,
    Form, Router,
};
use serde::Deserialize;
use tower_sessions::Session;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders/{number}/cancel", post(cancel))
        .route("/orders/{number}/resend", post(resend))
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
        Err(OrderActionError::Refused(msg)) if msg.starts_with("Give a reason") => {
            back(number, "error=reason")
        }
        Err(OrderActionError::Refused(msg)) if msg.starts_with("Enter the email") => {
            back(number, "error=email")
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

async fn cancel(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(form): Form<CancelForm>,
) -> Response {
    let Some(who) = staff(&state, &session).await else {
        return unauthorized();
    };
    let Ok(number) = OrderNumber::parse(&number) else {
        return StatusCode::NOT_FOUND.into_response();
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
    let Some(who) = staff(&state, &session).await else {
        return unauthorized();
    };
    let Ok(number) = OrderNumber::parse(&number) else {
        return StatusCode::NOT_FOUND.into_response();
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
