//! Staff forms: plain HTML posts that work before and without hydration,
//! answered with a 303 (post/redirect/get). A refused post keeps what was
//! typed and why in the session ("flash"), so the page it returns to shows
//! each message next to its field and nothing typed is lost.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// What a refused post leaves for the page it redirects back to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused<T> {
    pub values: T,
    pub errors: Vec<FieldError>,
}

pub fn message_for(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

/// The refusal shown beside a field; `id` is what the field's
/// `aria-describedby` names.
#[component]
pub fn FieldMessage(#[prop(into)] id: String, message: Option<String>) -> impl IntoView {
    message.map(|m| view! { <span class="error field-error" id=id role="alert">{m}</span> })
}

/// A labelled single-line input with its refusal beside it.
#[component]
pub fn Field(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(into)] value: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = None)] error: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(default = 200)] maxlength: usize,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let invalid = error.is_some();
    view! {
        <label for=id.clone()>{label}</label>
        <input
            id=id
            name=name
            type=kind
            value=value
            required=required
            maxlength=maxlength.to_string()
            aria-invalid=invalid.then_some("true")
            aria-describedby=invalid.then(|| err_id.clone())
        />
        <FieldMessage id=err_id message=error/>
    }
}

/// A labelled multi-line input with its refusal beside it.
#[component]
pub fn AreaField(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(into)] value: String,
    #[prop(default = None)] error: Option<String>,
    #[prop(default = 2000)] maxlength: usize,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let invalid = error.is_some();
    view! {
        <label for=id.clone()>{label}</label>
        <textarea
            id=id
            name=name
            rows="3"
            maxlength=maxlength.to_string()
            aria-invalid=invalid.then_some("true")
            aria-describedby=invalid.then(|| err_id.clone())
        >{value}</textarea>
        <FieldMessage id=err_id message=error/>
    }
}

/// A one-line message after an action (`?done=` / `?error=` codes turned into
/// text by the page).
#[component]
pub fn Notice(notice: Option<(bool, String)>) -> impl IntoView {
    notice.map(|(is_error, m)| {
        if is_error {
            view! { <p class="error" role="alert">{m}</p> }.into_any()
        } else {
            view! { <p class="notice" role="status">{m}</p> }.into_any()
        }
    })
}

/// Reads `?done=` / `?error=` from the current URL and turns the code into
/// text with `messages` (unknown codes show nothing).
pub fn query_notice(messages: fn(&str) -> Option<&'static str>) -> Option<(bool, String)> {
    let query = leptos_router::hooks::use_query_map();
    query.with_untracked(|q| {
        let done = q
            .get("done")
            .and_then(|c| messages(&c))
            .map(|m| (false, m.to_owned()));
        done.or_else(|| {
            q.get("error")
                .and_then(|c| messages(&c))
                .map(|m| (true, m.to_owned()))
        })
    })
}

/// Trims a typed value and refuses control characters and overlong text.
pub fn clean_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    label: &str,
    value: &str,
    max_chars: usize,
    multiline: bool,
) -> String {
    let v = value.trim();
    if v.chars().count() > max_chars {
        errors.push(FieldError::new(
            field,
            format!("{label} can be at most {max_chars} characters."),
        ));
    } else if v
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
    {
        errors.push(FieldError::new(
            field,
            format!("{label} cannot contain control characters."),
        ));
    }
    v.to_owned()
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::staff::{Role, StaffView};
    use crate::state::AppState;
    use axum::{
        handler::Handler,
        http::StatusCode,
        response::{Html, IntoResponse, Redirect, Response},
        routing::{self, MethodRouter},
        Router,
    };
    use serde::{de::DeserializeOwned, Serialize};
    use tower_sessions::Session;

    /// Who may use a route registered through [`StaffRoutes`]. The handler
    /// enforces it (see [`staff_for_post`]); the declaration says what the
    /// access sweep test holds the handler to.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Access {
        /// Anyone, signed in or not: signing in and signing out.
        Anyone,
        /// A signed-in staff member whose role allows this one: 401 without
        /// a session, 403 for the wrong role.
        Staff(Role),
    }

    impl Access {
        /// Any signed-in staff member.
        pub const STAFF: Access = Access::Staff(Role::Cashier);
        /// Admins only.
        pub const ADMIN: Access = Access::Staff(Role::Admin);
    }

    /// How a route is called.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Kind {
        /// A form post (`application/x-www-form-urlencoded`).
        Form,
        /// A file upload (`multipart/form-data`).
        Upload,
        /// A GET for staff served outside the Leptos pages (the invoice preview).
        Get,
    }

    /// One route of a [`StaffRoutes`], with its path as registered (`{params}`
    /// and all).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct StaffRoute {
        pub path: &'static str,
        pub kind: Kind,
        pub access: Access,
    }

    /// The routes behind staff forms. Each is registered together with how it
    /// is called and who may use it, so the list a test walks is made by the
    /// very call that mounts the route: a room's new form cannot be left out
    /// of it, nor listed with other access than it was declared with. There is
    /// deliberately no plain `route`.
    #[must_use]
    pub struct StaffRoutes {
        router: Router<AppState>,
        list: Vec<StaffRoute>,
    }

    impl Default for StaffRoutes {
        fn default() -> Self {
            StaffRoutes {
                router: Router::new(),
                list: Vec::new(),
            }
        }
    }

    impl StaffRoutes {
        pub fn new() -> Self {
            Self::default()
        }

        /// A form post.
        pub fn form<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.add(path, Kind::Form, access, routing::post(handler))
        }

        /// A file upload (a multipart post).
        pub fn upload<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.add(path, Kind::Upload, access, routing::post(handler))
        }

        /// A GET outside the Leptos pages.
        pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.add(path, Kind::Get, access, routing::get(handler))
        }

        fn add(
            mut self,
            path: &'static str,
            kind: Kind,
            access: Access,
            method: MethodRouter<AppState>,
        ) -> Self {
            self.router = self.router.route(path, method);
            self.list.push(StaffRoute { path, kind, access });
            self
        }

        /// Another room's routes, router and list alike.
        pub fn merge(mut self, other: StaffRoutes) -> Self {
            self.router = self.router.merge(other.router);
            self.list.extend(other.list);
            self
        }

        /// Every route registered, in order.
        pub fn list(&self) -> &[StaffRoute] {
            &self.list
        }

        /// The router to mount (the list stays with whoever asked for it).
        pub fn into_router(self) -> Router<AppState> {
            self.router
        }
    }

    /// The signed-in staff member for a form post, or the answer to give
    /// instead: 401 without a session, 403 for the wrong role.
    pub async fn staff_for_post(
        state: &AppState,
        session: &Session,
        role: Role,
    ) -> Result<StaffView, Response> {
        match crate::staff::ssr::current_staff(&state.db, session).await {
            Ok(Some(s)) if s.role.allows(role) => Ok(s),
            Ok(Some(_)) => Err((
                StatusCode::FORBIDDEN,
                Html("<!DOCTYPE html><html lang=\"en\"><title>No access</title><p>Your account does not have access to this. Ask an admin if you need it. <a href=\"/\">Back to Settle</a></p>"),
            )
                .into_response()),
            Ok(None) => Err((
                StatusCode::UNAUTHORIZED,
                Html("<!DOCTYPE html><html lang=\"en\"><title>Sign in</title><p>Please <a href=\"/login\">sign in</a> to continue.</p>"),
            )
                .into_response()),
            Err(_) => Err(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        }
    }

    pub fn see_other(url: &str) -> Response {
        Redirect::to(url).into_response()
    }

    /// Keeps `value` for the next page this session loads.
    pub async fn put_flash<T: Serialize>(session: &Session, key: &str, value: &T) {
        if let Err(e) = session.insert(&format!("flash:{key}"), value).await {
            tracing::warn!(error = %e, key, "keeping a form's flash in the session");
        }
    }

    /// Takes (and forgets) what a form post left under `key`; for server fns.
    pub async fn take_flash<T: DeserializeOwned>(key: &str) -> Option<T> {
        let session: Session = leptos_axum::extract().await.ok()?;
        session
            .remove::<T>(&format!("flash:{key}"))
            .await
            .ok()
            .flatten()
    }
}
