//! What Settle counts for Prometheus (server only): one function per
//! business event, called once where the event is committed. Each takes
//! Settle's own types or maps what the network sent onto a short fixed list,
//! so every label value comes from this file: never an email address, an
//! order number, a pay key, an amount or a raw Stripe string. That keeps the
//! number of series bounded and the scrape free of customer data.
//!
//! The `metrics` macros do nothing until a recorder is installed (the
//! server installs one only when `SETTLE_METRICS_ADDR` is set), so these
//! calls cost next to nothing in tests and with metrics off.
use crate::payments::model::PaymentMethod;
use crate::staff::SignInError;

pub const PAYMENTS: &str = "settle_payments_total";
pub const WEBHOOKS: &str = "settle_stripe_webhooks_total";
pub const EMAILS: &str = "settle_emails_total";
pub const AUTOMATIC_REFUNDS: &str = "settle_automatic_refunds_total";
pub const LOGIN_FAILURES: &str = "settle_login_failures_total";

/// Names and explains the counters (`# HELP`); the server calls it once,
/// right after installing the recorder.
pub fn describe() {
    use ::metrics::{describe_counter, Unit};
    describe_counter!(
        PAYMENTS,
        Unit::Count,
        "Payments recorded, by method (stripe, cash, card_terminal, other) and outcome (succeeded, failed, flagged, paid_twice)"
    );
    describe_counter!(
        WEBHOOKS,
        Unit::Count,
        "Stripe webhook deliveries, by event type and result (accepted, ignored, refused, error)"
    );
    describe_counter!(
        EMAILS,
        Unit::Count,
        "Email delivery attempts, by kind (invoice, receipt, reminder, test) and result (sent, retry, failed)"
    );
    describe_counter!(
        AUTOMATIC_REFUNDS,
        Unit::Count,
        "Attempts to refund a second payment automatically, by result (refunded, refunded_elsewhere, failed: retried every minute)"
    );
    describe_counter!(
        LOGIN_FAILURES,
        Unit::Count,
        "Refused staff sign-ins, by reason (invalid, too_long, throttled)"
    );
}

/// How a payment ended, as far as the order is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// The money pays the order.
    Succeeded,
    /// Stripe reported a failed attempt on one of Settle's intents.
    Failed,
    /// Amount or currency differ from the order's: recorded, not paid.
    Flagged,
    /// A second payment of an order already closed: refunded automatically.
    PaidTwice,
}

impl PaymentOutcome {
    fn label(self) -> &'static str {
        match self {
            PaymentOutcome::Succeeded => "succeeded",
            PaymentOutcome::Failed => "failed",
            PaymentOutcome::Flagged => "flagged",
            PaymentOutcome::PaidTwice => "paid_twice",
        }
    }
}

fn method_label(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Stripe => "stripe",
        PaymentMethod::Cash => "cash",
        PaymentMethod::CardTerminal => "card_terminal",
        PaymentMethod::Other => "other",
    }
}

/// A payment row committed (or, for `Failed`, an attempt Stripe reported).
pub fn payment(method: PaymentMethod, outcome: PaymentOutcome) {
    ::metrics::counter!(PAYMENTS, "method" => method_label(method), "outcome" => outcome.label())
        .increment(1);
}

/// What became of one webhook delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookResult {
    /// Verified, stored and acted on.
    Accepted,
    /// Verified and acknowledged, nothing changed: a replay, an event type
    /// Settle does not use, an intent Settle did not create.
    Ignored,
    /// Answered 4xx: not configured, unsigned, badly signed, unreadable.
    Refused,
    /// Answered 5xx: Stripe retries it (the database did not answer).
    Error,
}

impl WebhookResult {
    fn label(self) -> &'static str {
        match self {
            WebhookResult::Accepted => "accepted",
            WebhookResult::Ignored => "ignored",
            WebhookResult::Refused => "refused",
            WebhookResult::Error => "error",
        }
    }
}

/// The event types Settle acts on keep their name; any other type Stripe
/// sends is `other`, and a delivery refused before its signature was
/// checked is `unknown` (its type cannot be trusted, or read).
pub fn webhook_type_label(event_type: Option<&str>) -> &'static str {
    match event_type {
        Some("payment_intent.succeeded") => "payment_intent.succeeded",
        Some("payment_intent.payment_failed") => "payment_intent.payment_failed",
        Some(_) => "other",
        None => "unknown",
    }
}

pub fn webhook(event_type: Option<&str>, result: WebhookResult) {
    ::metrics::counter!(WEBHOOKS, "type" => webhook_type_label(event_type), "result" => result.label())
        .increment(1);
}

/// What became of one attempt to deliver an email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailResult {
    /// The SMTP server accepted it.
    Sent,
    /// A temporary failure: it is tried again after a backoff.
    Retry,
    /// Refused for good (or given up after the last retry).
    Failed,
}

impl EmailResult {
    fn label(self) -> &'static str {
        match self {
            EmailResult::Sent => "sent",
            EmailResult::Retry => "retry",
            EmailResult::Failed => "failed",
        }
    }
}

/// The outbox's kinds (its `kind` column) and the settings page's test
/// message; anything else is `other`.
pub fn email_kind_label(kind: &str) -> &'static str {
    match kind {
        "invoice" => "invoice",
        "receipt" => "receipt",
        "reminder" => "reminder",
        "test" => "test",
        _ => "other",
    }
}

pub fn email(kind: &str, result: EmailResult) {
    ::metrics::counter!(EMAILS, "kind" => email_kind_label(kind), "result" => result.label())
        .increment(1);
}

/// What became of one automatic refund of a second payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoRefund {
    /// Stripe made the refund (or had made it, and Settle found it).
    Refunded,
    /// Someone refunded it in the Stripe dashboard; Settle recorded that.
    RefundedElsewhere,
    /// Stripe did not take it: retried every minute.
    Failed,
}

pub fn automatic_refund(result: AutoRefund) {
    let result = match result {
        AutoRefund::Refunded => "refunded",
        AutoRefund::RefundedElsewhere => "refunded_elsewhere",
        AutoRefund::Failed => "failed",
    };
    ::metrics::counter!(AUTOMATIC_REFUNDS, "result" => result).increment(1);
}

/// A refused sign-in, by the page's own stable code. A failure on our side
/// (`internal`) is not a sign-in failure and is not counted here: the 5xx
/// and the log show it.
pub fn login_failed(error: &SignInError) {
    if matches!(error, SignInError::Internal) {
        return;
    }
    ::metrics::counter!(LOGIN_FAILURES, "reason" => error.code()).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_from_the_network_fall_into_a_fixed_list() {
        assert_eq!(
            webhook_type_label(Some("payment_intent.succeeded")),
            "payment_intent.succeeded"
        );
        assert_eq!(webhook_type_label(Some("customer.created")), "other");
        assert_eq!(
            webhook_type_label(Some("payment_intent.succeeded\"} 1\nx{")),
            "other"
        );
        assert_eq!(webhook_type_label(None), "unknown");
        assert_eq!(email_kind_label("invoice"), "invoice");
        assert_eq!(email_kind_label("ada@example.com"), "other");
    }
}
