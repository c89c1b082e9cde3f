//! The durable store: pending actions and the audit log in one SQLite file.
//!
//! - WAL journal, `synchronous = FULL` (a committed decision survives a power cut),
//!   `busy_timeout` of [`BUSY_TIMEOUT`] so several connections (or processes) on one file wait
//!   for each other instead of failing.
//! - The schema is created or migrated on open (`PRAGMA user_version`, see [`SCHEMA_VERSION`]).
//! - Triggers keep the audit log append-only (no `UPDATE`, no `DELETE`, no `INSERT OR REPLACE`)
//!   and pending actions to their state machine. They stop the bot and casual edits; someone
//!   with write access to the file can still drop a trigger, so protect the file itself (it is
//!   created with mode 0600 on Unix).
//! - Every call runs on tokio's blocking pool ([`tokio::task::spawn_blocking`]); the connection
//!   is behind a mutex and used only there, so async callers never block the runtime.

// The 23 columns a request writes, as a literal for `concat!`; visible in the modules below.
macro_rules! request_columns {
    () => {
        "short_id, message_id, kind, reject_reason_type, reject_message, reject_notify, \
         ev_sender, ev_recipient, ev_subject, ev_reason, ev_policy, ev_received, ev_size, \
         ev_has_attachments, requester_platform, requester_user, requester_display, \
         requester_roles, channel, chat_ref, reason, created_at, expires_at"
    };
}

pub(crate) mod ops;
pub(crate) mod rows;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::Connection;

use super::error::StoreError;
pub use schema::SCHEMA_VERSION;

/// The database file used when the config names none.
pub const DEFAULT_DB_PATH: &str = "./mimecast-bot.db";

/// How long a connection waits for another's write lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A handle to the store: cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// [`Store::open`] for code outside an async runtime.
    pub fn open_blocking(path: &Path) -> Result<Self, StoreError> {
        create_private(path);
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(
                path = %path.display(),
                journal_mode = %mode,
                "the approvals database could not use WAL mode"
            );
        }
        Self::finish_open(conn, Some(path.to_path_buf()))
    }

    /// A store that lives in memory and vanishes with its last handle (the console demo, tests).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::finish_open(Connection::open_in_memory()?, None)
    }

    fn finish_open(mut conn: Connection, path: Option<PathBuf>) -> Result<Self, StoreError> {
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Make REPLACE's implicit deletes fire delete triggers too (schema triggers also
        // refuse REPLACE outright, for clients that leave this off).
        conn.pragma_update(None, "recursive_triggers", true)?;
        schema::migrate(&mut conn)?;
        Ok(Self {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                path,
            }),
        })
    }

    /// The file, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// Proves the database takes writes now, for health checks: takes the write lock
    /// (`BEGIN IMMEDIATE`) and rolls back, so nothing changes. Fails when the file is
    /// read-only or another writer holds the lock past [`BUSY_TIMEOUT`].
    pub async fn check_writable(&self) -> Result<(), StoreError> {
        self.call(|conn| {
            conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?
                .rollback()?;
            Ok(())
        })
        .await
    }

    /// Writes everything in the write-ahead log into the database file and empties the log
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`), for a clean stop: the file alone is then complete.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        self.call(|conn| {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    /// Runs `f` with the connection on the blocking pool.
    pub(crate) async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            // A panic elsewhere while holding the lock leaves no open transaction behind
            // (rusqlite rolls back on drop), so the connection is still sound.
            let mut conn = inner.conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

/// Creates an empty file readable by its owner only, so held-mail evidence and the audit log
/// are not world-readable. Best effort: SQLite creates the file if this could not.
fn create_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
    }
    #[cfg(not(unix))]
    let _ = path;
}
