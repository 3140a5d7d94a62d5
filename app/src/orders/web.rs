//! Order actions as plain HTML form posts (they work before and without
//! hydration), answered with a 303 back to the order page and a short code
//! the page turns into a message.
use super::service::{
    cancel_order, convert_quote, render_invoice, resend_invoice, OrderActionError,
};
use super::{OrderNumber, Refusal};
use crate::domain::Email;
use crate::state::AppState;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
    Form,
};
use serde::Deserialize;
use tower_sessions::Session;

pub fn routes() -> crate::forms::ssr::StaffRoutes {
    use crate::forms::ssr::{Access, StaffRoutes};
    StaffRoutes::new()
        .form("/orders/{number}/cancel", Access::STAFF, cancel)
        .form("/orders/{number}/resend", Access::STAFF, resend)
        .form("/orders/{number}/convert", Access::STAFF, convert)
        .form("/orders/{number}/due", Access::STAFF, due_date)
        .form(
            "/orders/{number}/reminders/pause",
            Access::STAFF,
            pause_reminders,
        )
        .form(
            "/orders/{number}/reminders/resume",
            Access::STAFF,
            resume_reminders,
        )
        .get("/orders/{number}/email", Access::STAFF, preview)
        .get("/orders/{number}/invoice.pdf", Access::STAFF, invoice_pdf)
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
struct DueForm {
    #[serde(default)]
    due_date: String,
}

#[derive(Debug, Default, Deserialize)]
struct PauseForm {
    #[serde(default)]
    until: String,
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
struct PreviewQuery {
    #[serde(default)]
    part: String,
}

pub(crate) fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, Html("<!DOCTYPE html><html lang=\"en\"><title>Sign in</title><p>Please <a href=\"/login\">sign in</a> to continue.</p>")).into_response()
}

pub(crate) fn back(number: i64, query: &str) -> Response {
    Redirect::to(&format!("/orders/{number}?{query}")).into_response()
}

/// The answer to an order action: back to the order page with the
/// outcome's stable code, 404 for no such order, 403 for the wrong role.
pub(crate) fn outcome(number: i64, done: &str, result: Result<(), OrderActionError>) -> Response {
    match result {
        Ok(()) => back(number, &format!("done={done}")),
        Err(OrderActionError::NotFound(_)) => StatusCode::NOT_FOUND.into_response(),
        Err(OrderActionError::Refused(Refusal::AdminOnly)) => StatusCode::FORBIDDEN.into_response(),
        Err(OrderActionError::Refused(r)) if r.about_taking_payment() => {
            back(number, &format!("take=1&error={}", r.code()))
        }
        Err(OrderActionError::Refused(r)) => back(number, &format!("error={}", r.code())),
        Err(e) => {
            tracing::error!(error = %e, number, "order action failed");
            back(number, "error=internal")
        }
    }
}

pub(crate) async fn staff(state: &AppState, session: &Session) -> Option<crate::staff::StaffView> {
    crate::staff::ssr::current_staff(&state.db, session)
        .await
        .ok()
        .flatten()
}

/// Who is acting and on which order number, or the answer to give instead
/// (401 without a session, 404 for a number that is not one).
pub(crate) async fn signed_in_order(
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
    let result = cancel_order(&state.db, &who, number.get(), &form.reason).await;
    if result.is_ok() {
        // The payments job cancels the order's open PaymentIntents at once.
        state.payments_wake.notify_one();
    }
    outcome(number.get(), "cancelled", result)
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
    let result = convert_quote(
        &state.db,
        &who,
        &state.public_url,
        number.get(),
        to,
        due,
        state.online_check,
    )
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
    let (order, store) = match staff_order(&state, &session, &number).await {
        Ok(found) => found,
        Err(answer) => return answer,
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
            tracing::error!(error = %e, number = order.number, "rendering an invoice preview");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A staff member's view of order `number` with the store's settings: the
/// answer to send instead when signed out or the order is not there.
async fn staff_order(
    state: &AppState,
    session: &Session,
    number: &str,
) -> Result<
    (
        super::model::order::Model,
        crate::settings::ssr::model::Model,
    ),
    Response,
> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (_, number) = signed_in_order(state, session, number).await?;
    let order = super::model::order::Entity::find()
        .filter(super::model::order::Column::Number.eq(number.get()))
        .one(&state.db)
        .await;
    let store = crate::settings::ssr::store(&state.db).await;
    match (order, store) {
        (Ok(Some(order)), Ok(store)) => Ok((order, store)),
        _ => Err(StatusCode::NOT_FOUND.into_response()),
    }
}

/// The invoice PDF as a download (`facture-1042.pdf`), for the order page
/// and the pay page alike: behind a session or a key, so never kept by a
/// proxy.
pub(crate) fn pdf_response(
    lang: crate::i18n::Lang,
    number: i64,
    pdf: axum::body::Bytes,
) -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    super::service::pdf_file_name(lang, number)
                ),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        pdf,
    )
        .into_response()
}

/// **Download invoice (PDF)** on the order page: the customer's PDF, in the
/// order's language, rendered from the stored order.
async fn invoice_pdf(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Response {
    let (order, store) = match staff_order(&state, &session, &number).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    if !super::service::has_invoice_pdf(order.status) {
        return (
            StatusCode::CONFLICT,
            "No invoice PDF: this order is a quote, cancelled or refunded.",
        )
            .into_response();
    }
    match super::service::invoice_pdf(&state.db, &store, &order, &state.public_url).await {
        Ok(pdf) => pdf_response(order.language, order.number, pdf.into()),
        Err(e) => {
            tracing::error!(error = %e, number = order.number, "rendering a PDF invoice");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
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

/// **Pause reminders** until a day (the store's), with an optional reason.
async fn pause_reminders(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(form): Form<PauseForm>,
) -> Response {
    let (who, number) = match signed_in_order(&state, &session, &number).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let n = number.get();
    // No date, or not one: the same answer as a past one (the date field).
    let Ok(until) = time::Date::parse(
        form.until.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    ) else {
        return back(n, "error=pause_date");
    };
    outcome(
        n,
        "reminders_paused",
        crate::reminders::ssr::actions::pause_reminders(&state.db, &who, n, until, &form.reason)
            .await,
    )
}

/// **Resume reminders** before the pause's day; the next one is planned again.
async fn resume_reminders(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Response {
    let (who, number) = match signed_in_order(&state, &session, &number).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let n = number.get();
    outcome(
        n,
        "reminders_resumed",
        crate::reminders::ssr::actions::resume_reminders(&state.db, &who, n).await,
    )
}
