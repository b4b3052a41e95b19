//! The cache encrypted at rest: SQLCipher with a random 256-bit key that is generated on first
//! use and kept in the OS keyring (never in a file, never derived from something guessable).
//! A cache written before encryption is encrypted in place, keeping its outbox and audit log.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, OptionalExtension};

use super::PAGE_SIZE;
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

/// How SQLCipher lays out and authenticates the pages of a cache: fixed when the file is created
/// and not recorded in it, so a file is opened by trying the formats in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageFormat {
    /// Caches created from now on: pages of `PAGE_SIZE` (16 KiB), each authenticated with
    /// HMAC-SHA256 (its key derived with PBKDF2-HMAC-SHA256 from the cache key). HMAC-SHA256 is
    /// as sound a MAC under a 256-bit key as HMAC-SHA512, and faster where the processor has SHA
    /// extensions; a page four times larger is a quarter of the per-page work (an IV, a MAC, a
    /// B-tree page). A full sync of 100,000 users writes its cache in 1.22–1.27 s instead of
    /// 1.56 s; an incremental sync of 1,000 changed users writes more bytes, 0.16 s instead of
    /// 0.13 (README, "Benchmarks").
    HmacSha256Pages16KiB,
    /// SQLCipher 4's defaults (4 KiB pages, HMAC-SHA512), which caches created before were
    /// written in.
    Sqlcipher4Defaults,
}

impl PageFormat {
    /// The format of every cache created from now on.
    const NEW: PageFormat = PageFormat::HmacSha256Pages16KiB;

    /// The pragmas that select this format for the connection's database `schema`, to be run
    /// after its key and before its first read.
    fn pragmas(self, schema: &str) -> String {
        match self {
            PageFormat::HmacSha256Pages16KiB => format!(
                "PRAGMA {schema}.cipher_page_size = {PAGE_SIZE}; PRAGMA {schema}.cipher_hmac_algorithm = HMAC_SHA256; \
                 PRAGMA {schema}.cipher_kdf_algorithm = PBKDF2_HMAC_SHA256;"
            ),
            PageFormat::Sqlcipher4Defaults => String::new(),
        }
    }
}

/// Opens the cache at `path` with `key`, and proves it: reading the schema is the key's first
/// use, so a wrong key (or a damaged file) is refused here with a clear error, before any query.
/// A new file is created in `PageFormat::NEW`; an existing one opens in whichever format it was
/// written in.
pub fn open(path: &Path, key: &CacheKey) -> Result<Connection, Error> {
    if !key.is_well_formed() {
        return Err(Error::CacheKeyRefused(format!(
            "the cache key for {} in the OS keyring is not a key Bailiwick made; `bailiwick forget` \
             removes this workspace's cache and key, and the next sync rebuilds it",
            path.display()
        )));
    }
    let new_file = std::fs::metadata(path).map_or(true, |m| m.len() == 0);
    let formats: &[PageFormat] =
        if new_file { &[PageFormat::NEW] } else { &[PageFormat::NEW, PageFormat::Sqlcipher4Defaults] };
    for format in formats {
        // A fresh connection per attempt: SQLCipher takes a page format only before its first read.
        let conn = Connection::open(path)?;
        if unlock_as(&conn, key, *format)? {
            tracing::debug!(?format, "cache unlocked");
            return Ok(conn);
        }
    }
    Err(Error::CacheKeyRefused(format!(
        "the cache {} cannot be opened with the key in the OS keyring (a different key, or a damaged \
         file); `bailiwick forget` removes this workspace's cache and key — changes still queued in it \
         are lost — and the next sync rebuilds it",
        path.display()
    )))
}

/// Keys `conn` for `format` and reads its schema: false when the key and format do not open it.
fn unlock_as(conn: &Connection, key: &CacheKey, format: PageFormat) -> Result<bool, Error> {
    // SQLCipher logs a wrong key to stderr itself; `open`'s error says it better, once.
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(())).optional()?;
    // A raw key (x'…'): SQLCipher uses it as is. Only 64 hex digits reach this string.
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\"; {}", key.expose(), format.pragmas("main")))?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0)) {
        Ok(_) => Ok(true),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => Ok(false),
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
        plain.execute_batch(&PageFormat::NEW.pragmas("encrypted"))?;
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
