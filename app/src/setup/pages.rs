//! Home: a welcome, and for admins the **Set up your store** checklist until
//! the store is set up.
use super::{Checklist, HomeData, Step};
use crate::error::AppError;
use crate::forms::{query_notice, Notice};
use crate::staff::{pages::StaffPage, Role};
use leptos::prelude::*;

#[server]
pub async fn get_home() -> Result<HomeData, AppError> {
    let me = crate::staff::ssr::require(Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let is_admin = me.role == Role::Admin;
    let stripe_check: Option<(bool, String)> = if is_admin {
        crate::forms::ssr::take_flash(super::ssr::STRIPE_FLASH).await
    } else {
        None
    };
    let result = async {
        let store = crate::settings::ssr::store(&state.db).await?;
        let list = super::ssr::checklist(
            &state.db,
            &store,
            state.mailer.is_configured(),
            state.stripe.as_deref(),
        )
        .await?;
        Ok::<_, sea_orm::DbErr>(HomeData {
            name: me.name.clone(),
            is_admin,
            ready_to_sell: list.ready_to_sell(),
            checklist: (is_admin && !list.complete()).then_some(list),
            stripe_check,
        })
    }
    .await;
    crate::error::with_status(result.map_err(AppError::from))
}

fn home_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "dismissed" => "Step dismissed. Nothing else changes: you can still configure it later.",
        "not_optional" => "That step is needed before the till can sell; it cannot be dismissed.",
        "internal" => "Something went wrong on our side. Nothing was changed; please try again.",
        // Check Stripe's outcome is shown in its own step.
        _ => return None,
    })
}

#[component]
pub fn HomePage() -> impl IntoView {
    let notice = query_notice(home_message);
    view! {
        <StaffPage role=Role::Cashier load=get_home render=move |d: HomeData| view! {
            <Notice notice=notice.clone()/>
            {home_view(d)}
        }/>
    }
}

fn home_view(d: HomeData) -> impl IntoView {
    let ready = d.ready_to_sell;
    let is_admin = d.is_admin;
    view! {
        <h1>"Welcome, " {d.name}</h1>
        {match (ready, is_admin) {
            (true, _) => view! {
                <p><a href="/pos">"Open the POS"</a> " to build an order and send an invoice or take payment."</p>
            }.into_any(),
            (false, false) => view! {
                <p role="alert" data-testid="not-set-up">"The store is not set up yet; ask an admin."</p>
            }.into_any(),
            (false, true) => ().into_any(),
        }}
        {d.checklist.map(|list| checklist_view(list, d.stripe_check))}
    }
}

fn checklist_view(list: Checklist, stripe_check: Option<(bool, String)>) -> impl IntoView {
    let left = list
        .steps
        .iter()
        .filter(|s| !s.done && !s.dismissed)
        .count();
    view! {
        <section aria-labelledby="setup-h" class="setup" data-testid="setup-checklist">
            <h2 id="setup-h">"Set up your store"</h2>
            <p class="muted">{format!("{left} step{} left. Steps marked optional can be dismissed.", if left == 1 { "" } else { "s" })}</p>
            <ol class="checklist">
                {list.steps.into_iter().map(|s| {
                    let state = if s.done { "Done" } else if s.dismissed { "Dismissed" } else if s.step.required() { "To do" } else { "Optional" };
                    let class = if s.done { "step done" } else { "step" };
                    let step = s.step;
                    // Checking Stripe only means something once its keys are set.
                    let check = (step == Step::OnlinePayment && s.done).then(|| stripe_check.clone());
                    view! {
                        <li class=class id=(step == Step::OnlinePayment).then_some("online-payment") data-step=step.code()>
                            <h3><a href=step.link()>{step.title()}</a> " " <span class="badge">{state}</span></h3>
                            <p>{s.detail}</p>
                            {check.map(|c| view! {
                                {c.map(|(ok, m)| if ok {
                                    view! { <p class="notice" role="status">{m}</p> }.into_any()
                                } else {
                                    view! { <p class="error" role="alert">{m}</p> }.into_any()
                                })}
                                <form method="post" action="/setup/stripe-check">
                                    <button type="submit" class="secondary">"Check Stripe"</button>
                                </form>
                            })}
                            {(!step.required() && !s.done && !s.dismissed).then(|| view! {
                                <form method="post" action="/setup/dismiss">
                                    <input type="hidden" name="step" value=step.code()/>
                                    <button type="submit" class="secondary">"Dismiss"</button>
                                </form>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}
