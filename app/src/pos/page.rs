//! The POS screen: build a cart, pick or type the customer, send the invoice
//! or take payment. The cart is an island; its totals come from the same
//! `compute_totals` the server stores, so the screen and the invoice agree.
use super::api::{find_orders, pos_context, save_quote, send_order, PosSetup, SendOutcome};
use crate::catalog::api::{search_products, ProductHit};
use crate::catalog::Barcode;
use crate::customers::api::{search_customers, CustomerHit};
use crate::domain::{Currency, Money, Quantity};
use crate::i18n::Lang;
use crate::orders::create::{CartFee, CartLine, FieldError, NewOrderRequest, PaymentChoice};
use crate::orders::ledger::Deposit;
use crate::orders::{compute_totals, Discount, FeeInput, LineInput, TaxMode, TaxRate, Totals};
use crate::staff::{pages::StaffPage, Role};
use leptos::prelude::*;

#[component]
pub fn PosPage() -> impl IntoView {
    view! {
        <StaffPage
            role=Role::Cashier
            load=pos_context
            render=|ctx: PosSetup| view! {
                <h1>"Point of sale"</h1>
                {expected_today(ctx.expected)}
                {if ctx.ready {
                    view! {
                        <PosScreen currency=ctx.currency prices_include_tax=ctx.prices_include_tax default_payment=ctx.default_payment store_language=ctx.language/>
                        <PosStartFailure/>
                    }.into_any()
                } else if ctx.is_admin {
                    view! { <p role="alert">"The store is not set up yet: finish the steps on " <a href="/">"Home"</a> " before selling."</p> }.into_any()
                } else {
                    view! { <p role="alert">"The store is not set up yet; ask an admin."</p> }.into_any()
                }}
            }
        />
    }
}

/// The orders whose customers said they would pay in store today, so the
/// cashier recognises them at the counter; nothing when there are none.
/// Rendered on the server, outside the island: plain links to each order's
/// page, where payment is taken.
fn expected_today(expected: Vec<crate::setup::ExpectedRow>) -> Option<impl IntoView> {
    if expected.is_empty() {
        return None;
    }
    let count = expected.len();
    // Open while it is short; a long list folds away so the till stays in view.
    let open = count <= 5;
    Some(view! {
        <details class="pos-expected" data-testid="pos-expected" open=open>
            <summary>{format!("Expected in store today: {count}")}</summary>
            <ul>
                {expected.into_iter().map(|r| view! {
                    <li>
                        <a href=format!("/orders/{}", r.number)>{format!("#{}", r.number)}</a>
                        " " {r.customer} " " <span class="num">{r.balance}</span>
                    </li>
                }).collect_view()}
            </ul>
        </details>
    })
}

/// Says so when the till's script cannot start, instead of "Loading the
/// POS…" forever: a script or wasm file that fails to load (a server whose
/// site files do not match its build answers 404), a start-up error, or no
/// start after a while. Plain inline JavaScript, because the failure it
/// reports is precisely that our wasm did not run; it carries the page's
/// nonce (the CSP allows no other inline script). Rendered on the server
/// only, outside the island, so hydration never sees it.
#[component]
fn PosStartFailure() -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    view! {
        <p id="pos-failed" class="error" role="alert" hidden=true>
            "The POS could not start: its script did not load. Reload the page; if this keeps \
             happening, the server's files do not match its build (run the build again). \
             Orders and settings still work."
        </p>
        <script nonce=nonce>{include_str!("start_watch.js")}</script>
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Line {
    product: ProductHit,
    quantity: String,
}

/// Everything typed into the cart, parsed: the lines and fees for the totals,
/// or the message to show next to each field that does not parse.
struct Parsed {
    lines: Vec<LineInput>,
    fees: Vec<FeeInput>,
    discount: Discount,
    errors: Vec<FieldError>,
}

fn parse_cart(
    currency: Currency,
    lines: &[Line],
    fee_label: &str,
    fee_amount: &str,
    discount: &str,
) -> Parsed {
    let mut errors = Vec::new();
    let mut inputs = Vec::new();
    for line in lines {
        match Quantity::parse(&line.quantity) {
            Ok(q) => inputs.push(LineInput {
                unit_price_minor: line.product.price_minor,
                quantity: q,
                tax: TaxRate {
                    label: line.product.tax_label.clone(),
                    rate_ppm: line.product.tax_rate_ppm,
                },
            }),
            Err(e) => errors.push(FieldError {
                field: format!("line:{}", line.product.id),
                message: e.to_string(),
            }),
        }
    }
    let mut fees = Vec::new();
    if !fee_amount.trim().is_empty() {
        match Money::parse(fee_amount, currency) {
            Ok(_) if fee_label.trim().is_empty() => errors.push(FieldError {
                field: "fee:0".into(),
                message: "give the fee a name".into(),
            }),
            Ok(m) => fees.push(FeeInput {
                amount_minor: m.minor(),
                tax: TaxRate::none(),
            }),
            Err(e) => errors.push(FieldError {
                field: "fee:0".into(),
                message: e.to_string(),
            }),
        }
    }
    // An amount or a percentage; the server works a percentage out again
    // from its own prices.
    let discount = Discount::parse(discount, currency).unwrap_or_else(|e| {
        errors.push(FieldError {
            field: "discount".into(),
            message: e.to_string(),
        });
        Discount::None
    });
    Parsed {
        lines: inputs,
        fees,
        discount,
        errors,
    }
}

/// A sale paid at once, shown to the cashier before it is sent: exactly this
/// request goes out on **Confirm payment**, so the amount read is the amount taken.
#[derive(Debug, Clone, PartialEq)]
struct Confirmation {
    req: NewOrderRequest,
    total: i64,
}

#[island]
fn PosScreen(
    currency: String,
    prices_include_tax: bool,
    default_payment: PaymentChoice,
    store_language: Lang,
) -> impl IntoView {
    let mode = TaxMode::from_inclusive(prices_include_tax);
    let Ok(currency) = Currency::parse(&currency) else {
        return view! { <p role="alert">"The store's currency is not set up; ask an admin to fix Settings."</p> }.into_any();
    };
    let money = move |minor: i64| Money::from_minor(minor, currency).to_string();

    let query = RwSignal::new(String::new());
    let search = Action::new_local(|q: &String| search_products(q.clone()));
    // The same box finds orders: a number, a scanned QR code, a pasted pay link.
    let order_search = Action::new_local(|q: &String| find_orders(q.clone()));
    let lines = RwSignal::new(Vec::<Line>::new());
    let fee_label = RwSignal::new(String::new());
    let fee_amount = RwSignal::new(String::new());
    let discount = RwSignal::new(String::new());
    let customer_query = RwSignal::new(String::new());
    let customer_search = Action::new_local(|q: &String| search_customers(q.clone()));
    let customer = RwSignal::new(None::<CustomerHit>);
    let email = RwSignal::new(String::new());
    let save_to_billing = RwSignal::new(false);
    let payment = RwSignal::new(default_payment);
    // Cash handed over, as typed; and the sale awaiting **Confirm payment**.
    let tendered = RwSignal::new(String::new());
    let confirmation = RwSignal::new(None::<Confirmation>);
    let tendered_input = NodeRef::<leptos::html::Input>::new();
    let confirm_panel = NodeRef::<leptos::html::Div>::new();
    let due_date = RwSignal::new(String::new());
    // A guest's language (a registered customer's own is used).
    let language = RwSignal::new(store_language);
    // A deposit (an amount or a percentage) and when it is due.
    let deposit = RwSignal::new(String::new());
    let deposit_due = RwSignal::new(String::new());
    // (cart, save as a quote instead)
    let send = Action::new_local(|(req, quote): &(NewOrderRequest, bool)| {
        let (req, quote) = (req.clone(), *quote);
        async move {
            if quote {
                save_quote(req).await
            } else {
                send_order(req).await
            }
        }
    });
    // Rendered by the server, hidden once the island runs: without JavaScript
    // (or until the wasm loads) the cashier reads why nothing responds.
    // `PosStartFailure` watches this notice's `hidden` to know the till started.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let parsed = Memo::new(move |_| {
        let p = lines.with(|l| {
            parse_cart(
                currency,
                l,
                &fee_label.get(),
                &fee_amount.get(),
                &discount.get(),
            )
        });
        let totals: Result<Totals, String> =
            compute_totals(currency, mode, &p.lines, &p.fees, p.discount)
                .map_err(|e| e.to_string());
        (p.errors, totals)
    });
    let server_errors = move || match send.value().get() {
        Some(Ok(SendOutcome::Rejected(errors))) => errors,
        _ => Vec::new(),
    };
    let error_for = move |field: String| {
        move || {
            let local = parsed.with(|(errs, _)| {
                errs.iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message.clone())
            });
            local.or_else(|| {
                server_errors()
                    .into_iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message)
            })
        }
    };

    // The cash tendered, parsed as people type amounts; None while empty.
    let tender = Memo::new(move |_| match tendered.get().trim() {
        "" => None,
        typed => Some(
            Money::parse(typed, currency)
                .map(|m| m.minor())
                .map_err(|e| e.to_string()),
        ),
    });
    // The total a sale would be taken at: none for an empty cart or one
    // with a field that does not parse.
    let cart_total = move || {
        if lines.with(Vec::is_empty) {
            return None;
        }
        parsed.with(|(errs, t)| {
            if errs.is_empty() {
                t.as_ref().ok().map(|t| t.total)
            } else {
                None
            }
        })
    };
    // The deposit as typed, worked out on the cart's total by the shared
    // ledger code (the server does the same from its own total): Ok(None)
    // without one, Err with the field's message.
    let deposit_split = Memo::new(move |_| {
        let typed = Deposit::parse(&deposit.get(), currency).map_err(|e| e.to_string())?;
        if typed == Deposit::None {
            return Ok(None);
        }
        let Some(total) = cart_total() else {
            return Ok(None);
        };
        match typed.amount_for(total) {
            Ok(Some(d)) => Ok(Some((typed, d, total - d))),
            Ok(None) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    });
    let deposit_error = move || match deposit_split.get() {
        Err(m) => Some(m),
        Ok(_) => error_for("deposit".into())(),
    };
    // What a sale at the till takes now: the deposit when there is one.
    let take_now = move || match deposit_split.get() {
        Ok(Some((_, d, _))) => Some(d),
        _ => cart_total(),
    };
    let tendered_error = move || match tender.get() {
        Some(Err(m)) => Some(m),
        _ => error_for("tendered".into())(),
    };
    let change_line = move || {
        let total = take_now()?;
        match tender.get()? {
            Ok(t) if t >= total => Some(
                view! { <span data-testid="pos-change">{format!("Change: {}", money(t - total))}</span> }
                    .into_any(),
            ),
            Ok(t) => Some(
                view! { <span class="error" data-testid="pos-change">{format!("Short by {}", money(total - t))}</span> }
                    .into_any(),
            ),
            Err(_) => None,
        }
    };
    let focus_tendered = move || {
        #[cfg(feature = "hydrate")]
        if let Some(input) = tendered_input.get_untracked() {
            let _ = input.focus();
        }
    };

    let add = move |hit: ProductHit| {
        lines.update(|ls| match ls.iter_mut().find(|l| l.product.id == hit.id) {
            Some(line) => {
                let n = line
                    .quantity
                    .trim()
                    .parse::<u32>()
                    .unwrap_or(0)
                    .saturating_add(1);
                line.quantity = n.to_string();
            }
            None => ls.push(Line {
                product: hit,
                quantity: "1".into(),
            }),
        });
    };

    let dispatch = move |quote: bool| {
        let p = lines.with(|l| {
            parse_cart(
                currency,
                l,
                &fee_label.get_untracked(),
                &fee_amount.get_untracked(),
                &discount.get_untracked(),
            )
        });
        if !p.errors.is_empty() {
            return;
        }
        // Tendered counts for a cash sale only (the server refuses it otherwise).
        let cash = !quote && payment.get_untracked() == PaymentChoice::Cash;
        let tendered_minor = match tender.get_untracked() {
            Some(Ok(t)) if cash => Some(t),
            Some(Err(_)) if cash => {
                focus_tendered();
                return;
            }
            _ => None,
        };
        let (discount_minor, discount_percent_bp) = NewOrderRequest::discount_fields(p.discount);
        let typed_deposit = match deposit_split.get_untracked() {
            Ok(Some((d, _, _))) => d,
            Ok(None) => Deposit::parse(&deposit.get_untracked(), currency).unwrap_or_default(),
            // The field says why; nothing is sent.
            Err(_) => return,
        };
        let (deposit_minor, deposit_percent_bp) = NewOrderRequest::deposit_fields(typed_deposit);
        let req = NewOrderRequest {
            lines: lines.with_untracked(|ls| {
                ls.iter()
                    .zip(&p.lines)
                    .map(|(l, input)| CartLine {
                        product_id: l.product.id,
                        quantity: input.quantity.get(),
                    })
                    .collect()
            }),
            fees: p
                .fees
                .iter()
                .map(|f| CartFee {
                    label: fee_label.get_untracked().trim().to_owned(),
                    amount_minor: f.amount_minor,
                })
                .collect(),
            discount_minor,
            discount_percent_bp,
            customer_id: customer.get_untracked().map(|c| c.id),
            invoice_email: email.get_untracked(),
            save_to_billing: save_to_billing.get_untracked(),
            payment: payment.get_untracked(),
            due_date: due_date.get_untracked(),
            note: String::new(),
            expected_total_minor: parsed.with_untracked(|(_, t)| t.as_ref().ok().map(|t| t.total)),
            tendered_minor,
            deposit_minor,
            deposit_percent_bp,
            deposit_due: deposit_due.get_untracked(),
            language: customer
                .get_untracked()
                .is_none()
                .then(|| language.get_untracked()),
        };
        // An invoice or a quote takes no money: one press sends it. So does an
        // empty cart, which the server refuses with its own message.
        if quote || req.payment == PaymentChoice::EmailInvoice || req.lines.is_empty() {
            send.dispatch((req, quote));
            return;
        }
        // Money taken now: shown first, sent only by **Confirm payment**. No
        // total (the totals say why) or cash short of it: nothing to confirm.
        // With a deposit, the deposit is what is taken.
        let Some(total) = take_now() else {
            return;
        };
        if req.tendered_minor.is_some_and(|t| t < total) {
            focus_tendered();
            return;
        }
        confirmation.set(Some(Confirmation { req, total }));
    };
    let confirm = move || {
        if let Some(c) = confirmation.get_untracked() {
            confirmation.set(None);
            send.dispatch((c.req, false));
        }
    };
    // Whatever would change the request closes the confirmation, so the
    // amount it shows is always the one sent (the server also refuses a
    // total the till did not show).
    Effect::new(move |_| {
        lines.track();
        fee_label.track();
        fee_amount.track();
        discount.track();
        payment.track();
        tendered.track();
        customer.track();
        email.track();
        save_to_billing.track();
        due_date.track();
        deposit.track();
        deposit_due.track();
        if confirmation.with_untracked(Option::is_some) {
            confirmation.set(None);
        }
    });
    // Focus goes to the confirmation itself, not to its button: a scanner's
    // Enter (the customer's "and this one") or a held-down Enter must never
    // take the payment; Tab reaches the button, and screen readers read the
    // question first.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(panel) = confirm_panel.get() {
            let _ = panel.focus();
        }
    });
    // Enter in a text field submits a form implicitly; here it must never
    // send a sale or take a payment, so the form's submit does nothing and
    // only the buttons send.
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
    };
    // Enter in the other fields: nothing (not even the browser's implicit submit).
    let no_enter = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
        }
    };
    // A scan (or Enter) in the search box: one lookup for exactly what was
    // typed, then the product whose SKU is exactly it, else the one whose
    // barcode is, else the only result. A barcode two products share adds
    // neither: the cashier picks from the results.
    let scan = Action::new_local(|q: &String| {
        let q = q.clone();
        async move { (q.clone(), search_products(q).await) }
    });
    let scan_note = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some((q, Ok(hits))) = scan.value().get() {
            let wanted = q.trim().to_lowercase();
            let exact = hits
                .iter()
                .find(|h| h.sku.as_deref().is_some_and(|s| s.to_lowercase() == wanted));
            let code = Barcode::parse(&q).ok();
            let scanned: Vec<&ProductHit> = hits
                .iter()
                .filter(|h| {
                    let theirs = h.barcode.as_deref().and_then(|b| Barcode::parse(b).ok());
                    matches!((&code, theirs), (Some(c), Some(t)) if c.same_item(&t))
                })
                .collect();
            if exact.is_none() && scanned.len() > 1 {
                scan_note.set(Some(format!(
                    "{} products have the barcode {}: choose one below.",
                    scanned.len(),
                    q.trim()
                )));
                search.dispatch(q);
                return;
            }
            // A code that reads as a barcode adds only an exact match: the
            // "only result" of a contains-search could be any product whose
            // SKU happens to contain those digits.
            if code.is_some() && exact.is_none() && scanned.is_empty() {
                scan_note.set(Some(format!(
                    "No product has the barcode or SKU {}.",
                    q.trim()
                )));
                return;
            }
            scan_note.set(None);
            let only = if hits.len() == 1 { hits.first() } else { None };
            let pick = exact.or(scanned.first().copied()).or(only);
            if let Some(hit) = pick.cloned() {
                add(hit);
                // Only when the box still holds this scan: a scanner already
                // typing the next code keeps its digits.
                if query.get_untracked() == q {
                    query.set(String::new());
                }
            }
        }
    });
    // The highlighted customer suggestion (arrow keys), picked with Enter.
    let customer_pick = RwSignal::new(0usize);
    let choose_customer = move |hit: CustomerHit| {
        email.set(hit.email.clone());
        customer.set(Some(hit));
        customer_query.set(String::new());
        customer_pick.set(0);
    };

    // A fresh cart once an order has been created.
    Effect::new(move |_| {
        if let Some(Ok(SendOutcome::Created(_))) = send.value().get() {
            lines.set(Vec::new());
            fee_label.set(String::new());
            fee_amount.set(String::new());
            discount.set(String::new());
            customer.set(None);
            email.set(String::new());
            save_to_billing.set(false);
            due_date.set(String::new());
            language.set(store_language);
            deposit.set(String::new());
            deposit_due.set(String::new());
            customer_query.set(String::new());
            customer_pick.set(0);
            tendered.set(String::new());
            confirmation.set(None);
            // The next customer starts from the store's default method
            // (Settings), whatever the last sale used.
            payment.set(default_payment);
        }
    });

    let payment_radio = move |choice: PaymentChoice, id: &'static str| {
        view! {
            <label for=id class="radio">
                <input
                    type="radio"
                    id=id
                    name="payment"
                    prop:checked=move || payment.get() == choice
                    on:change=move |_| payment.set(choice)
                />
                {choice.label()}
            </label>
        }
    };

    // Each section is boxed (`into_any`): as one nested view type, rendering
    // the whole till on the server overflowed a 2 MB thread stack in debug
    // builds (the test runtime's workers).
    view! {
        <p id="pos-loading" class="notice" role="status" hidden=move || hydrated.get()>
            "Loading the POS… It needs JavaScript; orders and settings work without it."
        </p>
        <form class="pos" on:submit=submit novalidate>
            {view! { <section class="pos-products">
                <h2 id="pos-products-h">"Products"</h2>
                <label for="pos-search">"Search products"</label>
                <input
                    id="pos-search"
                    type="search"
                    autocomplete="off"
                    placeholder="Name, SKU, order number or pay link"
                    prop:value=move || query.get()
                    on:input=move |ev| {
                        let q = event_target_value(&ev);
                        query.set(q.clone());
                        scan_note.set(None);
                        order_search.dispatch(q.clone());
                        search.dispatch(q);
                    }
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        match ev.key().as_str() {
                            // A scanner types the code and Enter: add that
                            // product (or open the one order a QR code names);
                            // never submit the cart from the search box.
                            "Enter" => {
                                ev.prevent_default();
                                let q = query.get_untracked();
                                if q.trim().is_empty() {
                                    return;
                                }
                                #[cfg(feature = "hydrate")]
                                if let Some(Ok(hits)) = order_search.value().get_untracked() {
                                    if let (1, Some(window)) = (hits.len(), web_sys::window()) {
                                        if hits[0].number.to_string() == q.trim() || q.contains("/pay/") {
                                            let _ = window.location().assign(&format!("/orders/{}", hits[0].number));
                                            return;
                                        }
                                    }
                                }
                                scan.dispatch(q);
                            }
                            "Escape" => {
                                query.set(String::new());
                                scan_note.set(None);
                            }
                            _ => {}
                        }
                    }
                />
                {move || scan_note.get().map(|m| view! { <p class="notice" role="status" data-testid="pos-scan-note">{m}</p> })}
                <ul class="hits order-hits" aria-label="Orders found">
                    {move || order_search.value().get().and_then(Result::ok).unwrap_or_default().into_iter().map(|o| {
                        let label = format!("Order #{}", o.number);
                        view! {
                            <li><a class="hit" href=format!("/orders/{}", o.number)>
                                <span>{label} " · " {o.name} " " {o.email}</span>
                                <span>{o.status} " · " <span class="num">{o.total}</span></span>
                            </a></li>
                        }
                    }).collect_view()}
                </ul>
                <ul class="hits" aria-live="polite">
                    {move || match search.value().get() {
                        Some(Ok(hits)) if hits.is_empty() && !query.get().trim().is_empty() => view! { <li class="muted">"No products match."</li> }.into_any(),
                        Some(Ok(hits)) => hits
                            .into_iter()
                            .map(|hit| {
                                let label = format!("Add {}", hit.name);
                                let price = money(hit.price_minor);
                                let name = hit.name.clone();
                                view! {
                                    <li>
                                        <button type="button" class="hit" aria-label=label on:click=move |_| add(hit.clone())>
                                            <span>{name}</span>
                                            <span class="num">{price}</span>
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()
                            .into_any(),
                        Some(Err(e)) => view! { <li role="alert">{e.to_string()}</li> }.into_any(),
                        None => ().into_any(),
                    }}
                </ul>
            </section> }.into_any()}

            {view! { <section class="pos-cart">
                <h2 id="pos-cart-h">"Cart"</h2>
                {move || error_for("cart".into())().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <table>
                    <thead><tr><th scope="col">"Item"</th><th scope="col">"Qty"</th><th scope="col" class="num">"Price"</th><th scope="col" class="num">"Total"</th><th scope="col"><span class="sr-only">"Remove"</span></th></tr></thead>
                    <tbody>
                        <For each=move || lines.get() key=|l| l.product.id let:line>
                            {
                                let id = line.product.id;
                                let name = line.product.name.clone();
                                let qty_label = format!("Quantity for {name}");
                                let remove_label = format!("Remove {name}");
                                let unit = money(line.product.price_minor);
                                let line_total = move || {
                                    let qty = lines.with(|ls| ls.iter().find(|l| l.product.id == id).and_then(|l| Quantity::parse(&l.quantity).ok()));
                                    qty.map(|q| money(line.product.price_minor.saturating_mul(i64::from(q.get())))).unwrap_or_default()
                                };
                                let field = format!("line:{id}");
                                view! {
                                    <tr>
                                        <td>{name.clone()}</td>
                                        <td>
                                            <input
                                                type="number"
                                                class="qty"
                                                min="1"
                                                max="10000"
                                                inputmode="numeric"
                                                on:keydown=no_enter
                                                aria-label=qty_label
                                                prop:value=move || lines.with(|ls| ls.iter().find(|l| l.product.id == id).map(|l| l.quantity.clone()).unwrap_or_default())
                                                on:input=move |ev| {
                                                    let v = event_target_value(&ev);
                                                    lines.update(|ls| if let Some(l) = ls.iter_mut().find(|l| l.product.id == id) { l.quantity = v; });
                                                }
                                            />
                                            {move || error_for(field.clone())().map(|m| view! { <span class="error field-error" role="alert">{m}</span> })}
                                        </td>
                                        <td class="num">{unit}</td>
                                        <td class="num">{line_total}</td>
                                        <td>
                                            <button type="button" class="secondary" aria-label=remove_label on:click=move |_| lines.update(|ls| ls.retain(|l| l.product.id != id))>"×"</button>
                                        </td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
                <Show when=move || lines.with(Vec::is_empty)>
                    <p class="muted">"The cart is empty: search for a product and add it."</p>
                </Show>

                <div class="pos-extras">
                    <label for="pos-fee-label">"Fee name"</label>
                    <input id="pos-fee-label" type="text" on:keydown=no_enter maxlength="100" placeholder="e.g. Delivery" prop:value=move || fee_label.get() on:input=move |ev| fee_label.set(event_target_value(&ev))/>
                    <label for="pos-fee-amount">"Fee amount"</label>
                    <input id="pos-fee-amount" type="text" on:keydown=no_enter inputmode="decimal"
                        aria-invalid=move || error_for("fee:0".into())().map(|_| "true")
                        aria-describedby=move || error_for("fee:0".into())().map(|_| "pos-fee-error")
                        prop:value=move || fee_amount.get() on:input=move |ev| fee_amount.set(event_target_value(&ev))/>
                    {move || error_for("fee:0".into())().map(|m| view! { <span class="error field-error" id="pos-fee-error" role="alert">{m}</span> })}
                    <label for="pos-discount">"Discount"</label>
                    // Free text, not a number input: "10%" and "2,50" are both discounts.
                    <input id="pos-discount" type="text" on:keydown=no_enter placeholder="e.g. 2.50 or 10%"
                        aria-invalid=move || error_for("discount".into())().map(|_| "true")
                        aria-describedby=move || error_for("discount".into())().map(|_| "pos-discount-error")
                        prop:value=move || discount.get() on:input=move |ev| discount.set(event_target_value(&ev))/>
                    {move || error_for("discount".into())().map(|m| view! { <span class="error field-error" id="pos-discount-error" role="alert">{m}</span> })}
                </div>

                <dl class="totals" aria-label="Totals">
                    {move || match parsed.get() {
                        // A field in error is never left out of a total that
                        // looks complete: no amount until it is fixed.
                        (errors, _) if !errors.is_empty() => view! {
                            <dt class="grand">"Total"</dt>
                            <dd class="grand">
                                <span class="incomplete" role="status" data-testid="pos-total-incomplete">"Incomplete: fix the marked field"</span>
                            </dd>
                        }.into_any(),
                        (_, Ok(t)) => {
                            let discount_label = t.discount_label();
                            let inclusive = t.mode.is_inclusive();
                            let taxes = t.taxes.iter().map(|x| {
                                let label = crate::orders::tax_line_label(&x.label, x.rate_ppm);
                                let label = if inclusive { format!("Includes {label}") } else { label };
                                view! { <dt>{label}</dt><dd class="num" data-testid="pos-tax">{money(x.amount)}</dd> }
                            }).collect_view();
                            let (before, after) = if inclusive { (None, Some(taxes)) } else { (Some(taxes), None) };
                            view! {
                                <dt>"Subtotal"</dt><dd class="num">{money(t.subtotal)}</dd>
                                {(t.discount > 0).then(|| view! { <dt>{discount_label}</dt><dd class="num" data-testid="pos-discount">"-" {money(t.discount)}</dd> })}
                                {(t.fee_total > 0).then(|| view! { <dt>"Fees"</dt><dd class="num">{money(t.fee_total)}</dd> })}
                                {before}
                                <dt class="grand">"Total"</dt><dd class="num grand" data-testid="pos-total">{money(t.total)}</dd>
                                {after}
                            }.into_any()
                        }
                        (_, Err(e)) => view! { <dt>"Total"</dt><dd class="error" role="alert">{e}</dd> }.into_any(),
                    }}
                </dl>
            </section> }.into_any()}

            {view! { <section class="pos-customer">
                <h2 id="pos-customer-h">"Customer"</h2>
                <label for="pos-customer-search">"Customer"</label>
                <input
                    id="pos-customer-search"
                    type="search"
                    autocomplete="off"
                    placeholder="Name, email or phone"
                    prop:value=move || customer_query.get()
                    on:input=move |ev| {
                        let q = event_target_value(&ev);
                        customer_query.set(q.clone());
                        customer_pick.set(0);
                        customer_search.dispatch(q);
                    }
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        let hits = customer_search.value().get_untracked().and_then(Result::ok).unwrap_or_default();
                        match ev.key().as_str() {
                            // Enter picks the highlighted suggestion; it never sends the sale.
                            "Enter" => {
                                ev.prevent_default();
                                if customer_query.get_untracked().trim().is_empty() {
                                    return;
                                }
                                if let Some(hit) = hits.get(customer_pick.get_untracked()).cloned() {
                                    choose_customer(hit);
                                }
                            }
                            "ArrowDown" if !hits.is_empty() => {
                                ev.prevent_default();
                                customer_pick.update(|i| *i = (*i + 1).min(hits.len() - 1));
                            }
                            "ArrowUp" => {
                                ev.prevent_default();
                                customer_pick.update(|i| *i = i.saturating_sub(1));
                            }
                            "Escape" => {
                                customer_query.set(String::new());
                                customer_pick.set(0);
                            }
                            _ => {}
                        }
                    }
                />
                {move || customer.get().map(|c| view! {
                    <p class="chosen">{c.name.clone()} " · " {c.email.clone()}
                        " " <button type="button" class="secondary" on:click=move |_| customer.set(None)>"Clear customer"</button>
                    </p>
                })}
                <ul class="hits">
                    {move || match customer_search.value().get() {
                        // Suggestions only while something is typed: an
                        // emptied field (after a sale, or Escape) shows none.
                        Some(Ok(hits)) if customer.get().is_none() && !customer_query.get().trim().is_empty() => hits.into_iter().enumerate().map(|(i, hit)| {
                            let label = format!("Choose {}", if hit.name.is_empty() { hit.email.clone() } else { hit.name.clone() });
                            let text = format!("{} · {}", hit.name, hit.email);
                            let current = move || customer_pick.get() == i;
                            view! {
                                <li><button type="button" class="hit" class:current=current aria-current=move || current().then_some("true") aria-label=label on:click=move |_| choose_customer(hit.clone())>{text}</button></li>
                            }
                        }).collect_view().into_any(),
                        Some(Err(e)) => view! { <li role="alert">{e.to_string()}</li> }.into_any(),
                        _ => ().into_any(),
                    }}
                </ul>
                {move || error_for("customer".into())().map(|m| view! { <p class="error" role="alert">{m}</p> })}

                <label for="pos-email">"Invoice email"</label>
                <input id="pos-email" type="email" on:keydown=no_enter autocomplete="off" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                {move || error_for("invoice_email".into())().map(|m| view! { <span class="error field-error" role="alert">{m}</span> })}
                <label class="check" for="pos-save-billing">
                    <input id="pos-save-billing" type="checkbox" prop:checked=move || save_to_billing.get() on:change=move |ev| save_to_billing.set(event_target_checked(&ev))/>
                    "Save to billing address"
                </label>
                // A registered customer gets their own language; a guest
                // the one chosen here.
                <Show when=move || customer.get().is_none()>
                    <label for="pos-language">"Language"</label>
                    <select id="pos-language" on:change=move |ev| {
                        if let Some(l) = Lang::parse(&event_target_value(&ev)) {
                            language.set(l);
                        }
                    }>
                        {Lang::ALL.into_iter().map(|l| view! {
                            <option value=l.code() selected=move || language.get() == l>{l.name()}</option>
                        }).collect_view()}
                    </select>
                </Show>

                <div role="radiogroup" aria-labelledby="pos-payment-label" class="radios">
                    <span id="pos-payment-label" class="label">"Payment method"</span>
                    {payment_radio(PaymentChoice::EmailInvoice, "pay-invoice")}
                    {payment_radio(PaymentChoice::Cash, "pay-cash")}
                    {payment_radio(PaymentChoice::CardTerminal, "pay-card")}
                    {payment_radio(PaymentChoice::Other, "pay-other")}
                </div>
                <label for="pos-deposit">"Deposit (optional)"</label>
                // Free text: "30.00" and "30%" are both deposits.
                <input id="pos-deposit" type="text" on:keydown=no_enter autocomplete="off" placeholder="e.g. 50.00 or 30%"
                    aria-invalid=move || deposit_error().map(|_| "true")
                    aria-describedby="pos-deposit-split pos-deposit-error"
                    prop:value=move || deposit.get() on:input=move |ev| deposit.set(event_target_value(&ev))/>
                {move || deposit_error().map(|m| view! { <span class="error field-error" id="pos-deposit-error" role="alert">{m}</span> })}
                <p id="pos-deposit-split" class="pos-change" aria-live="polite" data-testid="pos-deposit-split">
                    {move || match deposit_split.get() {
                        Ok(Some((typed, d, rest))) => {
                            let now = if payment.get() == PaymentChoice::EmailInvoice { "due first" } else { "taken now" };
                            format!("{} {} {now}; balance {} later.", typed.label(), money(d), money(rest))
                        }
                        _ => String::new(),
                    }}
                </p>
                <Show when=move || payment.get() == PaymentChoice::EmailInvoice && matches!(deposit_split.get(), Ok(Some(_)))>
                    <label for="pos-deposit-due">"Deposit due by"</label>
                    <input id="pos-deposit-due" type="date" on:keydown=no_enter aria-describedby="pos-deposit-due-help" prop:value=move || deposit_due.get() on:input=move |ev| deposit_due.set(event_target_value(&ev))/>
                    <span id="pos-deposit-due-help" class="muted">"Empty for today; on or before the due date."</span>
                    {move || error_for("deposit_due".into())().map(|m| view! { <span class="error field-error" role="alert">{m}</span> })}
                </Show>
                <Show when=move || payment.get() == PaymentChoice::EmailInvoice || matches!(deposit_split.get(), Ok(Some(_)))>
                    <label for="pos-due">{move || if matches!(deposit_split.get(), Ok(Some(_))) { "Balance due by" } else { "Due date" }}</label>
                    <input id="pos-due" type="date" on:keydown=no_enter prop:value=move || due_date.get() on:input=move |ev| due_date.set(event_target_value(&ev))/>
                    {move || error_for("due_date".into())().map(|m| view! { <span class="error field-error" role="alert">{m}</span> })}
                </Show>
                <Show when=move || payment.get() == PaymentChoice::Cash>
                    <label for="pos-tendered">"Cash tendered"</label>
                    <input
                        id="pos-tendered"
                        type="text"
                        inputmode="decimal"
                        autocomplete="off"
                        maxlength="24"
                        aria-describedby="pos-change pos-tendered-error"
                        aria-invalid=move || tendered_error().is_some().then_some("true")
                        node_ref=tendered_input
                        on:keydown=no_enter
                        prop:value=move || tendered.get()
                        on:input=move |ev| tendered.set(event_target_value(&ev))
                    />
                    {move || tendered_error().map(|m| view! { <span class="error field-error" id="pos-tendered-error" role="alert">{m}</span> })}
                    <p id="pos-change" class="pos-change" aria-live="polite">{change_line}</p>
                </Show>

                <button type="button" class="primary" disabled=move || send.pending().get() on:click=move |_| dispatch(false)>
                    {move || if payment.get() == PaymentChoice::EmailInvoice { "Send invoice" } else { "Take payment" }}
                </button>
                <button type="button" class="secondary" disabled=move || send.pending().get() on:click=move |_| dispatch(true)>
                    "Save as quote"
                </button>
                {move || confirmation.get().map(|c| {
                    let amount = money(c.total);
                    let question = match (c.req.payment, c.req.tendered_minor) {
                        (PaymentChoice::Cash, Some(t)) => format!(
                            "Take {amount} in cash? Tendered {}, change {}.",
                            money(t),
                            money(t.saturating_sub(c.total))
                        ),
                        (PaymentChoice::Cash, None) => format!("Take {amount} in cash?"),
                        (PaymentChoice::CardTerminal, _) => format!("Take {amount} on the card terminal?"),
                        _ => format!("Take {amount} by another method?"),
                    };
                    view! {
                        <div
                            class="pos-confirm"
                            node_ref=confirm_panel
                            tabindex="-1"
                            role="alertdialog"
                            aria-labelledby="pos-confirm-h"
                            aria-describedby="pos-confirm-text"
                            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                if ev.key() == "Escape" {
                                    confirmation.set(None);
                                }
                            }
                        >
                            <h3 id="pos-confirm-h">"Confirm payment"</h3>
                            <p id="pos-confirm-text">{question}</p>
                            <button type="button" class="primary" disabled=move || send.pending().get() on:click=move |_| confirm()>
                                {format!("Confirm payment of {amount}")}
                            </button>
                            <button type="button" class="secondary" on:click=move |_| confirmation.set(None)>"Back"</button>
                        </div>
                    }
                    .into_any()
                })}
                <div role="status" class="pos-result">
                    {move || match send.value().get() {
                        Some(Ok(SendOutcome::Created(o))) => {
                            let href = format!("/orders/{}", o.number);
                            let what = match o.status.as_str() {
                                "paid" => "paid",
                                "partially_paid" => "partially paid: the deposit is taken, the balance is owed",
                                "quote" => "saved as a quote; convert it to an invoice from its page",
                                _ => "created; the invoice is on its way",
                            };
                            let change = o.change_minor.map(|c| view! {
                                <p class="change-due"><strong>{format!("Change due: {}", money(c))}</strong></p>
                            });
                            view! { <p class="notice"><a href=href>{format!("Order #{}", o.number)}</a> " " {what}</p> {change} }.into_any()
                        }
                        Some(Ok(SendOutcome::Rejected(_))) => view! { <p class="error">"Nothing was saved: fix the fields marked above."</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                        None => ().into_any(),
                    }}
                </div>
            </section> }.into_any()}
        </form>
    }
    .into_any()
}
