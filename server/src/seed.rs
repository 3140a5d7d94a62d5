//! First-run data: the settings row every install needs, and the demo store
//! the README's run command fills an empty database with.
use app::i18n::Lang;
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
    let words = app::i18n::Lang::En.words();
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
        invoice_subject: Set(words.default_invoice_subject()),
        invoice_heading: Set(words.default_invoice_heading()),
        invoice_intro: Set(words.default_invoice_intro()),
        invoice_footer: Set(words.default_invoice_footer()),
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
        language: Set(words.lang()),
        // Off for a new store (nobody gets reminders they were not told
        // about); the demo store shows them working.
        reminder_policy: Set(if name == NEW_STORE_NAME {
            String::new()
        } else {
            app::reminders::Policy {
                enabled: true,
                ..Default::default()
            }
            .to_json()
        }),
        updated_at: Set(OffsetDateTime::now_utc()),
    }
}

pub struct DemoLogin {
    pub email: String,
    pub password: String,
}

/// A demo store's own details: the English one (Bristol, GBP) or the
/// French one (`settle seed --language fr`: Paris, EUR, French VAT).
struct Demo {
    lang: Lang,
    name: &'static str,
    email: &'static str,
    phone: &'static str,
    address: &'static str,
    currency: &'static str,
    prices_include_tax: bool,
    time_zone: &'static str,
    /// (class, name, parts per million); the first is the standard rate,
    /// the second the one food is sold at.
    rates: &'static [(&'static str, &'static str, i32)],
    /// (sku, name, price, regular price, food, active)
    products: &'static [(&'static str, &'static str, i64, i64, bool, bool)],
    /// (sku, EAN-13 with its check digit)
    barcodes: &'static [(&'static str, &'static str)],
    customers: &'static [DemoCustomer],
}

/// (email, first, last, company, phone, address, city, postcode, country,
/// language, payment terms)
type DemoCustomer = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<i32>,
);

const ENGLISH: Demo = Demo {
    lang: Lang::En,
    name: "Corner Coffee Co.",
    email: "hello@corner-coffee.example",
    phone: "+44 117 496 0000",
    address: "12 High Street\nBristol BS1 4DJ\nUnited Kingdom",
    currency: "GBP",
    prices_include_tax: false,
    time_zone: "UTC",
    rates: &[
        ("", "VAT 20%", 200_000),
        ("reduced-rate", "VAT 5%", 50_000),
        ("zero-rate", "Zero rate", 0),
    ],
    products: &[
        ("BEAN-1KG", "Espresso beans 1 kg", 2400, 2400, false, true),
        ("MUG-01", "Ceramic mug", 1200, 1200, false, true),
        ("KETTLE-01", "Pour-over kettle", 4500, 4900, false, true),
        ("FILTER-100", "Paper filters (100)", 600, 600, false, true),
        ("OAT-1L", "Oat milk 1 L", 350, 350, true, true),
        ("CHOC-01", "Dark chocolate bar", 300, 300, true, true),
        ("BREAD-01", "Sourdough loaf", 650, 650, true, true),
        ("TOTE-01", "Canvas tote bag", 1500, 1500, false, true),
        ("WRAP-01", "Gift wrapping", 200, 200, false, true),
        (
            "COURSE-01",
            "Barista course (2 hours)",
            8000,
            8000,
            false,
            true,
        ),
        (
            "GRIND-OLD",
            "Hand grinder (discontinued)",
            9900,
            9900,
            false,
            false,
        ),
    ],
    // EAN-13s with the check digits a scanner expects (GS1 UK's 50 prefix);
    // bread, gift wrapping and the course are sold without one, as in a shop.
    barcodes: &[
        ("BEAN-1KG", "5012345000015"),
        ("MUG-01", "5012345000022"),
        ("KETTLE-01", "5012345000039"),
        ("FILTER-100", "5012345000046"),
        ("OAT-1L", "5012345000053"),
        ("CHOC-01", "5012345000060"),
        ("TOTE-01", "5012345000077"),
        ("GRIND-OLD", "5012345000084"),
    ],
    customers: &[
        (
            "ada@example.com",
            "Ada",
            "Lovelace",
            "Analytical Engines Ltd",
            "+44 20 7946 0001",
            "1 St James's Square",
            "London",
            "SW1Y 4JH",
            "GB",
            "en",
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
            "US",
            "en",
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
            "GB",
            "en",
            None,
        ),
    ],
};

/// The French demo store: shelf prices include VAT (TTC), as French shops
/// and WooCommerce's French default have them.
const FRENCH: Demo = Demo {
    lang: Lang::Fr,
    name: "Café du Coin",
    email: "bonjour@cafe-du-coin.example",
    phone: "+33 1 84 88 00 00",
    address: "12 rue des Martyrs\n75009 Paris\nFrance",
    currency: "EUR",
    prices_include_tax: true,
    time_zone: "Europe/Paris",
    // The classes WooCommerce's French tax tables use (see `taxes::presets`).
    rates: &[
        ("", "TVA 20 %", 200_000),
        ("reduced-rate", "TVA 5,5 %", 55_000),
        ("intermediate-rate", "TVA 10 %", 100_000),
        ("super-reduced-rate", "TVA 2,1 %", 21_000),
    ],
    products: &[
        ("CAFE-1KG", "Café en grains 1 kg", 2400, 2400, false, true),
        ("TASSE-01", "Tasse en céramique", 1200, 1200, false, true),
        (
            "BOUILL-01",
            "Bouilloire col de cygne",
            4500,
            4900,
            false,
            true,
        ),
        ("FILTRE-100", "Filtres papier (100)", 600, 600, false, true),
        ("AVOINE-1L", "Boisson à l’avoine 1 L", 350, 350, true, true),
        (
            "CHOCO-01",
            "Tablette de chocolat noir",
            300,
            300,
            true,
            true,
        ),
        ("PAIN-01", "Pain au levain", 650, 650, true, true),
        ("SAC-01", "Tote bag en toile", 1500, 1500, false, true),
        ("PAQUET-01", "Paquet cadeau", 200, 200, false, true),
        (
            "ATELIER-01",
            "Atelier barista (2 heures)",
            8000,
            8000,
            false,
            true,
        ),
        (
            "MOULIN-OLD",
            "Moulin manuel (plus fabriqué)",
            9900,
            9900,
            false,
            false,
        ),
    ],
    // French GS1 prefix (300–379), check digits computed.
    barcodes: &[
        ("CAFE-1KG", "3012345000017"),
        ("TASSE-01", "3012345000024"),
        ("BOUILL-01", "3012345000031"),
        ("FILTRE-100", "3012345000048"),
        ("AVOINE-1L", "3012345000055"),
        ("CHOCO-01", "3012345000062"),
        ("SAC-01", "3012345000079"),
        ("MOULIN-OLD", "3012345000086"),
    ],
    customers: &[
        (
            "camille.dupont@example.fr",
            "Camille",
            "Dupont",
            "Atelier Dupont SARL",
            "+33 6 12 34 56 78",
            "8 boulevard Voltaire",
            "Paris",
            "75011",
            "FR",
            "fr",
            Some(30),
        ),
        (
            "lea.martin@example.fr",
            "Léa",
            "Martin",
            "",
            "+33 6 98 76 54 32",
            "3 place Bellecour",
            "Lyon",
            "69002",
            "FR",
            "fr",
            None,
        ),
        // One English customer: her invoices, pay page and reminders are
        // in English while the store's are French.
        (
            "ada@example.com",
            "Ada",
            "Lovelace",
            "Analytical Engines Ltd",
            "+44 20 7946 0001",
            "1 St James's Square",
            "London",
            "SW1Y 4JH",
            "GB",
            "en",
            None,
        ),
    ],
};

/// The English demo store (`settle seed`).
pub async fn seed_demo(db: &DatabaseConnection) -> anyhow::Result<Option<DemoLogin>> {
    seed_demo_in(db, Lang::En).await
}

/// Fills an empty database with a demo store in `lang` (English: the
/// Bristol coffee shop; French: its Paris twin). Returns the admin's login
/// when it created one; `None` when the database already had staff
/// (nothing changed).
pub async fn seed_demo_in(
    db: &DatabaseConnection,
    lang: Lang,
) -> anyhow::Result<Option<DemoLogin>> {
    if staff::Entity::find().count(db).await? > 0 || product::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let demo = match lang {
        Lang::En => &ENGLISH,
        Lang::Fr => &FRENCH,
    };
    let password = app::staff::ssr::password::generate("admin@example.com");
    let email = "admin@example.com".to_owned();
    let hash = app::staff::ssr::password::hash(password.clone()).await?;
    let now = OffsetDateTime::now_utc();

    let txn = db.begin().await?;
    settings::Entity::delete_by_id(settings::SINGLETON_ID)
        .exec(&txn)
        .await?;
    let mut row = default_settings(
        demo.name,
        demo.email,
        demo.phone,
        demo.address,
        demo.currency,
        demo.prices_include_tax,
    );
    let words = demo.lang.words();
    row.language = Set(demo.lang);
    row.time_zone = Set(demo.time_zone.into());
    row.invoice_subject = Set(words.default_invoice_subject());
    row.invoice_heading = Set(words.default_invoice_heading());
    row.invoice_intro = Set(words.default_invoice_intro());
    row.invoice_footer = Set(words.default_invoice_footer());
    if demo.lang != Lang::En {
        // The demo's reminders speak the store's language in Settings too.
        let mut policy = app::reminders::Policy {
            enabled: true,
            ..Default::default()
        };
        let count = policy.steps.len();
        for (n, step) in policy.steps.iter_mut().enumerate() {
            let (subject, heading, intro) = app::reminders::policy::default_wording_in(
                step.days,
                count > 1 && n + 1 == count,
                demo.lang,
            );
            step.subject = subject;
            step.heading = heading;
            step.intro = intro;
        }
        row.reminder_policy = Set(policy.to_json());
    }
    row.insert(&txn).await?;

    let mut rate_ids = Vec::new();
    for (class, name, ppm) in demo.rates {
        let row = tax_rate::ActiveModel {
            class: Set((*class).into()),
            name: Set((*name).into()),
            rate_ppm: Set(*ppm),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        rate_ids.push(row.id);
    }
    let (standard, food) = (rate_ids[0], rate_ids[1]);

    for (sku, name, price, regular, is_food, active) in demo.products {
        let barcode = demo
            .barcodes
            .iter()
            .find(|(s, _)| s == sku)
            .map(|(_, code)| (*code).to_owned());
        product::ActiveModel {
            sku: Set(Some((*sku).into())),
            barcode: Set(barcode),
            name: Set((*name).into()),
            price_minor: Set(*price),
            regular_price_minor: Set(*regular),
            tax_rate_id: Set(Some(if *is_food { food } else { standard })),
            active: Set(*active),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }

    for (email, first, last, company, phone, addr, city, postcode, country, language, terms) in
        demo.customers
    {
        customer::ActiveModel {
            email: Set((*email).into()),
            first_name: Set((*first).into()),
            last_name: Set((*last).into()),
            company: Set((*company).into()),
            phone: Set((*phone).into()),
            address_1: Set((*addr).into()),
            address_2: Set(String::new()),
            city: Set((*city).into()),
            state: Set(String::new()),
            postcode: Set((*postcode).into()),
            country: Set((*country).into()),
            preferred_language: Set((*language).into()),
            payment_terms_days: Set(*terms),
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
