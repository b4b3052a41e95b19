//! A cached user's row in `users`: the columns read from the user, written as a new row, or
//! over the stored row in place; and its resource, in `user_resources` beside it.

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
        })
    }
}

/// A user's row written as a new row (`?10` is its rowid).
macro_rules! insert_user_sql {
    () => {
        "INSERT INTO users (id, user_name, display_name, given_name, family_name, email, bu,
             user_type, active, rowid)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    };
}

/// `insert_user_row`'s statement: a plain append, for a full sync into the emptied table.
pub(super) const INSERT_USER: &str = insert_user_sql!();

/// `upsert_user_row`'s statement.
pub(super) const UPSERT_USER: &str = concat!(
    insert_user_sql!(),
    " ON CONFLICT (id) DO UPDATE SET user_name = excluded.user_name, display_name = excluded.display_name,
         given_name = excluded.given_name, family_name = excluded.family_name, email = excluded.email,
         bu = excluded.bu, user_type = excluded.user_type, active = excluded.active"
);

/// Inserts a user at `rowid`, or updates the stored one in place (keeping its rowid, so the
/// search index and memberships stay attached), with its resource. Users without an id are
/// skipped: nothing could refer to them. Only `write_users` and the full replace choose rowids
/// (see `user_order`).
pub(super) fn upsert_user_row(conn: &Connection, cached: &CachedUser, rowid: Option<i64>) -> Result<bool, Error> {
    let written = write_user_row(conn, UPSERT_USER, cached, rowid)?;
    if written {
        upsert_resource(conn, cached)?;
    }
    Ok(written)
}

/// Inserts a user at `rowid`, into a table that has no row with its id: a full sync's, whose
/// indexes (the unique one on `id` too) are dropped until every user is in. A user already there
/// makes the index's rebuild fail, and with it the sync. Its resource is the caller's to insert
/// (`insert_resource`, in id order).
pub(super) fn insert_user_row(conn: &Connection, cached: &CachedUser, rowid: i64) -> Result<bool, Error> {
    write_user_row(conn, INSERT_USER, cached, Some(rowid))
}

/// A user's resource written as a new row.
const INSERT_RESOURCE: &str = "INSERT INTO user_resources (id, version, last_modified, raw) VALUES (?1, ?2, ?3, ?4)";

/// Inserts a user's resource into `user_resources`, which has none for its id (a full sync's,
/// emptied first). The resource of a user without an id is not stored.
pub(super) fn insert_resource(conn: &Connection, cached: &CachedUser) -> Result<(), Error> {
    write_resource(conn, INSERT_RESOURCE, cached)
}

/// Writes a user's resource, over the stored one if any.
fn upsert_resource(conn: &Connection, cached: &CachedUser) -> Result<(), Error> {
    const UPSERT_RESOURCE: &str = concat!(
        "INSERT INTO user_resources (id, version, last_modified, raw) VALUES (?1, ?2, ?3, ?4)",
        " ON CONFLICT (id) DO UPDATE SET version = excluded.version, last_modified = excluded.last_modified,
             raw = excluded.raw"
    );
    write_resource(conn, UPSERT_RESOURCE, cached)
}

fn write_resource(conn: &Connection, sql: &str, cached: &CachedUser) -> Result<(), Error> {
    if let Some(id) = cached.id() {
        let last_modified = cached.last_modified().map(|t| t.to_rfc3339());
        conn.prepare_cached(sql)?.execute(params![id, cached.version(), last_modified, cached.json()])?;
    }
    Ok(())
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
        rowid,
    ])?;
    Ok(true)
}

/// Writes a user over its stored row, whose sort key (display name and userName) it keeps, and
/// its resource. The row's columns are assigned only when they changed: most changes a sync
/// brings are to attributes only the resource holds (a title, a phone number, a manager), and
/// the row's page is then not written at all. The columns an index holds (BU, type, status)
/// apart from the others: SQLite rewrites an index's entry whenever its column is assigned.
/// Assigning them all made an incremental sync of 1,000 such changes dirty some 1,800 index
/// pages, each then written to the WAL and checkpointed (encrypted, with SQLCipher).
pub(super) fn update_user_row(conn: &Connection, cached: &CachedUser) -> Result<(), Error> {
    let Some(row) = UserColumns::of(cached) else {
        tracing::warn!(user_name = %cached.user_name(), "skipping a user without an id");
        return Ok(());
    };
    conn.prepare_cached(
        "UPDATE users SET display_name = ?2, given_name = ?3, family_name = ?4, email = ?5
         WHERE id = ?1
             AND (display_name IS NOT ?2 OR given_name IS NOT ?3 OR family_name IS NOT ?4 OR email IS NOT ?5)",
    )?
    .execute(params![row.id, row.display_name, row.given_name, row.family_name, row.email])?;
    conn.prepare_cached(
        "UPDATE users SET bu = ?2, user_type = ?3, active = ?4
         WHERE id = ?1 AND (bu IS NOT ?2 OR user_type IS NOT ?3 OR active IS NOT ?4)",
    )?
    .execute(params![row.id, row.bu, row.user_type, row.active])?;
    upsert_resource(conn, cached)
}
