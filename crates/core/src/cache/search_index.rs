//! The search index (`users_search`, migration 0002) kept in step with `users`.
//!
//! The index is contentless: an entry is removed by giving back the text it holds, so a user's
//! entry is forgotten before its row changes and indexed again after. FTS5 buffers an index
//! change until a rowid comes out of order, then writes what it buffered as a new segment: a
//! change to many users is therefore made in rowid order, all removals first and then all
//! additions, never user by user (which wrote a segment per user and made an incremental sync
//! of 1,000 users take seven seconds).

use rusqlite::Connection;

use super::user_rows::UserColumns;
use crate::error::Error;

/// The text the index holds for a user row: the fields a search looks in, one per line; a
/// field that another one holds whole, byte for byte, is left empty. Every substring a search
/// could look for in it is found in the other field, so no search changes, and the index is
/// smaller and faster to build: userName is mostly inside the e-mail address, given and
/// family names inside the display name (a full sync of 100,000 users: a third fewer
/// trigrams). Migration 7 indexed the cached users this way.
pub(super) const SEARCH_DOC: &str =
    "CASE WHEN instr(ifnull(email, ''), user_name) > 0 OR instr(display_name, user_name) > 0
        THEN '' ELSE user_name END
    || char(10) || display_name
    || char(10) || CASE WHEN instr(display_name, ifnull(given_name, '')) > 0 THEN '' ELSE given_name END
    || char(10) || CASE WHEN instr(display_name, ifnull(family_name, '')) > 0 THEN '' ELSE family_name END
    || char(10) || ifnull(email, '') || char(10) || ifnull(bu, '')";

/// `SEARCH_DOC` of a row about to be written.
pub(super) fn search_doc(row: &UserColumns<'_>) -> String {
    let display_name = row.display_name;
    let email = row.email.unwrap_or_default();
    let unless_in = |field: &str, holders: &[&str]| -> String {
        if holders.iter().any(|holder| holder.contains(field)) {
            String::new()
        } else {
            field.to_owned()
        }
    };
    [
        unless_in(row.user_name, &[email, display_name]),
        display_name.to_owned(),
        unless_in(row.given_name.unwrap_or_default(), &[display_name]),
        unless_in(row.family_name.unwrap_or_default(), &[display_name]),
        email.to_owned(),
        row.bu.unwrap_or_default().to_owned(),
    ]
    .join("\n")
}

/// FTS5's buffer of pending index changes, in bytes, while the whole index is rebuilt. With
/// its default (1 MiB) a rebuild of 100,000 users writes a segment per megabyte and spends a
/// third of its time merging them; with this one it writes one segment per 64 MiB.
const BULK_HASH_SIZE: i64 = 64 << 20;

/// FTS5's default buffer (`hashsize`): what incremental changes keep using.
const DEFAULT_HASH_SIZE: i64 = 1 << 20;

/// Rebuilds the whole index from `users` (after a full sync replaced them).
pub(super) fn reindex_all(conn: &Connection) -> Result<(), Error> {
    conn.execute_batch(&format!(
        "INSERT INTO users_search (users_search) VALUES ('delete-all');
         INSERT INTO users_search (users_search, rank) VALUES ('hashsize', {BULK_HASH_SIZE});
         INSERT INTO users_search (rowid, doc) SELECT rowid, {SEARCH_DOC} FROM users ORDER BY rowid;
         INSERT INTO users_search (users_search, rank) VALUES ('hashsize', {DEFAULT_HASH_SIZE});"
    ))?;
    Ok(())
}

/// Forgets the entry of one cached user (nothing if not cached).
pub(super) fn forget_user(conn: &Connection, user_id: &str) -> Result<(), Error> {
    conn.execute(
        &format!(
            "INSERT INTO users_search (users_search, rowid, doc)
             SELECT 'delete', rowid, {SEARCH_DOC} FROM users WHERE id = ?1"
        ),
        [user_id],
    )?;
    Ok(())
}

/// Indexes one cached user as its row is now.
pub(super) fn index_user(conn: &Connection, user_id: &str) -> Result<(), Error> {
    conn.execute(
        &format!("INSERT INTO users_search (rowid, doc) SELECT rowid, {SEARCH_DOC} FROM users WHERE id = ?1"),
        [user_id],
    )?;
    Ok(())
}

/// A set of users whose entries change together, held in a temporary table for the length of
/// one transaction. Dropped with the table.
pub(super) struct TouchedUsers<'c> {
    conn: &'c Connection,
}

impl<'c> TouchedUsers<'c> {
    pub(super) fn new(conn: &'c Connection) -> Result<Self, Error> {
        conn.execute_batch(
            "DROP TABLE IF EXISTS temp.touched_users;
             CREATE TEMP TABLE touched_users (id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;",
        )?;
        Ok(Self { conn })
    }

    pub(super) fn add(&self, user_id: &str) -> Result<(), Error> {
        self.conn.prepare_cached("INSERT OR IGNORE INTO temp.touched_users (id) VALUES (?1)")?.execute([user_id])?;
        Ok(())
    }

    /// Forgets the entries of the touched users that are cached, in rowid order.
    pub(super) fn forget(&self) -> Result<(), Error> {
        self.conn.execute(
            &format!(
                "INSERT INTO users_search (users_search, rowid, doc)
                 SELECT 'delete', rowid, {SEARCH_DOC} FROM users
                 WHERE id IN (SELECT id FROM temp.touched_users) ORDER BY rowid"
            ),
            [],
        )?;
        Ok(())
    }

    /// Indexes the touched users as their rows are now, in rowid order.
    pub(super) fn index(&self) -> Result<(), Error> {
        self.conn.execute(
            &format!(
                "INSERT INTO users_search (rowid, doc)
                 SELECT rowid, {SEARCH_DOC} FROM users WHERE id IN (SELECT id FROM temp.touched_users) ORDER BY rowid"
            ),
            [],
        )?;
        Ok(())
    }

    /// Deletes the touched users' rows and resources (their memberships go with them).
    pub(super) fn delete_rows(&self) -> Result<(), Error> {
        self.conn.execute("DELETE FROM users WHERE id IN (SELECT id FROM temp.touched_users)", [])?;
        self.conn.execute("DELETE FROM user_resources WHERE id IN (SELECT id FROM temp.touched_users)", [])?;
        Ok(())
    }

    pub(super) fn clear(&self) -> Result<(), Error> {
        self.conn.execute("DELETE FROM temp.touched_users", [])?;
        Ok(())
    }
}

impl Drop for TouchedUsers<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.conn.execute_batch("DROP TABLE IF EXISTS temp.touched_users;") {
            tracing::warn!(error = %e, "could not drop a temporary table");
        }
    }
}
