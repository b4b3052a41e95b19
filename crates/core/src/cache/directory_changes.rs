//! Single changes to the cached directory, applied when the server confirms an operation, so
//! the cache shows the result without waiting for the next sync.

use rusqlite::{params, Connection};

use super::grants::{upsert_grant_row, LedgerMembership};
use super::{search_index, write_users, CachedUser, Numbering};
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

pub(super) fn apply(conn: &Connection, change: &DirectoryChange) -> Result<(), Error> {
    match change {
        DirectoryChange::User(cached) => {
            let Some(id) = cached.id() else { return Ok(()) };
            search_index::forget_user(conn, id)?;
            match write_users(conn, [cached.as_ref()])? {
                Numbering::Kept => search_index::index_user(conn, id)?,
                Numbering::Renumbered => search_index::reindex_all(conn)?,
            }
        }
        DirectoryChange::UserGone { user_id } => {
            search_index::forget_user(conn, user_id)?;
            conn.execute("DELETE FROM users WHERE id = ?1", [user_id])?;
            conn.execute("DELETE FROM user_resources WHERE id = ?1", [user_id])?;
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
