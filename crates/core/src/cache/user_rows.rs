//! A cached user's row in `users`: the columns read from the user, written as a new row, or
//! over the stored row in place.

use rusqlite::{params, Connection};

use super::CachedUser;
use crate::error::Error;
use crate::scope::BuPath;

/// The columns of a user's row, read from the user to cache.
pub(super) struct UserColumns<'u> {
    pub id: &'u str,
    pub user_name: &'u str,
    pub display_name: &'u str,
    pub given_name: Option<&'u str>,
    pub family_name: Option<&'u str>,
    pub email: Option<&'u str>,
    pub bu: Option<&'u str>,
    pub user_type: &'static str,
    pub active: bool,
    /// The resource as the server sent it, else serialised.
    pub raw: &'u str,
    pub version: Option<&'u str>,
    pub last_modified: Option<String>,
}

impl<'u> UserColumns<'u> {
    /// The columns of `cached`; `None` for a user without an id (nothing could refer to it).
    pub(super) fn of(cached: &'u CachedUser) -> Option<Self> {
        Some(Self {
            id: cached.id()?,
            user_name: cached.user_name(),
            display_name: cached.display_name(),
            given_name: cached.given_name(),
            family_name: cached.family_name(),
            email: cached.email(),
            bu: cached.bu.as_ref().map(BuPath::as_str),
            user_type: cached.user_type().as_str(),
            active: cached.active(),
            raw: cached.json(),
            version: cached.version(),
            last_modified: cached.last_modified().map(|t| t.to_rfc3339()),
        })
    }
}

/// A user's row written as a new row (`?13` is its rowid).
macro_rules! insert_user_sql {
    () => {
        "INSERT INTO users (id, user_name, display_name, given_name, family_name, email, bu,
             user_type, active, raw, version, last_modified, rowid)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    };
}

/// `insert_user_row`'s statement: a plain append, for a full sync into the emptied table.
pub(super) const INSERT_USER: &str = insert_user_sql!();

/// `upsert_user_row`'s statement.
pub(super) const UPSERT_USER: &str = concat!(
    insert_user_sql!(),
    " ON CONFLICT (id) DO UPDATE SET user_name = excluded.user_name, display_name = excluded.display_name,
         given_name = excluded.given_name, family_name = excluded.family_name, email = excluded.email,
         bu = excluded.bu, user_type = excluded.user_type, active = excluded.active, raw = excluded.raw,
         version = excluded.version, last_modified = excluded.last_modified"
);

/// Inserts a user at `rowid`, or updates the stored one in place (keeping its rowid, so the
/// search index and memberships stay attached). Users without an id are skipped: nothing could
/// refer to them. Only `write_users` and the full replace choose rowids (see `user_order`).
pub(super) fn upsert_user_row(conn: &Connection, cached: &CachedUser, rowid: Option<i64>) -> Result<bool, Error> {
    write_user_row(conn, UPSERT_USER, cached, rowid)
}

/// Inserts a user at `rowid`, into a table that has no row with its id: a full sync's, whose
/// indexes (the unique one on `id` too) are dropped until every user is in. A user already there
/// makes the index's rebuild fail, and with it the sync.
pub(super) fn insert_user_row(conn: &Connection, cached: &CachedUser, rowid: i64) -> Result<bool, Error> {
    write_user_row(conn, INSERT_USER, cached, Some(rowid))
}

fn write_user_row(conn: &Connection, sql: &str, cached: &CachedUser, rowid: Option<i64>) -> Result<bool, Error> {
    let Some(row) = UserColumns::of(cached) else {
        tracing::warn!(user_name = %cached.user_name(), "skipping a user without an id");
        return Ok(false);
    };
    conn.prepare_cached(sql)?.execute(params![
        row.id,
        row.user_name,
        row.display_name,
        row.given_name,
        row.family_name,
        row.email,
        row.bu,
        row.user_type,
        row.active,
        row.raw,
        row.version,
        row.last_modified,
        rowid,
    ])?;
    Ok(true)
}

/// Writes a user over its stored row, whose sort key (display name and userName) it keeps.
/// The columns an index holds (BU, type, status) are assigned only when they changed: SQLite
/// rewrites an index's entry whenever its column is assigned, and most changes a sync brings
/// are to attributes no index holds (a title, a phone number, a manager). Assigning them all
/// made an incremental sync of 1,000 such changes dirty some 1,800 index pages, each then
/// written to the WAL and checkpointed (encrypted, with SQLCipher).
pub(super) fn update_user_row(conn: &Connection, cached: &CachedUser) -> Result<(), Error> {
    let Some(row) = UserColumns::of(cached) else {
        tracing::warn!(user_name = %cached.user_name(), "skipping a user without an id");
        return Ok(());
    };
    conn.prepare_cached(
        "UPDATE users SET display_name = ?2, given_name = ?3, family_name = ?4, email = ?5, raw = ?6,
             version = ?7, last_modified = ?8
         WHERE id = ?1",
    )?
    .execute(params![
        row.id,
        row.display_name,
        row.given_name,
        row.family_name,
        row.email,
        row.raw,
        row.version,
        row.last_modified
    ])?;
    conn.prepare_cached(
        "UPDATE users SET bu = ?2, user_type = ?3, active = ?4
         WHERE id = ?1 AND (bu IS NOT ?2 OR user_type IS NOT ?3 OR active IS NOT ?4)",
    )?
    .execute(params![row.id, row.bu, row.user_type, row.active])?;
    Ok(())
}
