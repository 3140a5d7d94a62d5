//! Home: a welcome, for admins the **Set up your store** checklist until
//! the store is set up, and for everyone the day at a glance: orders that
//! need a person, orders expected in store today, overdue orders, and what
//! the tills took today.
use super::{
    AttentionRow, Checklist, DayGlance, ExpectedRow, HomeData, Listed, OverdueRow, Step, TakenToday,
};
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
        let day = super::day::glance(&state.db, &store, time::OffsetDateTime::now_utc()).await?;
        Ok::<_, sea_orm::DbErr>(HomeData {
            name: me.name.clone(),
            is_admin,
            ready_to_sell: list.ready_to_sell(),
            checklist: (is_admin && !list.complete()).then_some(list),
            stripe_check,
            day,
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
        {day_view(d.day)}
    }
}

/// The four lists of the day, each a small table or "Nothing here.". On a
/// phone the tables wrap each row onto lines, as the Orders list does.
fn day_view(day: DayGlance) -> impl IntoView {
    view! {
        <p class="muted glance-date">"Today is " {day.today} "."</p>
        {attention_view(day.attention)}
        {expected_view(day.expected)}
        {overdue_view(day.overdue)}
        {taken_view(day.taken)}
    }
}

fn nothing_here() -> AnyView {
    view! { <p class="muted">"Nothing here."</p> }.into_any()
}

/// Said under a list cut at its first rows.
fn more_line(more: bool, rest: &'static str) -> impl IntoView {
    more.then(|| view! { <p class="muted">{rest}</p> })
}

fn order_link(number: i64) -> impl IntoView {
    view! { <a href=format!("/orders/{number}")>{format!("#{number}")}</a> }
}

fn attention_view(list: Listed<AttentionRow>) -> impl IntoView {
    let table = if list.rows.is_empty() {
        nothing_here()
    } else {
        view! {
            <table>
                <thead><tr>
                    <th scope="col">"Order"</th><th scope="col">"Customer"</th><th scope="col">"Why"</th>
                </tr></thead>
                <tbody>
                    {list.rows.into_iter().map(|r| view! {
                        <tr class="problem">
                            <td>{order_link(r.number)}</td>
                            <td>{r.customer}</td>
                            <td>{r.why}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any()
    };
    view! {
        <section aria-labelledby="attention-h" class="glance" data-testid="home-attention">
            <h2 id="attention-h">"Needs attention"</h2>
            {table}
            {more_line(list.more, "Only the 50 most recently changed are shown.")}
        </section>
    }
}

fn expected_view(list: Listed<ExpectedRow>) -> impl IntoView {
    let table = if list.rows.is_empty() {
        nothing_here()
    } else {
        view! {
            <table>
                <thead><tr>
                    <th scope="col">"Order"</th><th scope="col">"Customer"</th><th scope="col" class="num">"Balance"</th>
                </tr></thead>
                <tbody>
                    {list.rows.into_iter().map(|r| view! {
                        <tr>
                            <td>{order_link(r.number)}</td>
                            <td>{r.customer}</td>
                            <td class="num">{r.balance}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any()
    };
    view! {
        <section aria-labelledby="expected-h" class="glance" data-testid="home-expected">
            <h2 id="expected-h">"Expected in store today"</h2>
            {table}
            {more_line(list.more, "Only the first 50 are shown.")}
        </section>
    }
}

fn overdue_view(list: Listed<OverdueRow>) -> impl IntoView {
    let table = if list.rows.is_empty() {
        nothing_here()
    } else {
        view! {
            <table>
                <thead><tr>
                    <th scope="col">"Order"</th><th scope="col">"Customer"</th><th scope="col" class="num">"Balance"</th>
                    <th scope="col">"Overdue"</th><th scope="col">"Reminders"</th>
                </tr></thead>
                <tbody>
                    {list.rows.into_iter().map(|r| {
                        let days = if r.days_overdue == 1 {
                            "1 day overdue".to_owned()
                        } else {
                            format!("{} days overdue", r.days_overdue)
                        };
                        view! {
                            <tr>
                                <td>{order_link(r.number)}</td>
                                <td>{r.customer}</td>
                                <td class="num">{r.balance}</td>
                                <td>{days} {r.expired.then(|| view! { " " <span class="badge late">"Link expired"</span> })}</td>
                                <td>{r.next_reminder.map_or_else(
                                    || view! { <span class="muted">"None planned"</span> }.into_any(),
                                    |n| view! { "Next: " {n} }.into_any(),
                                )}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any()
    };
    view! {
        <section aria-labelledby="overdue-h" class="glance" data-testid="home-overdue">
            <h2 id="overdue-h">"Overdue"</h2>
            {table}
            {list.more.then(|| view! {
                <p class="muted">"The 50 longest overdue are shown; " <a href="/orders?status=overdue">"see every overdue order"</a> "."</p>
            })}
        </section>
    }
}

fn taken_view(taken: TakenToday) -> impl IntoView {
    let body = if taken.methods.is_empty() {
        nothing_here()
    } else {
        view! {
            <table>
                <thead><tr>
                    <th scope="col">"Method"</th><th scope="col" class="num">"Payments"</th>
                    <th scope="col" class="num">"Taken"</th><th scope="col" class="num">"Refunded"</th>
                </tr></thead>
                <tbody>
                    {taken.methods.into_iter().map(|m| view! {
                        <tr>
                            <td>{m.method}</td>
                            <td class="num">{m.payments.to_string()}</td>
                            <td class="num">{m.taken}</td>
                            <td class="num">{(m.refunds > 0).then(|| format!("{} ({})", m.refunded, m.refunds))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p>
                {if taken.refunds == 0 {
                    "No refunds today.".to_owned()
                } else {
                    format!(
                        "Refunds today: {} ({}).",
                        taken.refunded,
                        if taken.refunds == 1 { "1 refund".to_owned() } else { format!("{} refunds", taken.refunds) },
                    )
                }}
            </p>
            {taken.till.map(|c| view! {
                <p data-testid="home-till">
                    <strong>"The till should hold " {c.net}</strong>
                    " more than its opening float: " {c.taken} " cash taken − " {c.refunded} " cash refunded."
                </p>
            })}
        }.into_any()
    };
    view! {
        <section aria-labelledby="taken-h" class="glance" data-testid="home-taken">
            <h2 id="taken-h">"Taken today"</h2>
            {body}
        </section>
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
