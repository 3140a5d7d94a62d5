//! tower-sessions store over sea-orm, so sessions live in the same SQLite or
//! PostgreSQL database as everything else and survive restarts and scale-out.
//! Rows are keyed by a SHA-256 of the session id: a copy of the database does
//! not hand out live sessions.
//!
//! Each row also names the staff member it signs in (`staff_id`, copied from
//! the session data), so all of one person's sessions can be ended at once.
use async_trait::async_trait;
use sea_orm::{
    entity::prelude::*, sea_query::OnConflict, ConnectionTrait, DatabaseConnection, QueryFilter,
    Set,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub data: String,
        pub expiry_date: TimeDateTimeWithTimeZone,
        /// Who this session signs in, if anyone.
        pub staff_id: Option<i32>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        DbSessionStore { db }
    }
}

fn row_key(id: &Id) -> String {
    let digest = Sha256::digest(id.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn backend(err: DbErr) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn active_model(record: &Record) -> session_store::Result<entity::ActiveModel> {
    let data = serde_json::to_string(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let staff_id = record
        .data
        .get(super::service::STAFF_ID_KEY)
        .and_then(serde_json::Value::as_i64)
        .and_then(|id| i32::try_from(id).ok());
    Ok(entity::ActiveModel {
        id: Set(row_key(&record.id)),
        data: Set(data),
        expiry_date: Set(record.expiry_date.to_offset(time::UtcOffset::UTC)),
        staff_id: Set(staff_id),
    })
}

/// Ends every session of one staff member: their next request, from any
/// browser, is signed out. Takes a connection or a transaction, so the change
/// that calls for it (a new password, a deactivation) and the ending commit
/// together.
pub async fn end_staff_sessions<C: ConnectionTrait>(db: &C, staff_id: i32) -> Result<u64, DbErr> {
    let deleted = entity::Entity::delete_many()
        .filter(entity::Column::StaffId.eq(staff_id))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Insert-or-retry: a colliding id (2^-128) gets a fresh one rather than
        // overwriting someone else's session.
        loop {
            let row = active_model(record)?;
            let result = entity::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(entity::Column::Id)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&self.db)
                .await
                .map_err(backend)?;
            if result == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    /// Only ever an update. tower-sessions calls `save` for a session it
    /// loaded (new ones go through `create`), so a missing row means the
    /// session was ended while this request ran (signed out elsewhere, password
    /// reset, account deactivated): writing it back would undo that.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let row = active_model(record)?;
        entity::Entity::update_many()
            .set(row)
            .filter(entity::Column::Id.eq(row_key(&record.id)))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc();
        let Some(row) = entity::Entity::find_by_id(row_key(session_id))
            .filter(entity::Column::ExpiryDate.gt(now))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *session_id,
            data,
            expiry_date: row.expiry_date,
        }))
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        entity::Entity::delete_by_id(row_key(session_id))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        entity::Entity::delete_many()
            .filter(entity::Column::ExpiryDate.lte(OffsetDateTime::now_utc()))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
