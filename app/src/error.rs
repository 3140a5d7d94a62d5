//! The error every server fn returns. Each variant has an HTTP status; internal
//! failures are logged where they happen and reach people as an opaque message.
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("Your account does not have access to this.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("Too many attempts. Please wait a minute and try again.")]
    TooManyRequests,
    #[error("Something went wrong on our side. Nothing was changed; please try again.")]
    Internal,
    /// Transport or (de)serialisation failures reported by the server fn layer.
    #[error("The request could not be completed: {0}")]
    Request(String),
}

impl AppError {
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid(_) | AppError::Request(_) => 400,
            AppError::TooManyRequests => 429,
            AppError::Internal => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;

    impl From<sea_orm::DbErr> for AppError {
        fn from(err: sea_orm::DbErr) -> Self {
            tracing::error!(error = %err, "database error");
            AppError::Internal
        }
    }

    /// Gives a server fn's error its status code on the HTTP response (the
    /// server fn layer would otherwise answer 500 for every error).
    pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(err) = &result {
            if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                if let Ok(code) = http::StatusCode::from_u16(err.status()) {
                    opts.set_status(code);
                }
            }
        }
        result
    }
}

#[cfg(feature = "ssr")]
pub use ssr::with_status;
