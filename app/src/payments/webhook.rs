//! `POST /stripe/webhook`: the signature is checked on the raw body, each
//! event is stored once by its id before it is acted on, and the answer comes
//! as soon as the database has it; a refund (a slow Stripe call) runs after.
use super::record::{
    record_failure, record_success, FailureRecorded, IntentFacts, Recorded, MAX_STRIPE_ID_CHARS,
};
use super::refunds::refund_second_payment;
use super::stripe_event;
use crate::counters::{self, WebhookResult};
use crate::state::AppState;
use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use stripe_webhook::{EventObject, WebhookError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/stripe/webhook", post(receive))
}

/// Every refusal is logged at `warn` with why: a refused event is retried
/// by Stripe for days, and a wrong secret or an API-version change must be
/// seen the first time, not after the retries run out.
fn refuse(status: StatusCode, why: &'static str) -> Response {
    tracing::warn!(status = status.as_u16(), why, "Stripe webhook refused");
    (status, why).into_response()
}

/// The `api_version` an event says it was written for, to name in the log
/// when it cannot be read (async-stripe reads the version it was built for).
fn api_version(payload: &str) -> String {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v.get("api_version")?.as_str().map(str::to_owned))
        .unwrap_or_default()
        .chars()
        .take(40)
        .collect()
}

/// What one delivery turned out to be, for the webhook counter.
#[derive(Debug, Default)]
struct Seen {
    /// The event's type, once its signature has been checked.
    kind: Option<String>,
    /// Acknowledged without changing anything.
    ignored: bool,
}

async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let mut seen = Seen::default();
    let response = handle(&state, &headers, &body, &mut seen).await;
    // Read off the answer Stripe gets, so every early return is counted.
    let result = match response.status() {
        s if s.is_success() && seen.ignored => WebhookResult::Ignored,
        s if s.is_success() => WebhookResult::Accepted,
        s if s.is_server_error() => WebhookResult::Error,
        _ => WebhookResult::Refused,
    };
    counters::webhook(seen.kind.as_deref(), result);
    response
}

async fn handle(state: &AppState, headers: &HeaderMap, body: &Bytes, seen: &mut Seen) -> Response {
    let Some(gw) = state.stripe.clone() else {
        return refuse(StatusCode::NOT_FOUND, "Stripe is not configured.");
    };
    let Some(signature) = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
    else {
        return refuse(StatusCode::BAD_REQUEST, "Missing Stripe-Signature header.");
    };
    let Ok(payload) = std::str::from_utf8(body) else {
        return refuse(StatusCode::BAD_REQUEST, "The body is not UTF-8.");
    };
    let event = match gw.verify_event(payload, signature) {
        Ok(event) => event,
        Err(WebhookError::BadTimestamp(_)) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "The signature's timestamp is too old.",
            )
        }
        Err(WebhookError::BadParse(e)) => {
            tracing::warn!(error = %e, api_version = %api_version(payload), "a signed Stripe event could not be read: check the webhook endpoint's API version in the Stripe dashboard");
            return refuse(StatusCode::BAD_REQUEST, "The event could not be read.");
        }
        Err(_) => return refuse(StatusCode::BAD_REQUEST, "Bad signature."),
    };
    let id = event.id.to_string();
    let kind = event.type_.as_str().to_owned();
    seen.kind = Some(kind.clone());
    // PostgreSQL cannot store NUL in text, raw or decoded from `\u0000` into
    // an id, a type or a failure message. Stripe never sends one, so such an
    // event is refused as unreadable rather than failing a write (a 5xx that
    // Stripe would retry for days).
    if payload.contains('\0') || payload.contains("\\u0000") {
        return refuse(StatusCode::BAD_REQUEST, "The event could not be read.");
    }
    // Ids and amounts outside what Stripe sends would fail a column's bounds
    // later (a 5xx, retried for days); refuse them before anything is stored.
    let facts = match &event.data.object {
        EventObject::PaymentIntentSucceeded(pi) | EventObject::PaymentIntentPaymentFailed(pi) => {
            Some(IntentFacts::of(pi))
        }
        _ => None,
    };
    if id.is_empty()
        || id.chars().count() > MAX_STRIPE_ID_CHARS
        || facts.as_ref().is_some_and(|f| !f.plausible())
    {
        return refuse(StatusCode::BAD_REQUEST, "The event could not be read.");
    }

    // Stored first, once: a replay finds the row and changes nothing.
    let now = time::OffsetDateTime::now_utc();
    let stored = stripe_event::ActiveModel {
        id: Set(id.clone()),
        event_type: Set(kind.clone()),
        payload: Set(payload.to_owned()),
        received_at: Set(now),
        processed_at: Set(None),
    }
    .insert(&state.db)
    .await;
    match stored {
        Ok(_) => {}
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            match stripe_event::Entity::find_by_id(id.clone())
                .one(&state.db)
                .await
            {
                // Processed before: acknowledge, do nothing.
                Ok(Some(row)) if row.processed_at.is_some() => {
                    seen.ignored = true;
                    return StatusCode::OK.into_response();
                }
                // Stored but not processed (a crash in between): process it now;
                // processing is idempotent.
                Ok(Some(_)) => {}
                _ => return refuse(StatusCode::SERVICE_UNAVAILABLE, "Try again."),
            }
        }
        Err(e) => {
            tracing::error!(error = %e, event = %id, "storing a Stripe event");
            // Stripe retries a non-2xx delivery.
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "Try again.");
        }
    }

    let acted = match (&event.data.object, facts) {
        (EventObject::PaymentIntentSucceeded(_), Some(facts)) => {
            match record_success(&state.db, &state.public_url, &facts).await {
                Ok(Recorded::NeedsRefund { payment_id, .. }) => {
                    let (db, gw) = (state.db.clone(), gw.clone());
                    tokio::spawn(async move {
                        if let Err(e) = refund_second_payment(&db, &gw, payment_id).await {
                            tracing::error!(error = %e, "recording an automatic refund");
                        }
                    });
                    Ok(())
                }
                Ok(Recorded::Paid {
                    order_id,
                    excess_refund,
                }) => {
                    state.outbox_wake.notify_one();
                    // The excess goes back, and intents for the old balance
                    // stop taking money; both after answering Stripe.
                    let (db, gw) = (state.db.clone(), gw.clone());
                    tokio::spawn(async move {
                        let after =
                            super::intents::after_online_payment(&db, &gw, order_id, excess_refund);
                        if let Err(e) = after.await {
                            tracing::error!(error = %e, "refunding an excess payment or cancelling stale intents");
                        }
                    });
                    Ok(())
                }
                Ok(Recorded::Foreign) => {
                    seen.ignored = true;
                    foreign(&state.db, &id, &kind, &facts.id).await
                }
                Ok(Recorded::Duplicate) => {
                    seen.ignored = true;
                    Ok(())
                }
                Ok(Recorded::Mismatch { .. }) => Ok(()),
                Err(e) => Err(e),
            }
        }
        (EventObject::PaymentIntentPaymentFailed(_), Some(facts)) => {
            match record_failure(&state.db, &facts).await {
                Ok(FailureRecorded::Foreign) => {
                    seen.ignored = true;
                    foreign(&state.db, &id, &kind, &facts.id).await
                }
                Ok(_) => Ok(()),
                Err(e) => Err(e),
            }
        }
        _ => {
            seen.ignored = true;
            tracing::info!(event = %id, kind = %kind, "Stripe event not used by Settle: acknowledged");
            Ok(())
        }
    };
    if let Err(e) = acted {
        tracing::error!(error = %e, event = %id, "acting on a Stripe event; Stripe will retry");
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "Try again.");
    }
    let done = stripe_event::ActiveModel {
        id: Set(id.clone()),
        processed_at: Set(Some(time::OffsetDateTime::now_utc())),
        ..Default::default()
    };
    if let Err(e) = stripe_event::Entity::update(done).exec(&state.db).await {
        tracing::warn!(error = %e, event = %id, "marking a Stripe event processed");
    }
    StatusCode::OK.into_response()
}

/// An event about an intent Settle did not create (the shop's WooCommerce
/// payments share the Stripe account): stored by id (so a replay is
/// recognised) without its payload, which holds someone else's customer's
/// details; acknowledged; nothing changed; said once in the log.
async fn foreign(
    db: &sea_orm::DatabaseConnection,
    event: &str,
    kind: &str,
    intent: &str,
) -> Result<(), sea_orm::DbErr> {
    tracing::warn!(
        event,
        kind,
        intent,
        "Stripe event for a PaymentIntent Settle did not create: acknowledged, nothing changed"
    );
    stripe_event::ActiveModel {
        id: Set(event.to_owned()),
        payload: Set(FOREIGN_PAYLOAD.to_owned()),
        ..Default::default()
    }
    .update(db)
    .await
    .map(|_| ())
}

/// What is kept of an event about someone else's intent.
pub const FOREIGN_PAYLOAD: &str =
    "{\"settle\":\"not a PaymentIntent of Settle's: payload not kept\"}";
