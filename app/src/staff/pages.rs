//! Sign-in page, the staff frame every staff page sits in, the Staff page
//! (accounts, for admins) and My account (anyone's own password).
use super::api::{my_account, staff_page, whoami};
use super::{AccountPageData, AccountRefusal, Role, SignInError, StaffPageData, StaffView};
use crate::error::AppError;
use crate::forms::{message_for, query_notice, Field, FieldError, FieldMessage, Notice};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};
use serde::{Deserialize, Serialize};

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || {
        query.with(|q| {
            q.get("error")
                .and_then(|c| SignInError::from_query(&c, q.get("wait").as_deref()))
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
                <span><a href="/account" title="My account">{staff.name.clone()}</a> " · " {staff.role.label()}</span>
                <form method="post" action="/logout">
                    <button type="submit" class="secondary">"Sign out"</button>
                </form>
            </div>
        </header>
        <main class="page">{children()}</main>
    }
}

fn staff_message(code: &str) -> Option<&'static str> {
    if let Some(refusal) = AccountRefusal::from_code(code) {
        return Some(refusal.message());
    }
    Some(match code {
        "added" => {
            "Staff member added. Give them the password below; they can change it under My account."
        }
        "reset" => "Password reset and signed out everywhere. Give them the password below.",
        "deactivated" => "Account deactivated: signed out everywhere, and cannot sign in.",
        "reactivated" => "Account reactivated: they can sign in again.",
        "role_changed" => "Role changed.",
        "password" => "Your password is changed. Your other sessions have been signed out.",
        "invalid" => "Nothing was saved: correct the fields marked below.",
        "password_invalid" => "Your password was not changed: see the message below.",
        "internal" => "Something went wrong on our side. Nothing was changed; please try again.",
        _ => return None,
    })
}

#[component]
pub fn StaffListPage() -> impl IntoView {
    let notice = query_notice(staff_message);
    view! {
        <StaffPage role=Role::Admin load=staff_page render=move |d| view! {
            <Notice notice=notice.clone()/>
            {staff_view(d)}
        }/>
    }
}

fn staff_view(d: StaffPageData) -> impl IntoView {
    let StaffPageData {
        me,
        staff,
        add,
        add_errors,
        shown_password,
        password_errors,
    } = d;
    let err = |field: &str| message_for(&add_errors, field);
    let role_error = err("role");
    let role_invalid = role_error.is_some();
    let admin_chosen = add.role == Role::Admin.as_str();
    let cashier_chosen = !admin_chosen;
    view! {
        <h1>"Staff"</h1>
        {shown_password.map(|p| view! {
            <section class="notice" id="shown-password" role="status" aria-labelledby="shown-password-h">
                <h2 id="shown-password-h">{if p.reset { "New password" } else { "Password for the new account" }}</h2>
                <p>{p.name} " (" {p.email} "): " <code>{p.password}</code></p>
                <p class="muted">"Shown this once: Settle keeps only a hash of it. Give it to them in person; they can change it under My account."</p>
            </section>
        }.into_any())}
        <table>
            <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Active"</th><th scope="col">"Actions"</th></tr></thead>
            <tbody>
                {staff.into_iter().map(|s| staff_row(s, me.id)).collect_view()}
            </tbody>
        </table>
        {view! { <section aria-labelledby="add-staff-h" id="add-staff">
            <h2 id="add-staff-h">"Add a staff member"</h2>
            <p class="muted">"Settle makes a strong password and shows it to you once."</p>
            <form method="post" action="/staff" class="stack">
                <Field label="Email" name="email" value=add.email kind="email" required=true maxlength=254 error=err("email")/>
                <Field label="Name" name="name" value=add.name required=true maxlength=100 error=err("name")/>
                <label for="f-role">"Role"</label>
                <select
                    id="f-role"
                    name="role"
                    aria-invalid=role_invalid.then_some("true")
                    aria-describedby=role_invalid.then_some("f-role-error")
                >
                    <option value="cashier" selected=cashier_chosen>"Cashier"</option>
                    <option value="admin" selected=admin_chosen>"Admin"</option>
                </select>
                <FieldMessage id="f-role-error" message=role_error/>
                <button type="submit" class="primary">"Add staff member"</button>
            </form>
        </section> }.into_any()}
        {view! { <section aria-labelledby="my-password-h" id="my-password">
            <h2 id="my-password-h">"Change my password"</h2>
            <p class="muted">"Changing it signs you out everywhere else."</p>
            <ChangePasswordForm errors=password_errors from="staff"/>
        </section> }.into_any()}
    }
}

/// One account with what an admin can do to it; nothing against oneself
/// (the server refuses that too).
fn staff_row(s: StaffView, me: i32) -> impl IntoView {
    let id = s.id;
    let actions = if id == me {
        view! { <span class="muted">"You"</span> }.into_any()
    } else {
        let (to_role, role_label) = match s.role {
            Role::Admin => ("cashier", "Make cashier"),
            Role::Cashier => ("admin", "Make admin"),
        };
        let (status_path, status_label) = if s.active {
            ("deactivate", "Deactivate")
        } else {
            ("reactivate", "Reactivate")
        };
        let who = s.name.clone();
        view! {
            <form method="post" action=format!("/staff/{id}/reset") class="inline">
                <button type="submit" class="secondary" aria-label=format!("Reset password for {who}")>"Reset password"</button>
            </form>
            <form method="post" action=format!("/staff/{id}/{status_path}") class="inline">
                <button type="submit" class="secondary" aria-label=format!("{status_label} {who}")>{status_label}</button>
            </form>
            <form method="post" action=format!("/staff/{id}/role") class="inline">
                <input type="hidden" name="role" value=to_role/>
                <button type="submit" class="secondary" aria-label=format!("{role_label}: {who}")>{role_label}</button>
            </form>
        }
        .into_any()
    };
    view! {
        <tr>
            <td>{s.name}</td>
            <td>{s.email}</td>
            <td>{s.role.label()}</td>
            <td>{if s.active { "Yes" } else { "No" }}</td>
            <td class="actions">{actions}</td>
        </tr>
    }
}

/// **Change my password**, on the Staff page (`from = "staff"`) and on My
/// account. Passwords never come back after a refusal: only the messages.
#[component]
fn ChangePasswordForm(errors: Vec<FieldError>, from: &'static str) -> impl IntoView {
    let err = |field: &str| message_for(&errors, field);
    view! {
        <form method="post" action="/account/password" class="stack">
            <input type="hidden" name="from" value=from/>
            <PasswordInput label="Current password" name="current_password" autocomplete="current-password" error=err("current_password")/>
            <PasswordInput label="New password (at least 12 characters)" name="new_password" autocomplete="new-password" error=err("new_password")/>
            <PasswordInput label="New password again" name="repeat_password" autocomplete="new-password" error=err("repeat_password")/>
            <button type="submit" class="primary">"Change my password"</button>
        </form>
    }
}

/// A labelled password input with its refusal beside it.
#[component]
fn PasswordInput(
    label: &'static str,
    name: &'static str,
    autocomplete: &'static str,
    error: Option<String>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let invalid = error.is_some();
    view! {
        <label for=id.clone()>{label}</label>
        <input
            id=id
            name=name
            type="password"
            autocomplete=autocomplete
            required
            maxlength="1024"
            aria-invalid=invalid.then_some("true")
            aria-describedby=invalid.then(|| err_id.clone())
        />
        <FieldMessage id=err_id message=error/>
    }
}

fn account_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "password" => "Your password is changed. Your other sessions have been signed out.",
        "password_invalid" => "Your password was not changed: see the message below.",
        "internal" => "Something went wrong on our side. Nothing was changed; please try again.",
        _ => return None,
    })
}

/// My account: who is signed in, and Change my password (any staff member).
#[component]
pub fn AccountPage() -> impl IntoView {
    let notice = query_notice(account_message);
    view! {
        <StaffPage role=Role::Cashier load=my_account render=move |d| view! {
            <Notice notice=notice.clone()/>
            {account_view(d)}
        }/>
    }
}

fn account_view(d: AccountPageData) -> impl IntoView {
    view! {
        <h1>"My account"</h1>
        <p>{d.me.name} " · " {d.me.email} " · " {d.me.role.label()}</p>
        <section aria-labelledby="my-password-h" id="my-password">
            <h2 id="my-password-h">"Change my password"</h2>
            <p class="muted">"Changing it signs you out everywhere else."</p>
            <ChangePasswordForm errors=d.password_errors from="account"/>
        </section>
    }
}
