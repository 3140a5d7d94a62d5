//! What admins do to other staff accounts (reset a password, deactivate or
//! reactivate, change a role) and what anyone does to their own (change their
//! password). A change that should lock someone out ends their sessions in the
//! same transaction as the change, so neither happens without the other.
use super::password::{self, PasswordError, PasswordGate};
use super::{model, session_store::end_staff_sessions, throttle::SignInThrottle};
use crate::proxy::ClientAddr;
use crate::staff::{
    check_new_password, AccountRefusal, PasswordChangeRefusal, Role, StaffView, MAX_PASSWORD_BYTES,
};
use crate::throttle::{whole_seconds, Admission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("refused: {0}")]
    Refused(#[from] AccountRefusal),
    #[error("password change refused: {0}")]
    Password(#[from] PasswordChangeRefusal),
    #[error("no staff account {0}")]
    NotFound(i32),
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("password hashing: {0}")]
    Hash(#[from] password::PasswordError),
}

/// `query` locked for the rest of `txn` on PostgreSQL. SQLite has no row
/// locks: it lets one transaction write at a time, and a second one that
/// read before the first wrote fails rather than writing over it.
fn locked(
    txn: &DatabaseTransaction,
    query: sea_orm::Select<model::Entity>,
) -> sea_orm::Select<model::Entity> {
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        query.lock_exclusive()
    } else {
        query
    }
}

/// The active admins, locked: two admins demoting or deactivating each other
/// at the same moment are served one after the other, and the second sees
/// the first's change (so they cannot both succeed and leave no admin).
async fn active_admins(txn: &DatabaseTransaction) -> Result<Vec<model::Model>, DbErr> {
    locked(
        txn,
        model::Entity::find()
            .filter(model::Column::Role.eq(Role::Admin.as_str()))
            .filter(model::Column::Active.eq(true)),
    )
    .all(txn)
    .await
}

async fn account(txn: &DatabaseTransaction, id: i32) -> Result<model::Model, AccountError> {
    locked(txn, model::Entity::find_by_id(id))
        .one(txn)
        .await?
        .ok_or(AccountError::NotFound(id))
}

/// Refuses when taking `target`'s admin rights away would leave no active admin.
fn someone_else_admins(admins: &[model::Model], target: i32) -> Result<(), AccountRefusal> {
    if admins.iter().any(|a| a.id != target) {
        Ok(())
    } else {
        Err(AccountRefusal::LastAdmin)
    }
}

fn is_active_admin(row: &model::Model) -> bool {
    row.active && row.role == Role::Admin.as_str()
}

fn view(row: model::Model) -> Result<StaffView, AccountError> {
    let id = row.id;
    // A row with a role we do not know grants nothing and is not shown.
    row.view().ok_or(AccountError::NotFound(id))
}

/// Gives `target` a new random password and ends all their sessions. Returns
/// the account and the password, which the caller shows once.
pub async fn reset_password(
    db: &DatabaseConnection,
    actor: &StaffView,
    target: i32,
) -> Result<(StaffView, String), AccountError> {
    if actor.id == target {
        return Err(AccountRefusal::OwnAccount.into());
    }
    let email = model::Entity::find_by_id(target)
        .one(db)
        .await?
        .ok_or(AccountError::NotFound(target))?
        .email;
    let new_password = password::generate(&email);
    // Hashed before the transaction: tens of milliseconds of CPU that no lock
    // needs to wait for.
    let hash = password::hash(new_password.clone()).await?;
    let txn = db.begin().await?;
    let mut row: model::ActiveModel = account(&txn, target).await?.into();
    row.password_hash = Set(hash);
    row.updated_at = Set(time::OffsetDateTime::now_utc());
    let row = row.update(&txn).await?;
    end_staff_sessions(&txn, target).await?;
    txn.commit().await?;
    tracing::info!(staff_id = target, by = actor.id, "password reset");
    Ok((view(row)?, new_password))
}

/// Deactivates (ending all their sessions at once) or reactivates `target`.
/// Nobody deactivates themself, and the last active admin stays.
pub async fn set_active(
    db: &DatabaseConnection,
    actor: &StaffView,
    target: i32,
    active: bool,
) -> Result<StaffView, AccountError> {
    if actor.id == target {
        return Err(AccountRefusal::OwnAccount.into());
    }
    let txn = db.begin().await?;
    let admins = active_admins(&txn).await?;
    let row = account(&txn, target).await?;
    if !active && is_active_admin(&row) {
        someone_else_admins(&admins, target)?;
    }
    let mut row: model::ActiveModel = row.into();
    row.active = Set(active);
    row.updated_at = Set(time::OffsetDateTime::now_utc());
    let row = row.update(&txn).await?;
    if !active {
        // `current_staff` already refuses an inactive account; deleting the
        // rows as well leaves nothing behind to reactivate with the account.
        end_staff_sessions(&txn, target).await?;
    }
    txn.commit().await?;
    tracing::info!(
        staff_id = target,
        by = actor.id,
        active,
        "account status changed"
    );
    view(row)
}

/// Makes `target` an admin or a cashier. Nobody changes their own role, and
/// the last active admin stays one. Sessions stay: each request reads the
/// role afresh.
pub async fn set_role(
    db: &DatabaseConnection,
    actor: &StaffView,
    target: i32,
    role: Role,
) -> Result<StaffView, AccountError> {
    if actor.id == target {
        return Err(AccountRefusal::OwnAccount.into());
    }
    let txn = db.begin().await?;
    let admins = active_admins(&txn).await?;
    let row = account(&txn, target).await?;
    if role != Role::Admin && is_active_admin(&row) {
        someone_else_admins(&admins, target)?;
    }
    let mut row: model::ActiveModel = row.into();
    row.role = Set(role.as_str().to_owned());
    row.updated_at = Set(time::OffsetDateTime::now_utc());
    let row = row.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(
        staff_id = target,
        by = actor.id,
        role = role.as_str(),
        "role changed"
    );
    view(row)
}

/// Changes the signed-in staff member's own password after checking the
/// current one, and ends all their sessions, this one included: the caller
/// gives this browser a fresh session (see `web::change_password`).
/// Wrong current passwords count against the sign-in throttle (the same pair
/// of account and client address), so a session left open cannot be used to
/// guess the password.
#[allow(clippy::too_many_arguments)]
pub async fn change_own_password(
    db: &DatabaseConnection,
    throttle: &SignInThrottle,
    passwords: &PasswordGate,
    me: &StaffView,
    client: ClientAddr,
    current: &str,
    new: &str,
    repeat: &str,
) -> Result<(), AccountError> {
    if current.is_empty() {
        return Err(PasswordChangeRefusal::CurrentMissing.into());
    }
    if let Admission::Refused { wait } = throttle.admit(db, &me.email, client).await? {
        return Err(PasswordChangeRefusal::Throttled {
            wait_secs: whole_seconds(wait),
        }
        .into());
    }
    let row = model::Entity::find_by_id(me.id)
        .one(db)
        .await?
        .filter(|r| r.active)
        .ok_or(AccountError::NotFound(me.id))?;
    let matches = if current.len() > MAX_PASSWORD_BYTES {
        false
    } else {
        match passwords
            .verify(current.to_owned(), Some(row.password_hash.clone()))
            .await
        {
            Ok(matches) => matches,
            Err(PasswordError::Busy) => {
                throttle.not_checked(db, &me.email, client).await?;
                return Err(PasswordChangeRefusal::Busy.into());
            }
            Err(e) => return Err(e.into()),
        }
    };
    if !matches {
        throttle.failed(db, &me.email, client).await?;
        return Err(PasswordChangeRefusal::WrongCurrent.into());
    }
    throttle.succeeded(db, &me.email, client).await?;
    check_new_password(new, &row.email).map_err(PasswordChangeRefusal::Policy)?;
    if new == current {
        return Err(PasswordChangeRefusal::Unchanged.into());
    }
    if new != repeat {
        return Err(PasswordChangeRefusal::Mismatch.into());
    }
    let hash = match passwords.hash(new.to_owned()).await {
        Ok(hash) => hash,
        Err(PasswordError::Busy) => return Err(PasswordChangeRefusal::Busy.into()),
        Err(e) => return Err(e.into()),
    };
    let txn = db.begin().await?;
    let mut row: model::ActiveModel = row.into();
    row.password_hash = Set(hash);
    row.updated_at = Set(time::OffsetDateTime::now_utc());
    row.update(&txn).await?;
    end_staff_sessions(&txn, me.id).await?;
    txn.commit().await?;
    tracing::info!(staff_id = me.id, "own password changed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(id: i32) -> model::Model {
        let now = time::OffsetDateTime::now_utc();
        model::Model {
            id,
            email: format!("a{id}@example.com"),
            name: "A".into(),
            password_hash: String::new(),
            role: "admin".into(),
            active: true,
            last_sign_in_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn the_last_admin_stays() {
        assert_eq!(
            someone_else_admins(&[admin(1)], 1),
            Err(AccountRefusal::LastAdmin)
        );
        assert_eq!(someone_else_admins(&[admin(1), admin(2)], 1), Ok(()));
        assert_eq!(someone_else_admins(&[], 1), Err(AccountRefusal::LastAdmin));
    }
}
