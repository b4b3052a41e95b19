//! Access reviews in the cache: the open review's snapshot of items and every decision, saved
//! as it is made.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;

use super::{audit_log, Cache};
use crate::audit::{AuditRecord, Outcome};
use crate::error::Error;
use crate::review::{Decision, Hint, ItemKind, ReviewItem};

/// A review's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub id: String,
    pub started_at: DateTime<Utc>,
    pub started_by: String,
    pub bu: Option<String>,
    pub open: bool,
    pub submitted_at: Option<DateTime<Utc>>,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn parse_time(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&Utc))
}

const ITEM_COLUMNS: &str =
    "i.item, i.kind, i.user_id, i.user_name, i.user_bu, i.role, i.role_id, i.grant_id, i.grant_bu,
    i.valid_until, i.base_version, i.hints, i.decision, i.new_until, i.note, i.decided_at, i.decided_by, i.op_id,
    o.state, i.refused";

impl Cache {
    /// Stores a new open review with its items, and audits its start, in one transaction.
    pub fn start_review(&mut self, review: &Review, items: &[ReviewItem]) -> Result<(), Error> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let open: Option<String> =
            tx.query_row("SELECT id FROM reviews WHERE state = 'open'", [], |row| row.get(0)).optional()?;
        if let Some(open) = open {
            return Err(Error::Usage(format!(
                "review {open} is still open: submit it first (`bailiwick review submit`)"
            )));
        }
        tx.execute(
            "INSERT INTO reviews (id, started_at, started_by, bu, state) VALUES (?1, ?2, ?3, ?4, 'open')",
            params![review.id, time(review.started_at), review.started_by, review.bu],
        )?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO review_items (review_id, item, kind, user_id, user_name, user_bu, role, role_id, grant_id,
                     grant_bu, valid_until, base_version, hints)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            for i in items {
                let hints: Vec<&str> = i.hints.iter().map(|h| h.as_str()).collect();
                insert.execute(params![
                    review.id,
                    i.item,
                    if i.kind == ItemKind::Grant { "grant" } else { "assignment" },
                    i.user_id,
                    i.user_name,
                    i.user_bu,
                    i.role,
                    i.role_id,
                    i.grant_id,
                    i.grant_bu,
                    i.valid_until.map(time),
                    i.base_version,
                    serde_json::to_string(&hints).unwrap_or_else(|_| "[]".into()),
                ])?;
            }
        }
        audit_log::append(
            &tx,
            AuditRecord {
                actor: review.started_by.clone(),
                action: "review.start".into(),
                target: format!("review {} of {}", review.id, review.bu.as_deref().unwrap_or("the whole scope")),
                after: Some(serde_json::json!({ "items": items.len() })),
                outcome: Some(Outcome::Applied),
                ..AuditRecord::default()
            },
            review.started_at,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The open review, else the latest one.
    pub fn current_review(&self) -> Result<Option<Review>, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, started_at, started_by, bu, state, submitted_at FROM reviews
                 ORDER BY state = 'open' DESC, started_at DESC LIMIT 1",
                [],
                |row| {
                    let state: String = row.get(4)?;
                    Ok(Review {
                        id: row.get(0)?,
                        started_at: parse_time(row.get(1)?).unwrap_or_default(),
                        started_by: row.get(2)?,
                        bu: row.get(3)?,
                        open: state == "open",
                        submitted_at: parse_time(row.get(5)?),
                    })
                },
            )
            .optional()?)
    }

    /// The items of `review`, in item order, with their outcome when submitted.
    pub fn review_items(&self, review: &str) -> Result<Vec<ReviewItem>, Error> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM review_items i LEFT JOIN outbox o ON o.id = i.op_id
             WHERE i.review_id = ?1 ORDER BY i.item"
        );
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map([review], item_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Records a decision on `items` (all in one transaction), each with its audit entry.
    #[allow(clippy::too_many_arguments)] // one decision's facts, all recorded
    pub fn decide_items(
        &mut self,
        review: &str,
        items: &[u32],
        decision: Decision,
        new_until: Option<DateTime<Utc>>,
        note: Option<&str>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for item in items {
            let changed = tx.execute(
                "UPDATE review_items SET decision = ?3, new_until = ?4, note = ?5, decided_at = ?6, decided_by = ?7
                 WHERE review_id = ?1 AND item = ?2 AND op_id IS NULL",
                params![review, item, decision.as_str(), new_until.map(time), note, time(now), by],
            )?;
            if changed == 0 {
                return Err(Error::Usage(format!("item {item} does not exist or was submitted already")));
            }
        }
        audit_log::append(
            &tx,
            AuditRecord {
                actor: by.to_owned(),
                action: "review.decide".into(),
                target: format!("review {review}, items {}", compact(items)),
                after: Some(serde_json::json!({"decision": decision.as_str(), "newUntil": new_until, "note": note})),
                outcome: Some(Outcome::Applied),
                ..AuditRecord::default()
            },
            now,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Links a submitted item to the outbox entry it became.
    pub fn link_review_item(&self, review: &str, item: u32, op_id: &str) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE review_items SET op_id = ?3 WHERE review_id = ?1 AND item = ?2",
            params![review, item, op_id],
        )?;
        Ok(())
    }

    /// Records why a submitted item's change could not be recorded.
    pub fn refuse_review_item(&self, review: &str, item: u32, reason: &str) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE review_items SET refused = ?3 WHERE review_id = ?1 AND item = ?2",
            params![review, item, reason],
        )?;
        Ok(())
    }

    /// Closes the review and audits the submission.
    pub fn close_review(
        &mut self,
        review: &str,
        by: &str,
        summary: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE reviews SET state = 'submitted', submitted_at = ?2 WHERE id = ?1",
            params![review, time(now)],
        )?;
        audit_log::append(
            &tx,
            AuditRecord {
                actor: by.to_owned(),
                action: "review.submit".into(),
                target: format!("review {review}"),
                after: Some(summary),
                outcome: Some(Outcome::Applied),
                ..AuditRecord::default()
            },
            now,
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// `1-3,7` for `[1, 2, 3, 7]`.
fn compact(items: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let start = items[i];
        let mut end = start;
        while i + 1 < items.len() && items[i + 1] == end + 1 {
            i += 1;
            end = items[i];
        }
        parts.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
        i += 1;
    }
    parts.join(",")
}

fn item_row(row: &Row<'_>) -> rusqlite::Result<ReviewItem> {
    let kind: String = row.get(1)?;
    let hints: String = row.get(11)?;
    let hints: Vec<String> = serde_json::from_str(&hints).unwrap_or_default();
    let decision: Option<String> = row.get(12)?;
    let op_id: Option<String> = row.get(17)?;
    let state: Option<String> = row.get(18)?;
    let refused: Option<String> = row.get(19)?;
    let decision = decision.as_deref().and_then(Decision::parse);
    // A linked change without an outbox row was applied locally at once (a ledger grant).
    let outcome = match (&op_id, refused) {
        (Some(_), _) => Some(match state.as_deref() {
            Some("done") | None => "applied".to_owned(),
            Some(other) => other.to_owned(),
        }),
        (None, Some(reason)) => Some(format!("refused: {reason}")),
        (None, None) => None,
    };
    Ok(ReviewItem {
        item: row.get(0)?,
        kind: if kind == "grant" { ItemKind::Grant } else { ItemKind::Assignment },
        user_id: row.get(2)?,
        user_name: row.get(3)?,
        user_bu: row.get(4)?,
        role: row.get(5)?,
        role_id: row.get(6)?,
        grant_id: row.get(7)?,
        grant_bu: row.get(8)?,
        valid_until: parse_time(row.get(9)?),
        base_version: row.get(10)?,
        hints: hints.iter().filter_map(|h| Hint::parse(h)).collect(),
        decision,
        new_until: parse_time(row.get(13)?),
        note: row.get(14)?,
        decided_at: parse_time(row.get(15)?),
        decided_by: row.get(16)?,
        op_id,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::compact;

    #[test]
    fn item_lists_are_compacted_into_ranges() {
        assert_eq!(compact(&[1, 2, 3, 7, 9, 10]), "1-3,7,9-10");
        assert_eq!(compact(&[4]), "4");
        assert_eq!(compact(&[]), "");
    }
}
