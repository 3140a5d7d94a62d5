//! Importing WooCommerce product exports, on SQLite and PostgreSQL.
use crate::common;

use app::catalog::{
    model as product,
    ssr::import::{import_products, RowOutcome},
};
use app::domain::Currency;
use app::settings::ssr::tax_rate;
use common::{Backend, TestDb};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};

const FIXTURE: &str = include_str!("../fixtures/woocommerce-products.csv");

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

async fn with_tax_rates(db: &DatabaseConnection) -> (i32, i32) {
    let standard = tax_rate::ActiveModel {
        class: Set(String::new()),
        name: Set("Tax 20%".into()),
        rate_ppm: Set(200_000),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let reduced = tax_rate::ActiveModel {
        class: Set("reduced-rate".into()),
        name: Set("Tax 5%".into()),
        rate_ppm: Set(50_000),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    (standard.id, reduced.id)
}

async fn by_sku(db: &DatabaseConnection, sku: &str) -> product::Model {
    product::Entity::find()
        .filter(product::Column::Sku.eq(sku))
        .one(db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{sku} missing"))
}

async fn imports_sellable_rows_and_reimporting_changes_nothing(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    let (standard, reduced) = with_tax_rates(&db).await;

    let report = import_products(&db, FIXTURE.as_bytes(), usd(), &Default::default())
        .await
        .unwrap();
    assert_eq!(
        report.summary(),
        "6 imported, 0 updated, 0 unchanged, 4 skipped, 0 with errors"
    );
    let outcome = |line: usize| {
        report
            .rows
            .iter()
            .find(|r| r.line == line)
            .unwrap()
            .outcome
            .clone()
    };
    assert!(matches!(outcome(2), RowOutcome::Skipped(r) if r.contains("variable")));
    assert!(matches!(outcome(9), RowOutcome::Skipped(r) if r.contains("grouped")));
    assert!(matches!(outcome(10), RowOutcome::Skipped(r) if r.contains("another site")));
    assert!(matches!(outcome(11), RowOutcome::Skipped(r) if r.contains("no SKU")));

    let black = by_sku(&db, "tea-pot-black").await;
    assert_eq!(
        (
            black.name.as_str(),
            black.price_minor,
            black.regular_price_minor
        ),
        ("Tea Pot - Black", 2950, 3200)
    );
    assert_eq!(black.tax_rate_id, Some(standard));
    assert_eq!(
        by_sku(&db, "green-tea-100g").await.tax_rate_id,
        Some(reduced)
    );
    assert_eq!(by_sku(&db, "brew-guide-pdf").await.tax_rate_id, None);
    assert!(
        !by_sku(&db, "old-strainer").await.active,
        "drafts are imported inactive"
    );
    assert_eq!(
        by_sku(&db, "tea-towel").await.name,
        "Tea towel “Kyoto” & <b>bold</b>",
        "names are kept as text"
    );

    let before = product::Entity::find().all(&db).await.unwrap();
    let again = import_products(&db, FIXTURE.as_bytes(), usd(), &Default::default())
        .await
        .unwrap();
    assert_eq!(
        again.summary(),
        "0 imported, 0 updated, 6 unchanged, 4 skipped, 0 with errors"
    );
    assert_eq!(
        product::Entity::find().all(&db).await.unwrap(),
        before,
        "a re-import changes nothing"
    );

    let changed = FIXTURE.replace(",6.40,", ",6.90,");
    assert_ne!(changed, FIXTURE);
    let update = import_products(&db, changed.as_bytes(), usd(), &Default::default())
        .await
        .unwrap();
    assert_eq!(
        update.summary(),
        "0 imported, 1 updated, 5 unchanged, 4 skipped, 0 with errors"
    );
    assert_eq!(by_sku(&db, "green-tea-100g").await.price_minor, 690);
}

async fn bad_rows_are_reported_and_good_rows_kept(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    with_tax_rates(&db).await;
    let csv = "Type,SKU,Name,Regular price,Tax class\n\
               simple,ok-1,Fine,5.00,\n\
               simple,bad-price,Bad,five,\n\
               simple,ok-1,Duplicate,6.00,\n";
    let report = import_products(&db, csv.as_bytes(), usd(), &Default::default())
        .await
        .unwrap();
    assert_eq!(
        report.summary(),
        "1 imported, 0 updated, 0 unchanged, 0 skipped, 2 with errors"
    );
    let errors: Vec<String> = report
        .rows
        .iter()
        .filter_map(|r| match &r.outcome {
            RowOutcome::Error(e) => Some(format!("{}: {e}", r.line)),
            _ => None,
        })
        .collect();
    assert_eq!(
        errors[0],
        "3: Regular price \"five\": enter an amount such as 12.50"
    );
    assert_eq!(errors[1], "4: the SKU ok-1 already appears on line 2");
    assert_eq!(product::Entity::find().count(&db).await.unwrap(), 1);

    // A file that is not a product export saves nothing at all.
    let err = import_products(&db, b"Name,Price\nMug,5\n", usd(), &Default::default())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "this does not look like a WooCommerce product export: missing column(s) Type, SKU, Regular price");
    assert_eq!(product::Entity::find().count(&db).await.unwrap(), 1);
}

/// WooCommerce's own sample export (../shared/data), when the folder exists (it does in CI).
async fn imports_woocommerces_sample_export(backend: Backend) {
    let path =
        common::doubles::workspace_root().join("../shared/data/woocommerce-sample-products.csv");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipping: {} is not on this machine", path.display());
        return;
    };
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    with_tax_rates(&db).await;
    let report = import_products(&db, &bytes, usd(), &Default::default())
        .await
        .unwrap();
    assert_eq!(
        report.summary(),
        "21 imported, 0 updated, 0 unchanged, 4 skipped, 0 with errors"
    );
    let beanie = by_sku(&db, "woo-beanie").await;
    assert_eq!(
        (beanie.price_minor, beanie.regular_price_minor),
        (1800, 2000),
        "sale price charged, regular kept"
    );
    assert_eq!(
        by_sku(&db, "woo-hoodie-blue-logo").await.name,
        "Hoodie - Blue, Yes"
    );
    assert_eq!(by_sku(&db, "woo-single").await.price_minor, 200);
    let again = import_products(&db, &bytes, usd(), &Default::default())
        .await
        .unwrap();
    assert_eq!(
        again.summary(),
        "0 imported, 0 updated, 21 unchanged, 4 skipped, 0 with errors"
    );
}

/// A file whose tax classes have no rate imports nothing, names each class
/// with its rows, and imports once the class has a rate or is mapped to one.
async fn classes_without_a_rate_stop_the_import_until_mapped(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    let (standard, _) = with_tax_rates(&db).await;
    let csv = "Type,SKU,Name,Regular price,Tax class\n\
               simple,a-1,Fine,5.00,\n\
               simple,lux-1,Watch,500.00,luxury\n\
               simple,lux-2,Ring,900.00,luxury\n\
               simple,kid-1,Shoes,30.00,children\n";
    let report = import_products(&db, csv.as_bytes(), usd(), &Default::default())
        .await
        .unwrap();
    assert_eq!(
        report.missing_classes,
        vec![("luxury".to_owned(), 2), ("children".to_owned(), 1)]
    );
    assert!(
        report
            .summary()
            .starts_with("Nothing was imported: 2 tax classes used by 3 rows have no tax rate."),
        "{}",
        report.summary()
    );
    assert_eq!(
        product::Entity::find().count(&db).await.unwrap(),
        0,
        "nothing half-imported"
    );

    // Map luxury to the standard rate; children still has none: still nothing.
    let mut mapping = std::collections::HashMap::new();
    mapping.insert("luxury".to_owned(), standard);
    let report = import_products(&db, csv.as_bytes(), usd(), &mapping)
        .await
        .unwrap();
    assert_eq!(report.missing_classes, vec![("children".to_owned(), 1)]);
    assert_eq!(product::Entity::find().count(&db).await.unwrap(), 0);

    // A rate for children (made as the import page's form makes it), and the import goes through.
    app::settings::ssr::taxes::add(
        &db,
        &app::settings::ssr::taxes::RateForm {
            name: "Children 0%".into(),
            rate: "0".into(),
            class: "children".into(),
            back: String::new(),
        },
    )
    .await
    .unwrap()
    .unwrap();
    let report = import_products(&db, csv.as_bytes(), usd(), &mapping)
        .await
        .unwrap();
    assert_eq!(
        report.summary(),
        "4 imported, 0 updated, 0 unchanged, 0 skipped, 0 with errors"
    );
    assert_eq!(by_sku(&db, "lux-1").await.tax_rate_id, Some(standard));
}

/// WooCommerce's "GTIN, UPC, EAN, or ISBN" column is the barcode. A bad one
/// is its row's error, like a bad price (that row is not imported, the others
/// are); an empty cell leaves a barcode typed in Settle alone.
async fn imports_the_gtin_column_as_the_barcode(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    with_tax_rates(&db).await;
    let csv = "Type,SKU,\"GTIN, UPC, EAN, or ISBN\",Name,Regular price\n\
               simple,pen,4006381333931,Pen,2.00\n\
               simple,book,978-0-306-40615-7,Book,12.00\n\
               simple,typo,4006381333932,Typo,3.00\n\
               simple,plain,,Plain,1.00\n";
    let report = import_products(&db, csv.as_bytes(), usd(), &Default::default())
        .await
        .unwrap();
    assert_eq!(
        report.summary(),
        "3 imported, 0 updated, 0 unchanged, 0 skipped, 1 with errors"
    );
    let typo = report.rows.iter().find(|r| r.line == 4).unwrap();
    assert!(
        matches!(&typo.outcome, RowOutcome::Error(r) if r.starts_with("GTIN, UPC, EAN, or ISBN \"4006381333932\"") && r.contains("check digit")),
        "{:?}",
        typo.outcome
    );
    assert_eq!(
        by_sku(&db, "pen").await.barcode.as_deref(),
        Some("4006381333931")
    );
    assert_eq!(
        by_sku(&db, "book").await.barcode.as_deref(),
        Some("9780306406157"),
        "stored as digits only"
    );
    assert_eq!(by_sku(&db, "plain").await.barcode, None);
    assert_eq!(
        product::Entity::find()
            .filter(product::Column::Sku.eq("typo"))
            .count(&db)
            .await
            .unwrap(),
        0
    );

    // A barcode given in Settle survives a re-import whose cell is empty; a
    // changed cell updates the product.
    let mut plain: product::ActiveModel = by_sku(&db, "plain").await.into();
    plain.barcode = Set(Some("96385074".into()));
    plain.update(&db).await.unwrap();
    let changed = csv.replace("4006381333931", "036000291452");
    let report = import_products(&db, changed.as_bytes(), usd(), &Default::default())
        .await
        .unwrap();
    assert_eq!(
        report.summary(),
        "0 imported, 1 updated, 2 unchanged, 0 skipped, 1 with errors"
    );
    assert_eq!(
        by_sku(&db, "pen").await.barcode.as_deref(),
        Some("036000291452")
    );
    assert_eq!(
        by_sku(&db, "plain").await.barcode.as_deref(),
        Some("96385074")
    );
}

both_backends!(
    imports_the_gtin_column_as_the_barcode,
    classes_without_a_rate_stop_the_import_until_mapped,
    imports_sellable_rows_and_reimporting_changes_nothing,
    bad_rows_are_reported_and_good_rows_kept,
    imports_woocommerces_sample_export,
);
