//! Every staff entry point refuses the wrong caller: each registered server fn
//! (found through the registry) and each staff form route (found through the
//! router, which registers each with who may use it), so a new one cannot be
//! forgotten, answers 401 without a session, and the admin-only ones 403 for
//! a cashier, before doing anything; the ones for any staff member let a
//! cashier through; and a cross-site post to any of them is refused even with
//! an admin's session. SQLite and PostgreSQL.
use crate::common::{self, Backend};
use app::forms::ssr::{Access, Kind, StaffRoute};
use app::staff::Role;
use sea_orm::{EntityTrait, PaginatorTrait};

const ADMIN_FNS: [&str; 6] = [
    "get_settings",
    "list_staff",
    "staff_page",
    "list_catalog",
    "product_for_edit",
    "last_import",
];

/// The staff form routes as the router mounts them, each with how it is
/// called and who may use it, as its room declared it. The known ones are
/// checked for, so that a room registering its forms around the list (a plain
/// `Router::route`) shows up here rather than going unswept.
fn staff_routes() -> Vec<StaffRoute> {
    let routes = server::router::staff_form_routes();
    eprintln!("sweeping {} staff form routes: {routes:?}", routes.len());
    for (path, access) in [
        ("/login", Access::Anyone),
        ("/logout", Access::Anyone),
        ("/orders/{number}/cancel", Access::STAFF),
        ("/orders/{number}/resend", Access::STAFF),
        ("/orders/{number}/convert", Access::STAFF),
        ("/orders/{number}/settle", Access::STAFF),
        ("/orders/{number}/due", Access::STAFF),
        ("/orders/{number}/reminders/pause", Access::STAFF),
        ("/orders/{number}/reminders/resume", Access::STAFF),
        ("/orders/{number}/refund", Access::ADMIN),
        ("/orders/{number}/email", Access::STAFF),
        ("/customers/new", Access::STAFF),
        ("/customers/{id}", Access::STAFF),
        ("/settings", Access::ADMIN),
        ("/settings/test-email", Access::ADMIN),
        ("/catalog/new", Access::ADMIN),
        ("/catalog/{id}", Access::ADMIN),
        ("/catalog/{id}/active", Access::ADMIN),
        ("/catalog/import", Access::ADMIN),
        ("/staff", Access::ADMIN),
        ("/staff/{id}/reset", Access::ADMIN),
        ("/staff/{id}/deactivate", Access::ADMIN),
        ("/staff/{id}/reactivate", Access::ADMIN),
        ("/staff/{id}/role", Access::ADMIN),
        ("/account/password", Access::STAFF),
    ] {
        assert!(
            routes.iter().any(|r| r.path == path && r.access == access),
            "{path} is registered as a staff form route for {access:?}: {routes:?}"
        );
    }
    routes
}

/// A registered path with its parameters filled in (the demo store has order
/// 1001, customer 1 and product 1).
fn concrete(path: &str) -> String {
    let url = path.replace("{number}", "1001").replace("{id}", "1");
    assert!(
        !url.contains('{'),
        "a parameter the sweep cannot fill: {path}"
    );
    url
}

/// Calls a staff form route the way its page does, with a body whose content
/// is beside the point (the refusal under test is the caller's).
async fn call_route(client: &reqwest::Client, url: &str, kind: Kind) -> u16 {
    let req = match kind {
        Kind::Get => client.get(url),
        Kind::Upload => client
            .post(url)
            .multipart(reqwest::multipart::Form::new().text("file", "ID,Type\n")),
        Kind::Form => client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(ARGS),
    };
    req.send().await.unwrap().status().as_u16()
}

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

    for route in staff_routes() {
        let path = route.path;
        let url = app.url(&concrete(path));
        let status = call_route(&anonymous, &url, route.kind).await;
        match route.access {
            Access::Anyone => {
                // Signing in and out need no session: both answer with a redirect.
                assert_eq!(status, 303, "{path} without a session");
            }
            Access::Staff(role) => {
                assert_eq!(status, 401, "{path} without a session");
                let as_cashier = call_route(&cashier, &url, route.kind).await;
                if Role::Cashier.allows(role) {
                    assert!(
                        ![401, 403].contains(&as_cashier),
                        "{path} is for cashiers too: {as_cashier}"
                    );
                } else {
                    assert_eq!(as_cashier, 403, "{path} as a cashier");
                }
            }
        }
    }
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
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    // Every staff form route but the GETs (a GET changes nothing).
    paths.extend(
        staff_routes()
            .into_iter()
            .filter(|r| r.kind != Kind::Get)
            .map(|r| concrete(r.path)),
    );
    for path in &paths {
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
