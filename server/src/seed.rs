//! First-run data: the settings row every install needs, and the demo store
//! the README's run command fills an empty database with.
use app::{
    catalog::model as product, customers::model as customer, settings::ssr::model as settings,
    settings::ssr::tax_rate, staff::ssr::model as staff,
};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set, TransactionTrait,
};
use time::OffsetDateTime;

/// Inserts the settings row with neutral defaults when it is missing, so a
/// server started on a fresh database renders its pages.
pub async fn ensure_settings(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    if settings::Entity::find_by_id(settings::SINGLETON_ID)
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    // Shelf prices include tax in a new store, as in most European shops
    // (and WooCommerce's French default); Settings turns it off.
    default_settings(
        NEW_STORE_NAME,
        app::settings::NEW_STORE_EMAIL,
        "",
        "",
        "USD",
        true,
    )
    .insert(db)
    .await?;
    Ok(())
}

/// The name a new database's store has until the owner gives it one (the
/// setup checklist counts store details as not done while it is this).
pub const NEW_STORE_NAME: &str = app::settings::NEW_STORE_NAME;

fn default_settings(
    name: &str,
    email: &str,
    phone: &str,
    address: &str,
    currency: &str,
    prices_include_tax: bool,
) -> settings::ActiveModel {
    settings::ActiveModel {
        id: Set(settings::SINGLETON_ID),
        name: Set(name.into()),
        email: Set(email.into()),
        phone: Set(phone.into()),
        address: Set(address.into()),
        logo_url: Set(None),
        brand_color: Set("#1f4f82".into()),
        accent_color: Set("#f2a900".into()),
        currency: Set(currency.into()),
        default_due_days: Set(14),
        expiry_grace_days: Set(7),
        invoice_subject: Set("Invoice for order #{order_number} from {store_name}".into()),
        invoice_heading: Set("Your invoice".into()),
        invoice_intro: Set(
            "Thank you for your order. You can pay online with the button below, or in store."
                .into(),
        ),
        invoice_footer: Set("Questions about this invoice? Reply to this email or call us.".into()),
        dkim_domain: Set(String::new()),
        dkim_selector: Set(String::new()),
        dkim_private_key: Set(String::new()),
        time_zone: Set("UTC".into()),
        prices_include_tax: Set(prices_include_tax),
        // A new database's currency is a guess until an admin chooses it;
        // the demo store's is chosen.
        currency_confirmed: Set(name != NEW_STORE_NAME),
        setup_dismissed: Set(String::new()),
        mail_tested_at: Set(None),
        default_payment: Set(app::orders::create::PaymentChoice::EmailInvoice),
        // Empty: the default policy, switched off until an admin turns it on.
        reminder_policy: Set(String::new()),
        updated_at: Set(OffsetDateTime::now_utc()),
    }
}

pub struct DemoLogin {
    pub email: String,
    pub password: String,
}

/// Fills an empty database with a demo store. Returns the admin's login when
/// it created one; `None` when the database already had staff (nothing changed).
pub async fn seed_demo(db: &DatabaseConnection) -> anyhow::Result<Option<DemoLogin>> {
    if staff::Entity::find().count(db).await? > 0 || product::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let password = app::staff::ssr::password::generate("admin@example.com");
    let email = "admin@example.com".to_owned();
    let hash = app::staff::ssr::password::hash(password.clone()).await?;
    let now = OffsetDateTime::now_utc();

    let txn = db.begin().await?;
    settings::Entity::delete_by_id(settings::SINGLETON_ID)
        .exec(&txn)
        .await?;
    default_settings(
        "Corner Coffee Co.",
        "hello@corner-coffee.example",
        "+44 117 496 0000",
        "12 High Street\nBristol BS1 4DJ\nUnited Kingdom",
        "GBP",
        false,
    )
    .insert(&txn)
    .await?;

    let mut rate_ids = Vec::new();
    for (class, name, ppm) in [
        ("", "VAT 20%", 200_000),
        ("reduced-rate", "VAT 5%", 50_000),
        ("zero-rate", "Zero rate", 0),
    ] {
        let row = tax_rate::ActiveModel {
            class: Set(class.into()),
            name: Set(name.into()),
            rate_ppm: Set(ppm),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        rate_ids.push(row.id);
    }
    let (standard, reduced) = (rate_ids[0], rate_ids[1]);

    let products: [(&str, &str, i64, i64, i32, bool); 11] = [
        (
            "BEAN-1KG",
            "Espresso beans 1 kg",
            2400,
            2400,
            standard,
            true,
        ),
        ("MUG-01", "Ceramic mug", 1200, 1200, standard, true),
        ("KETTLE-01", "Pour-over kettle", 4500, 4900, standard, true),
        (
            "FILTER-100",
            "Paper filters (100)",
            600,
            600,
            standard,
            true,
        ),
        ("OAT-1L", "Oat milk 1 L", 350, 350, reduced, true),
        ("CHOC-01", "Dark chocolate bar", 300, 300, reduced, true),
        ("BREAD-01", "Sourdough loaf", 650, 650, reduced, true),
        ("TOTE-01", "Canvas tote bag", 1500, 1500, standard, true),
        ("WRAP-01", "Gift wrapping", 200, 200, standard, true),
        (
            "COURSE-01",
            "Barista course (2 hours)",
            8000,
            8000,
            standard,
            true,
        ),
        (
            "GRIND-OLD",
            "Hand grinder (discontinued)",
            9900,
            9900,
            standard,
            false,
        ),
    ];
    // EAN-13s with the check digits a scanner expects (GS1 UK's 50 prefix);
    // bread, gift wrapping and the course are sold without one, as in a shop.
    let barcodes = [
        ("BEAN-1KG", "5012345000015"),
        ("MUG-01", "5012345000022"),
        ("KETTLE-01", "5012345000039"),
        ("FILTER-100", "5012345000046"),
        ("OAT-1L", "5012345000053"),
        ("CHOC-01", "5012345000060"),
        ("TOTE-01", "5012345000077"),
        ("GRIND-OLD", "5012345000084"),
    ];
    for (sku, name, price, regular, rate, active) in products {
        let barcode = barcodes
            .iter()
            .find(|(s, _)| *s == sku)
            .map(|(_, code)| (*code).to_owned());
        product::ActiveModel {
            sku: Set(Some(sku.into())),
            barcode: Set(barcode),
            name: Set(name.into()),
            price_minor: Set(price),
            regular_price_minor: Set(regular),
            tax_rate_id: Set(Some(rate)),
            active: Set(active),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }

    let customers = [
        (
            "ada@example.com",
            "Ada",
            "Lovelace",
            "Analytical Engines Ltd",
            "+44 20 7946 0001",
            "1 St James's Square",
            "London",
            "SW1Y 4JH",
            Some(30),
        ),
        (
            "grace@example.org",
            "Grace",
            "Hopper",
            "",
            "+1 202 555 0142",
            "45 Navy Yard",
            "Arlington",
            "22202",
            None,
        ),
        (
            "jamal.okafor@example.net",
            "Jamal",
            "Okafor",
            "",
            "+44 117 496 0999",
            "8 Park Row",
            "Bristol",
            "BS1 5LJ",
            None,
        ),
    ];
    for (email, first, last, company, phone, addr, city, postcode, terms) in customers {
        customer::ActiveModel {
            email: Set(email.into()),
            first_name: Set(first.into()),
            last_name: Set(last.into()),
            company: Set(company.into()),
            phone: Set(phone.into()),
            address_1: Set(addr.into()),
            address_2: Set(String::new()),
            city: Set(city.into()),
            state: Set(String::new()),
            postcode: Set(postcode.into()),
            country: Set(if postcode.chars().all(|c| c.is_ascii_digit()) {
                "US"
            } else {
                "GB"
            }
            .into()),
            preferred_language: Set("en".into()),
            payment_terms_days: Set(terms),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }

    staff::ActiveModel {
        email: Set(email.clone()),
        name: Set("Store Admin".into()),
        password_hash: Set(hash),
        role: Set(app::staff::Role::Admin.as_str().into()),
        active: Set(true),
        last_sign_in_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Some(DemoLogin { email, password }))
}
