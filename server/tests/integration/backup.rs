//! Backed up (issue 13): `settle backup FILE` copies a live SQLite database
//! while Settle serves. Tills send a burst of invoices; the backup runs in the
//! middle of it; the copy, restored the way the command says into a fresh
//! `settle` process, holds every order acknowledged before the backup started,
//! with its total, and passes SQLite's integrity check. A second backup to the
//! same file is refused and changes nothing. On PostgreSQL the command refuses
//! and says how to use pg_dump and pg_restore.
use crate::cli::run_settle;
use crate::common::process::SettleProcess;
use crate::common::{self, page, Backend};
use crate::scale::{client, futures_join_all, send_invoice, sign_in, store, wait_until};
use app::orders::model::order;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Statement,
};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TILLS: usize = 4;
const INVOICES_PER_TILL: usize = 100;
/// Acknowledged invoices before the backup starts.
const BEFORE: usize = 40;

/// A directory for backups, removed afterwards.
struct Dir(PathBuf);

impl Dir {
    fn new(what: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!(
            "settle-{what}-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}

/// `settle backup FILE` against `database_url`, off the async workers so the
/// tills keep sending meanwhile.
async fn backup(database_url: &str, file: &Path) -> Output {
    let (url, file) = (database_url.to_owned(), file.to_owned());
    tokio::task::spawn_blocking(move || {
        let dir = file.parent().expect("a directory").to_owned();
        run_settle(
            &dir,
            &url,
            &["backup", file.to_str().expect("a UTF-8 path")],
            &[],
            "",
        )
    })
    .await
    .expect("running settle backup")
}

async fn integrity(db: &DatabaseConnection) -> String {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .expect("a row");
    row.try_get_by_index::<String>(0).unwrap()
}

async fn a_backup_taken_during_a_burst_has_every_acknowledged_order(backend: Backend) {
    let (test_db, db) = store(backend).await;
    let backups = Dir::new("backups");
    let file = backups.0.join("settle-backup.db");
    if backend == Backend::Postgres {
        return postgres_is_refused_with_the_pg_dump_advice(&test_db.url, &file).await;
    }
    let live = SettleProcess::start(&test_db.url, &[]).await;
    let mug = common::product_id(&db, "MUG-01").await;

    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
    let mut tills = Vec::new();
    for t in 0..TILLS {
        let (client, url, acked) = (client(), live.url(""), acknowledged.clone());
        tills.push(async move {
            sign_in(&client, &url).await;
            for i in 0..INVOICES_PER_TILL {
                let email = format!("till{t}-{i}@example.com");
                let n = send_invoice(&client, &url, mug, &email)
                    .await
                    .expect("the live server answers");
                acked.lock().unwrap().push(n);
            }
        });
    }
    let tills = tokio::spawn(futures_join_all(tills));
    wait_until(
        "the first invoices to be acknowledged",
        Duration::from_secs(60),
        async || acknowledged.lock().unwrap().len() >= BEFORE,
    )
    .await;
    let before = acknowledged.lock().unwrap().clone();
    let out = backup(&test_db.url, &file).await;
    let by_the_end = acknowledged.lock().unwrap().len();
    tills.await.unwrap();
    let all = acknowledged.lock().unwrap().len();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(all, TILLS * INVOICES_PER_TILL);
    assert!(
        by_the_end < all,
        "the backup should end while invoices are still coming ({by_the_end} of {all} were in)"
    );

    // What the command says: the count, and how to restore.
    let stdout = text(&out.stdout);
    let printed: i64 = stdout
        .strip_prefix("Backed up ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the number of orders backed up: {stdout}"));
    assert!(printed >= before.len() as i64, "{stdout}");
    assert!(
        stdout.contains("To restore it: stop Settle")
            && stdout.contains(&format!("cp {}", file.display()))
            && stdout.contains("-wal"),
        "{stdout}"
    );
    let names: Vec<_> = std::fs::read_dir(&backups.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![file.file_name().unwrap().to_owned()],
        "no partial file is left behind"
    );

    // It holds every pay key and password hash: its owner's alone.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the backup's mode is {mode:o}");
    }

    // The copy is whole.
    let copy_url = format!("sqlite://{}?mode=ro", file.display());
    let copy = sea_orm::Database::connect(&copy_url).await.unwrap();
    assert_eq!(integrity(&copy).await, "ok");
    let in_copy = order::Entity::find().all(&copy).await.unwrap();
    assert_eq!(
        in_copy.len() as i64,
        printed,
        "the count printed is the copy's"
    );
    copy.close().await.unwrap();

    // Restored as the command says (into a directory of its own, so there
    // is no -wal to remove), a fresh process serves every order that was
    // acknowledged before the backup started, with its total.
    let restored_dir = Dir::new("restored");
    let restored_file = restored_dir.0.join("settle.db");
    std::fs::copy(&file, &restored_file).unwrap();
    let restored_url = format!("sqlite://{}?mode=rwc", restored_file.display());
    let restored = SettleProcess::start(&restored_url, &[]).await;
    let restored_db = server::db::connect(&restored_url).await.unwrap();
    for n in &before {
        let was = order::Entity::find()
            .filter(order::Column::Number.eq(*n))
            .one(&db)
            .await
            .unwrap()
            .expect("in the live database");
        let is = order::Entity::find()
            .filter(order::Column::Number.eq(*n))
            .one(&restored_db)
            .await
            .unwrap()
            .unwrap_or_else(|| {
                panic!("order {n} was acknowledged before the backup, and is not in it")
            });
        assert_eq!(
            (is.total_minor, is.currency, is.order_key),
            (was.total_minor, was.currency, was.order_key),
            "order {n}"
        );
    }
    let cashier = client();
    sign_in(&cashier, &restored.url("")).await;
    let first = before[0];
    let (status, html) = page(&cashier, &restored.url(&format!("/orders/{first}"))).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("Order #{first}")), "{html}");

    // The same file again: refused, and the backup stays as it was.
    let kept = std::fs::read(&file).unwrap();
    let again = backup(&test_db.url, &file).await;
    assert_eq!(again.status.code(), Some(1));
    let err = text(&again.stderr);
    assert!(
        err.starts_with("settle: ")
            && err.contains("already exists")
            && err.contains("never replaces"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        kept,
        "the backup is untouched"
    );

    restored_db.close().await.ok();
    live.assert_no_panic();
    restored.assert_no_panic();
}

async fn postgres_is_refused_with_the_pg_dump_advice(database_url: &str, file: &Path) {
    let out = backup(database_url, file).await;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("settle: settle backup copies SQLite databases")
            && err.contains("pg_dump -Fc")
            && err.contains("pg_restore"),
        "{err}"
    );
    assert!(
        !err.contains("postgres://"),
        "the URL (and its password) is not printed: {err}"
    );
    assert!(!file.exists(), "nothing was written");
}

both_backends!(a_backup_taken_during_a_burst_has_every_acknowledged_order);
