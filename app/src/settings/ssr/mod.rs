pub mod edit;
pub mod model;
pub mod tax_rate;
pub mod taxes;
pub mod web;

use super::StoreSettings;
use crate::error::AppError;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait};

/// The store settings row, on any connection or transaction: the one read
/// every room uses. A database without the row has not been set up.
pub async fn store<C: ConnectionTrait>(conn: &C) -> Result<model::Model, DbErr> {
    model::Entity::find_by_id(model::SINGLETON_ID)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("store_settings has no row".into()))
}

/// The settings row; a database without one has not been set up (`settle` seeds it).
pub async fn load(db: &DatabaseConnection) -> Result<StoreSettings, AppError> {
    let row = store(db).await.map_err(|e| {
        tracing::error!(error = %e, "reading store_settings (a database without its row needs `settle serve` or `settle seed` once)");
        AppError::Internal
    })?;
    Ok(StoreSettings {
        name: row.name,
        email: row.email,
        phone: row.phone,
        address: row.address,
        currency: row.currency,
        default_due_days: row.default_due_days,
        expiry_grace_days: row.expiry_grace_days,
    })
}

/// The store's currency, as a type the money code trusts.
pub async fn currency(db: &DatabaseConnection) -> Result<crate::domain::Currency, AppError> {
    let code = load(db).await?.currency;
    crate::domain::Currency::parse(&code).map_err(|e| {
        tracing::error!(error = %e, "store_settings.currency is not a supported currency");
        AppError::Internal
    })
}

/// Who emails are from: the store's name, replies to the store's email (a
/// database without its settings row sends as `MAIL_FROM` alone).
pub async fn sender<C: ConnectionTrait>(
    conn: &C,
) -> Result<Option<crate::email::ssr::transport::Sender>, DbErr> {
    match store(conn).await {
        Ok(row) => Ok(Some(crate::email::ssr::transport::Sender {
            name: row.name,
            reply_to: crate::domain::Email::parse(&row.email).ok(),
        })),
        Err(DbErr::RecordNotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The DKIM signing config when settings hold one. A stored key that no
/// longer parses is logged and mail goes out unsigned rather than not at all
/// (the settings form refuses such keys, so this means the row was edited by hand).
pub async fn dkim_config(
    db: &DatabaseConnection,
) -> Result<Option<lettre::message::dkim::DkimConfig>, sea_orm::DbErr> {
    let row = match store(db).await {
        Ok(row) => row,
        Err(sea_orm::DbErr::RecordNotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    if row.dkim_private_key.is_empty() || row.dkim_domain.is_empty() {
        return Ok(None);
    }
    let settings = crate::email::ssr::transport::DkimSettings {
        domain: row.dkim_domain,
        selector: row.dkim_selector,
        private_key: row.dkim_private_key,
    };
    match settings.config() {
        Ok(c) => Ok(Some(c)),
        Err(e) => {
            tracing::error!(error = %e, "the stored DKIM key is unusable; sending unsigned");
            Ok(None)
        }
    }
}
