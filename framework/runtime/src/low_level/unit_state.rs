//! The unit's persistent state: charmhelpers' `unitdata` SQLite database.
//!
//! Same file (`$CHARM_DIR/.unit-state.db`, or `$UNIT_STATE_DB`), same schema and same key
//! names as charmhelpers, so a unit upgraded from a Python reactive charm keeps its
//! flags. A hook holds the database's write lock from start to end, works on an
//! in-memory [`Kv`] view, and writes the difference in one transaction only when the
//! whole dispatch succeeded.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};

use crate::kv::Kv;

/// The file name charmhelpers uses inside the charm directory.
pub const DB_FILE_NAME: &str = ".unit-state.db";

/// How long to wait for another process holding the database before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// An error opening, reading or writing the unit state. Always names the file.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Another process holds the database.
    #[error("unit state database {path} is locked by another process (waited {}s)", LOCK_WAIT.as_secs())]
    Locked {
        /// Database file.
        path: PathBuf,
    },
    /// The file is not a usable SQLite database.
    #[error("unit state database {path} is corrupt or not a SQLite database")]
    Corrupt {
        /// Database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// Any other failure.
    #[error("unit state database {path}: {what}")]
    Other {
        /// Database file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// Underlying error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// An open unit-state database, write-locked for the duration of one hook.
pub struct UnitStateDb {
    conn: Connection,
    path: PathBuf,
}

impl UnitStateDb {
    /// The database path for a charm directory: `$UNIT_STATE_DB` if set, as charmhelpers
    /// honours it, else `<charm_dir>/.unit-state.db`.
    pub fn default_path(charm_dir: &Path) -> PathBuf {
        match std::env::var_os("UNIT_STATE_DB") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => charm_dir.join(DB_FILE_NAME),
        }
    }

    /// Opens (creating it with mode 0600 if needed), takes the write lock and loads every
    /// key into a [`Kv`] view.
    pub fn open(path: &Path) -> Result<(UnitStateDb, Kv), StateError> {
        let other = |what: &'static str| {
            let path = path.to_path_buf();
            move |e: Box<dyn std::error::Error + Send + Sync>| StateError::Other {
                path,
                what,
                source: e,
            }
        };
        // Create the file ourselves so it is never readable by others, even briefly.
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| other("cannot create")(e.into()))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| other("cannot set mode 0600")(e.into()))?;
        let conn = Connection::open(path).map_err(|e| classify(path, e))?;
        conn.busy_timeout(LOCK_WAIT)
            .map_err(|e| classify(path, e))?;
        let db = UnitStateDb {
            conn,
            path: path.to_path_buf(),
        };
        db.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| classify(path, e))?;
        db.conn
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS kv (key text, data text, primary key (key));
                 CREATE TABLE IF NOT EXISTS kv_revisions (key text, revision integer, data text, primary key (key, revision));
                 CREATE TABLE IF NOT EXISTS hooks (version integer primary key autoincrement, hook text, date text);",
            )
            .map_err(|e| classify(path, e))?;
        let kv = db.load()?;
        Ok((db, kv))
    }

    fn load(&self) -> Result<Kv, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, data FROM kv")
            .map_err(|e| classify(&self.path, e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(|e| classify(&self.path, e))?;
        let mut map = BTreeMap::new();
        for row in rows {
            let (k, v) = row.map_err(|e| classify(&self.path, e))?;
            map.insert(k, v.unwrap_or_else(|| "null".into()));
        }
        Ok(Kv::new(map))
    }

    /// Writes what changed in `kv` and commits.
    pub fn commit(self, kv: &Kv) -> Result<(), StateError> {
        let changes = kv.changes();
        let path = &self.path;
        {
            let mut upsert = self
                .conn
                .prepare("INSERT OR REPLACE INTO kv (key, data) VALUES (?1, ?2)")
                .map_err(|e| classify(path, e))?;
            for (k, v) in &changes.upserts {
                upsert.execute([k, v]).map_err(|e| classify(path, e))?;
            }
            let mut delete = self
                .conn
                .prepare("DELETE FROM kv WHERE key = ?1")
                .map_err(|e| classify(path, e))?;
            for k in &changes.deletes {
                delete.execute([k]).map_err(|e| classify(path, e))?;
            }
        }
        self.conn
            .execute_batch("COMMIT")
            .map_err(|e| classify(path, e))
    }

    /// Drops every change of this hook.
    pub fn rollback(self) {
        // Closing the connection with the transaction open rolls it back; doing it
        // explicitly releases the lock at once.
        let _ = self.conn.execute_batch("ROLLBACK");
    }
}

fn classify(path: &Path, e: rusqlite::Error) -> StateError {
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StateError::Locked { path },
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            StateError::Corrupt { path, source: e }
        }
        _ => StateError::Other {
            path,
            what: "SQLite error",
            source: Box::new(e),
        },
    }
}
