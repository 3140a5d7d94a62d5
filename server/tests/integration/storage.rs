//! The schema and the session store on SQLite and PostgreSQL.
use crate::common;

use app::staff::ssr::session_store::DbSessionStore;
use common::{Backend, TestDb};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use time::{Duration, OffsetDateTime};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{ExpiredDeletion, SessionStore};

async fn exec(db: &DatabaseConnection, sql: &str) -> Result<u64, sea_orm::DbErr> {
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .map(|r| r.rows_affected())
}

async fn scalar_i64(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .expect("a row");
    row.try_get_by_index::<i64>(0).unwrap()
}

const ORDER: &str = "INSERT INTO orders (number, order_key, currency, subtotal_minor, tax_total_minor, fee_total_minor, \
     discount_total_minor, total_minor, status, created_at, updated_at) VALUES \
     ({n}, '{k}', 'GBP', 1000, 200, 0, 0, 1200, 'pending', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)";

fn order_sql(n: i64, key: &str) -> String {
    ORDER.replace("{n}", &n.to_string()).replace("{k}", key)
}

async fn migrations_apply_and_are_idempotent(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    // A second run finds nothing to do.
    server::db::migrate(&db).await.unwrap();
    for table in [
        "staff",
        "sessions",
        "store_settings",
        "tax_rates",
        "products",
        "customers",
        "counters",
        "orders",
        "order_items",
        "order_adjustments",
        "order_taxes",
        "payments",
        "order_events",
        "email_outbox",
        "stripe_events",
    ] {
        assert_eq!(
            scalar_i64(&db, &format!("SELECT COUNT(*) FROM {table}")).await >= 0,
            true,
            "{table}"
        );
    }
    assert_eq!(
        scalar_i64(
            &db,
            "SELECT value FROM counters WHERE name = 'order_number'"
        )
        .await,
        1000
    );
}

async fn uniqueness_is_the_databases_job(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;

    exec(&db, &order_sql(1001, "k1")).await.unwrap();
    assert!(
        exec(&db, &order_sql(1001, "k2")).await.is_err(),
        "order numbers are unique"
    );
    assert!(
        exec(&db, &order_sql(1002, "k1")).await.is_err(),
        "order keys are unique"
    );
    let order_id = scalar_i64(
        &db,
        "SELECT CAST(id AS BIGINT) FROM orders WHERE number = 1001",
    )
    .await;

    let payment = |reference: &str| {
        format!(
            "INSERT INTO payments (order_id, method, amount_minor, currency, provider_reference, status, created_at, updated_at) \
             VALUES ({order_id}, 'stripe', 1200, 'GBP', {reference}, 'succeeded', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    };
    exec(&db, &payment("'pi_123'")).await.unwrap();
    assert!(
        exec(&db, &payment("'pi_123'")).await.is_err(),
        "a PaymentIntent is recorded once"
    );
    // In-store payments have no provider reference; any number of them may exist.
    exec(&db, &payment("NULL")).await.unwrap();
    exec(&db, &payment("NULL")).await.unwrap();

    let event = "INSERT INTO stripe_events (id, event_type, payload, received_at) VALUES ('evt_1', 'payment_intent.succeeded', '{}', CURRENT_TIMESTAMP)";
    exec(&db, event).await.unwrap();
    assert!(
        exec(&db, event).await.is_err(),
        "a Stripe event is recorded once"
    );

    let customer = |email: &str| {
        format!("INSERT INTO customers (email, created_at, updated_at) VALUES ('{email}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    };
    exec(&db, &customer("ada@example.com")).await.unwrap();
    assert!(exec(&db, &customer("ada@example.com")).await.is_err());

    // Foreign keys hold on SQLite too (they are off unless enabled per connection).
    assert!(exec(&db, "INSERT INTO order_events (order_id, kind, message, created_at) VALUES (999999, 'note', 'x', CURRENT_TIMESTAMP)").await.is_err());
}

async fn order_numbers_come_from_one_counter(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let n = scalar_i64(
            &db,
            "UPDATE counters SET value = value + 1 WHERE name = 'order_number' RETURNING value",
        )
        .await;
        seen.push(n);
    }
    assert_eq!(seen, vec![1001, 1002, 1003]);
}

async fn session_store_round_trip_and_expiry(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    let store = DbSessionStore::new(db.clone());

    let mut record = Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: OffsetDateTime::now_utc() + Duration::hours(1),
    };
    record.data.insert("staff_id".into(), serde_json::json!(7));
    store.create(&mut record).await.unwrap();
    let loaded = store
        .load(&record.id)
        .await
        .unwrap()
        .expect("stored session");
    assert_eq!(loaded.data["staff_id"], 7);

    record.data.insert("staff_id".into(), serde_json::json!(8));
    store.save(&record).await.unwrap();
    assert_eq!(
        store.load(&record.id).await.unwrap().unwrap().data["staff_id"],
        8
    );

    // The row key is a digest, never the id a browser holds.
    assert_eq!(
        scalar_i64(
            &db,
            &format!("SELECT COUNT(*) FROM sessions WHERE id = '{}'", record.id)
        )
        .await,
        0
    );

    let mut expired = Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: OffsetDateTime::now_utc() - Duration::minutes(1),
    };
    store.create(&mut expired).await.unwrap();
    assert!(
        store.load(&expired.id).await.unwrap().is_none(),
        "expired sessions do not load"
    );
    store.delete_expired().await.unwrap();
    assert_eq!(scalar_i64(&db, "SELECT COUNT(*) FROM sessions").await, 1);

    store.delete(&record.id).await.unwrap();
    assert!(store.load(&record.id).await.unwrap().is_none());
    assert!(store.load(&Id::default()).await.unwrap().is_none());
    // A request that loaded the session before it was ended saves it at its
    // end: the ended session stays ended.
    store.save(&record).await.unwrap();
    assert!(
        store.load(&record.id).await.unwrap().is_none(),
        "save never brings an ended session back"
    );

    // All of one staff member's sessions end together; others' stay.
    let mut sessions = Vec::new();
    for staff_id in [8, 8, 9] {
        let mut r = Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: OffsetDateTime::now_utc() + Duration::hours(1),
        };
        r.data
            .insert("staff_id".into(), serde_json::json!(staff_id));
        store.create(&mut r).await.unwrap();
        sessions.push(r);
    }
    let ended = app::staff::ssr::session_store::end_staff_sessions(&db, 8)
        .await
        .unwrap();
    assert_eq!(ended, 2);
    assert!(store.load(&sessions[0].id).await.unwrap().is_none());
    assert!(store.load(&sessions[1].id).await.unwrap().is_none());
    assert!(store.load(&sessions[2].id).await.unwrap().is_some());
}

/// Every entity reads back what it wrote on both databases: the entities and
/// the migrations describe the same tables.
async fn entities_round_trip(backend: Backend) {
    use app::{
        email::model as outbox,
        orders::model::{event, item, order},
        payments::{model as payment, stripe_event},
    };
    use sea_orm::{ActiveModelTrait, EntityTrait, ModelTrait, Set};
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    // Whole seconds: the databases keep different sub-second precision.
    let now =
        OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp()).unwrap();
    let due = time::macros::date!(2026 - 12 - 24);

    let o = order::ActiveModel {
        number: Set(1001),
        order_key: Set(app::orders::OrderKey::parse("AAAAAAAAAAAAAAAAAAAAAA").unwrap()),
        customer_id: Set(None),
        billing_email: Set(Some("ada@example.com".into())),
        billing_first_name: Set("Ada".into()),
        billing_last_name: Set("Lovelace".into()),
        billing_company: Set(String::new()),
        billing_phone: Set(String::new()),
        billing_address_1: Set("1 St James's Square".into()),
        billing_address_2: Set(String::new()),
        billing_city: Set("London".into()),
        billing_state: Set(String::new()),
        billing_postcode: Set("SW1Y 4JH".into()),
        billing_country: Set("GB".into()),
        currency: Set(app::domain::Currency::parse("GBP").unwrap()),
        subtotal_minor: Set(2997),
        tax_total_minor: Set(599),
        fee_total_minor: Set(0),
        discount_total_minor: Set(0),
        total_minor: Set(3596),
        status: Set(app::orders::OrderStatus::Pending),
        due_date: Set(Some(due)),
        created_by_staff_id: Set(None),
        note: Set(Some("<script>alert(1)</script> stays text".into())),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        paid_at: Set(None),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    let back = order::Entity::find_by_id(o.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back, o);
    assert_eq!(back.due_date, Some(due));
    assert_eq!(
        (
            back.name_key.as_str(),
            back.name_key_rev.as_str(),
            back.email_key.as_str()
        ),
        ("ada lovelace", "lovelace ada", "ada@example.com"),
        "the search keys are written by the entity, whoever saves it"
    );

    item::ActiveModel {
        order_id: Set(o.id),
        position: Set(0),
        product_id: Set(None),
        sku: Set(Some("MUG-01".into())),
        name: Set("Ceramic mug".into()),
        unit_price_minor: Set(999),
        quantity: Set(3),
        tax_label: Set("VAT 20%".into()),
        tax_rate_ppm: Set(200_000),
        line_subtotal_minor: Set(2997),
        line_tax_minor: Set(599),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    let items = o.find_related(item::Entity).all(&db).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].quantity, 3);

    let e = event::ActiveModel {
        order_id: Set(o.id),
        kind: Set(event::EventKind::Created),
        message: Set("Order created".into()),
        staff_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    assert_eq!(
        event::Entity::find_by_id(e.id)
            .one(&db)
            .await
            .unwrap()
            .unwrap(),
        e
    );

    let p = payment::ActiveModel {
        order_id: Set(o.id),
        method: Set(app::payments::model::PaymentMethod::Stripe),
        amount_minor: Set(3596),
        currency: Set("GBP".into()),
        provider_reference: Set(Some("pi_123".into())),
        status: Set(app::payments::model::PaymentStatus::Succeeded),
        staff_id: Set(None),
        note: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    assert_eq!(
        payment::Entity::find_by_id(p.id)
            .one(&db)
            .await
            .unwrap()
            .unwrap(),
        p
    );

    let m = outbox::ActiveModel {
        order_id: Set(Some(o.id)),
        kind: Set("invoice".into()),
        recipient: Set("ada@example.com".into()),
        subject: Set("Invoice #1001".into()),
        html_body: Set("<p>…</p>".into()),
        text_body: Set("…".into()),
        status: Set("queued".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(None),
        smtp_response: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    assert_eq!(
        outbox::Entity::find_by_id(m.id)
            .one(&db)
            .await
            .unwrap()
            .unwrap(),
        m
    );

    let ev = stripe_event::ActiveModel {
        id: Set("evt_1".into()),
        event_type: Set("payment_intent.succeeded".into()),
        payload: Set("{}".into()),
        received_at: Set(now),
        processed_at: Set(None),
    }
    .insert(&db)
    .await
    .unwrap();
    assert_eq!(
        stripe_event::Entity::find_by_id("evt_1".to_owned())
            .one(&db)
            .await
            .unwrap()
            .unwrap(),
        ev
    );
}

both_backends!(
    entities_round_trip,
    migrations_apply_and_are_idempotent,
    uniqueness_is_the_databases_job,
    order_numbers_come_from_one_counter,
    session_store_round_trip_and_expiry,
);
