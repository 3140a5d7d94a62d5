//! Configuration from the environment (and a `.env` file), validated once at
//! start-up. Every error names the variable, so the operator knows what to fix.
use app::proxy::TrustedProxies;
use std::net::SocketAddr;
use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone)]
pub struct StripeConfig {
    pub secret_key: String,
    pub publishable_key: String,
    pub webhook_secret: String,
}

// Secrets never reach logs, not even through `{:?}`.
impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("publishable_key", &self.publishable_key)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub site_addr: SocketAddr,
    /// Without a trailing slash.
    pub public_url: String,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub stripe: Option<StripeConfig>,
    pub stripe_api_base: String,
    pub stripe_js_url: String,
    pub log_format: LogFormat,
    /// Where cargo-leptos put the built site (CSS, wasm, JS).
    pub site_root: String,
    /// Where Prometheus scrapes `/metrics`; `None` (the default) serves no
    /// metrics and installs no recorder.
    pub metrics_addr: Option<SocketAddr>,
    /// `SETTLE_TRUSTED_PROXIES`: only from these is `X-Forwarded-For` (or
    /// `Forwarded`) believed. Empty by default: every client is its connection.
    pub trusted_proxies: TrustedProxies,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("site_addr", &self.site_addr)
            .field("public_url", &self.public_url)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from)
            .field("stripe", &self.stripe)
            .field("stripe_api_base", &self.stripe_api_base)
            .field("log_format", &self.log_format)
            .field("metrics_addr", &self.metrics_addr)
            .field("trusted_proxies", &self.trusted_proxies.to_string())
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("invalid {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

fn err(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

/// Reads one variable; unset and empty both mean "not set".
fn var(name: &'static str) -> Result<Option<String>, ConfigError> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v.trim().to_owned())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(err(name, "the value is not valid UTF-8")),
    }
}

fn http_url(name: &'static str, value: &str) -> Result<String, ConfigError> {
    let url = Url::parse(value)
        .map_err(|e| err(name, format!("{e} (expected an http:// or https:// URL)")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(err(name, "expected an http:// or https:// URL with a host"));
    }
    Ok(value.trim_end_matches('/').to_owned())
}

impl Config {
    /// Loads `.env` (if present) and then the process environment, which wins.
    pub fn from_env() -> Result<Config, ConfigError> {
        if let Err(e) = dotenvy::dotenv() {
            if !e.not_found() {
                return Err(err(".env", e.to_string()));
            }
        }
        Self::from_vars()
    }

    /// The environment as it is, without reading `.env` (tests).
    pub fn from_vars() -> Result<Config, ConfigError> {
        let database_url =
            var("DATABASE_URL")?.unwrap_or_else(|| "sqlite://settle.db?mode=rwc".to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(err("DATABASE_URL", "expected sqlite://… or postgres://…"));
        }

        let site_addr = var("LEPTOS_SITE_ADDR")?.unwrap_or_else(|| "127.0.0.1:3000".to_owned());
        let site_addr: SocketAddr = site_addr.parse().map_err(|_| {
            err(
                "LEPTOS_SITE_ADDR",
                format!("\"{site_addr}\" is not an address such as 127.0.0.1:3000"),
            )
        })?;

        let public_url = http_url(
            "SETTLE_PUBLIC_URL",
            &var("SETTLE_PUBLIC_URL")?.unwrap_or_else(|| format!("http://{site_addr}")),
        )?;

        let smtp_url = match var("SMTP_URL")? {
            Some(raw) => {
                let url = Url::parse(&raw).map_err(|e| {
                    err(
                        "SMTP_URL",
                        format!("{e} (expected smtp://user:pass@host:587?tls=required)"),
                    )
                })?;
                if !matches!(url.scheme(), "smtp" | "smtps") || url.host_str().is_none() {
                    return Err(err(
                        "SMTP_URL",
                        "expected smtp://… or smtps://… with a host",
                    ));
                }
                lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&raw)
                    .map_err(|e| err("SMTP_URL", e.to_string()))?;
                Some(raw)
            }
            None => None,
        };

        let mail_from =
            var("MAIL_FROM")?.unwrap_or_else(|| "Settle <invoices@localhost>".to_owned());
        mail_from.parse::<lettre::message::Mailbox>().map_err(|e| {
            err(
                "MAIL_FROM",
                format!("{e} (expected Name <address@example.com>)"),
            )
        })?;

        let stripe = {
            let secret = var("STRIPE_SECRET_KEY")?;
            let publishable = var("STRIPE_PUBLISHABLE_KEY")?;
            let webhook = var("STRIPE_WEBHOOK_SECRET")?;
            match (secret, publishable, webhook) {
                (None, None, None) => None,
                (Some(s), Some(p), Some(w)) => {
                    if !s.starts_with("sk_") && !s.starts_with("rk_") {
                        return Err(err(
                            "STRIPE_SECRET_KEY",
                            "expected a key starting with sk_ or rk_",
                        ));
                    }
                    if !p.starts_with("pk_") {
                        return Err(err(
                            "STRIPE_PUBLISHABLE_KEY",
                            "expected a key starting with pk_",
                        ));
                    }
                    if !w.starts_with("whsec_") {
                        return Err(err(
                            "STRIPE_WEBHOOK_SECRET",
                            "expected a secret starting with whsec_",
                        ));
                    }
                    Some(StripeConfig {
                        secret_key: s,
                        publishable_key: p,
                        webhook_secret: w,
                    })
                }
                (s, p, _) => {
                    let missing = if s.is_none() {
                        "STRIPE_SECRET_KEY"
                    } else if p.is_none() {
                        "STRIPE_PUBLISHABLE_KEY"
                    } else {
                        "STRIPE_WEBHOOK_SECRET"
                    };
                    return Err(err(
                        missing,
                        "set all three STRIPE_* keys, or none to take payments in store only",
                    ));
                }
            }
        };

        let stripe_api_base = http_url(
            "STRIPE_API_BASE",
            &var("STRIPE_API_BASE")?.unwrap_or_else(|| "https://api.stripe.com".to_owned()),
        )?;
        // The trailing slash matters here (Stripe serves /v3/), so keep it as given.
        let stripe_js_url =
            var("STRIPE_JS_URL")?.unwrap_or_else(|| "https://js.stripe.com/v3/".to_owned());
        http_url("STRIPE_JS_URL", &stripe_js_url)?;

        let log_format = match var("SETTLE_LOG_FORMAT")?.as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(err(
                    "SETTLE_LOG_FORMAT",
                    format!("\"{other}\" is neither text nor json"),
                ))
            }
        };

        let site_root = var("LEPTOS_SITE_ROOT")?.unwrap_or_else(|| "target/site".to_owned());

        // Its own address, never the public one: the metrics name no customer,
        // but they tell anyone who can read them how much the shop sells.
        let metrics_addr = match var("SETTLE_METRICS_ADDR")? {
            None => None,
            Some(raw) => {
                let addr: SocketAddr = raw.parse().map_err(|_| {
                    err(
                        "SETTLE_METRICS_ADDR",
                        format!("\"{raw}\" is not an address such as 127.0.0.1:9100"),
                    )
                })?;
                if addr == site_addr {
                    return Err(err(
                        "SETTLE_METRICS_ADDR",
                        format!("{addr} is LEPTOS_SITE_ADDR: metrics need an address of their own"),
                    ));
                }
                Some(addr)
            }
        };
        let trusted_proxies = match var("SETTLE_TRUSTED_PROXIES")? {
            Some(list) => TrustedProxies::parse(&list)
                .map_err(|e| err("SETTLE_TRUSTED_PROXIES", e.to_string()))?,
            None => TrustedProxies::default(),
        };

        Ok(Config {
            database_url,
            site_addr,
            public_url,
            smtp_url,
            mail_from,
            stripe,
            stripe_api_base,
            stripe_js_url,
            log_format,
            site_root,
            metrics_addr,
            trusted_proxies,
        })
    }

    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The origin (scheme://host[:port]) of a URL, for the CSP.
    pub fn origin_of(url: &str) -> Option<String> {
        Url::parse(url)
            .ok()
            .map(|u| u.origin().ascii_serialization())
    }
}
