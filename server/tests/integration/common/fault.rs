//! A fault-injecting proxy in front of a real upstream (the Stripe double):
//! answers the next N requests with a chosen status (before they reach the
//! upstream, or after, as when an answer is lost on the way back), forwards
//! the rest, and counts every request so a test can check retries are bounded.
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize, Ordering};
use std::sync::Arc;

pub const ALWAYS: usize = usize::MAX;

struct Faults {
    upstream: String,
    client: reqwest::Client,
    status: AtomicU16,
    remaining: AtomicUsize,
    hits: AtomicUsize,
    /// Failing requests still reach the upstream; only the answer is replaced.
    after_forwarding: AtomicBool,
    /// Failing requests get no answer for a minute (a Stripe that hangs).
    hanging: AtomicBool,
}

pub struct FaultProxy {
    pub base_url: String,
    faults: Arc<Faults>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    pub async fn start(upstream: &str) -> FaultProxy {
        let faults = Arc::new(Faults {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            status: AtomicU16::new(500),
            remaining: AtomicUsize::new(0),
            hits: AtomicUsize::new(0),
            after_forwarding: AtomicBool::new(false),
            hanging: AtomicBool::new(false),
        });
        let router = axum::Router::new()
            .fallback(forward)
            .with_state(faults.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        FaultProxy {
            base_url: format!("http://{addr}"),
            faults,
            task,
        }
    }

    /// The next `times` requests (or all, with `ALWAYS`) get `status`.
    pub fn fail(&self, status: u16, times: usize) {
        self.faults.after_forwarding.store(false, Ordering::SeqCst);
        self.faults.hanging.store(false, Ordering::SeqCst);
        self.set(status, times);
    }

    /// The next `times` requests get no answer for a minute.
    pub fn hang(&self, times: usize) {
        self.fail(504, times);
        self.faults.hanging.store(true, Ordering::SeqCst);
    }

    /// The next `times` requests reach the upstream, which acts on them, but
    /// their answer is replaced by `status`: Stripe did it, we never heard.
    pub fn lose_answers(&self, status: u16, times: usize) {
        self.faults.after_forwarding.store(true, Ordering::SeqCst);
        self.faults.hanging.store(false, Ordering::SeqCst);
        self.set(status, times);
    }

    fn set(&self, status: u16, times: usize) {
        self.faults.status.store(status, Ordering::SeqCst);
        self.faults.remaining.store(times, Ordering::SeqCst);
        self.faults.hits.store(0, Ordering::SeqCst);
    }

    pub fn heal(&self) {
        self.fail(500, 0);
    }

    /// Requests seen since the last `fail`.
    pub fn hits(&self) -> usize {
        self.faults.hits.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    State(f): State<Arc<Faults>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    f.hits.fetch_add(1, Ordering::SeqCst);
    let failing = f
        .remaining
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| match n {
            0 => None,
            ALWAYS => Some(ALWAYS),
            n => Some(n - 1),
        })
        .is_ok();
    if failing && f.hanging.load(Ordering::SeqCst) {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
    if failing && f.after_forwarding.load(Ordering::SeqCst) {
        let _ = send_upstream(&f, method.clone(), &uri, &headers, body.clone()).await;
    }
    if failing {
        let status = StatusCode::from_u16(f.status.load(Ordering::SeqCst))
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let kind = if status == StatusCode::TOO_MANY_REQUESTS {
            "rate_limit_error"
        } else {
            "api_error"
        };
        let body =
            serde_json::json!({ "error": { "type": kind, "message": "injected by the test" } });
        return (
            status,
            [("content-type", "application/json")],
            body.to_string(),
        )
            .into_response();
    }
    match send_upstream(&f, method, &uri, &headers, body).await {
        Ok(res) => {
            let status =
                StatusCode::from_u16(res.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let content_type = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_owned();
            let body = res.bytes().await.unwrap_or_default();
            (status, [("content-type", content_type)], body).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

async fn send_upstream(
    f: &Faults,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> reqwest::Result<reqwest::Response> {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut req = f
        .client
        .request(method, format!("{}{path}", f.upstream))
        .body(body);
    for (name, value) in headers {
        if name != "host" && name != "content-length" {
            req = req.header(name, value);
        }
    }
    req.send().await
}
