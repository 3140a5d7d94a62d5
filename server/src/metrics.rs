//! Prometheus metrics on an address of their own (`SETTLE_METRICS_ADDR`),
//! never on the public one: the recorder, the middleware that counts and
//! times requests, the outbox gauges, and the small router that answers
//! `GET /metrics` there. The business counters are recorded where the events
//! happen (`app::counters`).
//!
//! Labels are bounded by construction. A request's `route` is the pattern
//! axum matched (`/pay/{number}`, `/orders/{number}/settle`, a server fn's
//! registered path), never the path that was asked for, so no pay key, order
//! number or email address can become a label, and the number of series
//! stays the number of routes.
//!
//! The exporter crate is used for its recorder and text format only (no
//! default features): serving the text from our own axum router costs a few
//! lines, where its HTTP listener would bring a second HTTP server stack and
//! its push gateway a TLS client.
use anyhow::Context;
use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const HTTP_REQUESTS: &str = "settle_http_requests_total";
pub const HTTP_DURATION: &str = "settle_http_request_duration_seconds";
pub const OUTBOX_QUEUED: &str = "settle_outbox_queued_messages";
pub const OUTBOX_OLDEST: &str = "settle_outbox_oldest_queued_seconds";

/// The `route` of a request no route matched that the site's files answered
/// (CSS, wasm, JS, favicon: the router's fallback serves them).
pub const STATIC_ROUTE: &str = "static";
/// The `route` of any other request no route matched (the 404 page).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Upper bounds of the latency buckets, in seconds. The budgets in the
/// design (pay page p50 2 ms and p99 10 ms, Send invoice and webhooks p99
/// 50 ms) are bucket edges, so `histogram_quantile` reads them without
/// interpolating across a budget.
const DURATION_BUCKETS: [f64; 13] = [
    0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram samples are folded into their buckets between
/// scrapes, so memory stays flat when nobody scrapes for a while (the
/// exporter's own default, which only its listener would have scheduled).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The recorder's settings: request latency as a real Prometheus histogram
/// (the exporter's default for histograms is a summary, which cannot be
/// aggregated across processes).
fn builder() -> anyhow::Result<PrometheusBuilder> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), &DURATION_BUCKETS)
        .map_err(|e| anyhow::anyhow!("configuring the latency buckets: {e}"))
}

/// The process's recorder, installed on first use. The `metrics` facade has
/// one global slot, so a second server started in the same process (the
/// tests start many) shares the first one's.
fn recorder() -> anyhow::Result<PrometheusHandle> {
    static INSTALLED: Mutex<Option<PrometheusHandle>> = Mutex::new(None);
    let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(handle) = installed.as_ref() {
        return Ok(handle.clone());
    }
    let handle = builder()?
        .install_recorder()
        .map_err(|e| anyhow::anyhow!("installing the metrics recorder: {e}"))?;
    describe();
    app::counters::describe();
    *installed = Some(handle.clone());
    Ok(handle)
}

fn describe() {
    use ::metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        HTTP_REQUESTS,
        Unit::Count,
        "HTTP requests answered, by route pattern, method and status class"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request (until the response head), by route pattern, method and status class"
    );
    describe_gauge!(
        OUTBOX_QUEUED,
        Unit::Count,
        "Emails in the outbox still to be delivered (queued, including those waiting to retry)"
    );
    describe_gauge!(
        OUTBOX_OLDEST,
        Unit::Seconds,
        "Age of the oldest email still queued, 0 when none is; read from the database at each scrape"
    );
}

/// The metrics listener and its upkeep; dropping it stops both.
pub struct MetricsServer {
    /// The bound address (the port is known even when 0 was asked for).
    pub addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Binds `addr`, installs the recorder and serves `GET /metrics` there.
/// `readers` is used for the outbox gauges (read-only, so a scrape never
/// waits behind SQLite's writer).
pub async fn start(addr: SocketAddr, readers: DatabaseConnection) -> anyhow::Result<MetricsServer> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (SETTLE_METRICS_ADDR)"))?;
    let addr = listener
        .local_addr()
        .context("reading the metrics listener's address")?;
    let handle = recorder()?;
    let upkeep = {
        let handle = handle.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(UPKEEP_EVERY);
            loop {
                every.tick().await;
                handle.run_upkeep();
            }
        })
    };
    let app = routes(handle, readers);
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    tracing::info!("Prometheus metrics on http://{addr}/metrics");
    Ok(MetricsServer {
        addr,
        tasks: vec![upkeep, server],
    })
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    readers: DatabaseConnection,
}

/// `GET /metrics` and nothing else (any other path is a 404).
fn routes(handle: PrometheusHandle, readers: DatabaseConnection) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scrape { handle, readers })
}

async fn scrape(State(scrape): State<Scrape>) -> Response {
    refresh_outbox(&scrape.readers).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        scrape.handle.render(),
    )
        .into_response()
}

/// The outbox gauges, read when Prometheus asks rather than on a timer: the
/// value is as fresh as the scrape, and a Settle nobody scrapes does no work.
/// With several processes on one database each reports the same queue.
async fn refresh_outbox(readers: &DatabaseConnection) {
    match app::email::ssr::outbox::queue_stats(readers).await {
        Ok(stats) => {
            ::metrics::gauge!(OUTBOX_QUEUED).set(stats.queued as f64);
            ::metrics::gauge!(OUTBOX_OLDEST)
                .set(stats.oldest_age_seconds(OffsetDateTime::now_utc()));
        }
        // The rest of the scrape is still worth having; `/healthz` reports
        // the database itself.
        Err(e) => {
            tracing::warn!(error = %e, "reading the outbox for metrics: its gauges keep their last values")
        }
    }
}

/// Middleware (`Router::layer`, so it runs after routing and sees the
/// matched pattern): counts and times every request. Added only when
/// metrics are on.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let response = next.run(req).await;
    let status = response.status();
    let route = route_label(matched, status);
    let class = status_class(status);
    ::metrics::counter!(
        HTTP_REQUESTS,
        "route" => route.clone(),
        "method" => method,
        "status_class" => class
    )
    .increment(1);
    ::metrics::histogram!(
        HTTP_DURATION,
        "route" => route,
        "method" => method,
        "status_class" => class
    )
    .record(started.elapsed().as_secs_f64());
    response
}

/// The matched pattern; without one, whether the site's files answered.
fn route_label(matched: Option<String>, status: StatusCode) -> String {
    match matched {
        Some(pattern) => pattern,
        None if status.is_success() || status == StatusCode::NOT_MODIFIED => {
            STATIC_ROUTE.to_owned()
        }
        None => UNMATCHED_ROUTE.to_owned(),
    }
}

/// Methods are whatever a client sends; the standard ones keep their name.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        5 => "5xx",
        // 600–999 are valid to `http`, meaningless to HTTP.
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_patterns_and_classes_never_what_was_asked() {
        assert_eq!(
            route_label(Some("/pay/{number}".into()), StatusCode::OK),
            "/pay/{number}"
        );
        assert_eq!(route_label(None, StatusCode::OK), STATIC_ROUTE);
        assert_eq!(route_label(None, StatusCode::NOT_MODIFIED), STATIC_ROUTE);
        assert_eq!(route_label(None, StatusCode::NOT_FOUND), UNMATCHED_ROUTE);
        assert_eq!(status_class(StatusCode::SEE_OTHER), "3xx");
        assert_eq!(status_class(StatusCode::TOO_MANY_REQUESTS), "4xx");
        assert_eq!(status_class(StatusCode::SERVICE_UNAVAILABLE), "5xx");
        assert_eq!(method_label(&Method::POST), "POST");
        let made_up = Method::from_bytes(b"PAY1001").expect("a valid method token");
        assert_eq!(method_label(&made_up), "other");
    }

    #[test]
    fn latency_is_a_histogram_with_the_budgets_as_bucket_edges() {
        let recorder = builder().expect("valid buckets").build_recorder();
        ::metrics::with_local_recorder(&recorder, || {
            ::metrics::histogram!(HTTP_DURATION, "route" => "/pay/{number}").record(0.0015);
        });
        let text = recorder.handle().render();
        assert!(
            text.contains("# TYPE settle_http_request_duration_seconds histogram"),
            "{text}"
        );
        for line in [
            "settle_http_request_duration_seconds_bucket{route=\"/pay/{number}\",le=\"0.001\"} 0",
            "settle_http_request_duration_seconds_bucket{route=\"/pay/{number}\",le=\"0.002\"} 1",
            "settle_http_request_duration_seconds_bucket{route=\"/pay/{number}\",le=\"0.01\"} 1",
            "settle_http_request_duration_seconds_bucket{route=\"/pay/{number}\",le=\"0.05\"} 1",
            "settle_http_request_duration_seconds_count{route=\"/pay/{number}\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }
}
