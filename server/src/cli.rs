//! The `settle` command line.
use crate::{config::Config, db, seed, serve};
use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal, Read};

#[derive(Debug, Parser)]
#[command(
    name = "settle",
    version,
    about = "Email invoices and a pay page, settled exactly once."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the app (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Fill an empty database with a demo store and print the admin login.
    Seed {
        /// `en` (a Bristol coffee shop, GBP) or `fr` (its Paris twin: EUR,
        /// French VAT, French texts, one English customer).
        #[arg(long, default_value = "en")]
        language: String,
    },
    /// Import data into the store.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Read or change the store's settings (what Settings shows).
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// Manage the store's tax rates.
    TaxRate {
        #[command(subcommand)]
        command: TaxRateCommand,
    },
    /// Copy the SQLite database to FILE, consistently, while Settle serves,
    /// and print how to restore it. FILE must not exist. For PostgreSQL it
    /// prints the pg_dump command to use instead.
    Backup { file: std::path::PathBuf },
    /// Send the payment reminders due now (the server does this every
    /// minute by itself), or those due at `--at` (RFC 3339, e.g.
    /// 2026-12-24T10:00:00Z): they are really queued, so use `--at` on a
    /// copy of the database to try a policy out. Queued reminders go out
    /// with the server's next outbox pass.
    Reminders {
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Change settings, e.g. `settle settings set name="Chez Marie"
    /// currency=EUR time-zone=Europe/Paris prices-include-tax=yes`. Keys:
    /// name, email, phone, address, currency, time-zone, prices-include-tax,
    /// due-days, expiry-grace-days, logo-url, default-payment (email_invoice,
    /// cash, card_terminal or other). All are checked before any is saved:
    /// one bad value saves nothing.
    Set {
        #[arg(required = true, value_name = "KEY=VALUE")]
        pairs: Vec<String>,
    },
    /// Print the settings.
    Show,
}

#[derive(Debug, Subcommand)]
pub enum TaxRateCommand {
    /// Add a tax rate for a tax class (one rate per class).
    Add {
        /// The name printed on invoices, e.g. "TVA 20%".
        #[arg(long)]
        name: String,
        /// In percent, up to 4 decimals, e.g. 20 or 5.5.
        #[arg(long)]
        rate: String,
        /// `standard` (the default) or a WooCommerce class slug such as reduced-rate.
        #[arg(long, default_value = "standard")]
        class: String,
    },
    /// List the tax rates.
    List,
    /// Add a common set of rates for the classes that have none: fr, uk or de.
    Preset { set: String },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import products from a WooCommerce product CSV export. Products are
    /// matched by SKU: importing the same file again changes nothing.
    Products { file: std::path::PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a staff account. The password is read from standard input
    /// (prompted for, twice, on a terminal).
    Add {
        email: String,
        #[arg(long)]
        name: String,
        /// Give the account the admin role (default: cashier).
        #[arg(long)]
        admin: bool,
    },
}

/// Connects, migrates and makes sure the settings row exists: what every
/// command that reads or changes the store needs first.
async fn store_db(config: &Config) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = db::connect(&config.database_url).await?;
    db::migrate(&db).await?;
    seed::ensure_settings(&db).await?;
    Ok(db)
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let command = cli.command.unwrap_or(Command::Serve);
    crate::telemetry::init(config.log_format, matches!(command, Command::Serve));
    match command {
        Command::Serve => serve::run(config).await,
        Command::Migrate => {
            let db = db::connect(&config.database_url).await?;
            db::migrate(&db).await?;
            println!("The database is up to date.");
            Ok(())
        }
        Command::Seed { language } => {
            let Some(lang) = app::i18n::Lang::parse(&language) else {
                bail!("--language: \"{language}\" is not a language Settle speaks (en or fr)");
            };
            let db = store_db(&config).await?;
            match seed::seed_demo_in(&db, lang).await? {
                Some(login) => {
                    println!(
                        "Demo store created. Sign in at {}/login with:",
                        config.public_url
                    );
                    println!("  email:    {}", login.email);
                    println!("  password: {}", login.password);
                    println!("This password is shown only once.");
                }
                None => println!("The database already has data; the demo store was not added."),
            }
            Ok(())
        }
        Command::Import {
            command: ImportCommand::Products { file },
        } => import_products(&config, &file).await,
        Command::Settings {
            command: SettingsCommand::Set { pairs },
        } => settings_set(&store_db(&config).await?, &pairs).await,
        Command::Settings {
            command: SettingsCommand::Show,
        } => settings_show(&store_db(&config).await?).await,
        Command::TaxRate { command } => tax_rate(&store_db(&config).await?, command).await,
        // Not `store_db`: a backup neither migrates nor changes the database.
        Command::Backup { file } => backup(&config, &file).await,
        Command::Reminders { at } => {
            let now = match at {
                Some(at) => {
                    time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339)
                        .map_err(|e| anyhow::anyhow!("--at {at:?}: not an RFC 3339 time ({e})"))?
                        // Stored times are UTC, and SQLite compares them as text.
                        .to_offset(time::UtcOffset::UTC)
                }
                None => time::OffsetDateTime::now_utc(),
            };
            let db = store_db(&config).await?;
            let done =
                app::reminders::ssr::schedule::tick(&db, config.public_url.as_str(), now).await?;
            println!(
                "Reminders: {} sent, {} skipped (see each order's timeline), {} waiting for the sending window.",
                done.sent, done.skipped, done.deferred
            );
            Ok(())
        }
        Command::Staff {
            command: StaffCommand::Add { email, name, admin },
        } => {
            let password = read_password()?;
            let db = db::connect(&config.database_url).await?;
            db::migrate(&db).await?;
            let role = if admin {
                app::staff::Role::Admin
            } else {
                app::staff::Role::Cashier
            };
            let staff = app::staff::ssr::add_staff(&db, &email, &name, &password, role).await?;
            println!(
                "Added {} <{}> as {}.",
                staff.name,
                staff.email,
                staff.role.as_str()
            );
            Ok(())
        }
    }
}

async fn backup(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    use crate::backup::shell_word;
    let b = crate::backup::sqlite(&config.database_url, file).await?;
    let db = shell_word(&b.database);
    println!(
        "Backed up {} orders ({} bytes) to {}.",
        b.orders,
        b.bytes,
        b.file.display()
    );
    println!("It holds everything committed before the backup started.");
    println!("To restore it: stop Settle, then");
    println!("  cp {} {db}", shell_word(&b.file));
    // A -wal file belongs to the database it sits beside: left next to
    // the restored copy, SQLite would replay it into the copy.
    println!("  rm -f {db}-wal {db}-shm");
    println!("and start Settle again.");
    Ok(())
}

async fn import_products(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    use app::catalog::ssr::import::{import_products, RowOutcome};
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let db = store_db(config).await?;
    let currency = app::settings::ssr::currency(&db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let report = import_products(&db, &bytes, currency, &Default::default()).await?;
    if !report.missing_classes.is_empty() {
        println!("{}: {}", file.display(), report.summary());
        println!();
        println!("Tax classes without a rate:");
        for (class, rows) in &report.missing_classes {
            println!("  {class:<24} {rows} row(s)");
        }
        println!();
        println!("Add a rate for each, with the name and percentage your WooCommerce store uses for that class:");
        for (class, _) in &report.missing_classes {
            println!("  settle tax-rate add --name \"NAME\" --rate PERCENT --class {class}");
        }
        println!("or a common set at once: settle tax-rate preset fr");
        println!("then run: settle import products {}", file.display());
        bail!("nothing was imported");
    }
    for row in &report.rows {
        let what = match &row.outcome {
            RowOutcome::Imported => "imported".to_owned(),
            RowOutcome::Updated => "updated".to_owned(),
            RowOutcome::Unchanged => "unchanged".to_owned(),
            RowOutcome::Skipped(why) => format!("skipped: {why}"),
            RowOutcome::Error(why) => format!("error: {why}"),
        };
        println!(
            "line {:>5}  {:<24} {:<40} {what}",
            row.line, row.sku, row.name
        );
    }
    println!("{}: {}", file.display(), report.summary());
    let errors = report.count(|o| matches!(o, RowOutcome::Error(_)));
    if errors > 0 {
        bail!("{errors} row(s) were not imported because of errors (listed above); the other rows were saved");
    }
    Ok(())
}

/// `settle settings set KEY=VALUE…`: the settings form's own checks, so the
/// command line can set nothing the page would refuse.
async fn settings_set(db: &sea_orm::DatabaseConnection, pairs: &[String]) -> anyhow::Result<()> {
    use app::settings::ssr::edit;
    let row = app::settings::ssr::store(db).await?;
    let mut form = edit::form_of(&row);
    // Only a currency given here is a choice (see `edit::save`).
    form.currency = String::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("\"{pair}\" is not KEY=VALUE (e.g. currency=EUR)");
        };
        let value = value.to_owned();
        match key.trim().replace('_', "-").as_str() {
            "name" => form.name = value,
            "email" => form.email = value,
            "phone" => form.phone = value,
            "address" => form.address = value.replace("\\n", "\n"),
            "currency" => form.currency = value,
            "time-zone" => form.time_zone = value,
            "prices-include-tax" => {
                form.prices_include_tax = match value.trim().to_ascii_lowercase().as_str() {
                    "yes" | "true" | "on" | "1" => Some("on".to_owned()),
                    "no" | "false" | "off" | "0" => None,
                    _ => bail!("prices-include-tax: \"{value}\" is neither yes nor no"),
                }
            }
            "due-days" => form.default_due_days = value,
            "expiry-grace-days" => form.expiry_grace_days = value,
            "logo-url" => form.logo_url = value,
            // An empty value would keep the stored method: say it is missing instead.
            "default-payment" if value.trim().is_empty() => {
                bail!("default-payment: give one of email_invoice, cash, card_terminal, other")
            }
            "default-payment" => form.default_payment = value,
            "language" if value.trim().is_empty() => bail!("language: give en or fr"),
            "language" => form.language = value,
            other => bail!(
                "unknown setting \"{other}\" (known: name, email, phone, address, currency, time-zone, prices-include-tax, due-days, expiry-grace-days, logo-url, default-payment, language)"
            ),
        }
    }
    match edit::save(db, row, &form).await? {
        Ok(()) => {
            println!("Settings saved.");
            Ok(())
        }
        Err(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {}", e.field.replace('_', "-"), e.message))
                .collect();
            bail!("nothing was saved: {}", lines.join(" "))
        }
    }
}

async fn settings_show(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    let row = app::settings::ssr::store(db).await?;
    println!("name:               {}", row.name);
    println!("email:              {}", row.email);
    println!("phone:              {}", row.phone);
    println!("address:            {}", row.address.replace('\n', ", "));
    println!("currency:           {}", row.currency);
    println!("time-zone:          {}", row.time_zone);
    println!(
        "prices-include-tax: {}",
        if row.prices_include_tax { "yes" } else { "no" }
    );
    println!("due-days:           {}", row.default_due_days);
    println!("expiry-grace-days:  {}", row.expiry_grace_days);
    println!("logo-url:           {}", row.logo_url.unwrap_or_default());
    println!("default-payment:    {}", row.default_payment.code());
    println!("language:           {}", row.language.code());
    Ok(())
}

async fn tax_rate(db: &sea_orm::DatabaseConnection, command: TaxRateCommand) -> anyhow::Result<()> {
    use app::settings::ssr::{tax_rate, taxes};
    use sea_orm::{EntityTrait, QueryOrder};
    match command {
        TaxRateCommand::Add { name, rate, class } => {
            let form = taxes::RateForm {
                name,
                rate,
                class,
                back: String::new(),
            };
            match taxes::add(db, &form).await? {
                Ok(r) => {
                    println!(
                        "Added {} ({}) for the {} class.",
                        r.name,
                        r.percent(),
                        taxes::class_label(&r.class)
                    );
                    Ok(())
                }
                Err(errors) => {
                    let lines: Vec<String> = errors
                        .iter()
                        .map(|e| format!("--{}: {}", e.field, e.message))
                        .collect();
                    bail!("nothing was saved: {}", lines.join(" "))
                }
            }
        }
        TaxRateCommand::List => {
            let rates = tax_rate::Entity::find()
                .order_by_asc(tax_rate::Column::Id)
                .all(db)
                .await?;
            if rates.is_empty() {
                println!("No tax rates. Add one: settle tax-rate add --name \"VAT 20%\" --rate 20");
            }
            for r in rates {
                println!(
                    "{:<4} {:<24} {:<24} {:>9} {}",
                    r.id,
                    taxes::class_label(&r.class),
                    r.name,
                    r.percent(),
                    if r.retired_at.is_some() {
                        "retired"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        TaxRateCommand::Preset { set } => match {
            use sea_orm::TransactionTrait;
            let txn = db.begin().await?;
            let outcome = taxes::apply_preset(&txn, &set).await?;
            txn.commit().await?;
            outcome
        } {
            Some(outcome) => {
                for added in &outcome.added {
                    println!("Added {added}.");
                }
                for kept in &outcome.kept {
                    println!(
                        "Kept the rate the {} class already has.",
                        taxes::class_label(kept)
                    );
                }
                Ok(())
            }
            None => bail!(
                "unknown set \"{set}\" (known: {})",
                taxes::PRESETS
                    .iter()
                    .map(|(code, _, _)| *code)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("reading the password")?;
        let second =
            rpassword::prompt_password("Repeat the password: ").context("reading the password")?;
        if first != second {
            bail!("the passwords do not match");
        }
        return Ok(first);
    }
    let mut line = String::new();
    // Read at most a little over the limit, so a huge pipe cannot exhaust memory.
    stdin
        .lock()
        .take((app::staff::MAX_PASSWORD_BYTES + 2) as u64)
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
