//! Starting and stopping the server.
use crate::{config::Config, db, router, seed};
use anyhow::Context;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_sessions::session_store::ExpiredDeletion;

pub async fn run(config: Config) -> anyhow::Result<()> {
    let db = db::connect(&config.database_url).await?;
    db::migrate(&db).await?;
    seed::ensure_settings(&db).await?;
    if app::staff::ssr::model::Entity::find().count(&db).await? == 0 {
        tracing::warn!("there are no staff accounts yet: add one with `settle staff add EMAIL --name NAME --admin`");
    }
    let css = std::path::Path::new(&config.site_root).join("pkg/settle.css");
    if !css.exists() {
        tracing::warn!(path = %css.display(), "site assets not found: build them with `cargo leptos build --release` (pages will be unstyled)");
    }
    let listener = TcpListener::bind(config.site_addr)
        .await
        .with_context(|| format!("cannot listen on {} (LEPTOS_SITE_ADDR)", config.site_addr))?;
    tracing::info!(
        "Settle is listening on http://{} (public URL {}, trusted proxies: {})",
        config.site_addr,
        config.public_url,
        config.trusted_proxies
    );
    serve(listener, &config, db, shutdown_signal()).await
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    config: &Config,
    db: DatabaseConnection,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let passwords = Arc::new(app::staff::ssr::password::PasswordGate::new());
    serve_with_passwords(listener, config, db, passwords, shutdown).await
}

/// `serve`, hashing passwords through `passwords` (tests hold on to it to
/// count the argon2 runs a sign-in makes).
pub async fn serve_with_passwords(
    listener: TcpListener,
    config: &Config,
    db: DatabaseConnection,
    passwords: Arc<app::staff::ssr::password::PasswordGate>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let readers = db::connect_readers(&config.database_url, &db).await?;
    // Off by default; when on, on its own listener (stopped when this
    // function returns, with the rest). Started before any background job,
    // so the recorder is installed before the first event is counted: an
    // email the outbox sends at start-up was otherwise lost to the counters.
    let metrics = match config.metrics_addr {
        Some(addr) => Some(crate::metrics::start(addr, readers.clone()).await?),
        None => None,
    };
    let cleanup = tokio::spawn(housekeeping(db.clone()));
    // Without SMTP_URL messages stay queued in the outbox (staff can still read
    // them); they go out once SMTP is configured and the server restarted.
    let wake = std::sync::Arc::new(tokio::sync::Notify::new());
    let mailer = crate::mail::Mailer::new(config.smtp_url.as_deref(), &config.mail_from)
        .map_err(|e| anyhow::anyhow!("invalid SMTP_URL or MAIL_FROM: {e}"))?;
    let worker = if mailer.is_configured() {
        Some(crate::outbox_worker::spawn(
            db.clone(),
            mailer.clone(),
            wake.clone(),
            config.public_url.clone(),
        ))
    } else {
        tracing::warn!("SMTP_URL is not set: emails are kept in the outbox and not delivered");
        None
    };
    let namespace = db::installation_namespace(&db).await?;
    let stripe = router::stripe_gateway(config, &namespace);
    // Lost webhooks, intents of closed orders, refunds to retry or confirm.
    let payments_wake = std::sync::Arc::new(tokio::sync::Notify::new());
    let payments_job = stripe.clone().map(|gw| {
        app::payments::reconcile::spawn(
            db.clone(),
            gw,
            config.public_url.as_str().into(),
            payments_wake.clone(),
        )
    });
    let reminders =
        crate::reminder_worker::spawn(db.clone(), config.public_url.as_str().into(), wake.clone());
    let app = router::build(
        config,
        db,
        readers,
        wake,
        payments_wake,
        mailer,
        stripe,
        passwords,
    );
    // Outermost, so the time includes every layer; absent with metrics off,
    // so a Settle without them pays nothing per request.
    let app = if metrics.is_some() {
        app.layer(axum::middleware::from_fn(crate::metrics::track))
    } else {
        app
    };
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("serving HTTP");
    cleanup.abort();
    reminders.abort();
    drop(metrics);
    if let Some(job) = payments_job {
        job.abort();
    }
    // Safe at any point: a message being sent keeps its lease and is retried.
    if let Some(worker) = worker {
        worker.abort();
    }
    tracing::info!("Settle stopped");
    result
}

/// Throttle rows that are over, every five minutes (a spray of addresses
/// leaves one row each); expired sessions, every hour. Each process runs
/// it; the deletes are idempotent, so several at once do no harm.
async fn housekeeping(db: DatabaseConnection) {
    const SESSIONS_EVERY: u32 = 12;
    let store = app::staff::ssr::session_store::DbSessionStore::new(db.clone());
    let mut every_five_minutes = tokio::time::interval(Duration::from_secs(5 * 60));
    let mut ticks: u32 = 0;
    loop {
        every_five_minutes.tick().await;
        match app::throttle::prune(&db).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(rows = n, "pruned throttle rows"),
            Err(e) => tracing::warn!(error = %e, "pruning throttle rows"),
        }
        if ticks % SESSIONS_EVERY == 0 {
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "deleting expired sessions");
            }
        }
        ticks = ticks.wrapping_add(1);
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
