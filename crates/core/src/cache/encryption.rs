//! The cache encrypted at rest: SQLCipher with a random 256-bit key that is generated on first
//! use and kept in the OS keyring (never in a file, never derived from something guessable).
//! A cache written before encryption is encrypted in place, keeping its outbox and audit log.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, OptionalExtension};

use crate::auth::KeyringSecret;
use crate::error::Error;
use crate::secret::CacheKey;

/// Loads, saves and deletes one workspace's cache key.
pub trait CacheKeyStore: Send + Sync {
    /// `Ok(None)` when nothing is stored.
    fn load(&self) -> Result<Option<CacheKey>, Error>;
    fn save(&self, key: &CacheKey) -> Result<(), Error>;
    /// Deleting what is not there succeeds.
    fn delete(&self) -> Result<(), Error>;
}

/// The cache key in the OS keyring, beside the workspace's refresh token (same service, the
/// account with a `#cache-key` suffix).
#[derive(Debug)]
pub struct KeyringCacheKeyStore(KeyringSecret);

impl KeyringCacheKeyStore {
    pub fn new(service: &str, account: &str) -> Result<Self, Error> {
        KeyringSecret::new(service, &format!("{account}#cache-key"), "the cache key").map(Self)
    }
}

impl CacheKeyStore for KeyringCacheKeyStore {
    fn load(&self) -> Result<Option<CacheKey>, Error> {
        Ok(self.0.get()?.map(CacheKey::new))
    }

    fn save(&self, key: &CacheKey) -> Result<(), Error> {
        self.0.set(key.expose())
    }

    fn delete(&self) -> Result<(), Error> {
        self.0.delete()
    }
}

/// Every plaintext SQLite file starts with this; an SQLCipher file starts with random salt.
const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether `path` is an unencrypted SQLite database (false when it does not exist or is empty).
pub fn is_plaintext(path: &Path) -> Result<bool, Error> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let mut header = [0u8; 16];
    match file.read_exact(&mut header) {
        Ok(()) => Ok(&header == PLAINTEXT_HEADER),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Unlocks `conn` with `key`, and proves it: reading the schema is the key's first use, so a
/// wrong key (or a damaged file) is refused here with a clear error, before any query.
pub fn unlock(conn: &Connection, key: &CacheKey, path: &Path) -> Result<(), Error> {
    if !key.is_well_formed() {
        return Err(Error::CacheKeyRefused(format!(
            "the cache key for {} in the OS keyring is not a key Bailiwick made; `bailiwick forget` \
             removes this workspace's cache and key, and the next sync rebuilds it",
            path.display()
        )));
    }
    // SQLCipher logs a wrong key to stderr itself; the error below says it better, once.
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(())).optional()?;
    // A raw key (x'…'): SQLCipher uses it as is. Only 64 hex digits reach this string.
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.expose()))?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0)) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            Err(Error::CacheKeyRefused(format!(
                "the cache {} cannot be opened with the key in the OS keyring (a different key, or a damaged \
                 file); `bailiwick forget` removes this workspace's cache and key — changes still queued in it \
                 are lost — and the next sync rebuilds it",
                path.display()
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// Rewrites the plaintext cache at `path` encrypted with `key`, replacing the file in one
/// rename: a crash leaves either the old plaintext file or the new encrypted one.
#[tracing::instrument(skip_all, fields(path = %path.display()))]
pub fn encrypt_in_place(path: &Path, key: &CacheKey) -> Result<(), Error> {
    let encrypting = path.with_extension("sqlite.encrypting");
    remove_if_present(&encrypting)?;
    {
        let plain = Connection::open(path)?;
        // Everything committed moves from the WAL into the main file before it is copied.
        plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version: i64 = plain.pragma_query_value(None, "user_version", |row| row.get(0))?;
        plain.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            rusqlite::params![encrypting.to_string_lossy(), format!("x'{}'", key.expose())],
        )?;
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        plain.execute_batch(&format!("PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"))?;
    }
    std::fs::rename(&encrypting, path)?;
    for suffix in ["-wal", "-shm"] {
        remove_if_present(&path.with_file_name(format!("{}{suffix}", file_name(path))))?;
    }
    tracing::info!("the cache is now encrypted");
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn remove_if_present(path: &Path) -> Result<(), Error> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}
