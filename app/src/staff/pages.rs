//! Sign-in page, the staff frame every staff page sits in, and the staff list.
use super::api::{list_staff, whoami};
use super::{Role, SignInError, StaffView};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};
use serde::{Deserialize, Serialize};

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || {
        query.with(|q| {
            q.get("error")
                .and_then(|c| SignInError::from_code(&c))
                .map(|e| e.to_string())
        })
    };
    let signed_out = move || query.with(|q| q.get("signed_out").is_some());
    let next = move || query.with(|q| q.get("next").unwrap_or_default());
    view! {
        <main class="auth">
            <h1>"Sign in to Settle"</h1>
            <Show when=signed_out>
                <p class="notice" role="status">"You have signed out."</p>
            </Show>
            {move || error().map(|msg| view! { <p class="error" role="alert">{msg}</p> })}
            <form method="post" action="/login" class="stack">
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" autocomplete="username" required maxlength="254"/>
                <label for="password">"Password"</label>
                <PasswordField/>
                <input type="hidden" name="next" value=next/>
                <button type="submit" class="primary">"Sign in"</button>
            </form>
        </main>
    }
}

/// The password input with a Show/Hide toggle. An island: the only part of the
/// sign-in page that ships wasm. The toggle stays hidden until hydrated, so
/// without JavaScript there is no button that does nothing.
#[island]
fn PasswordField() -> impl IntoView {
    let (shown, set_shown) = signal(false);
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    view! {
        <div class="password-field">
            <input
                id="password"
                name="password"
                type=move || if shown.get() { "text" } else { "password" }
                autocomplete="current-password"
                required
                maxlength="1024"
            />
            <button
                type="button"
                class="secondary"
                aria-controls="password"
                aria-pressed=move || shown.get().to_string()
                hidden=move || !hydrated.get()
                on:click=move |_| set_shown.update(|s| *s = !*s)
            >
                {move || if shown.get() { "Hide" } else { "Show" }}
            </button>
        </div>
    }
}

/// What a staff page's single resource resolves to: who is asking and, when
/// they may see the page, its data. One resource per page (not one for the
/// session and another for the data) because a resource created while another
/// resolves is never awaited by async SSR.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Gate<T> {
    pub me: Result<StaffView, AppError>,
    pub data: Option<Result<T, AppError>>,
}

/// Loads `who is signed in`, then (only when their role allows `role`) the
/// page's data. Without a session the page redirects to sign-in (remembering
/// where to come back to); with the wrong role it answers 403. The server fns
/// behind `load` check again: this is the courtesy, they are the lock.
#[component]
pub fn StaffPage<T, Fut, L, V, R>(role: Role, load: L, render: R) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + for<'de> Deserialize<'de> + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
    L: Fn() -> Fut + Send + Sync + 'static,
    V: IntoView + 'static,
    R: Fn(T) -> V + Send + Sync + 'static,
{
    let load = std::sync::Arc::new(load);
    let gate = Resource::new_blocking(
        || (),
        move |_| {
            let load = load.clone();
            async move {
                let me = whoami().await;
                let data = match &me {
                    Ok(staff) if staff.role.allows(role) => Some(load().await),
                    _ => None,
                };
                Gate { me, data }
            }
        },
    );
    let path = use_location().pathname.get_untracked();
    let render = std::sync::Arc::new(render);
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let path = path.clone();
                let render = render.clone();
                gate.get().map(move |gate| match (gate.me, gate.data) {
                    (Ok(staff), Some(Ok(data))) => {
                        view! { <StaffFrame staff=staff>{render(data)}</StaffFrame> }.into_any()
                    }
                    (Ok(staff), Some(Err(err))) => {
                        view! { <StaffFrame staff=staff><p role="alert">{err.to_string()}</p></StaffFrame> }.into_any()
                    }
                    (Ok(staff), None) => {
                        #[cfg(feature = "ssr")]
                        crate::error::with_status::<()>(Err(AppError::Forbidden)).ok();
                        view! {
                            <StaffFrame staff=staff>
                                <h1>"No access"</h1>
                                <p role="alert">{AppError::Forbidden.to_string()} " Ask an admin if you need it."</p>
                            </StaffFrame>
                        }
                        .into_any()
                    }
                    (Err(AppError::Unauthorized), _) => {
                        let target = format!("/login?next={}", super::encode_query_value(&path));
                        #[cfg(feature = "ssr")]
                        leptos_axum::redirect(&target);
                        view! {
                            <main class="auth">
                                <p>"Please " <a href=target>"sign in"</a> " to continue."</p>
                            </main>
                        }
                        .into_any()
                    }
                    (Err(err), _) => view! {
                        <main class="auth">
                            <p role="alert">{err.to_string()}</p>
                        </main>
                    }
                    .into_any(),
                })
            }}
        </Suspense>
    }
}

#[component]
fn StaffFrame(staff: StaffView, children: Children) -> impl IntoView {
    let is_admin = staff.role == Role::Admin;
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Settle"</a>
            <nav aria-label="Main">
                <a href="/">"Home"</a>
                <a href="/pos">"POS"</a>
                <a href="/orders">"Orders"</a>
                <a href="/customers">"Customers"</a>
                <Show when=move || is_admin>
                    <a href="/catalog">"Products"</a>
                    <a href="/settings">"Settings"</a>
                    <a href="/staff">"Staff"</a>
                </Show>
            </nav>
            <div class="who">
                <span>{staff.name.clone()} " · " {staff.role.label()}</span>
                <form method="post" action="/logout">
                    <button type="submit" class="secondary">"Sign out"</button>
                </form>
            </div>
        </header>
        <main class="page">{children()}</main>
    }
}

#[component]
pub fn StaffListPage() -> impl IntoView {
    view! {
        <StaffPage role=Role::Admin load=list_staff render=staff_table/>
    }
}

fn staff_table(list: Vec<StaffView>) -> impl IntoView {
    view! {
        <h1>"Staff"</h1>
        <p>"Add accounts with " <code>"settle staff add EMAIL --name NAME [--admin]"</code> "."</p>
        <table>
            <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Active"</th></tr></thead>
            <tbody>
                {list.into_iter().map(|s| view! {
                    <tr>
                        <td>{s.name}</td>
                        <td>{s.email}</td>
                        <td>{s.role.label()}</td>
                        <td>{if s.active { "Yes" } else { "No" }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
