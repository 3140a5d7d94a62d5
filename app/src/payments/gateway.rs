//! Stripe through async-stripe: the few calls Settle makes, each bounded in
//! time so a slow or unreachable Stripe never holds a page or a till.
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_core::payment_intent::{
    CancelPaymentIntent, CreatePaymentIntent, RetrievePaymentIntent,
};
use stripe_core::refund::CreateRefund;
use stripe_core::PaymentIntent;

/// Stripe configured for this store (all three keys were given).
pub struct Gateway {
    client: Client,
    pub publishable_key: String,
    webhook_secret: String,
    /// Where the pay page loads Stripe.js from (`STRIPE_JS_URL`).
    pub js_url: String,
}

/// Every Stripe call gives up after this long; the page says online payment
/// is temporarily unavailable instead of hanging.
const CALL_TIMEOUT: Duration = Duration::from_secs(8);

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("Stripe answered: {0}")]
    Stripe(String),
    #[error("Stripe did not answer in time")]
    Timeout,
}

impl From<StripeError> for GatewayError {
    fn from(e: StripeError) -> Self {
        GatewayError::Stripe(e.to_string())
    }
}

async fn bounded<T>(
    call: impl std::future::Future<Output = Result<T, StripeError>>,
) -> Result<T, GatewayError> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(result) => result.map_err(GatewayError::from),
        Err(_) => Err(GatewayError::Timeout),
    }
}

/// Attempts for a call that carries our own idempotency key; async-stripe's
/// `Idempotent` strategy tries once, so those calls are retried here.
const ATTEMPTS: u32 = 3;

/// Whether Stripe may answer differently if asked again: its documented
/// transient statuses, or no answer at all.
fn transient(e: &StripeError) -> bool {
    match e {
        StripeError::Stripe(_, status) => matches!(status, 409 | 424 | 429 | 500..=599),
        StripeError::ClientError(_) | StripeError::Timeout => true,
        _ => false,
    }
}

/// Tries `call` up to `ATTEMPTS` times while the failure is transient, all
/// within `CALL_TIMEOUT`. Only for calls with a fixed idempotency key: at
/// Stripe a retry returns the first attempt's object, never a second one.
async fn retried<T, Fut>(mut call: impl FnMut() -> Fut) -> Result<T, GatewayError>
where
    Fut: std::future::Future<Output = Result<T, StripeError>>,
{
    let deadline = tokio::time::Instant::now() + CALL_TIMEOUT;
    let mut attempt = 1;
    loop {
        match tokio::time::timeout_at(deadline, call()).await {
            Err(_) => return Err(GatewayError::Timeout),
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) if attempt < ATTEMPTS && transient(&e) => {
                tracing::info!(attempt, error = %e, "Stripe call failed; retrying");
                let pause = Duration::from_millis(250 << attempt);
                if tokio::time::timeout_at(deadline, tokio::time::sleep(pause))
                    .await
                    .is_err()
                {
                    return Err(e.into());
                }
                attempt += 1;
            }
            Ok(Err(e)) => return Err(e.into()),
        }
    }
}

impl Gateway {
    pub fn new(
        secret_key: &str,
        publishable_key: &str,
        webhook_secret: &str,
        api_base: &str,
        js_url: &str,
    ) -> Result<Gateway, String> {
        let client = ClientBuilder::new(secret_key)
            .url(api_base.trim_end_matches('/'))
            // Calls without a key of ours: up to 3 attempts on 409/429/5xx
            // (1 s, then 2 s apart), each attempt with its own timeout.
            .request_strategy(RequestStrategy::ExponentialBackoff(3))
            .timeout(Duration::from_secs(4))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Gateway {
            client,
            publishable_key: publishable_key.to_owned(),
            webhook_secret: webhook_secret.to_owned(),
            js_url: js_url.to_owned(),
        })
    }

    /// A PaymentIntent for this order and amount. The idempotency key names
    /// both, so a retried create returns the same intent from Stripe.
    pub async fn create_intent(
        &self,
        order_id: i32,
        number: i64,
        amount_minor: i64,
        currency: &str,
    ) -> Result<PaymentIntent, GatewayError> {
        let currency = stripe_types::Currency::from_str(&currency.to_ascii_lowercase())
            .unwrap_or(stripe_types::Currency::USD);
        let metadata = HashMap::from([
            ("order_id".to_owned(), order_id.to_string()),
            ("order_number".to_owned(), number.to_string()),
        ]);
        let key = IdempotencyKey::new(format!("settle-order-{order_id}-{amount_minor}-{currency}"))
            .map_err(|e| GatewayError::Stripe(e.to_string()))?;
        let request = CreatePaymentIntent::new(amount_minor, currency).metadata(metadata);
        retried(|| {
            request
                .customize()
                .request_strategy(RequestStrategy::Idempotent(key.clone()))
                .send(&self.client)
        })
        .await
    }

    pub async fn retrieve_intent(&self, id: &str) -> Result<PaymentIntent, GatewayError> {
        bounded(RetrievePaymentIntent::new(id).send(&self.client)).await
    }

    pub async fn cancel_intent(&self, id: &str) -> Result<PaymentIntent, GatewayError> {
        bounded(CancelPaymentIntent::new(id).send(&self.client)).await
    }

    /// Refunds a succeeded intent in full; returns Stripe's refund id. The
    /// idempotency key names our payment row, so a retry (or a second process
    /// retrying at the same time) cannot refund twice.
    pub async fn refund_intent(&self, id: &str, payment_id: i32) -> Result<String, GatewayError> {
        let key = IdempotencyKey::new(format!("settle-refund-payment-{payment_id}"))
            .map_err(|e| GatewayError::Stripe(e.to_string()))?;
        let request = CreateRefund::new().payment_intent(id);
        let refund = retried(|| {
            request
                .customize()
                .request_strategy(RequestStrategy::Idempotent(key.clone()))
                .send(&self.client)
        })
        .await?;
        Ok(refund.id.to_string())
    }

    /// Refunds part (or all) of a succeeded intent; returns Stripe's refund id.
    pub async fn refund_intent_amount(
        &self,
        id: &str,
        amount_minor: i64,
    ) -> Result<String, GatewayError> {
        let request = CreateRefund::new().payment_intent(id).amount(amount_minor);
        let refund = bounded(request.send(&self.client)).await?;
        Ok(refund.id.to_string())
    }

    /// Checks the `Stripe-Signature` header against the raw body (300 s
    /// tolerance) and parses the event.
    pub fn verify_event(
        &self,
        payload: &str,
        signature: &str,
    ) -> Result<stripe_webhook::Event, stripe_webhook::WebhookError> {
        stripe_webhook::Webhook::construct_event(payload, signature, &self.webhook_secret)
    }
}
