//! The outbox's storage. Every state change of an entry and the audit entry recording it are
//! written in one transaction, so the log and the outbox can never tell different stories.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;
use serde_json::Value;

use super::{audit_log, directory_changes, Cache, DirectoryChange};
use crate::audit::{AuditRecord, Outcome};
use crate::error::Error;
use crate::operation::Operation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum OutboxState {
    /// Waiting to be sent (again, after `next_attempt_at`, when an attempt failed for a reason
    /// that may pass).
    Queued,
    /// A request was (maybe) sent and its answer not yet recorded. After a crash, the next push
    /// first looks at the server for what the lost attempt did.
    Sending,
    Done,
    /// Refused or failed for good; `last_error` (and `rule`) say why.
    Failed,
    /// The server holds a newer version; see `conflicts list`.
    Conflict,
    /// Given up by the admin (a conflict resolved by taking the server's version).
    Cancelled,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Done => "done",
            OutboxState::Failed => "failed",
            OutboxState::Conflict => "conflict",
            OutboxState::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "queued" => OutboxState::Queued,
            "sending" => OutboxState::Sending,
            "done" => OutboxState::Done,
            "conflict" => OutboxState::Conflict,
            "cancelled" => OutboxState::Cancelled,
            _ => OutboxState::Failed,
        }
    }

    /// Still to be sent.
    pub fn is_pending(self) -> bool {
        matches!(self, OutboxState::Queued | OutboxState::Sending)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub seq: i64,
    /// The idempotency key.
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub operation: Operation,
    /// The ETag the change was based on.
    pub base_version: Option<String>,
    pub state: OutboxState,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub rule: Option<String>,
    /// What the server answered (e.g. the created resource's id).
    pub result: Option<Value>,
}

/// A 412 kept for the admin: their intent (the outbox entry) and the server's version.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub id: i64,
    pub op_id: String,
    pub detected_at: DateTime<Utc>,
    pub action: String,
    pub target: String,
    pub mine: Operation,
    pub base_version: Option<String>,
    pub theirs: Option<Value>,
    pub theirs_version: Option<String>,
    pub resolution: Option<String>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    /// The server applied it (or had already: a replay found it done).
    Applied { result: Option<Value>, after: Option<Value>, changes: Vec<DirectoryChange> },
    /// Refused for good: by the server (403, 400, 404 …) or by policy just before sending.
    Failed { error: String, rule: Option<String>, refused: bool },
    /// May pass later (network, 5xx, 429): queued again for `next_attempt_at`.
    Retry { error: String, next_attempt_at: DateTime<Utc> },
    /// 412: the server's version differs from the one the change was based on.
    Conflict { theirs: Option<Value>, theirs_version: Option<String> },
}

const ENTRY_COLUMNS: &str = "seq, id, created_at, actor, action, target, operation, base_version, state, attempts,
    next_attempt_at, last_error, rule, result";

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn parse_time(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&Utc))
}

impl Cache {
    /// Commits an allowed change to the outbox and its `queued` audit entry, in one transaction.
    #[allow(clippy::too_many_arguments)] // the facts of one change; each is recorded.
    pub fn enqueue(
        &mut self,
        id: &str,
        actor: &str,
        operation: &Operation,
        base_version: Option<&str>,
        before: Option<Value>,
        extra: Option<DirectoryChange>,
        now: DateTime<Utc>,
    ) -> Result<OutboxEntry, Error> {
        let text =
            serde_json::to_string(operation).map_err(|e| Error::Usage(format!("cannot record the change: {e}")))?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO outbox (id, created_at, actor, action, target, operation, base_version, state, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?2)",
            params![id, time(now), actor, operation.action(), operation.target(), text, base_version],
        )?;
        let after = serde_json::to_value(operation).ok();
        audit_log::append(
            &tx,
            AuditRecord {
                actor: actor.to_owned(),
                action: operation.action().to_owned(),
                target: operation.target(),
                before,
                after,
                outcome: Some(Outcome::Queued),
                op_id: Some(id.to_owned()),
                ..AuditRecord::default()
            },
            now,
        )?;
        if let Some(change) = &extra {
            directory_changes::apply(&tx, change)?;
        }
        tx.commit()?;
        self.outbox_entry(id)?.ok_or_else(|| Error::NotFound(format!("outbox entry {id}")))
    }

    pub fn outbox_entry(&self, id: &str) -> Result<Option<OutboxEntry>, Error> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE id = ?1");
        Ok(self.conn.query_row(&sql, [id], entry_row).optional()?.flatten())
    }

    /// Entries in the given states (all when empty), oldest first.
    pub fn outbox(&self, states: &[OutboxState]) -> Result<Vec<OutboxEntry>, Error> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM outbox ORDER BY seq");
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map([], entry_row)?;
        let mut entries = Vec::new();
        for row in rows {
            if let Some(entry) = row?.filter(|e| states.is_empty() || states.contains(&e.state)) {
                entries.push(entry);
            }
        }
        Ok(entries)
    }

    /// The oldest entry still to send, if it is due at `now`. Entries go strictly in order: a
    /// later change may build on an earlier one (assigning a role to a user being created).
    pub fn next_outbox_entry(&self, now: DateTime<Utc>) -> Result<Option<OutboxEntry>, Error> {
        let sql =
            format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE state IN ('queued', 'sending') ORDER BY seq LIMIT 1");
        let next = self.conn.query_row(&sql, [], entry_row).optional()?.flatten();
        Ok(next.filter(|e| e.next_attempt_at.is_none_or(|t| t <= now)))
    }

    /// Marks an attempt as started, before the request leaves.
    pub fn mark_sending(&self, id: &str, now: DateTime<Utc>) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1",
            params![id, time(now)],
        )?;
        Ok(())
    }

    /// Records how an attempt ended, with its audit entry (and, when applied, the cache
    /// changes the server confirmed), in one transaction.
    pub fn finish(&mut self, entry: &OutboxEntry, finish: Finish, now: DateTime<Utc>) -> Result<(), Error> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let record =
            |outcome: Outcome, detail: Option<String>, rule: Option<String>, after: Option<Value>| AuditRecord {
                actor: entry.actor.clone(),
                action: entry.action.clone(),
                target: entry.target.clone(),
                before: None,
                after,
                outcome: Some(outcome),
                rule,
                detail,
                op_id: Some(entry.id.clone()),
            };
        match finish {
            Finish::Applied { result, after, changes } => {
                tx.execute(
                    "UPDATE outbox SET state = 'done', result = ?2, last_error = NULL, updated_at = ?3 WHERE id = ?1",
                    params![entry.id, result.as_ref().map(Value::to_string), time(now)],
                )?;
                for change in &changes {
                    directory_changes::apply(&tx, change)?;
                }
                audit_log::append(&tx, record(Outcome::Applied, None, None, after), now)?;
            }
            Finish::Failed { error, rule, refused } => {
                tx.execute(
                    "UPDATE outbox SET state = 'failed', last_error = ?2, rule = ?3, updated_at = ?4 WHERE id = ?1",
                    params![entry.id, error, rule, time(now)],
                )?;
                let outcome = if refused { Outcome::Refused } else { Outcome::Failed };
                audit_log::append(&tx, record(outcome, Some(error), rule, None), now)?;
            }
            Finish::Retry { error, next_attempt_at } => {
                // Not an outcome yet: the log records only what is final.
                tx.execute(
                    "UPDATE outbox SET state = 'queued', last_error = ?2, next_attempt_at = ?3, updated_at = ?4
                     WHERE id = ?1",
                    params![entry.id, error, time(next_attempt_at), time(now)],
                )?;
            }
            Finish::Conflict { theirs, theirs_version } => {
                tx.execute(
                    "UPDATE outbox SET state = 'conflict', last_error = ?2, updated_at = ?3 WHERE id = ?1",
                    params![entry.id, "the server's version changed since this change was made", time(now)],
                )?;
                tx.execute(
                    "INSERT INTO conflicts (op_id, detected_at, theirs, theirs_version) VALUES (?1, ?2, ?3, ?4)",
                    params![entry.id, time(now), theirs.as_ref().map(Value::to_string), theirs_version],
                )?;
                let detail = format!(
                    "based on version {}, the server holds {}",
                    entry.base_version.as_deref().unwrap_or("(none)"),
                    theirs_version.as_deref().unwrap_or("another version")
                );
                audit_log::append(&tx, record(Outcome::Conflict, Some(detail), None, theirs), now)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A change Bailiwick makes by itself (a ledger grant), with its audit entry, in one
    /// transaction; nothing goes to the outbox.
    pub fn apply_local(
        &mut self,
        change: Option<DirectoryChange>,
        record: AuditRecord,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(change) = &change {
            directory_changes::apply(&tx, change)?;
        }
        audit_log::append(&tx, record, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Open conflicts (or all, with `include_resolved`), oldest first.
    pub fn conflicts(&self, include_resolved: bool) -> Result<Vec<Conflict>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT c.id, c.op_id, c.detected_at, o.action, o.target, o.operation, o.base_version, c.theirs,
                    c.theirs_version, c.resolution
             FROM conflicts c JOIN outbox o ON o.id = c.op_id ORDER BY c.id",
        )?;
        let rows = statement.query_map([], |row| {
            let operation: String = row.get(5)?;
            let theirs: Option<String> = row.get(7)?;
            Ok(serde_json::from_str::<Operation>(&operation).ok().map(|mine| Conflict {
                id: row.get(0).unwrap_or_default(),
                op_id: row.get(1).unwrap_or_default(),
                detected_at: parse_time(row.get(2).ok()).unwrap_or_default(),
                action: row.get(3).unwrap_or_default(),
                target: row.get(4).unwrap_or_default(),
                mine,
                base_version: row.get(6).ok().flatten(),
                theirs: theirs.and_then(|t| serde_json::from_str(&t).ok()),
                theirs_version: row.get(8).ok().flatten(),
                resolution: row.get(9).ok().flatten(),
            }))
        })?;
        let mut conflicts = Vec::new();
        for row in rows {
            if let Some(c) = row?.filter(|c| include_resolved || c.resolution.is_none()) {
                conflicts.push(c);
            }
        }
        Ok(conflicts)
    }

    /// Resolves an open conflict: keeping mine queues the change again, based on the server's
    /// version; taking theirs cancels it and keeps the server's version in the cache.
    pub fn resolve_conflict(
        &mut self,
        conflict: &Conflict,
        keep_mine: bool,
        actor: &str,
        theirs_change: Option<DirectoryChange>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let resolution = if keep_mine { "keep-mine" } else { "take-theirs" };
        let changed = tx.execute(
            "UPDATE conflicts SET resolution = ?2, resolved_at = ?3 WHERE id = ?1 AND resolution IS NULL",
            params![conflict.id, resolution, time(now)],
        )?;
        if changed == 0 {
            return Err(Error::Usage(format!("conflict {} is already resolved", conflict.id)));
        }
        if keep_mine {
            tx.execute(
                "UPDATE outbox SET state = 'queued', base_version = ?2, next_attempt_at = NULL, last_error = NULL,
                     updated_at = ?3 WHERE id = ?1",
                params![conflict.op_id, conflict.theirs_version, time(now)],
            )?;
        } else {
            tx.execute(
                "UPDATE outbox SET state = 'cancelled', updated_at = ?2 WHERE id = ?1",
                params![conflict.op_id, time(now)],
            )?;
            if let Some(change) = &theirs_change {
                directory_changes::apply(&tx, change)?;
            }
        }
        audit_log::append(
            &tx,
            AuditRecord {
                actor: actor.to_owned(),
                action: conflict.action.clone(),
                target: conflict.target.clone(),
                before: conflict.theirs.clone(),
                after: serde_json::to_value(&conflict.mine).ok(),
                outcome: Some(Outcome::Resolved),
                detail: Some(resolution.to_owned()),
                op_id: Some(conflict.op_id.clone()),
                ..AuditRecord::default()
            },
            now,
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// A stored entry; `None` when its operation no longer parses (a newer Bailiwick wrote it).
fn entry_row(row: &Row<'_>) -> rusqlite::Result<Option<OutboxEntry>> {
    let operation: String = row.get(6)?;
    let Ok(operation) = serde_json::from_str::<Operation>(&operation) else {
        return Ok(None);
    };
    let state: String = row.get(8)?;
    let result: Option<String> = row.get(13)?;
    Ok(Some(OutboxEntry {
        seq: row.get(0)?,
        id: row.get(1)?,
        created_at: parse_time(row.get(2)?).unwrap_or_default(),
        actor: row.get(3)?,
        action: row.get(4)?,
        target: row.get(5)?,
        operation,
        base_version: row.get(7)?,
        state: OutboxState::parse(&state),
        attempts: row.get(9)?,
        next_attempt_at: parse_time(row.get(10)?),
        last_error: row.get(11)?,
        rule: row.get(12)?,
        result: result.and_then(|r| serde_json::from_str(&r).ok()),
    }))
}
