//! Money moving at the order page, as plain HTML form posts (they work
//! before and without hydration): **Confirm payment** (in store) and
//! **Refund** (admins), answered with a 303 back to the order page.
use super::model::PaymentMethod;
use super::refunds::{refund_order, RefundOutcome};
use super::till::{settle_in_store, InStorePayment};
use crate::forms::ssr::{Access, StaffRoutes};
use crate::orders::web::{back, outcome, signed_in_order};
use crate::orders::OrderNumber;
use crate::state::AppState;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Form,
};
use serde::Deserialize;
use tower_sessions::Session;

pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .form("/orders/{number}/settle", Access::STAFF, settle)
        .form("/orders/{number}/refund", Access::ADMIN, refund)
}

#[derive(Debug, Default, Deserialize)]
struct SettleForm {
    /// Ticked when staff confirm taking money while an online payment is in progress.
    #[serde(default)]
    confirm_in_progress: Option<String>,
    #[serde(default)]
    method: String,
    /// What is paid now; empty for the whole balance.
    #[serde(default)]
    amount: String,
    #[serde(default)]
    tendered: String,
    #[serde(default)]
    reference: String,
}

#[derive(Debug, Default, Deserialize)]
struct RefundForm {
    /// The payment to refund (its row id); empty for the latest that holds money.
    #[serde(default)]
    payment: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
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
        "cash" => PaymentMethod::Cash,
        "card_terminal" => PaymentMethod::CardTerminal,
        "other" => PaymentMethod::Other,
        _ => return back(n, "take=1&error=method"),
    };
    let (order_id, currency) = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        match crate::orders::model::order::Entity::find()
            .filter(crate::orders::model::order::Column::Number.eq(n))
            .one(&state.db)
            .await
        {
            Ok(Some(o)) => (o.id, o.currency),
            Ok(None) => return StatusCode::NOT_FOUND.into_response(),
            Err(_) => return back(n, "error=internal"),
        }
    };
    // Empty: the whole balance (the form fills it in; a browser without it
    // posts nothing).
    let amount = match form.amount.trim() {
        "" => None,
        typed => match crate::domain::Money::parse(typed, currency) {
            Ok(m) => Some(m.minor()),
            Err(_) => return back(n, "take=1&error=amount_format"),
        },
    };
    let tendered = match (method, form.tendered.trim()) {
        (PaymentMethod::Cash, t) if !t.is_empty() => match crate::domain::Money::parse(t, currency)
        {
            Ok(m) => Some(m.minor()),
            Err(_) => return back(n, "take=1&error=tendered_format"),
        },
        _ => None,
    };
    // The customer may be paying online this very minute: staff confirm
    // first. A payment Stripe already took is recorded, never taken twice.
    if let Some(gw) = &state.stripe {
        use super::intents::{online_now, OnlineNow};
        match online_now(&state.db, gw, &state.public_url, order_id).await {
            Ok(OnlineNow::Paid) => {
                state.outbox_wake.notify_one();
                return back(n, "error=paid_online");
            }
            Ok(OnlineNow::InProgress) if form.confirm_in_progress.is_none() => {
                return back(n, "take=1&error=in_progress")
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, n, "asking Stripe before taking payment in store");
                return back(n, "error=internal");
            }
        }
    }
    let pay = InStorePayment {
        method,
        amount_minor: amount,
        tendered_minor: tendered,
        reference: form.reference,
        online: state.online_check,
    };
    match settle_in_store(&state.db, &who, &state.public_url, n, pay).await {
        Ok(settled) => {
            let order_id = settled.order_id;
            state.outbox_wake.notify_one();
            // The pay page must not take money any more.
            if let Some(gw) = state.stripe.clone() {
                let db = state.db.clone();
                tokio::spawn(async move {
                    if let Err(e) = super::intents::cancel_stale_intents(&db, &gw, order_id).await {
                        tracing::warn!(error = %e, "cancelling open PaymentIntents");
                    }
                });
            }
            let done = if settled.status == crate::orders::OrderStatus::Paid {
                "paid"
            } else {
                "part_paid"
            };
            match settled.change_minor {
                Some(c) => back(n, &format!("done={done}&change={c}")),
                None => back(n, &format!("done={done}")),
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
    let payment = match form.payment.trim() {
        "" => None,
        typed => match typed.parse::<i32>() {
            Ok(id) => Some(id),
            Err(_) => return back(n, "error=refused"),
        },
    };
    let result = refund_order(
        &state.db,
        state.stripe.as_deref(),
        &who,
        n,
        payment,
        amount,
        &form.reason,
    )
    .await;
    match result {
        Ok(RefundOutcome::Made { .. }) => back(n, "done=refunded"),
        Ok(RefundOutcome::Confirming) => back(n, "done=refund_confirming"),
        Ok(RefundOutcome::EarlierConfirmed) => back(n, "done=refund_confirmed"),
        Ok(RefundOutcome::EarlierFailed) => back(n, "error=refund_earlier_failed"),
        Err(e) => outcome(n, "refunded", Err(e)),
    }
}
