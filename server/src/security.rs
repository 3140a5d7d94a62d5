//! Response headers every answer carries, and the cross-site request check.
use axum::{
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::Arc;

use crate::config::Config;

/// The page CSP with a `{nonce}` placeholder (filled per response by the shell).
/// Stripe.js needs its script origin, its frames and its API; everything else is
/// this origin only, and no page of ours may be framed.
pub fn page_csp_template(config: &Config) -> String {
    let stripe_js = Config::origin_of(&config.stripe_js_url).unwrap_or_default();
    let stripe_api = Config::origin_of(&config.stripe_api_base).unwrap_or_default();
    format!(
        "default-src 'self'; \
         script-src 'self' 'nonce-{{nonce}}' 'wasm-unsafe-eval' {stripe_js}; \
         style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: https:; \
         connect-src 'self' {stripe_js} {stripe_api}; \
         frame-src {stripe_js} https://*.stripe.com; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )
}

/// For answers that are not pages (JSON, health, static files): nothing may run or frame.
const FALLBACK_CSP: &str = "default-src 'none'; style-src 'self'; frame-ancestors 'none'";

#[derive(Clone)]
pub struct SecurityHeaders {
    hsts: bool,
}

impl SecurityHeaders {
    pub fn new(config: &Config) -> Arc<Self> {
        Arc::new(SecurityHeaders {
            hsts: config.is_https(),
        })
    }
}

pub async fn add_security_headers(
    axum::extract::State(cfg): axum::extract::State<Arc<SecurityHeaders>>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(FALLBACK_CSP));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pay links carry the order key in the query: never send it to other sites.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    // Pages carry a customer's name, address and order, or a staff member's
    // view of the shop: no shared cache keeps them and no browser writes them
    // to disk for the next person at a shared computer. A handler that knows
    // better (none does today) sets its own.
    let is_html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    if cfg.hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// Refuses state-changing requests that a browser says come from another site.
/// Session cookies are SameSite=Lax already; this closes the remaining gaps
/// (old browsers, same-site subdomains) for every form and server fn at once.
/// Requests without browser headers (Stripe's webhook, curl) pass: they carry
/// no cookies a forger could borrow.
///
/// Behind a proxy that rewrites `Host`, the host the browser asked for is the
/// one a trusted proxy reports (`app::proxy::ForwardedHost`); from anyone
/// else only `Host` counts.
pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    let forwarded_host = req
        .extensions()
        .get::<app::proxy::ForwardedHost>()
        .map(|h| h.0.as_str());
    if is_cross_site_write(req.method(), req.headers(), forwarded_host) {
        tracing::warn!(path = %req.uri().path(), "refused a cross-site request");
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not accepted.",
        )
            .into_response();
    }
    next.run(req).await
}

fn is_cross_site_write(method: &Method, headers: &HeaderMap, forwarded_host: Option<&str>) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "cross-site" || site == "same-site";
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = forwarded_host.or_else(|| headers.get(header::HOST).and_then(|v| v.to_str().ok()));
    match (origin, host) {
        // "null" is what sandboxed frames and some redirects send.
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or(origin);
            !origin_host.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_detection() {
        let post = Method::POST;
        assert!(!is_cross_site_write(
            &Method::GET,
            &headers(&[("sec-fetch-site", "cross-site")]),
            None
        ));
        assert!(is_cross_site_write(
            &post,
            &headers(&[("sec-fetch-site", "cross-site")]),
            None
        ));
        assert!(!is_cross_site_write(
            &post,
            &headers(&[("sec-fetch-site", "same-origin")]),
            None
        ));
        assert!(is_cross_site_write(
            &post,
            &headers(&[("origin", "https://evil.example"), ("host", "shop.example")]),
            None
        ));
        assert!(!is_cross_site_write(
            &post,
            &headers(&[("origin", "https://shop.example"), ("host", "shop.example")]),
            None
        ));
        assert!(is_cross_site_write(
            &post,
            &headers(&[("origin", "null"), ("host", "shop.example")]),
            None
        ));
        assert!(!is_cross_site_write(
            &post,
            &headers(&[("host", "shop.example")]),
            None
        ));
    }

    #[test]
    fn a_trusted_proxys_host_stands_for_host() {
        let post = Method::POST;
        // The proxy rewrote Host to its upstream; the browser asked for shop.example.
        let proxied = headers(&[
            ("origin", "https://shop.example"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(is_cross_site_write(&post, &proxied, None));
        assert!(!is_cross_site_write(&post, &proxied, Some("shop.example")));
        let forged = headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(is_cross_site_write(&post, &forged, Some("shop.example")));
    }
}
