//! The audit log of everything done through Bailiwick (DESIGN.md, "The model"): append only and
//! hash chained, so `audit verify` finds any entry edited, removed or put out of order.
//!
//! Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields in a
//! fixed order (a JSON array, which serde_json prints deterministically). The first entry
//! chains to [`GENESIS`]. The cache also keeps the last entry's seq and hash (the head), so
//! cutting entries off the end is found too, unless whoever cut them also rewrote the head;
//! exporting the log regularly (or the head, to somewhere else) closes that gap.
//!
//! This module is the pure part (entries, hashing, verification, CSV); the cache stores them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened to an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Allowed by policy and committed to the outbox.
    Queued,
    /// The server applied it.
    Applied,
    /// Policy refused it (the rule is named), here or at the server.
    Refused,
    /// The server or the network failed it for good.
    Failed,
    /// The server holds a newer version than the change was based on.
    Conflict,
    /// A conflict was resolved (keep mine or take theirs).
    Resolved,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Queued => "queued",
            Outcome::Applied => "applied",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::Conflict => "conflict",
            Outcome::Resolved => "resolved",
        }
    }
}

/// An entry to append; the log adds the sequence number, the time and the hashes.
#[derive(Debug, Clone, Default)]
pub struct AuditRecord {
    pub actor: String,
    pub action: String,
    /// What the action was about, for people: `user anna.schmidt`, `grant 1f3e…`.
    pub target: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub outcome: Option<Outcome>,
    /// The policy rule that refused it.
    pub rule: Option<String>,
    pub detail: Option<String>,
    /// The outbox entry it belongs to: the queued entry and its outcome share it.
    pub op_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub outcome: String,
    pub rule: Option<String>,
    pub detail: Option<String>,
    pub op_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The entry `record` becomes when appended after `prev_hash` as number `seq`.
    pub fn chain(record: AuditRecord, seq: i64, at: DateTime<Utc>, prev_hash: &str) -> AuditEntry {
        let mut entry = AuditEntry {
            seq,
            // Stored and hashed at microsecond precision, so the hash survives the round trip.
            at: at.with_timezone(&Utc),
            actor: record.actor,
            action: record.action,
            target: record.target,
            before: record.before,
            after: record.after,
            outcome: record.outcome.unwrap_or(Outcome::Queued).as_str().to_owned(),
            rule: record.rule,
            detail: record.detail,
            op_id: record.op_id,
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        entry.at = parse_time(&time_text(entry.at)).unwrap_or(entry.at);
        entry.hash = entry.computed_hash();
        entry
    }

    /// SHA-256 (hex) over the previous hash and every field but `hash`.
    pub fn computed_hash(&self) -> String {
        let json = |v: &Option<Value>| v.as_ref().map(Value::to_string);
        let fields = serde_json::json!([
            self.prev_hash,
            self.seq,
            time_text(self.at),
            self.actor,
            self.action,
            self.target,
            json(&self.before),
            json(&self.after),
            self.outcome,
            self.rule,
            self.detail,
            self.op_id,
        ]);
        hex(&Sha256::digest(fields.to_string().as_bytes()))
    }
}

/// The time as the log stores and hashes it.
pub fn time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub entries: u64,
    pub intact: bool,
    /// Each break in the chain, in order, naming the entry.
    pub problems: Vec<String>,
}

/// Checks the chain of `entries` (in stored order) against the recorded head
/// (`(seq, hash)` of the last entry appended, if any).
pub fn verify(entries: &[AuditEntry], head: Option<(i64, &str)>) -> Verification {
    let mut problems = Vec::new();
    let mut prev_hash = GENESIS.to_owned();
    let mut expected_seq = 1;
    for entry in entries {
        if entry.seq != expected_seq {
            problems.push(if entry.seq > expected_seq {
                format!("entries {expected_seq} to {} are missing", entry.seq - 1)
            } else {
                format!("entry {} is out of order (expected {expected_seq})", entry.seq)
            });
        }
        if entry.prev_hash != prev_hash {
            problems.push(format!("entry {} does not follow the entry before it (removed or reordered)", entry.seq));
        }
        if entry.computed_hash() != entry.hash {
            problems.push(format!("entry {} was changed after it was written", entry.seq));
        }
        prev_hash = entry.hash.clone();
        expected_seq = entry.seq + 1;
    }
    let last = entries.last().map(|e| (e.seq, e.hash.as_str()));
    match (head, last) {
        (Some((seq, hash)), Some((last_seq, last_hash))) if seq != last_seq || hash != last_hash => {
            problems.push(format!("the log ends at entry {last_seq}, but entry {seq} was the last one written"));
        }
        (Some((seq, _)), None) => problems.push(format!("the log is empty, but {seq} entries were written")),
        _ => {}
    }
    Verification { entries: entries.len() as u64, intact: problems.is_empty(), problems }
}

const CSV_HEADER: &str = "seq,at,actor,action,target,outcome,rule,detail,op_id,before,after,prev_hash,hash";

/// The entries as CSV (RFC 4180: fields quoted where needed, CRLF line ends).
pub fn to_csv(entries: &[AuditEntry]) -> String {
    let mut out = String::with_capacity(64 * (entries.len() + 1));
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    for e in entries {
        let json = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
        let fields = [
            e.seq.to_string(),
            time_text(e.at),
            e.actor.clone(),
            e.action.clone(),
            e.target.clone(),
            e.outcome.clone(),
            e.rule.clone().unwrap_or_default(),
            e.detail.clone().unwrap_or_default(),
            e.op_id.clone().unwrap_or_default(),
            json(&e.before),
            json(&e.after),
            e.prev_hash.clone(),
            e.hash.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A CSV field, quoted when it holds a comma, quote or line break. A leading `=`, `+`, `-` or
/// `@` is prefixed with `'` so a spreadsheet never runs a user-supplied value as a formula.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let start = parse_time("2026-11-27T10:00:00Z").expect("valid time");
        let mut entries: Vec<AuditEntry> = Vec::new();
        for seq in 1..=n {
            let prev = entries.last().map_or(GENESIS.to_owned(), |e| e.hash.clone());
            let record = AuditRecord {
                actor: "ada.emea".into(),
                action: "user.disable".into(),
                target: format!("user u{seq}"),
                before: Some(json!({"active": true})),
                after: Some(json!({"active": false})),
                outcome: Some(Outcome::Queued),
                ..AuditRecord::default()
            };
            entries.push(AuditEntry::chain(record, seq, start + chrono::Duration::seconds(seq), &prev));
        }
        entries
    }

    fn head(entries: &[AuditEntry]) -> Option<(i64, &str)> {
        entries.last().map(|e| (e.seq, e.hash.as_str()))
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let entries = chain(5);
        let v = verify(&entries, head(&entries));
        assert!(v.intact, "{:?}", v.problems);
        assert_eq!(v.entries, 5);
        assert!(verify(&[], None).intact);
    }

    #[test]
    fn an_edited_entry_is_found() {
        let mut entries = chain(5);
        let h = head(&entries).map(|(s, h)| (s, h.to_owned()));
        entries[2].after = Some(json!({"active": true}));
        let v = verify(&entries, h.as_ref().map(|(s, h)| (*s, h.as_str())));
        assert!(!v.intact);
        assert_eq!(v.problems, ["entry 3 was changed after it was written"]);
    }

    #[test]
    fn a_removed_entry_is_found() {
        let mut entries = chain(5);
        let h = head(&entries).map(|(s, h)| (s, h.to_owned()));
        entries.remove(1);
        let v = verify(&entries, h.as_ref().map(|(s, h)| (*s, h.as_str())));
        assert!(!v.intact);
        assert!(v.problems.iter().any(|p| p.contains("entries 2 to 2 are missing")), "{:?}", v.problems);
    }

    #[test]
    fn reordered_entries_are_found_even_with_renumbered_seqs() {
        let mut entries = chain(4);
        let h = head(&entries).map(|(s, h)| (s, h.to_owned()));
        entries.swap(1, 2);
        // Whoever swapped them also fixed the numbers: the hashes still tell.
        entries[1].seq = 2;
        entries[2].seq = 3;
        let v = verify(&entries, h.as_ref().map(|(s, h)| (*s, h.as_str())));
        assert!(!v.intact);
        assert!(v.problems.iter().any(|p| p.contains("does not follow")), "{:?}", v.problems);
    }

    #[test]
    fn a_cut_off_tail_is_found_through_the_head() {
        let mut entries = chain(4);
        let h = head(&entries).map(|(s, h)| (s, h.to_owned()));
        entries.truncate(3);
        let v = verify(&entries, h.as_ref().map(|(s, h)| (*s, h.as_str())));
        assert_eq!(v.problems, ["the log ends at entry 3, but entry 4 was the last one written"]);
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        let csv = to_csv(&chain(2));
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(lines.len(), 4, "header, two entries, and the final line end");
        assert!(lines[1].starts_with("1,2026-11-27T10:00:01.000000Z,ada.emea,user.disable,user u1,queued,"));
    }
}
