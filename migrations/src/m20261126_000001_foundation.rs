//! The whole domain of DESIGN.md in one first migration: staff and sessions,
//! store settings, tax rates, catalogue, customers, orders with their items,
//! adjustments, taxes, payments and timeline, the email outbox and Stripe events.
//!
//! Conventions: money is `BIGINT` minor units beside a `currency` code; times are
//! timestamps with time zone, always written in UTC; statuses and kinds are short
//! strings whose legal values live in the Rust domain code (one state machine).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    from_table: &'static str,
    from_col: &'static str,
    to_table: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(from_table, from_col)
        .to(to_table, "id")
        .on_delete(on_delete)
        .to_owned()
}

fn index(table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", cols.join("_")))
        .table(table);
    for col in cols {
        stmt.col(*col);
    }
    if unique {
        stmt.unique();
    }
    stmt.to_owned()
}

fn now_col(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing on every backend (SQLite's DDL is transactional too), so a
    /// failed start-up never leaves a half-made schema behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("staff")
                .col(pk_auto("id"))
                // Stored lowercased: sign-in is case-insensitive on the address.
                .col(string_uniq("email"))
                .col(string("name"))
                .col(string("password_hash"))
                .col(string_len("role", 16))
                .col(boolean("active").default(true))
                .col(timestamp_with_time_zone_null("last_sign_in_at"))
                .col(now_col("created_at"))
                .col(now_col("updated_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("sessions")
                .col(string_len("id", 64).primary_key())
                .col(text("data"))
                .col(timestamp_with_time_zone("expiry_date"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("sessions", &["expiry_date"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("store_settings")
                // A single row (id = 1); typed columns rather than key/value so
                // every setting has a type and a default the database enforces.
                .col(integer("id").primary_key())
                .col(string("name"))
                .col(string("email"))
                .col(string("phone").default(""))
                .col(text("address").default(""))
                .col(string_null("logo_url"))
                .col(string_len("brand_color", 7).default("#1f4f82"))
                .col(string_len("accent_color", 7).default("#f2a900"))
                .col(string_len("currency", 3))
                .col(integer("default_due_days").default(14))
                .col(integer("expiry_grace_days").default(7))
                .col(string("invoice_subject"))
                .col(string("invoice_heading"))
                .col(text("invoice_intro"))
                .col(text("invoice_footer"))
                .col(now_col("updated_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("tax_rates")
                .col(pk_auto("id"))
                // WooCommerce tax class slug ("" is the standard class).
                .col(string_uniq("class"))
                .col(string("name"))
                // Parts per million: 20% = 200000, 8.875% = 88750.
                .col(integer("rate_ppm"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("products")
                .col(pk_auto("id"))
                .col(string_null("sku").unique_key())
                .col(string("name"))
                .col(big_integer("price_minor"))
                .col(big_integer("regular_price_minor"))
                .col(integer_null("tax_rate_id"))
                .col(boolean("active").default(true))
                .col(now_col("created_at"))
                .col(now_col("updated_at"))
                .foreign_key(&mut fk(
                    "products",
                    "tax_rate_id",
                    "tax_rates",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("products", &["name"], false)).await?;

        m.create_table(
            Table::create()
                .table("customers")
                .col(pk_auto("id"))
                // Stored lowercased: unique case-insensitively on both databases.
                .col(string_uniq("email"))
                .col(string("first_name").default(""))
                .col(string("last_name").default(""))
                .col(string("company").default(""))
                .col(string("phone").default(""))
                .col(string("address_1").default(""))
                .col(string("address_2").default(""))
                .col(string("city").default(""))
                .col(string("state").default(""))
                .col(string("postcode").default(""))
                .col(string_len("country", 2).default(""))
                .col(string_len("preferred_language", 16).default("en"))
                .col(integer_null("payment_terms_days"))
                .col(now_col("created_at"))
                .col(now_col("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("customers", &["last_name", "first_name"], false))
            .await?;
        m.create_index(index("customers", &["phone"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("counters")
                .col(string_len("name", 32).primary_key())
                .col(big_integer("value"))
                .to_owned(),
        )
        .await?;
        // Order numbers start at 1001: the counter holds the last number handed out.
        m.exec_stmt(
            Query::insert()
                .into_table("counters")
                .columns(["name", "value"])
                .values_panic(["order_number".into(), 1000i64.into()])
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("orders")
                .col(pk_auto("id"))
                .col(big_integer_uniq("number"))
                .col(string_len_uniq("order_key", 32))
                .col(integer_null("customer_id"))
                .col(string_null("billing_email"))
                .col(string("billing_first_name").default(""))
                .col(string("billing_last_name").default(""))
                .col(string("billing_company").default(""))
                .col(string("billing_phone").default(""))
                .col(string("billing_address_1").default(""))
                .col(string("billing_address_2").default(""))
                .col(string("billing_city").default(""))
                .col(string("billing_state").default(""))
                .col(string("billing_postcode").default(""))
                .col(string_len("billing_country", 2).default(""))
                .col(string_len("currency", 3))
                .col(big_integer("subtotal_minor"))
                .col(big_integer("tax_total_minor"))
                .col(big_integer("fee_total_minor"))
                .col(big_integer("discount_total_minor"))
                .col(big_integer("total_minor"))
                .col(string_len("status", 16))
                .col(date_null("due_date"))
                .col(integer_null("created_by_staff_id"))
                .col(text_null("note"))
                .col(text_null("cancel_reason"))
                .col(now_col("created_at"))
                .col(now_col("updated_at"))
                .col(timestamp_with_time_zone_null("paid_at"))
                .foreign_key(&mut fk(
                    "orders",
                    "customer_id",
                    "customers",
                    ForeignKeyAction::SetNull,
                ))
                .foreign_key(&mut fk(
                    "orders",
                    "created_by_staff_id",
                    "staff",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("orders", &["status", "id"], false))
            .await?;
        m.create_index(index("orders", &["billing_email"], false))
            .await?;
        m.create_index(index("orders", &["customer_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("order_items")
                .col(pk_auto("id"))
                .col(integer("order_id"))
                .col(integer("position"))
                .col(integer_null("product_id"))
                .col(string_null("sku"))
                .col(string("name"))
                .col(big_integer("unit_price_minor"))
                .col(integer("quantity"))
                .col(string("tax_label").default(""))
                .col(integer("tax_rate_ppm"))
                .col(big_integer("line_subtotal_minor"))
                .col(big_integer("line_tax_minor"))
                .foreign_key(&mut fk(
                    "order_items",
                    "order_id",
                    "orders",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "order_items",
                    "product_id",
                    "products",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("order_items", &["order_id", "position"], true))
            .await?;

        m.create_table(
            Table::create()
                .table("order_adjustments")
                .col(pk_auto("id"))
                .col(integer("order_id"))
                .col(integer("position"))
                // "fee" or "discount"; amount is always positive, the kind gives the sign.
                .col(string_len("kind", 16))
                .col(string("label"))
                .col(big_integer("amount_minor"))
                .foreign_key(&mut fk(
                    "order_adjustments",
                    "order_id",
                    "orders",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("order_adjustments", &["order_id", "position"], true))
            .await?;

        m.create_table(
            Table::create()
                .table("order_taxes")
                .col(pk_auto("id"))
                .col(integer("order_id"))
                .col(string("label"))
                .col(integer("rate_ppm"))
                .col(big_integer("amount_minor"))
                .foreign_key(&mut fk(
                    "order_taxes",
                    "order_id",
                    "orders",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "order_taxes",
            &["order_id", "rate_ppm", "label"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("payments")
                .col(pk_auto("id"))
                .col(integer("order_id"))
                .col(string_len("method", 16))
                // Negative for refunds.
                .col(big_integer("amount_minor"))
                .col(string_len("currency", 3))
                // PaymentIntent id for Stripe, the terminal/other reference in store.
                // Unique: the same intent can never be recorded twice.
                .col(string_null("provider_reference").unique_key())
                .col(string_len("status", 16))
                .col(integer_null("staff_id"))
                .col(text_null("note"))
                .col(now_col("created_at"))
                .col(now_col("updated_at"))
                .foreign_key(&mut fk(
                    "payments",
                    "order_id",
                    "orders",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "payments",
                    "staff_id",
                    "staff",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("payments", &["order_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("order_events")
                .col(pk_auto("id"))
                .col(integer("order_id"))
                .col(string_len("kind", 32))
                .col(text("message"))
                .col(integer_null("staff_id"))
                .col(now_col("created_at"))
                .foreign_key(&mut fk(
                    "order_events",
                    "order_id",
                    "orders",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "order_events",
                    "staff_id",
                    "staff",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("order_events", &["order_id", "id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("email_outbox")
                .col(pk_auto("id"))
                .col(integer_null("order_id"))
                .col(string_len("kind", 16))
                .col(string("recipient"))
                .col(string("subject"))
                .col(text("html_body"))
                .col(text("text_body"))
                .col(string_len("status", 16))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_attempt_at"))
                // A worker's lease: another worker may take the row once it has passed.
                .col(timestamp_with_time_zone_null("claimed_until"))
                .col(text_null("last_error"))
                .col(text_null("smtp_response"))
                .col(now_col("created_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .foreign_key(&mut fk(
                    "email_outbox",
                    "order_id",
                    "orders",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("email_outbox", &["status", "next_attempt_at"], false))
            .await?;
        m.create_index(index("email_outbox", &["order_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("stripe_events")
                // Stripe's own event id: recording it first makes every delivery idempotent.
                .col(string_len("id", 255).primary_key())
                .col(string("event_type"))
                .col(text("payload"))
                .col(now_col("received_at"))
                .col(timestamp_with_time_zone_null("processed_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "stripe_events",
            "email_outbox",
            "order_events",
            "payments",
            "order_taxes",
            "order_adjustments",
            "order_items",
            "orders",
            "counters",
            "customers",
            "products",
            "tax_rates",
            "store_settings",
            "sessions",
            "staff",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
