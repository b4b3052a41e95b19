//! Single changes to the cached directory, applied when the server confirms an operation, so
//! the cache shows the result without waiting for the next sync.

use rusqlite::{params, Connection};

use super::grants::{upsert_grant_row, LedgerMembership};
use super::{upsert_user_row, CachedUser};
use crate::error::Error;
use crate::grant::Grant;

/// What the server confirmed.
#[derive(Debug, Clone, PartialEq)]
pub enum DirectoryChange {
    /// The user as the server now holds it (created or changed).
    User(Box<CachedUser>),
    /// The user left the admin's scopes (moved to another BU): no longer cached.
    UserGone {
        user_id: String,
    },
    Membership {
        group_id: String,
        user_id: String,
        member: bool,
    },
    Grant(Box<Grant>),
    /// A ledger grant and whether its membership is now applied.
    LedgerGrant(Box<Grant>, LedgerMembership),
}

/// The text the search index holds for a user row (see migration 0002).
const SEARCH_DOC: &str = "user_name || char(10) || display_name || char(10) || ifnull(given_name, '') || char(10)
    || ifnull(family_name, '') || char(10) || ifnull(email, '') || char(10) || ifnull(bu, '')";

pub(super) fn apply(conn: &Connection, change: &DirectoryChange) -> Result<(), Error> {
    match change {
        DirectoryChange::User(cached) => {
            let Some(id) = cached.resource.id.as_deref() else { return Ok(()) };
            // The index is contentless: an entry is removed by giving back the text it holds.
            forget_search_doc(conn, id)?;
            upsert_user_row(conn, cached)?;
            conn.execute(
                &format!("INSERT INTO users_search (rowid, doc) SELECT rowid, {SEARCH_DOC} FROM users WHERE id = ?1"),
                [id],
            )?;
        }
        DirectoryChange::UserGone { user_id } => {
            forget_search_doc(conn, user_id)?;
            conn.execute("DELETE FROM users WHERE id = ?1", [user_id])?;
        }
        DirectoryChange::Membership { group_id, user_id, member: true } => {
            conn.execute(
                "INSERT OR IGNORE INTO memberships (group_id, user_id)
                 SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?2)
                     AND EXISTS (SELECT 1 FROM groups WHERE id = ?1)",
                params![group_id, user_id],
            )?;
        }
        DirectoryChange::Membership { group_id, user_id, member: false } => {
            conn.execute("DELETE FROM memberships WHERE group_id = ?1 AND user_id = ?2", params![group_id, user_id])?;
        }
        DirectoryChange::Grant(grant) => upsert_grant_row(conn, grant)?,
        DirectoryChange::LedgerGrant(grant, membership) => {
            upsert_grant_row(conn, grant)?;
            conn.execute("UPDATE grants SET membership = ?2 WHERE id = ?1", params![grant.id, membership.as_str()])?;
        }
    }
    Ok(())
}

fn forget_search_doc(conn: &Connection, user_id: &str) -> Result<(), Error> {
    conn.execute(
        &format!(
            "INSERT INTO users_search (users_search, rowid, doc) SELECT 'delete', rowid, {SEARCH_DOC} FROM users WHERE id = ?1"
        ),
        [user_id],
    )?;
    Ok(())
}
