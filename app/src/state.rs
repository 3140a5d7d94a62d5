//! The state every handler and server fn shares (server only).
use crate::staff::ssr::{password::PasswordGate, throttle::SignInThrottle};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    /// Read-only connections for the pay page (see `server::db::connect_readers`);
    /// the same pool as `db` on PostgreSQL.
    #[from_ref(skip)]
    pub readers: DatabaseConnection,
    /// Sign-in limits (the counts themselves are in the database).
    pub throttle: Arc<SignInThrottle>,
    /// Where sign-in and password changes hash: a bounded number at once.
    #[from_ref(skip)]
    pub passwords: Arc<PasswordGate>,
    /// `SETTLE_PUBLIC_URL` without a trailing slash: the base of links in emails.
    #[from_ref(skip)]
    pub public_url: Arc<str>,
    /// The Content-Security-Policy for pages, with `{nonce}` where each
    /// response's script nonce goes.
    #[from_ref(skip)]
    pub csp_template: Arc<str>,
    /// Wakes the email outbox worker when a message has just been queued.
    #[from_ref(skip)]
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// The SMTP sender (unconfigured without `SMTP_URL`), for **Send test email**;
    /// the outbox worker holds its own clone.
    #[from_ref(skip)]
    pub mailer: crate::email::ssr::transport::Mailer,
    /// Pay pages, settings and first views kept in memory (see `payments::pay::ssr`).
    #[from_ref(skip)]
    pub pay_cache: Arc<crate::payments::pay::ssr::PayCache>,
    /// Wakes the payments job (see `payments::reconcile`), e.g. after an
    /// order is cancelled so its open PaymentIntents are cancelled at once.
    #[from_ref(skip)]
    pub payments_wake: Arc<tokio::sync::Notify>,
    /// With online payment on: whether an invoice total can be charged
    /// online (`payments::amount`), checked when an invoice is made.
    #[from_ref(skip)]
    pub online_check: Option<crate::orders::service::OnlineCheck>,
    /// Stripe, when all three keys are configured.
    #[from_ref(skip)]
    pub stripe: Option<Arc<crate::payments::gateway::Gateway>>,
}

impl AppState {
    /// The state as a server fn sees it, provided as context by the router.
    pub fn from_context() -> Result<AppState, crate::error::AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server fn context");
            crate::error::AppError::Internal
        })
    }
}
