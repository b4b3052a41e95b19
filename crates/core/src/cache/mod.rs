//! The local cache: a SQLite file holding the directory as last synced (users, groups,
//! memberships) and a little metadata (when it was synced, who was signed in), so an admin
//! can search and review it offline. It never holds a token.
//!
//! The schema evolves through numbered migrations (`migrations/NNNN_*.sql`) tracked in
//! SQLite's `user_version`; they are applied all or nothing, and a file written by a newer
//! Bailiwick is refused rather than misread.

mod audit_log;
mod cached_user;
mod checkpoint;
mod directory_changes;
mod encryption;
mod grants;
mod incremental;
mod outbox;
mod reviews;
mod search_index;
mod user_order;
mod user_rows;
mod users;
mod write_order;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use bailiwick_scim::Group;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::admin::AdminContext;
use crate::error::Error;
use crate::grant::Grant;
use crate::secret::CacheKey;
use user_order::SortKey;
use user_rows::{insert_resource, insert_user_row, update_user_row, upsert_user_row};
use write_order::WriteOrder;

pub use audit_log::AuditQuery;
pub use cached_user::CachedUser;
pub use checkpoint::BackgroundCheckpoint;
pub use directory_changes::DirectoryChange;
pub use encryption::{CacheKeyStore, KeyringCacheKeyStore};
pub use grants::{GrantQuery, LedgerMembership};
pub use incremental::{CachedAgainst, EveryoneListed, IncrementalSync, UserChanges};
pub use outbox::{Conflict, Finish, OutboxEntry, OutboxState};
pub use reviews::Review;
pub use users::{BusinessUnitCount, GroupRow, MatchCount, UserQuery, UserRow, UserType, COUNT_CAP};

/// Migrations in order; migration N (1-based) brings the schema to `user_version` N.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_directory.sql"),
    include_str!("migrations/0002_user_search.sql"),
    include_str!("migrations/0003_operations.sql"),
    include_str!("migrations/0004_reviews.sql"),
    include_str!("migrations/0005_users_in_list_order.sql"),
    include_str!("migrations/0006_users_without_last_modified.sql"),
    include_str!("migrations/0007_users_rebuilt_for_bulk_inserts.sql"),
    include_str!("migrations/0008_user_resources_apart.sql"),
];

/// The first row that points at a missing row (foreign keys), described.
const DANGLING_ROW: &str = "SELECT \"table\" || ' has a row pointing at a missing ' || parent || ' row'
    FROM pragma_foreign_key_check LIMIT 1";

/// The page size of a new cache file, plain or encrypted (SQLite's default is 4 KiB). A full
/// sync's write is B-tree pages filled, split and written (and, encrypted, each given an IV and a
/// MAC): with pages four times larger, 100,000 users are written in 0.94–1.00 s instead of
/// 1.37–1.45 s plain, 1.22–1.27 s instead of 1.56 s encrypted. An incremental sync writes more
/// bytes per changed row; 1% changed took 0.12 s instead of 0.11 s plain, and searches are as
/// fast (README, "Benchmarks").
pub(crate) const PAGE_SIZE: u32 = 16 * 1024;

/// SQLite's page cache per connection, in KiB when negative: 32 MiB.
const CACHE_SIZE: i64 = -32_768;

/// KiB of page cache per user while a full sync writes: a row with its resource, and its share of
/// the four indexes and of the search index.
const BULK_CACHE_KIB_PER_USER: i64 = 2;

/// The page cache while a full sync writes `users` users, in KiB (negative, as `cache_size`
/// takes it): enough that the whole write stays in memory until the commit, instead of pages
/// being spilled to the WAL and read back by each index build; never less than the usual 32 MiB
/// nor more than 512 MiB. Measured with 100,000 users: the write took 4.4–5.2 s instead of
/// 6.2–7.1 s (with 1 KiB a user, for the rows only), for about 130 MiB more at the sync's peak.
fn bulk_cache_size(users: usize) -> i64 {
    let kib = i64::try_from(users).unwrap_or(i64::MAX).saturating_mul(BULK_CACHE_KIB_PER_USER);
    -kib.clamp(-CACHE_SIZE, 524_288)
}

/// Runs `write` with a page cache of `size` (as `cache_size` takes it), then gives the
/// connection back the cache it had.
fn with_page_cache<T>(conn: &Connection, size: i64, write: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    let previous: i64 = conn.pragma_query_value(None, "cache_size", |row| row.get(0))?;
    conn.pragma_update(None, "cache_size", size)?;
    let written = write();
    conn.pragma_update(None, "cache_size", previous)?;
    written
}

/// The newest schema this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Keys of the `meta` table.
pub mod meta_key {
    /// RFC 3339 time at which the last successful full sync started.
    pub const LAST_SYNC_AT: &str = "last_sync_at";
    /// The signed-in admin's context as JSON (claims only, never a token).
    pub const ADMIN_CONTEXT: &str = "admin_context";
    /// RFC 3339 time at which the IAM last confirmed the session (a sign-in or a refresh):
    /// the profile's maximum offline age counts from here.
    pub const LAST_CONFIRMED_AT: &str = "last_confirmed_at";
}

/// What `replace_directory` stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryCounts {
    pub users: u64,
    pub groups: u64,
    pub memberships: u64,
}

pub struct Cache {
    conn: Connection,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("path", &self.conn.path()).finish()
    }
}

impl Cache {
    /// Opens (creating it and its folder if needed) and migrates the cache at `path`.
    #[tracing::instrument(level = "debug", fields(path = %path.display()))]
    pub fn open(path: &Path) -> Result<Cache, Error> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let conn = Connection::open(path)?;
        // Only a new file takes it; an existing one keeps the page size in its header.
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        Self::configure_file(conn)
    }

    /// As `open`, encrypted with `key` (SQLCipher). A plaintext cache from before encryption
    /// is encrypted in place first; a file the key does not open is refused with
    /// `Error::CacheKeyRefused`, and nothing is changed.
    #[tracing::instrument(level = "debug", skip(key), fields(path = %path.display()))]
    pub fn open_encrypted(path: &Path, key: &CacheKey) -> Result<Cache, Error> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        if encryption::is_plaintext(path)? {
            encryption::encrypt_in_place(path, key)?;
        }
        Self::configure_file(encryption::open(path, key)?)
    }

    /// `open` or `open_encrypted`, as the workspace's profile wants it.
    pub fn open_with_key(path: &Path, key: Option<&CacheKey>) -> Result<Cache, Error> {
        match key {
            Some(key) => Self::open_encrypted(path, key),
            None => Self::open(path),
        }
    }

    /// Whether the file at `path` is an encrypted cache (exists, and is not plaintext SQLite).
    pub fn is_encrypted_file(path: &Path) -> Result<bool, Error> {
        Ok(path.exists() && std::fs::metadata(path)?.len() > 0 && !encryption::is_plaintext(path)?)
    }

    fn configure_file(conn: Connection) -> Result<Cache, Error> {
        // WAL: the desktop app reads (search as you type) while a sync writes, and readers
        // never block the writer nor see a half-written sync.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
        Self::configure(conn)
    }

    /// Frees every page of this connection's page cache that no statement holds (an in-memory
    /// cache's pages are its data, and stay). Returns the bytes the cache held before.
    pub fn release_page_cache(&self) -> Result<usize, Error> {
        let held = self.page_cache_bytes();
        self.conn.execute_batch("PRAGMA shrink_memory")?;
        Ok(held)
    }

    /// The bytes this connection's page cache holds (SQLite's `SQLITE_DBSTATUS_CACHE_USED`).
    pub fn page_cache_bytes(&self) -> usize {
        let (mut current, mut highest) = (0, 0);
        // SAFETY: the handle is this connection's, open for as long as `self`; `sqlite3_db_status`
        // only writes the two integers it is given.
        let status = unsafe {
            rusqlite::ffi::sqlite3_db_status(
                self.conn.handle(),
                rusqlite::ffi::SQLITE_DBSTATUS_CACHE_USED,
                &mut current,
                &mut highest,
                0,
            )
        };
        if status == rusqlite::ffi::SQLITE_OK {
            usize::try_from(current).unwrap_or(0)
        } else {
            0
        }
    }

    /// A private, in-memory cache (tests, and hosts that must not write to disk).
    pub fn open_in_memory() -> Result<Cache, Error> {
        Self::configure(Connection::open_in_memory()?)
    }

    fn configure(conn: Connection) -> Result<Cache, Error> {
        // NORMAL is safe with WAL: a crash of the app loses nothing committed; a power cut may
        // lose the last transactions, which for a cache the next sync restores. FULL would
        // fsync every commit for no gain here.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // SQLite leaves foreign keys off per connection; memberships must never point at a
        // user or group that is gone.
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // 32 MiB of page cache instead of SQLite's 2 MiB: a sync writes each user into the table,
        // four indexes and the search index, and with the small default those B-trees keep
        // evicting each other's pages. Memory grows only as pages are used.
        conn.pragma_update(None, "cache_size", CACHE_SIZE)?;
        // The desktop app and the CLI (or a scheduled `grants sweep`) may open the same file at
        // once; wait for the other's write to finish instead of failing with SQLITE_BUSY.
        conn.busy_timeout(Duration::from_secs(5))?;
        let mut cache = Cache { conn };
        cache.migrate()?;
        Ok(cache)
    }

    fn migrate(&mut self) -> Result<(), Error> {
        if self.schema_version()? == SCHEMA_VERSION {
            return Ok(());
        }
        // Foreign keys are off while migrating (SQLite's procedure for changing a table's
        // schema): a migration may copy a table and drop the original, which with them on
        // would delete the rows that point at it. They are checked before the commit.
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        let migrated = self.apply_migrations();
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        if migrated? > 0 {
            self.reclaim_free_pages()?;
        }
        Ok(())
    }

    /// A migration that copies a table (5, 7) leaves the old copy's pages free in the file:
    /// later writes reuse them, but the disk never gets them back (a million users: 1.0 of a
    /// 2.5 GB file). When more than a quarter of the file is free after an existing cache was
    /// migrated, the file is rebuilt without them, once (`VACUUM`).
    fn reclaim_free_pages(&self) -> Result<(), Error> {
        let free: i64 = self.conn.pragma_query_value(None, "freelist_count", |row| row.get(0))?;
        let pages: i64 = self.conn.pragma_query_value(None, "page_count", |row| row.get(0))?;
        if free.saturating_mul(4) <= pages {
            return Ok(());
        }
        let _span = tracing::info_span!("reclaiming the pages a migration freed", free, pages).entered();
        self.conn.execute_batch("VACUUM")?;
        Ok(())
    }

    /// Applies the migrations the file lacks, all or nothing; returns the version it had.
    fn apply_migrations(&mut self) -> Result<i64, Error> {
        // IMMEDIATE takes the write lock before reading the version again, so two processes
        // opening a fresh file cannot both apply the same migration.
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(Error::CacheTooNew { found, supported: SCHEMA_VERSION });
        }
        let applied = usize::try_from(found).unwrap_or(0);
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
            tracing::info!(migration = index + 1, "migrating the cache");
            tx.execute_batch(sql)?;
        }
        let dangling: Option<String> = tx.query_row(DANGLING_ROW, [], |row| row.get(0)).optional()?;
        if let Some(detail) = dangling {
            return Err(Error::CacheMigration { version: SCHEMA_VERSION, detail });
        }
        // Part of the same transaction: the version moves only with the schema it describes.
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        Ok(found)
    }

    /// The schema version of the open file (`user_version`).
    pub fn schema_version(&self) -> Result<i64, Error> {
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::CacheTooNew { found: version, supported: SCHEMA_VERSION });
        }
        Ok(version)
    }

    /// Replaces users, groups and memberships with a freshly synced directory, and records
    /// `synced_at`, in one transaction: a sync that fails anywhere leaves the old cache whole.
    ///
    /// Users without an id are skipped (nothing could refer to them). A membership is stored
    /// only when both its group and its user are stored, so members outside the admin's scope
    /// (absent from `users`) and nested groups are dropped here.
    #[tracing::instrument(level = "debug", skip_all, fields(users = users.len(), groups = groups.len()))]
    pub fn replace_directory(
        &mut self,
        users: Vec<CachedUser>,
        groups: &[Group],
        synced_at: DateTime<Utc>,
    ) -> Result<DirectoryCounts, Error> {
        self.replace_directory_and_grants(users, groups, None, synced_at)
    }

    /// `replace_directory`, also replacing the server-mode grants when `server_grants` is given
    /// (ledger grants are Bailiwick's own record and stay).
    pub fn replace_directory_and_grants(
        &mut self,
        users: Vec<CachedUser>,
        groups: &[Group],
        server_grants: Option<&[Grant]>,
        synced_at: DateTime<Utc>,
    ) -> Result<DirectoryCounts, Error> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let counts = replace_directory_in(&tx, users, groups, server_grants, synced_at)?;
        tx.commit()?;
        Ok(counts)
    }

    pub fn meta_get(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0)).optional()?)
    }

    pub fn meta_set(&self, key: &str, value: &str) -> Result<(), Error> {
        set_meta(&self.conn, key, value)
    }

    pub fn meta_delete(&self, key: &str) -> Result<(), Error> {
        self.conn.execute("DELETE FROM meta WHERE key = ?1", [key])?;
        Ok(())
    }

    /// When the last successful full sync started (the data is at least that fresh);
    /// `None` before the first sync. An unreadable value counts as never synced.
    pub fn last_sync_at(&self) -> Result<Option<DateTime<Utc>>, Error> {
        self.meta_time(meta_key::LAST_SYNC_AT)
    }

    /// When the IAM last confirmed the session (see `meta_key::LAST_CONFIRMED_AT`).
    pub fn last_confirmed_at(&self) -> Result<Option<DateTime<Utc>>, Error> {
        self.meta_time(meta_key::LAST_CONFIRMED_AT)
    }

    pub fn set_last_confirmed_at(&self, at: DateTime<Utc>) -> Result<(), Error> {
        self.meta_set(meta_key::LAST_CONFIRMED_AT, &at.to_rfc3339())
    }

    fn meta_time(&self, key: &str) -> Result<Option<DateTime<Utc>>, Error> {
        Ok(self.meta_get(key)?.and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&Utc)))
    }

    /// Remembers who is signed in, so the offline app can show it. Claims only.
    pub fn set_admin_context(&self, admin: &AdminContext) -> Result<(), Error> {
        self.meta_set(meta_key::ADMIN_CONTEXT, &to_json(admin)?)
    }

    /// Forgets the cached directory and when it was synced (another admin signed in: what is
    /// cached may be outside their scopes). Keeps the schema and other metadata.
    pub fn clear_directory(&mut self) -> Result<(), Error> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "DELETE FROM memberships; DELETE FROM users; DELETE FROM user_resources; DELETE FROM groups;
             DELETE FROM grants WHERE mode = 'server';",
        )?;
        search_index::reindex_all(&tx)?;
        tx.execute("DELETE FROM meta WHERE key = ?1", [meta_key::LAST_SYNC_AT])?;
        tx.commit()?;
        Ok(())
    }

    /// The last signed-in admin; `None` if none was recorded or it no longer parses.
    pub fn admin_context(&self) -> Result<Option<AdminContext>, Error> {
        Ok(self.meta_get(meta_key::ADMIN_CONTEXT)?.and_then(|json| serde_json::from_str(&json).ok()))
    }
}

/// The key a user is listed by, borrowed from it (None without an id).
fn sort_key(cached: &CachedUser) -> Option<SortKey<'_>> {
    Some(SortKey {
        display_name: Cow::Borrowed(cached.display_name()),
        user_name: Cow::Borrowed(cached.user_name()),
        id: Cow::Borrowed(cached.id()?),
    })
}

/// Each user once (the last of several with one id), with its sort key; users without an id
/// are dropped.
fn keyed_once<'u>(users: impl IntoIterator<Item = &'u CachedUser>) -> Vec<(SortKey<'u>, &'u CachedUser)> {
    let users = users.into_iter();
    let mut keyed: Vec<(SortKey<'u>, &CachedUser)> = Vec::with_capacity(users.size_hint().0);
    let mut position: HashMap<&'u str, usize> = HashMap::with_capacity(keyed.capacity());
    for cached in users {
        let Some(key) = sort_key(cached) else {
            tracing::warn!(user_name = %cached.user_name(), "skipping a user without an id");
            continue;
        };
        let Some(id) = cached.id() else { continue };
        match position.get(id) {
            Some(&at) => keyed[at] = (key, cached),
            None => {
                position.insert(id, keyed.len());
                keyed.push((key, cached));
            }
        }
    }
    keyed
}

/// Whether `write_users` kept every other user's rowid, or numbered all users afresh (then
/// the whole search index must be rebuilt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numbering {
    Kept,
    Renumbered,
}

/// Writes users into the table beside the others: updated in place when their sort key is
/// unchanged, otherwise put where the key now belongs (see `user_order`). The search entries
/// of those whose searched fields change must be forgotten before, and indexed again after, by
/// the caller; a user whose sort key changes (so its rowid, which keys its entry) is one of them.
fn write_users<'u>(conn: &Connection, users: impl IntoIterator<Item = &'u CachedUser>) -> Result<Numbering, Error> {
    let mut placed: Vec<(SortKey<'u>, &CachedUser, bool)> = Vec::new();
    for (key, cached) in keyed_once(users) {
        let stored: Option<(String, String)> = conn
            .prepare_cached("SELECT display_name, user_name FROM users WHERE id = ?1")?
            .query_row([&key.id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        match stored {
            Some((display_name, user_name)) if display_name == key.display_name && user_name == key.user_name => {
                update_user_row(conn, cached)?;
            }
            Some(_) => {
                user_order::set_aside(conn, &key.id)?;
                placed.push((key, cached, true));
            }
            None => placed.push((key, cached, false)),
        }
    }
    let keys: Vec<SortKey<'u>> = placed.iter().map(|(key, _, _)| key.clone()).collect();
    let Some(rowids) = user_order::place(conn, &keys)? else {
        // A gap is used up: store the users anywhere, then number everyone afresh.
        for (_, cached, _) in &placed {
            upsert_user_row(conn, cached, None)?;
        }
        user_order::renumber_all(conn)?;
        return Ok(Numbering::Renumbered);
    };
    for ((key, cached, stored), rowid) in placed.iter().zip(rowids) {
        if *stored {
            user_order::move_to(conn, &key.id, rowid)?;
        }
        upsert_user_row(conn, cached, Some(rowid))?;
    }
    Ok(Numbering::Kept)
}

/// The body of `replace_directory_and_grants`, inside the caller's transaction (a full sync
/// also records its scope and change counts in the same one).
fn replace_directory_in(
    tx: &Connection,
    users: Vec<CachedUser>,
    groups: &[Group],
    server_grants: Option<&[Grant]>,
    synced_at: DateTime<Utc>,
) -> Result<DirectoryCounts, Error> {
    tx.execute_batch("DELETE FROM memberships; DELETE FROM users; DELETE FROM user_resources;")?;
    replace_server_grants(tx, server_grants)?;
    // Inserting into an index row by row costs a B-tree search per row and index; building
    // each index once, from the full table, is a sort. A rollback brings the indexes back too.
    let indexes = SecondaryIndexes::drop_on(tx, "users")?;
    // Each index build and the search index read the whole table: with a page cache smaller
    // than the rows, pages are spilled to the WAL and read back, again and again. A larger
    // cache for this write only.
    with_page_cache(tx, bulk_cache_size(users.len()), || insert_users_and_indexes(tx, users, indexes, groups))?;
    set_meta(tx, meta_key::LAST_SYNC_AT, &synced_at.to_rfc3339())?;
    directory_counts(tx)
}

/// Inserts `users` into the emptied table, numbered in the order they are listed (see
/// `user_order`), and their resources in id order; then builds the indexes, the memberships and
/// the search index over them.
fn insert_users_and_indexes(
    tx: &Connection,
    users: Vec<CachedUser>,
    indexes: SecondaryIndexes,
    groups: &[Group],
) -> Result<(), Error> {
    let rows = tracing::info_span!("rows", users = users.len()).entered();
    let order = tracing::info_span!("write order").in_scope(|| WriteOrder::of(&users))?;
    // The resources are written first: the rows written after them are the pages the page
    // cache then holds, which each index build reads again.
    for cached in &order.by_id {
        insert_resource(tx, cached)?;
    }
    for (position, (_, listed)) in (1_i64..).zip(&order.by_key) {
        insert_user_row(tx, listed.user, position * user_order::GAP)?;
    }
    drop(order);
    drop(rows);
    // The users are in the table now, and their memory goes to the page cache the indexes
    // fill. Freeing them takes a quarter of a second at 100,000 users: another thread does it
    // while the indexes are built.
    free_elsewhere(users);
    tracing::info_span!("secondary indexes").in_scope(|| indexes.recreate(tx))?;
    replace_groups(tx, groups)?;
    // Indexed once after the inserts (faster than row by row), in the same transaction:
    // a reader never sees users the index does not know, or the reverse.
    tracing::info_span!("search index").in_scope(|| search_index::reindex_all(tx))
}

/// Drops `value` on a thread of its own (inline if none can be started).
fn free_elsewhere<T: Send + 'static>(value: T) {
    let freeing = std::thread::Builder::new().name("bailiwick-free".to_owned()).spawn(move || drop(value));
    if let Err(error) = freeing {
        tracing::debug!(%error, "freeing inline: no thread");
    }
}

/// A table's secondary indexes, dropped for a bulk insert and created again after it from their
/// own definitions (as the migrations wrote them), inside the caller's transaction.
struct SecondaryIndexes {
    definitions: Vec<String>,
}

impl SecondaryIndexes {
    fn drop_on(tx: &Connection, table: &str) -> Result<Self, Error> {
        // `sql` is NULL for the indexes SQLite makes itself (PRIMARY KEY, UNIQUE): those stay.
        let mut statement = tx.prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL",
        )?;
        let indexes = statement
            .query_map([table], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        for (name, _) in &indexes {
            tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
        }
        Ok(Self { definitions: indexes.into_iter().map(|(_, sql)| sql).collect() })
    }

    fn recreate(self, tx: &Connection) -> Result<(), Error> {
        for sql in &self.definitions {
            tx.execute_batch(sql)?;
        }
        Ok(())
    }
}

/// Replaces the server-mode grants when `server_grants` is given (ledger grants are
/// Bailiwick's own record and stay).
fn replace_server_grants(tx: &Connection, server_grants: Option<&[Grant]>) -> Result<(), Error> {
    if let Some(grants) = server_grants {
        tx.execute("DELETE FROM grants WHERE mode = 'server'", [])?;
        for grant in grants {
            grants::upsert_grant_row(tx, grant)?;
        }
    }
    Ok(())
}

/// Replaces every group and membership. A membership is stored only when both its group and
/// its user are cached, so members outside the admin's scopes and nested groups are dropped.
fn replace_groups(tx: &Connection, groups: &[Group]) -> Result<(), Error> {
    tx.execute_batch("DELETE FROM memberships; DELETE FROM groups;")?;
    let mut insert_group =
        tx.prepare("INSERT OR REPLACE INTO groups (id, display_name, raw, version) VALUES (?1, ?2, ?3, ?4)")?;
    // OR IGNORE because a server may list a member twice.
    let mut insert_membership = tx.prepare(
        "INSERT OR IGNORE INTO memberships (group_id, user_id)
         SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?2)",
    )?;
    for group in groups {
        let Some(id) = group.id.as_deref() else {
            tracing::warn!(group = %group.display_name, "skipping a group without an id");
            continue;
        };
        insert_group.execute(params![
            id,
            group.display_name,
            to_json(group)?,
            group.meta.as_ref().and_then(|m| m.version.as_deref())
        ])?;
        for member in &group.members {
            let is_user = member.kind.as_deref().is_none_or(|k| k.eq_ignore_ascii_case("User"));
            if is_user {
                insert_membership.execute(params![id, member.value])?;
            }
        }
    }
    Ok(())
}

fn directory_counts(tx: &Connection) -> Result<DirectoryCounts, Error> {
    let mut counts = DirectoryCounts { users: 0, groups: 0, memberships: 0 };
    for (table, count) in
        [("users", &mut counts.users), ("groups", &mut counts.groups), ("memberships", &mut counts.memberships)]
    {
        *count = tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0))?;
    }
    Ok(counts)
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    // Our resource types hold only strings, numbers, booleans and string-keyed maps, which
    // always serialise; the error path exists so nothing here can panic.
    serde_json::to_string(value).map_err(|e| Error::Io(std::io::Error::other(e)))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod user_order_tests;
