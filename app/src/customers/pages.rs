//! The customers list and each customer's page (details form and orders).
use super::api::{customer_for_edit, list_customers, CustomerHit};
use super::CustomerEdit;
use crate::forms::{message_for, query_notice, Field, FieldMessage, Notice};
use crate::staff::{pages::StaffPage, Role};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

/// The list shows at most this many customers; a search narrows it.
pub const LIST_LIMIT: u64 = 200;

fn customer_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "Customer saved.",
        "invalid" => "Nothing was saved: correct the fields marked below.",
        "internal" => "Something went wrong on our side. Nothing was changed; please try again.",
        _ => return None,
    })
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let q = use_query_map().with_untracked(|m| m.get("q").unwrap_or_default());
    let q2 = q.clone();
    let load = move || list_customers(q2.clone());
    view! {
        <StaffPage role=Role::Cashier load=load render=move |rows| customers_view(&q, rows)/>
    }
}

fn customers_view(q: &str, rows: Vec<CustomerHit>) -> impl IntoView {
    let capped = rows.len() as u64 >= LIST_LIMIT;
    view! {
        <h1>"Customers"</h1>
        <p><a href="/customers/new">"New customer"</a></p>
        <form method="get" action="/customers" class="filters" role="search">
            <label for="customers-q">"Search customers"</label>
            <input id="customers-q" name="q" type="search" value=q.to_owned() maxlength="100" placeholder="Name, start of email, or phone"/>
            <button type="submit" class="secondary">"Search"</button>
        </form>
        <p class="muted">"Guest orders have no customer: find them by email on " <a href=format!("/orders?q={}", crate::staff::encode_query_value(q))>"Orders"</a> "."</p>
        {if rows.is_empty() {
            view! { <p class="muted">"No customers match."</p> }.into_any()
        } else {
            view! {
                <table>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Phone"</th><th scope="col">"Company"</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|c| {
                            let name = if c.name.is_empty() { c.email.clone() } else { c.name };
                            view! {
                                <tr>
                                    <td><a href=format!("/customers/{}", c.id)>{name}</a></td>
                                    <td>{c.email}</td><td>{c.phone}</td><td>{c.company}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {capped.then(|| view! { <p class="muted">{format!("Showing the first {LIST_LIMIT}; search to narrow the list.")}</p> })}
    }
}

#[component]
pub fn CustomerPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").and_then(|id| id.parse::<i32>().ok()));
    let new = use_location().pathname.get_untracked().ends_with("/new");
    let notice = query_notice(customer_message);
    let load = move || async move {
        match (new, id) {
            (true, _) => customer_for_edit(None).await,
            (false, Some(id)) => customer_for_edit(Some(id)).await,
            (false, None) => Err(crate::error::AppError::NotFound),
        }
    };
    view! {
        <StaffPage role=Role::Cashier load=load render=move |c| view! {
            <Notice notice=notice.clone()/>
            {customer_view(c)}
        }/>
    }
}

fn customer_view(c: CustomerEdit) -> impl IntoView {
    let err = |field: &str| message_for(&c.errors, field);
    let action = c.id.map_or_else(
        || "/customers/new".to_owned(),
        |id| format!("/customers/{id}"),
    );
    let f = c.form;
    let heading = match c.id {
        None => "New customer".to_owned(),
        Some(_) => {
            let name = format!("{} {}", f.first_name, f.last_name)
                .trim()
                .to_owned();
            if name.is_empty() {
                f.email.clone()
            } else {
                name
            }
        }
    };
    view! {
        <p><a href="/customers">"← Customers"</a></p>
        <h1>{heading}</h1>
        {c.no_reminders.then(|| view! { <p><span class="badge" data-testid="no-reminders">"No reminders"</span></p> })}
        <form method="post" action=action class="stack">
            {view! {
            <Field label="Email" name="email" value=f.email kind="email" required=true maxlength=254 error=err("email")/>
            <Field label="First name" name="first_name" value=f.first_name maxlength=100 error=err("first_name")/>
            <Field label="Last name" name="last_name" value=f.last_name maxlength=100 error=err("last_name")/>
            <Field label="Company" name="company" value=f.company error=err("company")/>
            <Field label="Phone" name="phone" value=f.phone kind="tel" maxlength=40 error=err("phone")/>
            }.into_any()}
            {view! { <fieldset>
                <legend>"Billing address"</legend>
                <Field label="Address line 1" name="address_1" value=f.address_1 error=err("address_1")/>
                <Field label="Address line 2" name="address_2" value=f.address_2 error=err("address_2")/>
                <Field label="Town or city" name="city" value=f.city maxlength=100 error=err("city")/>
                <Field label="County or state" name="state" value=f.state maxlength=100 error=err("state")/>
                <Field label="Postcode" name="postcode" value=f.postcode maxlength=20 error=err("postcode")/>
                <Field label="Country (two letters, e.g. GB)" name="country" value=f.country maxlength=2 error=err("country")/>
            </fieldset> }.into_any()}
            {view! {
            <LanguageField chosen=f.preferred_language.clone() error=err("preferred_language")/>
            <Field label="Payment terms in days (empty for the store default)" name="payment_terms_days" value=f.payment_terms_days kind="number" maxlength=3 error=err("payment_terms_days")/>
            <label class="check"><input type="checkbox" name="no_reminders" value="on" checked=f.no_reminders.is_some()
                aria-describedby="f-no_reminders-help"/>" No reminders"</label>
            <span class="muted" id="f-no_reminders-help">"Invoices still go; payment reminders do not."</span>
            }.into_any()}
            <button type="submit" class="primary">"Save customer"</button>
        </form>
        {c.id.map(|_| view! {
            <section aria-labelledby="orders-h">
                <h2 id="orders-h">"Orders"</h2>
                {if c.orders.is_empty() {
                    view! { <p class="muted">"No orders yet."</p> }.into_any()
                } else {
                    view! {
                        <table>
                            <thead><tr><th scope="col">"Order"</th><th scope="col">"Date"</th><th scope="col">"Status"</th><th scope="col" class="num">"Total"</th></tr></thead>
                            <tbody>
                                {c.orders.into_iter().map(|(number, date, status, total)| view! {
                                    <tr>
                                        <td><a href=format!("/orders/{number}")>{format!("#{number}")}</a></td>
                                        <td>{date}</td><td>{status}</td><td class="num">{total}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            </section>
        })}
    }
}

/// The customer's language: their invoices, pay page and reminders; empty
/// follows the store's.
#[component]
fn LanguageField(chosen: String, error: Option<String>) -> impl IntoView {
    let invalid = error.is_some();
    // A code from before the choice was a list (e.g. "de") reads as the
    // store's, which is what orders get for it.
    let chosen = crate::i18n::Lang::parse(&chosen)
        .map(|l| l.code())
        .unwrap_or("");
    view! {
        <label for="f-preferred_language">"Language"</label>
        <select id="f-preferred_language" name="preferred_language" aria-invalid=invalid.then_some("true")
            aria-describedby="f-preferred_language-help f-preferred_language-error">
            <option value="" selected=chosen.is_empty()>"The store's language"</option>
            {crate::i18n::Lang::ALL.into_iter().map(|l| {
                view! { <option value=l.code() lang=l.code() selected=l.code() == chosen>{l.name()}</option> }
            }).collect_view()}
        </select>
        <span class="muted" id="f-preferred_language-help">"Invoices, receipts, reminders and the pay page are in this language."</span>
        <FieldMessage id="f-preferred_language-error" message=error/>
    }
}
