//! The audit log's storage: entries appended inside the caller's transaction (the same one as
//! the outbox change they record), and the head kept in `meta` for `audit verify`.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use super::{set_meta, Cache};
use crate::audit::{self, AuditEntry, AuditRecord, Verification, GENESIS};
use crate::error::Error;

/// `meta` key of the last entry appended: `"{seq} {hash}"`.
const AUDIT_HEAD: &str = "audit_head";

/// Appends `record` after the current last entry.
pub(super) fn append(conn: &Connection, record: AuditRecord, at: DateTime<Utc>) -> Result<AuditEntry, Error> {
    let last: Option<(i64, String)> = conn
        .query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let (seq, prev_hash) = last.map_or((1, GENESIS.to_owned()), |(seq, hash)| (seq + 1, hash));
    let entry = AuditEntry::chain(record, seq, at, &prev_hash);
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(serde_json::Value::to_string);
    conn.prepare_cached(
        "INSERT INTO audit_log (seq, at, actor, action, target, before, after, outcome, rule, detail, op_id, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        entry.seq,
        audit::time_text(entry.at),
        entry.actor,
        entry.action,
        entry.target,
        json(&entry.before),
        json(&entry.after),
        entry.outcome,
        entry.rule,
        entry.detail,
        entry.op_id,
        entry.prev_hash,
        entry.hash,
    ])?;
    set_meta(conn, AUDIT_HEAD, &format!("{} {}", entry.seq, entry.hash))?;
    Ok(entry)
}

/// Which entries `audit list` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub since: Option<DateTime<Utc>>,
    pub actor: Option<String>,
    /// A substring of the target (`anna.schmidt`, a grant id).
    pub target: Option<String>,
    pub action: Option<String>,
    /// The newest this many (in log order); all when `None`.
    pub last: Option<u32>,
}

impl Cache {
    /// Appends one entry in its own transaction (actions that queue nothing, e.g. a refusal).
    pub fn append_audit(&mut self, record: AuditRecord, at: DateTime<Utc>) -> Result<AuditEntry, Error> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let entry = append(&tx, record, at)?;
        tx.commit()?;
        Ok(entry)
    }

    /// Entries matching `query`, oldest first.
    pub fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT seq, at, actor, action, target, before, after, outcome, rule, detail, op_id, prev_hash, hash
             FROM audit_log ORDER BY seq",
        )?;
        let rows = statement.query_map([], entry_row)?;
        let mut entries = Vec::new();
        for row in rows {
            let entry = row?;
            let keep = query.since.is_none_or(|t| entry.at >= t)
                && query.actor.as_ref().is_none_or(|a| entry.actor.eq_ignore_ascii_case(a))
                && query.action.as_ref().is_none_or(|a| entry.action.eq_ignore_ascii_case(a))
                && query.target.as_ref().is_none_or(|t| entry.target.to_lowercase().contains(&t.to_lowercase()));
            if keep {
                entries.push(entry);
            }
        }
        if let Some(last) = query.last {
            let skip = entries.len().saturating_sub(last as usize);
            entries.drain(..skip);
        }
        Ok(entries)
    }

    /// Verifies the whole chain against the recorded head.
    pub fn verify_audit(&self) -> Result<Verification, Error> {
        let entries = self.audit_entries(&AuditQuery::default())?;
        let head = self.meta_get(AUDIT_HEAD)?;
        let head = head.as_deref().and_then(|h| h.split_once(' ')).and_then(|(s, h)| Some((s.parse().ok()?, h)));
        Ok(audit::verify(&entries, head))
    }
}

fn entry_row(row: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let json = |i: usize| -> rusqlite::Result<Option<serde_json::Value>> {
        let text: Option<String> = row.get(i)?;
        // An entry whose JSON no longer parses keeps it as a string, so verification still sees
        // exactly what is stored (and finds the change).
        Ok(text.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t))))
    };
    let at: String = row.get(1)?;
    Ok(AuditEntry {
        seq: row.get(0)?,
        // An unparseable time cannot hash as written; the epoch makes verification report it.
        at: audit::parse_time(&at).unwrap_or_default(),
        actor: row.get(2)?,
        action: row.get(3)?,
        target: row.get(4)?,
        before: json(5)?,
        after: json(6)?,
        outcome: row.get(7)?,
        rule: row.get(8)?,
        detail: row.get(9)?,
        op_id: row.get(10)?,
        prev_hash: row.get(11)?,
        hash: row.get(12)?,
    })
}
