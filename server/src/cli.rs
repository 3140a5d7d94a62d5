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
    Seed,
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
        Command::Seed => {
            let db = db::connect(&config.database_url).await?;
            db::migrate(&db).await?;
            seed::ensure_settings(&db).await?;
            match seed::seed_demo(&db).await? {
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

async fn import_products(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    use app::catalog::ssr::import::{import_products, RowOutcome};
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let db = db::connect(&config.database_url).await?;
    db::migrate(&db).await?;
    seed::ensure_settings(&db).await?;
    let currency = app::settings::ssr::currency(&db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let report = import_products(&db, &bytes, currency).await?;
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
