//! Hostile text (issue 5), on SQLite and PostgreSQL: markup, a script, an
//! attribute breakout, SQL, right-to-left override with emoji, a CR/LF header
//! injection, NUL and a very long string, typed into the text fields staff
//! have (customer, product, order note, cancel reason, store settings and
//! invoice wording). Each is either refused with a message, saving nothing,
//! or kept intact and shown as inert text on every page and email that shows
//! it. Ordinary text with markup characters must be kept; NUL and the very
//! long string must be refused.
use crate::common::{self, location, page, Backend, TestApp};
use app::catalog::model as product;
use app::customers::model as customer;
use app::email::ssr::model as mail;
use app::orders::create::NewOrderRequest;
use app::orders::model::order;
use app::staff::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

const ADMIN: (&str, &str) = ("owner@example.com", "correct horse battery");

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    Kept,
    Refused,
    /// Either, as long as the rule holds (CR/LF: fine in an address, not in a name).
    Either,
}

fn hostile() -> Vec<(&'static str, String, Expect)> {
    use Expect::*;
    vec![
        ("markup", "Smith & Sons <b>bold</b> <i>co</i>".into(), Kept),
        ("script", "<script>alert('x')</script>".into(), Kept),
        ("attribute", "\"><img src=x onerror=alert(1)>".into(), Kept),
        ("sql", "Robert'); DROP TABLE orders;--".into(), Kept),
        ("rtl_emoji", "\u{202E}fdp.exe 🧾 مرحبا שלום".into(), Kept),
        ("header", "Hi\r\nBcc: victim@example.com".into(), Either),
        ("nul", "nul\u{0}byte".into(), Refused),
        ("long", "x".repeat(20_000), Refused),
    ]
}

/// Markup that must never reach a page or an HTML email unescaped.
const LIVE: &[&str] = &["<b>bold", "<script>alert", "<img src=x", "<i>co"];

/// Text as a reader sees it: character references (named, decimal and hex,
/// as Leptos and askama write them) decoded.
fn decoded(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find(';').filter(|e| *e <= 10);
        let reference = end.map(|e| &tail[1..e]);
        let ch = reference.and_then(|r| match r {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => r
                .strip_prefix("#x")
                .or_else(|| r.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| r.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        });
        match (ch, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// No live markup and no NUL; and `text`, when given, is shown intact as text.
fn assert_inert(place: &str, html: &str, text: Option<&str>) {
    for live in LIVE {
        assert!(!html.contains(live), "{place}: live markup {live:?}");
    }
    assert!(!html.contains('\u{0}'), "{place}: NUL");
    if let Some(text) = text {
        // Line breaks may be rendered as breaks; compare the first line.
        let got = decoded(html);
        let first_line = text.lines().next().unwrap_or_default();
        assert!(
            got.contains(first_line),
            "{place}: {first_line:?} not shown"
        );
    }
}

/// A refused form comes back to itself with a message, never an internal error.
async fn assert_refused(
    client: &reqwest::Client,
    app: &TestApp,
    res: reqwest::Response,
    place: &str,
) {
    assert_eq!(res.status(), 303, "{place}");
    let back = location(&res);
    assert!(
        back.contains("error=") && !back.contains("error=internal"),
        "{place}: {back}"
    );
    let (status, html) = page(client, &app.url(&back)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("at most")
            || html.contains("control characters")
            || html.contains("one line"),
        "{place}: no message shown"
    );
}

/// The newest email queued for an order.
async fn latest_email(app: &TestApp, order_id: i32) -> mail::Model {
    mail::Entity::find()
        .filter(mail::Column::OrderId.eq(order_id))
        .order_by_desc(mail::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("an email for the order")
}

async fn order_by_number(app: &TestApp, number: i64) -> order::Model {
    order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no order {number}"))
}

fn settings_form(h: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", h.into()),
        ("email", "shop@example.com".into()),
        ("phone", String::new()),
        ("address", h.into()),
        ("default_due_days", "14".into()),
        ("expiry_grace_days", "30".into()),
        ("logo_url", String::new()),
        ("brand_color", "#1f2937".into()),
        ("accent_color", "#2563eb".into()),
        ("invoice_subject", format!("Invoice {h}")),
        ("invoice_heading", h.into()),
        ("invoice_intro", h.into()),
        ("invoice_footer", h.into()),
        ("dkim_domain", String::new()),
        ("dkim_selector", String::new()),
        ("dkim_private_key", String::new()),
        ("currency", "GBP".into()),
        ("time_zone", "UTC".into()),
    ]
}

async fn hostile_text_is_refused_or_inert_everywhere(backend: Backend) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    let staff = app.signed_in_client(ADMIN.0, ADMIN.1).await;
    let mug = common::product_id(&app.db, "MUG-01").await;
    let send_path = common::server_fn_path::<app::pos::api::SendOrder>();

    for (i, (kind, h, expect)) in hostile().into_iter().enumerate() {
        let place = |what: &str| format!("{kind} in {what}");

        // Customer: names, company, phone, address (not the postcode: 20
        // characters, too short for most of these).
        let before = customer::Entity::find().count(&app.db).await.unwrap();
        let email = format!("hostile{i}@example.com");
        let res = staff
            .post(app.url("/customers/new"))
            .form(&[
                ("email", email.as_str()),
                ("first_name", h.as_str()),
                ("last_name", h.as_str()),
                ("company", h.as_str()),
                ("phone", h.as_str()),
                ("address_1", h.as_str()),
                ("address_2", h.as_str()),
                ("city", h.as_str()),
                ("state", h.as_str()),
                ("country", "GB"),
            ])
            .send()
            .await
            .unwrap();
        let customer_id = if location(&res).contains("done=saved") {
            assert_ne!(expect, Expect::Refused, "{}", place("customer"));
            let c = customer::Entity::find()
                .filter(customer::Column::Email.eq(email.clone()))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap();
            let (status, html) = page(&staff, &app.url(&format!("/customers/{}", c.id))).await;
            assert_eq!(status, 200);
            assert_inert(&place("customer page"), &html, Some(&h));
            let (_, html) = page(&staff, &app.url("/customers")).await;
            assert_inert(&place("customer list"), &html, Some(&h));
            Some(c.id)
        } else {
            assert_ne!(
                expect,
                Expect::Kept,
                "{}: {}",
                place("customer"),
                location(&res)
            );
            assert_refused(&staff, &app, res, &place("customer")).await;
            assert_eq!(
                customer::Entity::find().count(&app.db).await.unwrap(),
                before
            );
            None
        };

        // Product name (admins).
        let sku = format!("HOSTILE-{i}");
        let res = staff
            .post(app.url("/catalog/new"))
            .form(&[
                ("sku", sku.as_str()),
                ("name", h.as_str()),
                ("price", "1.00"),
                ("tax_rate_id", ""),
            ])
            .send()
            .await
            .unwrap();
        let saved = product::Entity::find()
            .filter(product::Column::Sku.eq(sku.clone()))
            .one(&app.db)
            .await
            .unwrap();
        let product_id = match saved {
            Some(p) => {
                assert_ne!(expect, Expect::Refused, "{}", place("product"));
                let (_, html) = page(&staff, &app.url("/catalog")).await;
                assert_inert(&place("catalogue"), &html, Some(&h));
                p.id
            }
            None => {
                assert_ne!(expect, Expect::Kept, "{}", place("product"));
                assert_refused(&staff, &app, res, &place("product")).await;
                mug
            }
        };

        // Store settings and invoice wording (admins).
        let res = staff
            .post(app.url("/settings"))
            .form(&settings_form(&h))
            .send()
            .await
            .unwrap();
        let settings_kept = if location(&res).contains("error=") {
            assert_ne!(
                expect,
                Expect::Kept,
                "{}: {}",
                place("settings"),
                location(&res)
            );
            assert_refused(&staff, &app, res, &place("settings")).await;
            false
        } else {
            assert_eq!(res.status(), 303, "{}", place("settings"));
            true
        };

        // An order with the note, for that customer and product.
        let orders_before = order::Entity::find().count(&app.db).await.unwrap();
        let req = NewOrderRequest {
            customer_id,
            note: h.clone(),
            ..common::invoice(&[(product_id, 1)], &email)
        };
        let res = staff
            .post(app.url(send_path))
            .json(&serde_json::json!({ "order": req }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", place("order note"));
        let answer: serde_json::Value = res.json().await.unwrap();
        if let Some(number) = answer["Created"]["number"].as_i64() {
            let o = order::Entity::find()
                .filter(order::Column::Number.eq(number))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap();
            let (_, html) = page(&staff, &app.url(&format!("/orders/{number}"))).await;
            assert_inert(&place("order page"), &html, Some(&h));
            // The customer sees the text when it is in a name, a product or the
            // store's wording (the note is for staff only).
            let customer_sees = customer_id.is_some() || product_id != mug || settings_kept;
            let shown = customer_sees.then_some(h.as_str());
            let (_, html) = page(
                &app.client(),
                &app.url(&format!("/pay/{number}?key={}", o.order_key.encode())),
            )
            .await;
            assert_inert(&place("pay page"), &html, shown);
            let invoice = latest_email(&app, o.id).await;
            assert_inert(&place("invoice email (HTML)"), &invoice.html_body, shown);
            if customer_sees {
                let first_line = h.lines().next().unwrap_or_default();
                assert!(
                    invoice.text_body.contains(first_line),
                    "{}",
                    place("invoice email (text)")
                );
            }

            if settings_kept {
                let (_, html) = page(&staff, &app.url(&format!("/orders/{number}/email"))).await;
                assert_inert(&place("email preview"), &html, Some(&h));
                let res = staff
                    .post(app.url(&format!("/orders/{number}/resend")))
                    .form(&[("email", email.as_str())])
                    .send()
                    .await
                    .unwrap();
                assert!(location(&res).contains("done=resent"), "{}", location(&res));
                let again = latest_email(&app, o.id).await;
                assert_inert(&place("resent invoice (HTML)"), &again.html_body, Some(&h));
                assert!(
                    !again.subject.contains('\n') && !again.subject.contains('\r'),
                    "{}: a line break in a subject is a header injection",
                    place("subject")
                );
            }
        } else {
            assert_ne!(expect, Expect::Kept, "{}: {answer}", place("order note"));
            assert!(answer["Rejected"][0]["field"] == "note", "{answer}");
            assert_eq!(
                order::Entity::find().count(&app.db).await.unwrap(),
                orders_before
            );
        }

        // Cancel reason, on an order of its own with a plain note, so every
        // hostile value reaches it whatever became of the note above.
        let req = NewOrderRequest {
            note: "To be cancelled".into(),
            ..common::invoice(&[(mug, 1)], &format!("cancel{i}@example.com"))
        };
        let res = staff
            .post(app.url(send_path))
            .json(&serde_json::json!({ "order": req }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", place("cancel reason"));
        let answer: serde_json::Value = res.json().await.unwrap();
        let number = answer["Created"]["number"]
            .as_i64()
            .unwrap_or_else(|| panic!("a plain order is created: {answer}"));
        assert_eq!(order_by_number(&app, number).await.status, "pending");
        let res = staff
            .post(app.url(&format!("/orders/{number}/cancel")))
            .form(&[("reason", h.as_str())])
            .send()
            .await
            .unwrap();
        let after = order_by_number(&app, number).await;
        if after.status == "cancelled" {
            assert_ne!(
                expect,
                Expect::Refused,
                "{}: {}",
                place("cancel reason"),
                location(&res)
            );
            assert!(
                location(&res).contains("done=cancelled"),
                "{}",
                location(&res)
            );
            assert_eq!(
                after.cancel_reason.as_deref(),
                Some(h.trim()),
                "{}: kept intact",
                place("cancel reason")
            );
            let (_, html) = page(&staff, &app.url(&format!("/orders/{number}"))).await;
            assert_inert(&place("cancel reason"), &html, Some(&h));
        } else {
            assert_ne!(
                expect,
                Expect::Kept,
                "{}: {}",
                place("cancel reason"),
                location(&res)
            );
            assert_eq!(
                after.status,
                "pending",
                "{}: nothing saved",
                place("cancel reason")
            );
            assert_eq!(
                after.cancel_reason,
                None,
                "{}: nothing saved",
                place("cancel reason")
            );
            assert_refused(&staff, &app, res, &place("cancel reason")).await;
        }
    }

    // SQL stayed text: the tables are all there.
    assert!(order::Entity::find().count(&app.db).await.unwrap() > 0);
    app.stop().await;
}

both_backends!(hostile_text_is_refused_or_inert_everywhere);
