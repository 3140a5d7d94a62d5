//! `/orders`: every order, newest first, filtered by status and searched by
//! number, name or email. Pages follow the id (keyset), so page 1,000 costs
//! what page 1 does: no OFFSET scan.
use super::status::OrderStatus;
use crate::error::AppError;
use crate::staff::{pages::StaffPage, Role};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const PAGE_SIZE: u64 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    pub number: i64,
    pub created: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub total: String,
    pub due_date: Option<String>,
    /// "Overdue" or "Expired" for an unpaid invoice past its dates.
    pub late: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderList {
    pub rows: Vec<OrderRow>,
    /// The `before` of the next (older) page, when there is one.
    pub next_before: Option<i32>,
}

/// Orders whose billing name (first and last, either order, any case or
/// accent) or email starts with what was typed: indexed on both databases
/// (see `crate::search`). `None` when nothing was typed.
#[cfg(feature = "ssr")]
pub fn by_name_or_email(query: &str) -> Option<sea_orm::Condition> {
    use super::model::order::Column;
    crate::search::name_or_email(Column::NameKey, Column::NameKeyRev, Column::EmailKey, query)
}

/// One page of orders. `status` empty for all; `query` an order number (with
/// or without `#`), or the start of a billing name (either order) or email.
#[server]
pub async fn list_orders(
    status: String,
    query: String,
    before: Option<i32>,
) -> Result<OrderList, AppError> {
    use super::model::order;
    use crate::domain::Money;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    crate::staff::ssr::require(Role::Cashier).await?;
    let state = crate::state::AppState::from_context()?;
    let store = crate::error::with_status(
        crate::settings::ssr::store(&state.db)
            .await
            .map_err(AppError::from),
    )?;
    let zone = crate::domain::StoreZone::stored(&store.time_zone);
    let today = zone.today(time::OffsetDateTime::now_utc());
    let mut find = order::Entity::find();
    if let Some(s) = OrderStatus::parse(status.trim()) {
        find = find.filter(order::Column::Status.eq(s.as_str()));
    } else if let Some(late) = late_filter(status.trim()) {
        // Unpaid and past the due date (overdue: any lateness), or past the
        // last day the pay link works (expired).
        let last_due = match late {
            super::Lateness::Overdue => today - time::Duration::days(1),
            super::Lateness::Expired => {
                today - time::Duration::days(i64::from(store.expiry_grace_days.max(0)) + 1)
            }
        };
        find = find
            .filter(
                order::Column::Status.is_in(
                    OrderStatus::ALL
                        .into_iter()
                        .filter(|s| s.is_payable())
                        .map(OrderStatus::as_str),
                ),
            )
            .filter(order::Column::DueDate.lte(last_due));
    }
    let q = query.trim();
    if let Ok(n) = super::OrderNumber::parse(q.trim_start_matches('#')) {
        find = find.filter(order::Column::Number.eq(n.get()));
    } else if let Some(found) = by_name_or_email(q) {
        find = find.filter(found);
    }
    if let Some(before) = before {
        find = find.filter(order::Column::Id.lt(before));
    }
    let rows = crate::error::with_status(
        find.order_by_desc(order::Column::Id)
            .limit(PAGE_SIZE + 1)
            .all(&state.db)
            .await
            .map_err(AppError::from),
    )?;
    let more = rows.len() as u64 > PAGE_SIZE;
    let rows: Vec<_> = rows.into_iter().take(PAGE_SIZE as usize).collect();
    let next_before = if more {
        rows.last().map(|o| o.id)
    } else {
        None
    };
    Ok(OrderList {
        rows: rows
            .into_iter()
            .map(|o| OrderRow {
                number: o.number,
                created: zone.date_time(o.created_at),
                name: format!("{} {}", o.billing_first_name, o.billing_last_name)
                    .trim()
                    .to_owned(),
                email: o.billing_email.unwrap_or_default(),
                status: o.status.label().to_owned(),
                total: Money::from_minor(o.total_minor, o.currency).to_string(),
                due_date: o.due_date.map(|d| d.to_string()),
                late: super::Lateness::of(o.status, o.due_date, store.expiry_grace_days, today)
                    .map(|l| l.label().to_owned()),
            })
            .collect(),
        next_before,
    })
}

/// The Orders filter's values beyond the statuses.
#[cfg(feature = "ssr")]
fn late_filter(value: &str) -> Option<super::Lateness> {
    match value {
        "overdue" => Some(super::Lateness::Overdue),
        "expired" => Some(super::Lateness::Expired),
        _ => None,
    }
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let (status, q, before) = query.with_untracked(|m| {
        (
            m.get("status").unwrap_or_default(),
            m.get("q").unwrap_or_default(),
            m.get("before").and_then(|b| b.parse::<i32>().ok()),
        )
    });
    let (status2, q2) = (status.clone(), q.clone());
    let load = move || list_orders(status2.clone(), q2.clone(), before);
    view! {
        <StaffPage role=Role::Cashier load=load render=move |list| orders_view(&status, &q, before, list)/>
    }
}

fn orders_view(status: &str, q: &str, before: Option<i32>, list: OrderList) -> impl IntoView {
    let first = format!(
        "/orders?status={}&q={}",
        crate::staff::encode_query_value(status),
        crate::staff::encode_query_value(q)
    );
    let next = list.next_before.map(|id| format!("{first}&before={id}"));
    let status = status.to_owned();
    view! {
        <h1>"Orders"</h1>
        <form method="get" action="/orders" class="filters" role="search">
            <label for="orders-status">"Status"</label>
            <select id="orders-status" name="status">
                <option value="" selected=status.is_empty()>"All"</option>
                {OrderStatus::ALL.into_iter().map(|s| view! {
                    <option value=s.as_str() selected=status == s.as_str()>{s.label()}</option>
                }).collect_view()}
                <option value="overdue" selected=status == "overdue">"Overdue (unpaid past the due date)"</option>
                <option value="expired" selected=status == "expired">"Expired (the pay link no longer works)"</option>
            </select>
            <label for="orders-q">"Search orders"</label>
            <input id="orders-q" name="q" type="search" value=q.to_owned() maxlength="100" placeholder="Number, email or name"/>
            <button type="submit" class="secondary">"Search"</button>
        </form>
        {if list.rows.is_empty() {
            view! { <p class="muted">{if before.is_some() { "No older orders." } else { "No orders match." }}</p> }.into_any()
        } else {
            view! {
                <table>
                    <thead><tr>
                        <th scope="col">"Order"</th><th scope="col">"Created"</th><th scope="col">"Customer"</th>
                        <th scope="col">"Status"</th><th scope="col">"Due"</th><th scope="col" class="num">"Total"</th>
                    </tr></thead>
                    <tbody>
                        {list.rows.into_iter().map(|o| view! {
                            <tr>
                                <td><a href=format!("/orders/{}", o.number)>{format!("#{}", o.number)}</a></td>
                                <td>{o.created}</td>
                                <td>{o.name} " " <span class="muted">{o.email}</span></td>
                                <td>{o.status} {o.late.map(|l| view! { " " <span class="badge late">{l}</span> })}</td>
                                <td>{o.due_date.unwrap_or_default()}</td>
                                <td class="num">{o.total}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <nav aria-label="Pages" class="pager">
            {before.is_some().then(|| view! { <a href=first>"Newest orders"</a> })}
            {next.map(|href| view! { <a href=href>"Older orders"</a> })}
        </nav>
    }
}
