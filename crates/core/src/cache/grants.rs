//! Grants in the cache: the server's (server mode, replaced by each sync) and Bailiwick's own
//! ledger (ledger mode, kept).

use chrono::{DateTime, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

use super::Cache;
use crate::error::Error;
use crate::grant::{Grant, GrantMode, GrantStatus};
use crate::scope::BuPath;

/// Whether a ledger grant's membership was added by the grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerMembership {
    /// Not applied yet (the window has not started, or it ended).
    None,
    /// The grant added the user to the group; its end removes them.
    Added,
    /// The user was a member already; the grant's end leaves the membership alone.
    AlreadyMember,
}

impl LedgerMembership {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            LedgerMembership::None => "none",
            LedgerMembership::Added => "added",
            LedgerMembership::AlreadyMember => "already-member",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "added" => LedgerMembership::Added,
            "already-member" => LedgerMembership::AlreadyMember,
            _ => LedgerMembership::None,
        }
    }
}

/// What `grants list` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrantQuery {
    /// The status at query time (an active grant past its end counts as expired).
    pub status: Option<GrantStatus>,
    /// Open grants ending within this many days.
    pub expiring_within_days: Option<u32>,
    pub user_id: Option<String>,
}

const GRANT_COLUMNS: &str =
    "g.id, g.mode, g.user_id, coalesce(u.user_name, g.user_name, g.user_id), g.role, g.role_id, g.bu,
    g.valid_from, g.valid_until, g.justification, g.requester, g.approver, g.status, g.version";

impl Cache {
    /// Grants matching `query` at `now`, soonest end first.
    pub fn list_grants(&self, query: &GrantQuery, now: DateTime<Utc>) -> Result<Vec<Grant>, Error> {
        let mut conditions = vec!["1".to_owned()];
        let mut values: Vec<SqlValue> = Vec::new();
        if let Some(user) = &query.user_id {
            values.push(SqlValue::Text(user.clone()));
            conditions.push(format!("g.user_id = ?{}", values.len()));
        }
        let sql = format!(
            "SELECT {GRANT_COLUMNS} FROM grants g LEFT JOIN users u ON u.id = g.user_id
             WHERE {} ORDER BY g.valid_until, g.id",
            conditions.join(" AND ")
        );
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map(params_from_iter(values), grant_row)?;
        let mut grants = Vec::new();
        for row in rows {
            let Some(mut grant) = row? else { continue };
            // The status shown is the one at `now`: the cache may not have heard of an expiry yet.
            grant.status = grant.status_at(now);
            let status_ok = query.status.is_none_or(|s| s == grant.status);
            let expiring_ok = query.expiring_within_days.is_none_or(|days| grant.expires_within(now, days));
            if status_ok && expiring_ok {
                grants.push(grant);
            }
        }
        Ok(grants)
    }

    /// A grant by id.
    pub fn grant(&self, id: &str) -> Result<Option<Grant>, Error> {
        let sql = format!("SELECT {GRANT_COLUMNS} FROM grants g LEFT JOIN users u ON u.id = g.user_id WHERE g.id = ?1");
        Ok(self.conn.query_row(&sql, [id], grant_row).optional()?.flatten())
    }

    pub fn ledger_membership(&self, grant_id: &str) -> Result<LedgerMembership, Error> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT membership FROM grants WHERE id = ?1", [grant_id], |row| row.get(0))
            .optional()?;
        Ok(text.as_deref().map_or(LedgerMembership::None, LedgerMembership::parse))
    }

    /// Whether the cache holds `user_id` as a member of `group_id`.
    pub fn is_member(&self, group_id: &str, user_id: &str) -> Result<bool, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM memberships WHERE group_id = ?1 AND user_id = ?2",
                params![group_id, user_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}

/// Inserts or replaces a grant (its ledger membership state is kept).
pub(super) fn upsert_grant_row(conn: &Connection, grant: &Grant) -> Result<(), Error> {
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    conn.prepare_cached(
        "INSERT INTO grants (id, mode, user_id, user_name, role, role_id, bu, valid_from, valid_until,
             justification, requester, approver, status, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, user_id = excluded.user_id,
             user_name = excluded.user_name, role = excluded.role, role_id = excluded.role_id, bu = excluded.bu,
             valid_from = excluded.valid_from, valid_until = excluded.valid_until,
             justification = excluded.justification, requester = excluded.requester,
             approver = excluded.approver, status = excluded.status, version = excluded.version",
    )?
    .execute(params![
        grant.id,
        grant.mode.as_str(),
        grant.user_id,
        // The userName when known; an id alone is not worth keeping twice.
        (grant.user != grant.user_id).then_some(&grant.user),
        grant.role,
        grant.role_id,
        grant.bu.as_str(),
        time(grant.valid_from),
        time(grant.valid_until),
        grant.justification,
        grant.requester,
        grant.approver,
        grant.status.as_str(),
        grant.version,
    ])?;
    Ok(())
}

/// A stored grant; `None` for a row whose values no longer parse (skipped, never guessed).
fn grant_row(row: &Row<'_>) -> rusqlite::Result<Option<Grant>> {
    let time = |i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
        let text: String = row.get(i)?;
        Ok(DateTime::parse_from_rfc3339(&text).ok().map(|t| t.with_timezone(&Utc)))
    };
    let mode: String = row.get(1)?;
    let bu: String = row.get(6)?;
    let status: String = row.get(12)?;
    let (Some(valid_from), Some(valid_until), Some(bu), Some(status)) =
        (time(7)?, time(8)?, BuPath::parse(&bu), GrantStatus::parse(&status))
    else {
        return Ok(None);
    };
    Ok(Some(Grant {
        id: row.get(0)?,
        mode: if mode == "ledger" { GrantMode::Ledger } else { GrantMode::Server },
        user_id: row.get(2)?,
        user: row.get(3)?,
        role: row.get(4)?,
        role_id: row.get(5)?,
        bu,
        valid_from,
        valid_until,
        justification: row.get(9)?,
        requester: row.get(10)?,
        approver: row.get(11)?,
        status,
        version: row.get(13)?,
    }))
}
