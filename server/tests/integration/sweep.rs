//! Every staff entry point refuses the wrong caller: each registered server fn
//! (found through the registry, so a new one cannot be forgotten) and each
//! staff form post answers 401 without a session, and the admin-only ones 403
//! for a cashier, before doing anything; and a cross-site post to any of them
//! is refused even with an admin's session. SQLite and PostgreSQL.
use crate::common::{self, Backend};
use app::staff::Role;
use sea_orm::{EntityTrait, PaginatorTrait};

const ADMIN_FNS: [&str; 5] = [
    "get_settings",
    "list_staff",
    "list_catalog",
    "product_for_edit",
    "last_import",
];

/// Form posts staff make, and whether only an admin may.
const FORM_POSTS: [(&str, bool); 16] = [
    ("/orders/1001/cancel", false),
    ("/orders/1001/resend", false),
    ("/orders/1001/convert", false),
    ("/orders/1001/settle", false),
    ("/orders/1001/due", false),
    ("/orders/1001/refund", true),
    ("/customers/new", false),
    ("/customers/1", false),
    ("/settings", true),
    ("/settings/test-email", true),
    ("/catalog/new", true),
    ("/catalog/1", true),
    ("/catalog/1/active", true),
    ("/orders/1001/email", false),
    ("/catalog/import", true),
    ("/logout", false),
];

/// Arguments every server fn here accepts (unknown fields are ignored), so
/// the refusal under test is the caller's, not the body's.
const ARGS: &str = "query=x&number=1001&id=1&status=";

fn json_order() -> serde_json::Value {
    serde_json::json!({ "order": {
        "lines": [{ "product_id": 1, "quantity": 1 }], "fees": [], "discount_minor": 0,
        "customer_id": null, "invoice_email": "x@example.com", "save_to_billing": false,
        "payment": "EmailInvoice", "due_date": "", "note": ""
    }})
}

async fn call(client: &reqwest::Client, url: &str, json: bool) -> u16 {
    let req = client.post(url);
    let req = if json {
        req.json(&json_order())
    } else {
        req.header("content-type", "application/x-www-form-urlencoded")
            .body(ARGS)
    };
    req.send().await.unwrap().status().as_u16()
}

async fn every_staff_entry_point_refuses_the_wrong_caller(backend: Backend) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff("till@example.com", "blue river stones 42", Role::Cashier)
        .await;
    let cashier = app
        .signed_in_client("till@example.com", "blue river stones 42")
        .await;
    let anonymous = app.client();
    let orders_before = app::orders::model::order::Entity::find()
        .count(&app.db)
        .await
        .unwrap();

    let fns: Vec<&'static str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    assert!(
        fns.len() >= 15,
        "the registry lists the server fns: {fns:?}"
    );
    eprintln!("sweeping {} server fns: {fns:?}", fns.len());
    for path in &fns {
        let name = path
            .trim_start_matches("/api/")
            .trim_end_matches(|c: char| c.is_ascii_digit());
        let json = matches!(name, "send_order" | "save_quote");
        let url = app.url(path);
        assert_eq!(
            call(&anonymous, &url, json).await,
            401,
            "{name} without a session"
        );
        let as_cashier = call(&cashier, &url, json).await;
        if ADMIN_FNS.contains(&name) {
            assert_eq!(as_cashier, 403, "{name} as a cashier");
        } else {
            assert!(
                ![401, 403].contains(&as_cashier),
                "{name} is for cashiers too: {as_cashier}"
            );
        }
    }
    for name in ADMIN_FNS {
        assert!(fns.iter().any(|p| p.contains(name)), "{name} is registered");
    }

    for (path, admin_only) in FORM_POSTS {
        let url = app.url(path);
        let status = if path.ends_with("/email") {
            anonymous.get(&url).send().await.unwrap().status().as_u16()
        } else if path.ends_with("/import") {
            let form = reqwest::multipart::Form::new().text("file", "ID,Type\n");
            anonymous
                .post(&url)
                .multipart(form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        } else {
            call(&anonymous, &url, false).await
        };
        if path == "/logout" {
            // Signing out needs no session: it just ends one if there is one.
            assert_eq!(status, 303);
            continue;
        }
        assert_eq!(status, 401, "{path} without a session");
        if admin_only && !path.ends_with("/import") {
            assert_eq!(
                call(&cashier, &url, false).await,
                403,
                "{path} as a cashier"
            );
        }
    }
    // The import takes a multipart body; a cashier is refused before it is read.
    let form = reqwest::multipart::Form::new().text("file", "ID,Type\n");
    let res = cashier
        .post(app.url("/catalog/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The cashier's allowed calls above made an order (send_order with a real
    // product id) or were refused for their content; nothing else changed.
    let orders_after = app::orders::model::order::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert!(
        orders_after - orders_before <= 2,
        "{orders_before} → {orders_after}"
    );
    app.stop().await;
}

/// A signed-in admin's browser, tricked by another site into posting to any
/// server fn or staff form: refused with 403 whether the browser says so with
/// `Sec-Fetch-Site` or only with `Origin`, and nothing changes.
async fn cross_site_posts_are_refused_everywhere(backend: Backend) {
    let app = common::spawn_app(backend).await;
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff("owner@example.com", "correct horse battery", Role::Admin)
        .await;
    let admin = app
        .signed_in_client("owner@example.com", "correct horse battery")
        .await;
    let count = || async {
        app::orders::model::order::Entity::find()
            .count(&app.db)
            .await
            .unwrap()
    };
    let before = count().await;
    let mut paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    paths.extend(
        FORM_POSTS
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| !p.ends_with("/email")),
    );
    for path in paths {
        let json = path.contains("send_order") || path.contains("save_quote");
        for (header, value) in [
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ] {
            let req = admin.post(app.url(path)).header(header, value);
            let req = if json {
                req.json(&json_order())
            } else {
                req.header("content-type", "application/x-www-form-urlencoded")
                    .body(ARGS)
            };
            let status = req.send().await.unwrap().status().as_u16();
            assert_eq!(status, 403, "{path} with {header}: {value}");
        }
    }
    assert_eq!(count().await, before, "nothing was created");
    let (status, _) = common::page(&admin, &app.url("/orders")).await;
    assert_eq!(
        status, 200,
        "still signed in: the cross-site logout was refused too"
    );
    app.stop().await;
}

both_backends!(
    every_staff_entry_point_refuses_the_wrong_caller,
    cross_site_posts_are_refused_everywhere,
);
