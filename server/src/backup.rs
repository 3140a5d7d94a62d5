//! `settle backup FILE`: a consistent copy of a live SQLite database, taken
//! while Settle serves. SQLite's `VACUUM INTO` writes the database as one read
//! transaction sees it: every transaction committed before the copy began is
//! in it, none that commits during it is, and in WAL mode the server's writes
//! carry on meanwhile. A PostgreSQL database is refused with what to run
//! instead: `pg_dump` does the same job there, better than we could.
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::sqlx::{self, Connection, SqliteConnection};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Why no backup was taken. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum BackupRefusal {
    #[error(
        "settle backup copies SQLite databases; for PostgreSQL use its own pg_dump, which takes a \
         consistent copy while Settle serves: pg_dump -Fc -f FILE \"$DATABASE_URL\" (a pg_dump at \
         least as new as the server). To restore: create an empty database, run pg_restore \
         --no-owner -d NEW_DATABASE_URL FILE, point DATABASE_URL at it and start Settle"
    )]
    Postgres,
    #[error("the database is in memory: there is no file to back up")]
    InMemory,
    #[error("{} already exists; a backup never replaces a file: give a new name (with the date, say)", .0.display())]
    Exists(PathBuf),
    #[error("\"{}\" does not name a file", .0.display())]
    NotAFile(PathBuf),
    #[error("cannot write into {}: {reason}", dir.display())]
    Directory { dir: PathBuf, reason: String },
    #[error("{} is not valid UTF-8, which SQLite needs in a file name", .0.display())]
    NotUtf8(PathBuf),
}

impl BackupRefusal {
    /// Stable, for scripts and tests; the message may be reworded.
    pub fn code(&self) -> &'static str {
        match self {
            BackupRefusal::Postgres => "postgres",
            BackupRefusal::InMemory => "in_memory",
            BackupRefusal::Exists(_) => "exists",
            BackupRefusal::NotAFile(_) => "not_a_file",
            BackupRefusal::Directory { .. } => "directory",
            BackupRefusal::NotUtf8(_) => "not_utf8",
        }
    }
}

/// A backup written, checked and synced to disk.
#[derive(Debug)]
pub struct Backup {
    /// The copy, as an absolute path.
    pub file: PathBuf,
    pub bytes: u64,
    /// Orders in the copy.
    pub orders: i64,
    /// The live database the copy restores over, as an absolute path.
    pub database: PathBuf,
}

/// Copies the SQLite database at `database_url` to `target`, which must not
/// exist. The copy is written under a temporary name in the same directory,
/// checked (`PRAGMA integrity_check`), synced, and only then given its name,
/// so `target` is either a whole, checked backup or absent.
pub async fn sqlite(database_url: &str, target: &Path) -> anyhow::Result<Backup> {
    use anyhow::Context;
    if !database_url.starts_with("sqlite:") {
        return Err(BackupRefusal::Postgres.into());
    }
    if database_url.contains(":memory:") || database_url.contains("mode=memory") {
        return Err(BackupRefusal::InMemory.into());
    }
    let source = SqliteConnectOptions::from_str(database_url)
        .context("reading DATABASE_URL")?
        // Never changes the database, and never creates one that is missing.
        .read_only(true)
        .busy_timeout(Duration::from_secs(5));
    let database =
        std::path::absolute(source.get_filename()).context("finding the database file")?;
    let file = destination(target)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = file.with_file_name(format!(".{name}.partial-{:016x}", rand::random::<u64>()));

    let outcome = async {
        // The copy holds every pay key, the DKIM key and the password
        // hashes: readable by its owner only, whatever the umask (VACUUM
        // INTO fills an existing empty file and keeps its mode).
        private_empty_file(&partial)?;
        copy_into(&source, &partial).await?;
        let orders = check(&partial).await?;
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .context("syncing the copy to disk")?;
        publish(&partial, &file)?;
        anyhow::Ok(orders)
    }
    .await;
    // Whatever happened, no half-written copy stays behind (after a hard
    // link this removes only the temporary name).
    let _ = std::fs::remove_file(&partial);
    let orders = outcome?;
    let bytes = std::fs::metadata(&file)
        .with_context(|| format!("reading the size of {}", file.display()))?
        .len();
    Ok(Backup {
        file,
        bytes,
        orders,
        database,
    })
}

/// `target` as an absolute path in an existing directory, not yet taken.
fn destination(target: &Path) -> Result<PathBuf, BackupRefusal> {
    let name = target
        .file_name()
        .ok_or_else(|| BackupRefusal::NotAFile(target.to_owned()))?;
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let dir = dir.canonicalize().map_err(|e| BackupRefusal::Directory {
        dir: dir.to_owned(),
        reason: e.to_string(),
    })?;
    let file = dir.join(name);
    // symlink_metadata: a dangling symlink is a name that is taken too.
    if file.symlink_metadata().is_ok() {
        return Err(BackupRefusal::Exists(file));
    }
    if file.to_str().is_none() {
        return Err(BackupRefusal::NotUtf8(file));
    }
    Ok(file)
}

/// `VACUUM INTO` with the file name bound as a parameter (SQLite takes any
/// expression there), so no quoting of the path is ever needed. The path is
/// absolute, so SQLite never reads it as a `file:` URI.
fn private_empty_file(path: &Path) -> anyhow::Result<()> {
    use anyhow::Context;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    Ok(())
}

async fn copy_into(source: &SqliteConnectOptions, partial: &Path) -> anyhow::Result<()> {
    use anyhow::Context;
    let path = partial
        .to_str()
        .ok_or_else(|| BackupRefusal::NotUtf8(partial.to_owned()))?;
    let mut conn = SqliteConnection::connect_with(source)
        .await
        .with_context(|| {
            format!(
                "cannot open the database at {}",
                source.get_filename().display()
            )
        })?;
    sqlx::query("VACUUM INTO ?")
        .bind(path.to_owned())
        .execute(&mut conn)
        .await
        .context("copying the database")?;
    conn.close().await.ok();
    Ok(())
}

/// Opens the copy as a new process would and checks it whole; the number of
/// orders it holds.
async fn check(copy: &Path) -> anyhow::Result<i64> {
    use anyhow::Context;
    let opts = SqliteConnectOptions::new().filename(copy).read_only(true);
    let mut conn = SqliteConnection::connect_with(&opts)
        .await
        .context("opening the copy to check it")?;
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .context("checking the copy")?;
    if problems != ["ok"] {
        anyhow::bail!(
            "the copy failed SQLite's integrity check ({}); nothing was kept",
            problems.join("; ")
        );
    }
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(&mut conn)
        .await
        .context("counting the orders in the copy")?;
    conn.close().await.ok();
    Ok(orders)
}

/// Gives the finished copy its name without ever replacing a file: a hard
/// link fails when the name is taken, where a rename would silently replace.
fn publish(partial: &Path, file: &Path) -> anyhow::Result<()> {
    use anyhow::Context;
    match std::fs::hard_link(partial, file) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            return Err(BackupRefusal::Exists(file.to_owned()).into())
        }
        // A file system without hard links: look again, then rename.
        Err(_) => {
            if file.symlink_metadata().is_ok() {
                return Err(BackupRefusal::Exists(file.to_owned()).into());
            }
            std::fs::rename(partial, file)
                .with_context(|| format!("naming the copy {}", file.display()))?;
        }
    }
    // The new name is durable only once its directory is synced.
    if let Some(dir) = file.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("syncing {}", dir.display()))?;
    }
    Ok(())
}

/// `path` as a shell word, quoted only when it needs to be.
pub fn shell_word(path: &Path) -> String {
    let s = path.display().to_string();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@,=%".contains(c));
    if plain {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word(Path::new("/srv/settle.db")), "/srv/settle.db");
        assert_eq!(
            shell_word(Path::new("/srv/my shop/settle.db")),
            "'/srv/my shop/settle.db'"
        );
        assert_eq!(shell_word(Path::new("/srv/it's.db")), r"'/srv/it'\''s.db'");
    }

    #[test]
    fn a_target_that_exists_or_has_no_directory_is_refused() {
        let dir = std::env::temp_dir();
        let taken = destination(&dir).unwrap_err();
        assert_eq!(taken.code(), "exists");
        let nowhere = destination(Path::new("/nonexistent-settle-dir/backup.db")).unwrap_err();
        assert_eq!(nowhere.code(), "directory");
        assert_eq!(
            destination(Path::new("..")).unwrap_err().code(),
            "not_a_file"
        );
    }
}
