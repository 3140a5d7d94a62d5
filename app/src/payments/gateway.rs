//! Stripe through async-stripe: the few calls Settle makes, each bounded in
//! time so a slow or unreachable Stripe never holds a page or a till.
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_core::payment_intent::{
    CancelPaymentIntent, CreatePaymentIntent, ListPaymentIntent, RetrievePaymentIntent,
};
use stripe_core::refund::{CreateRefund, ListRefund};
use stripe_core::PaymentIntent;

use super::amount::{to_stripe, StripeAmountError};
use crate::domain::Money;

/// Stripe configured for this store (all three keys were given).
pub struct Gateway {
    client: Client,
    pub publishable_key: String,
    webhook_secret: String,
    /// Where the pay page loads Stripe.js from (`STRIPE_JS_URL`).
    pub js_url: String,
    /// The secret key is a live one (`sk_live_`/`rk_live_`): real money.
    pub live: bool,
    /// This installation's id (made by the first migration): every
    /// idempotency key and our metadata carry it, so two Settle databases
    /// on one Stripe account never collide.
    namespace: String,
}

/// Every Stripe call gives up after this long; the page says online payment
/// is temporarily unavailable instead of hanging.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(8);

/// Metadata key naming the refund row a Stripe refund was made for.
const REFUND_ROW: &str = "settle_refund";
/// Metadata key naming the installation that made an object.
const INSTALLATION: &str = "settle_installation";

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Stripe answered and refused: nothing happened at Stripe.
    #[error("Stripe refused: {0}")]
    Refused(String),
    /// No answer, a timeout, a 409/429/5xx or an answer we could not read:
    /// the call may or may not have taken effect at Stripe.
    #[error("Stripe did not answer clearly: {0}")]
    Unknown(String),
    /// The amount cannot be written in Stripe's units.
    #[error("{0}")]
    Amount(#[from] StripeAmountError),
}

impl GatewayError {
    /// Whether Stripe may have done what was asked.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, GatewayError::Unknown(_))
    }
}

impl From<StripeError> for GatewayError {
    fn from(e: StripeError) -> Self {
        match &e {
            StripeError::Stripe(_, status) if !transient_status(*status) => {
                GatewayError::Refused(e.to_string())
            }
            StripeError::ConfigError(_) => GatewayError::Refused(e.to_string()),
            _ => GatewayError::Unknown(e.to_string()),
        }
    }
}

/// A refund Stripe holds for one of our PaymentIntents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeRefund {
    pub id: String,
    /// Our refund row, from the metadata we sent with it.
    pub row: Option<i32>,
    /// `pending`, `succeeded`, `failed`, `canceled`, …
    pub status: String,
    /// In Stripe's units.
    pub amount: i64,
}

async fn bounded<T>(
    call: impl std::future::Future<Output = Result<T, StripeError>>,
) -> Result<T, GatewayError> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(result) => result.map_err(GatewayError::from),
        Err(_) => Err(GatewayError::Unknown("no answer in time".into())),
    }
}

/// Attempts for a call that carries our own idempotency key; async-stripe's
/// `Idempotent` strategy tries once, so those calls are retried here.
const ATTEMPTS: u32 = 3;

/// Whether Stripe may answer differently if asked again: its documented
/// transient statuses, or no answer at all.
fn transient(e: &StripeError) -> bool {
    match e {
        StripeError::Stripe(_, status) => transient_status(*status),
        StripeError::ClientError(_) | StripeError::Timeout => true,
        _ => false,
    }
}

fn transient_status(status: u16) -> bool {
    matches!(status, 409 | 424 | 429 | 500..=599)
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
            Err(_) => return Err(GatewayError::Unknown("no answer in time".into())),
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
        namespace: &str,
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
            namespace: namespace.to_owned(),
            live: secret_key.starts_with("sk_live_") || secret_key.starts_with("rk_live_"),
        })
    }

    /// One read from Stripe (the newest PaymentIntent), for the setup check:
    /// succeeds only when Stripe answers and accepts the secret key.
    pub async fn check(&self) -> Result<(), GatewayError> {
        bounded(ListPaymentIntent::new().limit(1).send(&self.client)).await?;
        Ok(())
    }

    fn key(&self, what: &str) -> Result<IdempotencyKey, GatewayError> {
        IdempotencyKey::new(format!("settle-{}-{what}", self.namespace))
            .map_err(|e| GatewayError::Refused(e.to_string()))
    }

    /// A PaymentIntent for this order and amount. The idempotency key names
    /// both, so a retried create returns the same intent from Stripe. The
    /// metadata is for people reading the Stripe dashboard: Settle never
    /// finds an order from it (see `record`).
    pub async fn create_intent(
        &self,
        order_id: i32,
        number: i64,
        amount: Money,
    ) -> Result<PaymentIntent, GatewayError> {
        let stripe_amount = to_stripe(amount)?;
        let code = amount.currency().code().to_ascii_lowercase();
        let currency = stripe_types::Currency::from_str(&code)
            .map_err(|_| GatewayError::Amount(StripeAmountError::Unsupported(amount.currency())))?;
        let metadata = HashMap::from([
            ("order_id".to_owned(), order_id.to_string()),
            ("order_number".to_owned(), number.to_string()),
            (INSTALLATION.to_owned(), self.namespace.clone()),
        ]);
        // One key per call (its retries return the first attempt's intent),
        // a fresh one per call: Stripe replays a saved error, or a cancelled
        // intent, to a reused key for a day.
        let nonce: u64 = rand::random();
        let key = self.key(&format!(
            "intent-{order_id}-{}-{code}-{nonce:016x}",
            amount.minor()
        ))?;
        let request = CreatePaymentIntent::new(stripe_amount, currency).metadata(metadata);
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

    /// Refunds `amount` (all that is left when `None`) of a succeeded intent
    /// for our refund row `row`; returns Stripe's refund id. The idempotency
    /// key and the metadata name the row, which was written before this
    /// call. After an unclear answer it is sent again only once Stripe's
    /// list of the intent's refunds has been read and holds none for the
    /// row: the key alone would do with Stripe, but a refund is money, so it
    /// is never re-sent on the key's word. `Unknown` means it may have been
    /// made; [`Gateway::refunds_of`] finds it later.
    pub async fn refund(
        &self,
        intent_id: &str,
        amount: Option<Money>,
        row: i32,
        attempt: Option<i128>,
    ) -> Result<String, GatewayError> {
        let key = match attempt {
            None => self.key(&format!("refund-{row}"))?,
            Some(n) => self.key(&format!("refund-{row}-{n}"))?,
        };
        let metadata = HashMap::from([
            (REFUND_ROW.to_owned(), row.to_string()),
            (INSTALLATION.to_owned(), self.namespace.clone()),
        ]);
        let mut request = CreateRefund::new()
            .payment_intent(intent_id)
            .metadata(metadata);
        if let Some(amount) = amount {
            request = request.amount(to_stripe(amount)?);
        }
        let deadline = tokio::time::Instant::now() + CALL_TIMEOUT;
        for attempt in 1..=ATTEMPTS {
            let sent = tokio::time::timeout_at(
                deadline,
                request
                    .customize()
                    .request_strategy(RequestStrategy::Idempotent(key.clone()))
                    .send(&self.client),
            )
            .await;
            let unclear = match sent {
                Ok(Ok(refund)) => return Ok(refund.id.to_string()),
                Ok(Err(e)) if !transient(&e) => return Err(e.into()),
                Ok(Err(e)) => GatewayError::from(e),
                Err(_) => GatewayError::Unknown("no answer in time".into()),
            };
            tracing::info!(attempt, error = %unclear, row, "refund answer unclear; asking Stripe before any retry");
            let listed = tokio::time::timeout_at(deadline, self.refunds_of(intent_id)).await;
            match listed {
                Ok(Ok(list)) => {
                    if let Some(made) = list.into_iter().find(|r| r.row == Some(row)) {
                        return Ok(made.id);
                    }
                }
                // Cannot tell whether it was made: stop; confirmed later.
                _ => return Err(unclear),
            }
            if attempt == ATTEMPTS {
                return Err(unclear);
            }
            let pause = Duration::from_millis(250 << attempt);
            if tokio::time::timeout_at(deadline, tokio::time::sleep(pause))
                .await
                .is_err()
            {
                return Err(unclear);
            }
        }
        Err(GatewayError::Unknown("no attempt left".into()))
    }

    /// The refunds Stripe holds for an intent, with the refund row each was
    /// made for when it was made by this installation.
    pub async fn refunds_of(&self, intent_id: &str) -> Result<Vec<StripeRefund>, GatewayError> {
        let list = bounded(
            ListRefund::new()
                .payment_intent(intent_id)
                .limit(100)
                .send(&self.client),
        )
        .await?;
        Ok(list
            .data
            .into_iter()
            .map(|r| {
                let meta = r.metadata.unwrap_or_default();
                let ours = meta.get(INSTALLATION).map(String::as_str) == Some(&self.namespace);
                StripeRefund {
                    id: r.id.to_string(),
                    row: meta
                        .get(REFUND_ROW)
                        .filter(|_| ours)
                        .and_then(|v| v.parse().ok()),
                    status: r.status.unwrap_or_default(),
                    amount: r.amount,
                }
            })
            .collect())
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
