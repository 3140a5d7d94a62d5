//! Finding people as they say their names: first and last name in either
//! order, any case, with or without accents, or the start of their email, in
//! the four searches (the POS customer picker and order search, the Orders
//! and Customers pages), over HTTP; every write path keeps the keys in step;
//! the migration keys rows that existed before it; the searches use the key
//! indexes. SQLite and PostgreSQL.
use crate::common::{self, location, page, server_fn_path, Backend, TestApp, TestDb};
use app::customers::api::SearchCustomers;
use app::customers::model as customer;
use app::orders::model::order;
use app::pos::api::{FindOrders, SendOrder};
use app::search::name_or_email;
use app::staff::Role;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement, TransactionTrait,
};

const CASHIER: (&str, &str) = ("till@example.com", "blue river stones 42");

/// Everyone a search could show, as the pages write their names.
const PEOPLE: [&str; 5] = [
    "Ada Lovelace",
    "Léa Dupont",
    "Léa Martin",
    "Grace Hopper",
    "Jamal Okafor",
];

/// Who each search shows: the POS customer picker, the POS order search, the
/// Orders page, the Customers page.
type Found = [Vec<&'static str>; 4];

fn everywhere(who: &[&'static str]) -> Found {
    [who.to_vec(), who.to_vec(), who.to_vec(), who.to_vec()]
}

/// The rows of a list page (its search box repeats the query, so not the whole page).
fn listed(html: &str) -> &str {
    html.split_once("<tbody>").map_or("", |(_, rows)| rows)
}

async fn found(app: &TestApp, cashier: &reqwest::Client, q: &str) -> Found {
    let hits = |path: &'static str| {
        let (cashier, url) = (cashier.clone(), app.url(path));
        let q = q.to_owned();
        async move {
            let res = cashier
                .post(url)
                .form(&[("query", q)])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let hits: Vec<serde_json::Value> = res.json().await.unwrap();
            PEOPLE
                .into_iter()
                .filter(|p| hits.iter().any(|h| h["name"] == *p))
                .collect::<Vec<_>>()
        }
    };
    let rows = |path: &'static str| {
        let cashier = cashier.clone();
        let url = reqwest::Url::parse_with_params(&app.url(path), &[("q", q)]).unwrap();
        async move {
            let (status, html) = page(&cashier, url.as_str()).await;
            assert_eq!(status, 200);
            let rows = listed(&html);
            PEOPLE
                .into_iter()
                .filter(|p| rows.contains(p))
                .collect::<Vec<_>>()
        }
    };
    [
        hits(server_fn_path::<SearchCustomers>()).await,
        hits(server_fn_path::<FindOrders>()).await,
        rows("/orders").await,
        rows("/customers").await,
    ]
}

/// Sends an invoice from the till, as the POS island does; returns its number.
async fn sell(
    app: &TestApp,
    cashier: &reqwest::Client,
    customer_id: i32,
    email: &str,
    save_to_billing: bool,
) -> i64 {
    let mug = common::product_id(&app.db, "MUG-01").await;
    let req = app::orders::create::NewOrderRequest {
        customer_id: Some(customer_id),
        save_to_billing,
        ..common::invoice(&[(mug, 1)], email)
    };
    let res = cashier
        .post(app.url(server_fn_path::<SendOrder>()))
        .json(&serde_json::json!({ "order": req }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let created: serde_json::Value = res.json().await.unwrap();
    created["Created"]["number"]
        .as_i64()
        .unwrap_or_else(|| panic!("not created: {created}"))
}

/// Saves the customer form (new when `id` is `None`); returns the id.
async fn save_customer(
    app: &TestApp,
    cashier: &reqwest::Client,
    id: Option<i32>,
    email: &str,
    first: &str,
    last: &str,
) -> i32 {
    let path = id.map_or_else(
        || "/customers/new".to_owned(),
        |id| format!("/customers/{id}"),
    );
    let res = cashier
        .post(app.url(&path))
        .form(&[
            ("email", email),
            ("first_name", first),
            ("last_name", last),
            ("country", "FR"),
        ])
        .send()
        .await
        .unwrap();
    let to = location(&res);
    to.strip_prefix("/customers/")
        .and_then(|rest| rest.strip_suffix("?done=saved"))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not saved: {to}"))
}

async fn customer_id(db: &DatabaseConnection, email: &str) -> i32 {
    customer::Entity::find()
        .filter(customer::Column::Email.eq(email))
        .one(db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no customer {email}"))
        .id
}

async fn people_are_found_as_they_say_their_names(backend: Backend) {
    let app = common::spawn_app(backend).await;
    // The demo store: Ada Lovelace, Grace Hopper and Jamal Okafor.
    server::seed::seed_demo(&app.db).await.unwrap();
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;
    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let lea = save_customer(
        &app,
        &cashier,
        None,
        "Lea.Dupont@Example.fr",
        "Léa",
        "Dupont",
    )
    .await;
    let ada = customer_id(&app.db, "ada@example.com").await;
    let grace = customer_id(&app.db, "grace@example.org").await;
    sell(&app, &cashier, ada, "", false).await;
    let lea_order = sell(&app, &cashier, lea, "", false).await;
    sell(&app, &cashier, grace, "", false).await;

    for q in [
        "Ada Lovelace",
        "lovelace ada",
        "ADA",
        "  ada   LOVELACE ",
        "Lovelace, Ada",
        "ada@",
        "ADA@EXAMPLE.C",
    ] {
        assert_eq!(
            found(&app, &cashier, q).await,
            everywhere(&["Ada Lovelace"]),
            "{q:?}"
        );
    }
    for q in [
        "lea",
        "Léa Dup",
        "LÉA DUPONT",
        "dupont léa",
        "Dupont",
        "lea.dupont@ex",
    ] {
        assert_eq!(
            found(&app, &cashier, q).await,
            everywhere(&["Léa Dupont"]),
            "{q:?}"
        );
    }
    // Nothing that is not the start of a name or an email: in particular
    // "ad a" (a linguistic collation would put "ada lovelace" between "ad a"
    // and "ad b"), and the middle of an email.
    for q in ["ada xyz", "ad a", "lovelace grace", "example.com", "zzz"] {
        assert_eq!(found(&app, &cashier, q).await, everywhere(&[]), "{q:?}");
    }
    // A phone number finds the customer (picker and Customers page), not orders.
    assert_eq!(
        found(&app, &cashier, "7946 0001").await,
        [vec!["Ada Lovelace"], vec![], vec![], vec!["Ada Lovelace"]]
    );

    // Editing a customer re-keys them; their orders keep the billing name
    // they were sent with.
    save_customer(
        &app,
        &cashier,
        Some(lea),
        "lea.dupont@example.fr",
        "Léa",
        "Martin",
    )
    .await;
    assert_eq!(
        found(&app, &cashier, "lea").await,
        [
            vec!["Léa Martin"],
            vec!["Léa Dupont"],
            vec!["Léa Dupont"],
            vec!["Léa Martin"]
        ]
    );
    assert_eq!(
        found(&app, &cashier, "martin lea").await,
        [vec!["Léa Martin"], vec![], vec![], vec!["Léa Martin"]]
    );

    // A corrected invoice address re-keys the order.
    assert_eq!(
        found(&app, &cashier, "dupont.billing@").await,
        everywhere(&[])
    );
    let res = cashier
        .post(app.url(&format!("/orders/{lea_order}/resend")))
        .form(&[("email", "dupont.billing@example.fr")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), format!("/orders/{lea_order}?done=resent"));
    assert_eq!(
        found(&app, &cashier, "dupont.billing@").await,
        [vec![], vec!["Léa Dupont"], vec!["Léa Dupont"], vec![]]
    );

    // "Save to billing address" changes the customer's email, and so their key.
    sell(&app, &cashier, ada, "Countess@Example.com", true).await;
    assert_eq!(
        found(&app, &cashier, "countess@").await,
        everywhere(&["Ada Lovelace"])
    );
    app.stop().await;
}

/// Orders and customers made before the migration are keyed by it (more
/// rows than one batch), with the rule the app searches with.
async fn rows_from_before_the_migration_are_keyed(backend: Backend) {
    use migrations::{Migrator, MigratorTrait};
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    // Back to just before the name keys (and the migrations after them).
    let steps = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261203_000001_name_search")
        .expect("the name-search migration")
        + 1;
    Migrator::down(&db, Some(steps as u32)).await.unwrap();
    let exec = |sql: String| {
        let db = db.clone();
        async move { db.execute_unprepared(&sql).await.unwrap() }
    };
    exec(
        "INSERT INTO customers (email, first_name, last_name, created_at, updated_at) \
          VALUES ('lea@example.fr', 'Léa', 'Dupont', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            .into(),
    )
    .await;
    // Valid keys (canonical base64url), so the rows load as models.
    let columns = "number, order_key, billing_email, billing_first_name, billing_last_name, \
                   currency, subtotal_minor, tax_total_minor, fee_total_minor, \
                   discount_total_minor, total_minor, status, created_at, updated_at";
    let values = "'GBP', 0, 0, 0, 0, 0, 'pending', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP";
    exec(format!(
        "INSERT INTO orders ({columns}) VALUES \
         (1001, '000000000000000000000A', 'Lea@Example.FR', 'Léa', 'Dupont', {values})"
    ))
    .await;
    let many = 1_234;
    exec(match backend {
        Backend::Sqlite => format!(
            "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {many}) \
             INSERT INTO orders ({columns}) \
             SELECT 2000 + n, printf('%021dA', n), NULL, 'Zoë', 'Ångström-Øst', {values} FROM seq"
        ),
        Backend::Postgres => format!(
            "INSERT INTO orders ({columns}) \
             SELECT 2000 + n, lpad(n::text, 21, '0') || 'A', NULL, 'Zoë', 'Ångström-Øst', {values} \
             FROM generate_series(1, {many}) AS seq(n)"
        ),
    })
    .await;
    Migrator::up(&db, None).await.unwrap();

    let c = customer::Entity::find()
        .filter(customer_search("dupont LÉA"))
        .one(&db)
        .await
        .unwrap()
        .expect("found by the reversed name");
    assert_eq!(
        (
            c.name_key.as_str(),
            c.name_key_rev.as_str(),
            c.email_key.as_str()
        ),
        ("lea dupont", "dupont lea", "lea@example.fr")
    );
    let by = |q: &'static str| {
        let db = db.clone();
        async move {
            order::Entity::find()
                .filter(app::orders::list::by_name_or_email(q).expect("a search"))
                .all(&db)
                .await
                .unwrap()
        }
    };
    let lea = by("LEA@ex").await;
    assert_eq!(lea.len(), 1);
    assert_eq!(
        (lea[0].name_key.as_str(), lea[0].email_key.as_str()),
        ("lea dupont", "lea@example.fr")
    );
    assert_eq!(by("zoe angstrom ost").await.len(), many);
    assert_eq!(by("angstrom ost zoe").await.len(), many);
    assert_eq!(
        order::Entity::find()
            .filter(order::Column::NameKey.eq(""))
            .count(&db)
            .await
            .unwrap(),
        0,
        "every order keyed"
    );
}

/// The migration keeps its own copy of the folding rule (migrations are
/// history); today it must be the app's. When this fails, the app's rule
/// changed: add a migration that keys the rows again.
#[test]
fn the_migration_folds_as_the_app_does() {
    use migrations::m20261203_000001_name_search::fold as migration_fold;
    let long = "Ab-".repeat(80);
    for s in [
        "Ada Lovelace",
        "  LÉA   Dupont-Moreau ",
        "O'Brien, Seán",
        "Straße Æsa Œuvre Søren Łukasz Đorđe Þór Ħal İlkay Işık",
        "ΟΔΥΣΣΕΥΣ οδυσσευς",
        "ﬁona ＡＤＡ ① R2-D2",
        "Le\u{301}a \u{0} \t\n",
        "",
        long.as_str(),
    ] {
        assert_eq!(migration_fold(s), app::search::fold(s), "{s:?}");
    }
}

fn customer_search(q: &str) -> sea_orm::Condition {
    name_or_email(
        customer::Column::NameKey,
        customer::Column::NameKeyRev,
        customer::Column::EmailKey,
        q,
    )
    .expect("a search")
}

/// The plan of `select` on this database, one line per step.
async fn plan(db: &DatabaseConnection, select: Statement) -> String {
    let txn = db.begin().await.unwrap();
    let explain = match db.get_database_backend() {
        DbBackend::Postgres => {
            // A test table is tiny: a plain scan would always win. Forbidding
            // it shows whether an index can answer the search at all.
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .unwrap();
            "EXPLAIN"
        }
        _ => "EXPLAIN QUERY PLAN",
    };
    let rows = txn
        .query_all_raw(Statement {
            sql: format!("{explain} {}", select.sql),
            ..select
        })
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    rows.iter()
        .map(|r| match db.get_database_backend() {
            DbBackend::Postgres => r.try_get_by_index::<String>(0),
            _ => r.try_get::<String>("", "detail"),
        })
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
        .join("\n")
}

async fn the_searches_use_the_key_indexes(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    let engine = db.get_database_backend();
    // On SQLite the searches exactly as the pages make them; on PostgreSQL
    // their WHERE alone (a LIMIT plan over an empty table says nothing).
    let whole = engine == DbBackend::Sqlite;
    let orders = |limit: u64| {
        let find = order::Entity::find()
            .filter(app::orders::list::by_name_or_email("ada").expect("a search"));
        if whole {
            find.order_by_desc(order::Column::Id)
                .limit(limit)
                .build(engine)
        } else {
            find.build(engine)
        }
    };
    let customers = {
        let find = customer::Entity::find().filter(customer_search("ada"));
        if whole {
            find.order_by_asc(customer::Column::LastName)
                .limit(10)
                .build(engine)
        } else {
            find.build(engine)
        }
    };
    let searches = [
        ("orders", orders(app::orders::list::PAGE_SIZE + 1)),
        ("orders", orders(5)),
        ("customers", customers),
    ];
    for (table, select) in searches {
        let plan = plan(&db, select).await;
        for key in ["name_key", "name_key_rev", "email_key"] {
            let index = format!("ix_{table}_{key}");
            assert!(
                plan.lines()
                    .any(|l| l.contains(&index) && !l.contains(&format!("{index}_"))),
                "{index} unused:\n{plan}"
            );
        }
        assert!(
            !plan.contains(&format!("SCAN {table}")) && !plan.contains("Seq Scan"),
            "no full scan:\n{plan}"
        );
    }
    if engine == DbBackend::Postgres {
        // Bytewise comparison is what makes the range exactly the prefix.
        let rows = db
            .query_all_raw(Statement::from_string(
                engine,
                "SELECT CAST(collation_name AS text) FROM information_schema.columns \
                 WHERE column_name IN ('name_key', 'name_key_rev', 'email_key')",
            ))
            .await
            .unwrap();
        assert_eq!(rows.len(), 6);
        for r in rows {
            assert_eq!(
                r.try_get_by_index::<Option<String>>(0).unwrap().as_deref(),
                Some("C")
            );
        }
    }
}

both_backends!(
    people_are_found_as_they_say_their_names,
    rows_from_before_the_migration_are_keyed,
    the_searches_use_the_key_indexes,
);
