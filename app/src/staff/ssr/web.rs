//! Sign-in and sign-out as plain HTML form posts: they work identically with
//! and without JavaScript, and answer with a 303 redirect (post/redirect/get) so
//! a reload never re-submits a password.
use super::service::{authenticate, STAFF_ID_KEY};
use crate::forms::ssr::{Access, StaffRoutes};
use crate::proxy::ClientAddr;
use crate::staff::SignInError;
use crate::state::AppState;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
    Form,
};
use serde::Deserialize;
use tower_sessions::Session;

/// Signing in and out, and the account forms of the Staff and My account pages.
pub fn routes() -> StaffRoutes {
    StaffRoutes::new()
        .form("/login", Access::Anyone, sign_in)
        .form("/logout", Access::Anyone, sign_out)
        .merge(super::account_forms::routes())
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only a path on this site: never `//evil.example` or `https://…`, so the
/// sign-in page cannot be used to bounce people elsewhere.
pub fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 512
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && !next.starts_with("/login");
    if ok {
        next
    } else {
        "/"
    }
}

fn back_to_login(error: &SignInError, next: &str) -> Response {
    let next = safe_next(next);
    let mut url = format!("/login?{}", error.query());
    if next != "/" {
        url.push_str("&next=");
        url.push_str(&super::super::encode_query_value(next));
    }
    Redirect::to(&url).into_response()
}

async fn sign_in(
    State(state): State<AppState>,
    client: ClientAddr,
    session: Session,
    Form(form): Form<SignInForm>,
) -> Response {
    match authenticate(
        &state.db,
        &state.throttle,
        &state.passwords,
        &form.email,
        &form.password,
        client,
    )
    .await
    {
        Ok(staff) => {
            // A new id on every sign-in: a session id planted before sign-in
            // (session fixation) is worthless afterwards.
            let stored = async {
                session.cycle_id().await?;
                session.insert(STAFF_ID_KEY, staff.id).await
            }
            .await;
            if let Err(e) = stored {
                tracing::error!(error = %e, "storing the session");
                return back_to_login(&SignInError::Internal, &form.next);
            }
            tracing::info!(staff_id = staff.id, "signed in");
            Redirect::to(safe_next(&form.next)).into_response()
        }
        Err(err) => {
            crate::counters::login_failed(&err);
            back_to_login(&err, &form.next)
        }
    }
}

async fn sign_out(session: Session) -> Response {
    if let Err(e) = session.flush().await {
        tracing::error!(error = %e, "ending a session");
    }
    Redirect::to("/login?signed_out=1").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next("/settings"), "/settings");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/login?x"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
