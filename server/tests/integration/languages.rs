//! Languages on SQLite and PostgreSQL: the French demo store
//! (`seed_demo_in(.., Fr)`), an invoice to its French customer made through
//! the POS's own endpoint and delivered by the real outbox worker to the
//! SMTP server, the same order's pay page in French, switched to English
//! with `?lang=en` and remembered on the device; its English customer's
//! invoice and page in English.
use crate::common::{self, doubles::SmtpSink, page, server_fn_path, Backend, TestApp};
use app::customers::model as customer;
use app::email::ssr::model as outbox;
use app::i18n::{long_date, Lang};
use app::orders::model::order;
use app::staff::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use time::OffsetDateTime;

const CASHIER: (&str, &str) = ("caisse@example.fr", "blue river stones 42");
const NBSP: char = '\u{a0}';

async fn french_shop(backend: Backend) -> (TestApp, reqwest::Client) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo_in(&app.db, Lang::Fr).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    (app, till)
}

/// Two mugs (12,00 € each, VAT included) invoiced to the customer with
/// `email`, as the POS sends it.
async fn invoice_to(app: &TestApp, till: &reqwest::Client, email: &str) -> order::Model {
    let buyer = customer::Entity::find()
        .filter(customer::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a demo customer");
    let req = app::orders::create::NewOrderRequest {
        customer_id: Some(buyer.id),
        // A registered customer's own language wins over the till's
        // choice (here the other one).
        language: Some(if buyer.preferred_language == "fr" {
            Lang::En
        } else {
            Lang::Fr
        }),
        ..common::invoice(&[(common::product_id(&app.db, "TASSE-01").await, 2)], "")
    };
    send(app, till, req).await
}

/// The POS's **Send invoice**: the order it made.
async fn send(
    app: &TestApp,
    till: &reqwest::Client,
    req: app::orders::create::NewOrderRequest,
) -> order::Model {
    let res = till
        .post(app.url(server_fn_path::<app::pos::api::SendOrder>()))
        .json(&serde_json::json!({ "order": req }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let answer: serde_json::Value = res.json().await.unwrap();
    let number = answer["Created"]["number"]
        .as_i64()
        .unwrap_or_else(|| panic!("not created: {answer}"));
    order::Entity::find()
        .filter(order::Column::Number.eq(number))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// Delivers what the outbox holds to a real SMTP server; the raw message.
async fn deliver(app: &TestApp) -> String {
    let sink = SmtpSink::start(&[]);
    let mailer = server::mail::Mailer::new(
        Some(&format!("smtp://127.0.0.1:{}", sink.port)),
        "Café du Coin <factures@cafe-du-coin.example>",
    )
    .unwrap();
    let sent = server::outbox_worker::deliver_due(&app.db, &mailer, "http://127.0.0.1:3000")
        .await
        .unwrap()
        .sent;
    assert_eq!(sent, 1);
    sink.messages().pop().expect("a message")
}

async fn subject_of(app: &TestApp, o: &order::Model) -> String {
    outbox::Entity::find()
        .filter(outbox::Column::OrderId.eq(o.id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("an invoice in the outbox")
        .subject
}

fn pay_path(o: &order::Model) -> String {
    app::orders::service::pay_url("", o)
}

async fn a_french_customer_reads_french_and_may_switch_to_english(backend: Backend) {
    let (app, till) = french_shop(backend).await;
    let o = invoice_to(&app, &till, "camille.dupont@example.fr").await;
    assert_eq!(o.language, Lang::Fr);
    assert_eq!(
        subject_of(&app, &o).await,
        format!("Facture de la commande nº {}, Café du Coin", o.number)
    );
    let raw = deliver(&app).await;
    let (text, html) = common::mime_parts(&raw);
    let today = app::domain::StoreZone::stored("Europe/Paris").today(OffsetDateTime::now_utc());
    let link = app::orders::service::pay_url("http://127.0.0.1:3000", &o);
    // The HTML part writes its no-break spaces as entities.
    let html_read = html
        .replace("&nbsp;", "\u{a0}")
        .replace("&#8239;", "\u{202f}");
    for part in [&text, &html_read] {
        for needle in [
            "Votre facture".to_owned(),
            format!("Commande nº {}", o.number),
            "Tasse en céramique".to_owned(),
            "Sous-total".to_owned(),
            format!("24,00{NBSP}€"),
            "Dont TVA 20 %".to_owned(),
            format!("4,00{NBSP}€"),
            long_date(today, Lang::Fr),
            "Régler cette commande".to_owned(),
        ] {
            assert!(part.contains(&needle), "{needle:?} in {part}");
        }
        for english in ["Subtotal", "Pay for this order", "€24.00", "Order #"] {
            assert!(!part.contains(english), "{english:?} in {part}");
        }
    }
    assert!(html.contains(r#"<html lang="fr">"#), "{html}");
    assert!(html.contains(&link) && text.contains(&link), "{html}");
    assert!(
        text.contains(&format!("Sous-total{NBSP}: 24,00{NBSP}€")),
        "{text}"
    );
    // The invoice PDF goes with it, readable, in French.
    let attached = common::mime_attachments(&raw);
    assert_eq!(attached.len(), 1, "one attachment");
    let (name, content_type, pdf) = &attached[0];
    assert_eq!(name, &format!("facture-{}.pdf", o.number));
    assert_eq!(content_type, "application/pdf");
    if let Some(text) = pdf_text(pdf) {
        for needle in [
            format!("Commande nº {}", o.number),
            "Tasse en céramique".to_owned(),
            "24,00".to_owned(),
            link.clone(),
        ] {
            assert!(
                text.contains(&needle),
                "{needle:?} in the attached PDF: {text}"
            );
        }
    }
    // The outbox keeps the file's name, never the PDF.
    let row = outbox::Entity::find()
        .filter(outbox::Column::OrderId.eq(o.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "sent");
    assert_eq!(
        row.attachment_name,
        Some(format!("facture-{}.pdf", o.number))
    );

    // The pay page: the order's language, then English on request,
    // remembered on this device (and only on it).
    let phone = app.client();
    let (status, page_fr) = page(&phone, &app.url(&pay_path(&o))).await;
    assert_eq!(status, 200);
    for needle in [
        r#"<html lang="fr">"#.to_owned(),
        format!("Régler la commande nº {}", o.number),
        "Détail de la commande".to_owned(),
        format!("24,00{NBSP}€"),
        "Je paierai en boutique".to_owned(),
    ] {
        assert!(page_fr.contains(&needle), "{needle:?} in {page_fr}");
    }
    let res = phone
        .get(app.url(&format!("{}&lang=en", pay_path(&o))))
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        cookie.starts_with("settle_lang=en;") && cookie.contains("Path=/pay"),
        "{cookie}"
    );
    let page_en = res.text().await.unwrap();
    for needle in [
        r#"<html lang="en">"#.to_owned(),
        format!("Pay for order #{}", o.number),
        "Order details".to_owned(),
        "€24.00".to_owned(),
        "I&#39;ll pay in store".to_owned(),
    ] {
        assert!(
            page_en.contains(&needle) || page_en.contains(&needle.replace("&#39;", "'")),
            "{needle:?} in {page_en}"
        );
    }
    assert!(!page_en.contains("Régler"), "{page_en}");
    let (_, remembered) = page(&phone, &app.url(&pay_path(&o))).await;
    assert!(remembered.contains(r#"<html lang="en">"#), "{remembered}");
    // Another device, and a language Settle does not speak: the order's.
    let (status, other) = page(
        &app.client(),
        &app.url(&format!("{}&lang=de", pay_path(&o))),
    )
    .await;
    assert_eq!(status, 200);
    assert!(other.contains(r#"<html lang="fr">"#), "{other}");

    // Download invoice (PDF), as the French page links it: the same
    // document, readable text.
    let pdf_link = format!(
        "/pay/{}/invoice.pdf?key={}&#38;lang=fr",
        o.number,
        o.order_key.encode()
    );
    assert!(
        page_fr.contains(&pdf_link) && page_fr.contains("Télécharger la facture (PDF)"),
        "{page_fr}"
    );
    let res = app
        .client()
        .get(app.url(&pdf_link.replace("&#38;", "&")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(
        res.headers()["content-disposition"],
        format!("attachment; filename=\"facture-{}.pdf\"", o.number).as_str()
    );
    let bytes = res.bytes().await.unwrap();
    if let Some(text) = pdf_text(&bytes) {
        for needle in [
            "Facture".to_owned(),
            format!("Commande nº {}", o.number),
            "Café du Coin".to_owned(),
            "Camille Dupont".to_owned(),
            "Tasse en céramique".to_owned(),
            "24,00".to_owned(),
            "Dont TVA 20 %".to_owned(),
            link.clone(),
            "Page 1 sur 1".to_owned(),
        ] {
            assert!(text.contains(&needle), "{needle:?} in {text}");
        }
    }
    // A wrong key gets the page's 404, not the PDF.
    let wrong = app
        .client()
        .get(app.url(&format!(
            "/pay/{}/invoice.pdf?key=AAAAAAAAAAAAAAAAAAAAAA",
            o.number
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);

    // The order page's download is for staff only.
    let staff_pdf = app.url(&format!("/orders/{}/invoice.pdf", o.number));
    let anonymous = app.client().get(&staff_pdf).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let res = till.get(&staff_pdf).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");

    // Cancelled, the order has no PDF asking for money: not on the pay
    // page, not by its link, not for staff.
    let cashier = {
        use app::staff::ssr::model as staff;
        staff::Entity::find()
            .filter(staff::Column::Email.eq(CASHIER.0))
            .one(&app.db)
            .await
            .unwrap()
            .and_then(|m| m.view())
            .unwrap()
    };
    app::orders::service::cancel_order(&app.db, &cashier, o.number, "Commande annulée")
        .await
        .unwrap();
    let (_, cancelled) = page(&app.client(), &app.url(&pay_path(&o))).await;
    assert!(!cancelled.contains("invoice.pdf"), "{cancelled}");
    let res = app
        .client()
        .get(app.url(&pdf_link.replace("&#38;", "&")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(till.get(&staff_pdf).send().await.unwrap().status(), 409);
    app.stop().await;
}

/// The PDF's text as `pdftotext` (poppler-utils) reads it, spaces of every
/// kind made plain. Without pdftotext this skips with a message, except
/// under `scripts/test`, which installs it and sets `SETTLE_REQUIRE_PDFTOTEXT`.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("settle-pdf-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("invoice.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&file)
        .arg("-")
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    match out {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8_lossy(&out.stdout).replace(['\u{a0}', '\u{202f}'], " "))
        }
        Err(e) => {
            assert!(
                std::env::var_os("SETTLE_REQUIRE_PDFTOTEXT").is_none(),
                "pdftotext could not run ({e}): `scripts/setup test` installs poppler-utils"
            );
            eprintln!("SKIPPED: pdftotext is not installed, so the PDF's text is not read back");
            None
        }
    }
}

async fn the_french_stores_english_customer_reads_english(backend: Backend) {
    let (app, till) = french_shop(backend).await;
    let o = invoice_to(&app, &till, "ada@example.com").await;
    assert_eq!(o.language, Lang::En);
    assert_eq!(
        subject_of(&app, &o).await,
        format!("Invoice for order #{} from Café du Coin", o.number)
    );
    let (text, html) = common::mime_parts(&deliver(&app).await);
    for part in [&text, &html] {
        for needle in ["Your invoice", "Subtotal", "€24.00", "Pay for this order"] {
            assert!(part.contains(needle), "{needle:?} in {part}");
        }
        assert!(!part.contains("Sous-total"), "{part}");
    }
    let (_, html) = page(&app.client(), &app.url(&pay_path(&o))).await;
    assert!(
        html.contains(r#"<html lang="en">"#) && html.contains("€24.00"),
        "{html}"
    );
    app.stop().await;
}

/// A guest (no customer record) in the English store: the till's
/// **Language** choice is kept on the order; without one, the store's.
async fn a_guest_gets_the_language_the_till_chose(backend: Backend) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let till = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let mug = common::product_id(&app.db, "MUG-01").await;
    let french = send(
        &app,
        &till,
        app::orders::create::NewOrderRequest {
            language: Some(Lang::Fr),
            ..common::invoice(&[(mug, 1)], "invite@example.fr")
        },
    )
    .await;
    assert_eq!(french.language, Lang::Fr);
    assert_eq!(
        subject_of(&app, &french).await,
        format!(
            "Facture de la commande nº {}, Corner Coffee Co.",
            french.number
        )
    );
    let (_, html) = page(&app.client(), &app.url(&pay_path(&french))).await;
    assert!(
        html.contains(r#"<html lang="fr">"#) && html.contains(&format!("{NBSP}£")),
        "{html}"
    );

    let plain = send(
        &app,
        &till,
        common::invoice(&[(mug, 1)], "guest@example.com"),
    )
    .await;
    assert_eq!(plain.language, Lang::En);
    app.stop().await;
}

both_backends!(
    a_french_customer_reads_french_and_may_switch_to_english,
    the_french_stores_english_customer_reads_english,
    a_guest_gets_the_language_the_till_chose,
);
