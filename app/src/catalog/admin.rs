//! Catalogue admin pages: the product list, the product form, and the import.
use super::api::{last_import, list_catalog, product_for_edit};
use super::{ImportPageData, ProductEdit, ProductRow};
use crate::forms::{message_for, query_notice, Field, FieldMessage, Notice};
use crate::staff::{pages::StaffPage, Role};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The list shows at most this many products; a search narrows it.
pub const LIST_LIMIT: u64 = 500;

fn product_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "Product saved.",
        "activated" => "The product is on sale again.",
        "deactivated" => "The product no longer appears in the POS. Past orders keep it.",
        "invalid" => "Nothing was saved: correct the fields marked below.",
        "imported" => "Import finished. The report is below.",
        "refused" => "The file was not imported. Nothing was changed.",
        "classes" => {
            "Nothing was imported yet: some tax classes in the file have no rate. See below."
        }
        "rate_added" => "Tax rate added. Run the import again when every class has a rate.",
        "internal" => "Something went wrong on our side. Nothing was changed; please try again.",
        _ => return None,
    })
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let q = use_query_map().with_untracked(|m| m.get("q").unwrap_or_default());
    let q2 = q.clone();
    let load = move || list_catalog(q2.clone());
    view! {
        <StaffPage role=Role::Admin load=load render=move |rows| catalog_view(&q, rows)/>
    }
}

fn catalog_view(q: &str, rows: Vec<ProductRow>) -> impl IntoView {
    let capped = rows.len() as u64 >= LIST_LIMIT;
    view! {
        <h1>"Products"</h1>
        <p><a href="/catalog/new">"New product"</a> " · " <a href="/catalog/import">"Import from WooCommerce"</a></p>
        <form method="get" action="/catalog" class="filters" role="search">
            <label for="catalog-q">"Search catalogue"</label>
            <input id="catalog-q" name="q" type="search" value=q.to_owned() maxlength="100" placeholder="Name, SKU or barcode"/>
            <button type="submit" class="secondary">"Search"</button>
        </form>
        {if rows.is_empty() {
            view! { <p class="muted">"No products match."</p> }.into_any()
        } else {
            view! {
                <table>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"SKU"</th><th scope="col">"Barcode"</th><th scope="col" class="num">"Price"</th><th scope="col">"Tax"</th><th scope="col">"On sale"</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|p| view! {
                            <tr>
                                <td><a href=format!("/catalog/{}", p.id)>{p.name}</a></td>
                                <td>{p.sku}</td>
                                <td>{p.barcode}</td>
                                <td class="num">{p.price}</td>
                                <td>{p.tax}</td>
                                <td>{if p.active { "Yes" } else { "No (deactivated)" }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {capped.then(|| view! { <p class="muted">{format!("Showing the first {LIST_LIMIT}; search to narrow the list.")}</p> })}
    }
}

#[component]
pub fn ProductPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").and_then(|id| id.parse::<i32>().ok()));
    let new = use_location_is_new();
    let notice = query_notice(product_message);
    let load = move || async move {
        match (new, id) {
            (true, _) => product_for_edit(None).await,
            (false, Some(id)) => product_for_edit(Some(id)).await,
            (false, None) => Err(crate::error::AppError::NotFound),
        }
    };
    view! {
        <StaffPage role=Role::Admin load=load render=move |p| view! {
            <Notice notice=notice.clone()/>
            {product_view(p)}
        }/>
    }
}

fn use_location_is_new() -> bool {
    leptos_router::hooks::use_location()
        .pathname
        .get_untracked()
        .ends_with("/new")
}

fn product_view(p: ProductEdit) -> impl IntoView {
    let err = |field: &str| message_for(&p.errors, field);
    let action =
        p.id.map_or_else(|| "/catalog/new".to_owned(), |id| format!("/catalog/{id}"));
    let heading = if p.id.is_some() {
        "Edit product"
    } else {
        "New product"
    };
    let chosen = p.form.tax_rate_id.clone();
    let tax_error = err("tax_rate_id");
    let tax_invalid = tax_error.is_some();
    view! {
        <p><a href="/catalog">"← Products"</a></p>
        <h1>{heading}</h1>
        {(!p.active).then(|| view! { <p class="notice">"This product is deactivated: the POS does not offer it."</p> })}
        <form method="post" action=action class="stack">
            <Field label="Name" name="name" value=p.form.name required=true error=err("name")/>
            <Field label="SKU" name="sku" value=p.form.sku maxlength=64 error=err("sku")/>
            <Field label="Barcode (EAN, UPC, GTIN or ISBN)" name="barcode" value=p.form.barcode maxlength=32 error=err("barcode")/>
            <Field label=format!("Price ({}, {})", p.currency, if p.prices_include_tax { "tax included" } else { "before tax" }) name="price" value=p.form.price required=true maxlength=20 error=err("price")/>
            <label for="f-tax_rate_id">"Tax rate"</label>
            <select id="f-tax_rate_id" name="tax_rate_id" aria-invalid=tax_invalid.then_some("true")
                aria-describedby=tax_invalid.then_some("f-tax_rate_id-error")>
                <option value="" selected=chosen.is_empty()>"No tax"</option>
                {p.rates.into_iter().map(|(id, label)| {
                    let selected = chosen == id.to_string();
                    view! { <option value=id.to_string() selected=selected>{label}</option> }
                }).collect_view()}
            </select>
            <FieldMessage id="f-tax_rate_id-error" message=tax_error/>
            <button type="submit" class="primary">"Save product"</button>
        </form>
        {p.id.map(|id| {
            let (value, label) = if p.active { ("false", "Deactivate product") } else { ("true", "Reactivate product") };
            view! {
                <form method="post" action=format!("/catalog/{id}/active") class="stack">
                    <input type="hidden" name="active" value=value/>
                    <button type="submit" class="secondary">{label}</button>
                </form>
            }
        })}
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let notice = query_notice(product_message);
    view! {
        <StaffPage role=Role::Admin load=last_import render=move |r| view! {
            <Notice notice=notice.clone()/>
            {import_view(r)}
        }/>
    }
}

fn import_view(data: ImportPageData) -> impl IntoView {
    let result = data.result;
    let pending = data.pending;
    let missing = result
        .as_ref()
        .map(|r| (r.missing_classes.clone(), r.rates.clone(), r.file_kept))
        .filter(|(m, _, _)| !m.is_empty());
    // Without a fresh report, a kept file still offers the re-run (e.g. after
    // a rate was just created for it).
    let rerun_only = missing.is_none().then_some(pending.clone()).flatten();
    view! {
        <p><a href="/catalog">"← Products"</a></p>
        <h1>"Import products"</h1>
        <p>"Upload the CSV that WooCommerce writes (Products → Export). Products are matched by SKU: importing the same file again changes nothing. Variable products and rows without a price are skipped with the reason. Prices are taken as they are in the file: set " <a href="/settings#store">"Prices include tax"</a> " to match how your WooCommerce store entered them."</p>
        <ImportForm/>
        {missing.map(|(classes, rates, kept)| view! {
            <section aria-labelledby="classes-h" data-testid="missing-classes">
                <h2 id="classes-h">"Tax classes without a rate"</h2>
                <p>"Nothing was imported. For each class below, create a rate, or choose one of your rates for it, then run the import again."</p>
                <table>
                    <thead><tr><th scope="col">"Tax class"</th><th scope="col">"Rows"</th><th scope="col">"Create a rate for it"</th></tr></thead>
                    <tbody>
                        {classes.iter().map(|(class, rows)| view! {
                            <tr data-class=class.clone()>
                                <td>{class.clone()}</td>
                                <td class="num">{*rows}</td>
                                <td>
                                    <form method="post" action="/settings/tax-rates" class="inline">
                                        <input type="hidden" name="class" value=class.clone()/>
                                        <input type="hidden" name="back" value="import"/>
                                        <label for=format!("name-{class}")>"Name"</label>
                                        <input id=format!("name-{class}") name="name" required maxlength="60" placeholder="e.g. VAT 20%"/>
                                        <label for=format!("rate-{class}")>"Rate (%)"</label>
                                        <input id=format!("rate-{class}") name="rate" required maxlength="12" inputmode="decimal" placeholder="20"/>
                                        <button type="submit" class="secondary">"Create rate"</button>
                                    </form>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <h3>"Or use one of your rates"</h3>
                <form method="post" action="/catalog/import" enctype="multipart/form-data" class="stack">
                    <input type="hidden" name="rerun" value="1"/>
                    {classes.iter().map(|(class, _)| {
                        let id = format!("map-{class}");
                        view! {
                            <label for=id.clone()>{format!("Rate for {class}")}</label>
                            <select id=id name=format!("map:{class}")>
                                <option value="">"None yet"</option>
                                {rates.iter().map(|(rid, label)| view! { <option value=rid.to_string()>{label.clone()}</option> }).collect_view()}
                            </select>
                        }
                    }).collect_view()}
                    {(!kept).then(|| view! {
                        <label for="rerun-file">"The same CSV file again"</label>
                        <input id="rerun-file" name="file" type="file" accept=".csv,text/csv" required/>
                    })}
                    <button type="submit" class="primary">"Run the import again"</button>
                </form>
            </section>
        })}
        {rerun_only.map(|name| view! {
            <section aria-labelledby="pending-h">
                <h2 id="pending-h">"Waiting: " {name}</h2>
                <p>"This file is waiting for its tax classes to have a rate."</p>
                <form method="post" action="/catalog/import" enctype="multipart/form-data">
                    <input type="hidden" name="rerun" value="1"/>
                    <button type="submit" class="primary">"Run the import again"</button>
                </form>
            </section>
        })}
        {result.map(|r| view! {
            <section aria-labelledby="report-h">
                <h2 id="report-h">"Report: " {r.file_name.clone()}</h2>
                <p class=if r.refused { "error" } else { "notice" } role="status">{r.summary.clone()}</p>
                {(!r.lines.is_empty()).then(|| view! {
                    <table>
                        <thead><tr><th scope="col">"Line"</th><th scope="col">"SKU"</th><th scope="col">"Name"</th><th scope="col">"Result"</th></tr></thead>
                        <tbody>
                            {r.lines.iter().map(|l| view! {
                                <tr class=if l.problem { "problem" } else { "" }>
                                    <td class="num">{l.line}</td><td>{l.sku.clone()}</td><td>{l.name.clone()}</td><td>{l.outcome.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
                {(r.more > 0).then(|| view! { <p class="muted">{format!("{} more rows imported without problems are not listed.", r.more)}</p> })}
            </section>
        })}
    }
}

/// The upload form. It posts like any form (so it works without JavaScript);
/// once hydrated it also shows a progress bar while the file goes up and the
/// server works through it.
#[island]
fn ImportForm() -> impl IntoView {
    let busy = RwSignal::new(false);
    view! {
        <form method="post" action="/catalog/import" enctype="multipart/form-data" class="stack"
            on:submit=move |_| busy.set(true)>
            <label for="import-file">"WooCommerce product CSV"</label>
            <input id="import-file" name="file" type="file" accept=".csv,text/csv" required/>
            <button type="submit" class="primary" disabled=move || busy.get()>"Import products"</button>
            <Show when=move || busy.get()>
                <label for="import-progress">"Importing… this page updates when the report is ready."</label>
                <progress id="import-progress"></progress>
            </Show>
        </form>
    }
}
