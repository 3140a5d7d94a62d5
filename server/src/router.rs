//! The whole HTTP surface: Leptos pages and server fns, the sign-in forms,
//! health, static files, and the layers every request passes through.
use crate::{config::Config, security};
use app::forms::ssr::{StaffRoute, StaffRoutes};
use app::staff::ssr::password::PasswordGate;
use app::{shell, staff::ssr::session_store::DbSessionStore, state::AppState, App};
use axum::{
    body::Body,
    extract::{DefaultBodyLimit, Request, State},
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tower_http::{compression::CompressionLayer, limit::RequestBodyLimitLayer, trace::TraceLayer};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

/// Request bodies larger than this are refused with 413 before any handler runs.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Staff sessions end after this long without a request.
const SESSION_IDLE: time::Duration = time::Duration::hours(12);

/// The site's file names (`pkg/{OUTPUT_NAME}.js`, `.wasm`, `.css`), from the
/// variable cargo-leptos sets and `.cargo/config.toml` sets for every other
/// build. Leptos decides from that same variable, at compile time, whether
/// pages ask for `{name}.wasm` (what cargo-leptos writes) or `{name}_bg.wasm`;
/// reading it here too means a build without it (cargo run from outside the
/// checkout with `--manifest-path`, which does not read `.cargo/config.toml`)
/// stops at compile time with this message instead of serving a POS that
/// never starts.
const OUTPUT_NAME: &str = env!(
    "LEPTOS_OUTPUT_NAME",
    "run cargo (or cargo leptos) from the Settle checkout, where .cargo/config.toml sets LEPTOS_OUTPUT_NAME, or set LEPTOS_OUTPUT_NAME=settle: without it, pages would ask for settle_bg.wasm, which the build does not write"
);

/// `pkg_dir` is where pages ask for the site's files: the versioned
/// directory of [`crate::assets::SiteFiles`].
pub fn leptos_options(config: &Config, pkg_dir: &str) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(config.site_root.as_str())
        .site_pkg_dir(pkg_dir)
        .site_addr(config.site_addr)
        .build()
}

#[allow(clippy::too_many_arguments)]
pub fn build(
    config: &Config,
    db: DatabaseConnection,
    readers: DatabaseConnection,
    outbox_wake: Arc<tokio::sync::Notify>,
    payments_wake: Arc<tokio::sync::Notify>,
    mailer: app::email::ssr::transport::Mailer,
    stripe: Option<Arc<app::payments::gateway::Gateway>>,
    passwords: Arc<PasswordGate>,
) -> Router {
    let site_files = Arc::new(crate::assets::SiteFiles::load(
        &config.site_root,
        OUTPUT_NAME,
    ));
    let leptos_options = leptos_options(config, &site_files.pkg_dir());
    let state = AppState {
        leptos_options: leptos_options.clone(),
        db: db.clone(),
        readers,
        throttle: Arc::default(),
        passwords,
        public_url: config.public_url.as_str().into(),
        csp_template: security::page_csp_template(config).into(),
        outbox_wake,
        payments_wake,
        mailer,
        pay_cache: Arc::default(),
        online_check: stripe
            .as_ref()
            .map(|_| online_check as app::orders::service::OnlineCheck),
        stripe,
    };
    let sessions = SessionManagerLayer::new(DbSessionStore::new(db))
        .with_name("settle_session")
        .with_secure(config.is_https())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE));

    let routes = generate_route_list(App);
    let (form_routes, upload_routes) = staff_forms();
    let page_state = state.clone();
    let error_state = state.clone();

    let limited = Router::new()
        .route("/healthz", get(healthz))
        .merge(crate::assets::routes(site_files))
        .route(
            "/api/{*fn_name}",
            get(server_fn_handler).post(server_fn_handler),
        )
        .merge(form_routes.into_router())
        .merge(app::payments::pay::ssr::routes())
        .merge(app::payments::webhook::routes())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(page_state.clone()),
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            move || provide_context(error_state.clone()), shell
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));
    // File uploads get a larger allowance of their own; everything else keeps 1 MB.
    let upload_limit = app::catalog::ssr::web::MAX_UPLOAD_BYTES;
    let uploads = upload_routes
        .into_router()
        .layer(DefaultBodyLimit::max(upload_limit))
        .layer(RequestBodyLimitLayer::new(upload_limit));

    // The one-click stop in reminders is posted from wherever the customer
    // reads mail (a provider's server, or a webmail page: cross-site by
    // nature). It uses no session and is guarded by the order's key, so it
    // sits outside the cross-site check that protects signed-in forms.
    let one_click = app::reminders::ssr::web::routes()
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));
    uploads
        .merge(limited)
        .layer(sessions)
        .layer(middleware::from_fn(security::refuse_cross_site))
        .merge(one_click)
        .layer(middleware::from_fn_with_state(
            security::SecurityHeaders::new(config),
            security::add_security_headers,
        ))
        // Outside everything that asks who the client is (the cross-site
        // check, sign-in, the pay page): see `app::proxy`.
        .layer(middleware::from_fn_with_state(
            Arc::new(config.trusted_proxies.clone()),
            app::proxy::resolve_client,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The staff form routes `build` mounts: those under the site-wide body
/// limit, and the uploads, which get a larger limit of their own. A room's
/// form routes are merged here (never straight into the router) so that
/// [`staff_form_routes`] lists them.
fn staff_forms() -> (StaffRoutes, StaffRoutes) {
    let forms = StaffRoutes::new()
        .merge(app::staff::ssr::web::routes())
        .merge(app::orders::web::routes())
        .merge(app::settings::ssr::web::routes())
        .merge(app::setup::ssr::routes())
        .merge(app::catalog::ssr::web::routes())
        .merge(app::customers::web::routes())
        .merge(app::payments::web::routes());
    (forms, app::catalog::ssr::web::upload_routes())
}

/// Every staff form route `build` mounts, with how it is called and who may
/// use it, as each room declared it: what the access sweep test walks, so a
/// new form cannot be missed.
pub fn staff_form_routes() -> Vec<StaffRoute> {
    let (forms, uploads) = staff_forms();
    forms.list().iter().chain(uploads.list()).copied().collect()
}

/// Stripe when its keys are configured; a client that cannot be built is
/// logged and online payment stays off (the pay page says so).
pub fn stripe_gateway(
    config: &Config,
    namespace: &str,
) -> Option<Arc<app::payments::gateway::Gateway>> {
    let keys = config.stripe.as_ref()?;
    match app::payments::gateway::Gateway::new(
        &keys.secret_key,
        &keys.publishable_key,
        &keys.webhook_secret,
        &config.stripe_api_base,
        &config.stripe_js_url,
        namespace,
    ) {
        Ok(gw) => Some(Arc::new(gw)),
        Err(e) => {
            tracing::error!(error = %e, "Stripe client could not be built; online payment is off");
            None
        }
    }
}

async fn server_fn_handler(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.clone()), req).await
}

/// 200 when the database answers, 503 otherwise (load balancers take us out).
async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ok", "database": "ok" })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "error", "database": "unreachable" })),
            )
                .into_response()
        }
    }
}

/// With Stripe on, an invoice must be chargeable in Stripe's units.
fn online_check(total: app::domain::Money) -> Result<(), String> {
    app::payments::amount::to_stripe(total)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
