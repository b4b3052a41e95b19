//! Access reviews (issue 8): every assignment and grant of a scope becomes an item with hints
//! that help decide; the reviewer keeps, revokes or shortens each, offline if need be; the
//! decisions are submitted through the outbox, each re-checked against the server's version.
//!
//! This module is the pure part: items, hints, decisions, item selections, the report.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::grant::GrantStatus;
use crate::roles::{RoleCatalog, Sensitivity};
use crate::user_type::UserType;

/// Grants ending within this many days get the `expiring` hint.
pub const EXPIRING_WITHIN_DAYS: i64 = 14;

/// Grants running for longer than this many days get the `long-standing` hint: time-bound access
/// renewed again and again is permanent access in disguise. (A permanent assignment carries no
/// start date in SCIM, so only grants can be dated.)
pub const LONG_STANDING_DAYS: i64 = 180;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReviewItemKind"))]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    /// A permanent membership of a role's group.
    Assignment,
    /// A time-bound grant.
    Grant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReviewDecision"))]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Keep,
    Revoke,
    /// Grants only: end earlier (`new_until`).
    Shorten,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Keep => "keep",
            Decision::Revoke => "revoke",
            Decision::Shorten => "shorten",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Decision::Keep, Decision::Revoke, Decision::Shorten]
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// Why an item deserves a second look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReviewHint"))]
#[serde(rename_all = "kebab-case")]
pub enum Hint {
    /// The holder is a partner (external).
    Partner,
    /// The role is of high sensitivity.
    Sensitive,
    /// The holder also holds a role this one must not be combined with.
    SeparationOfDuties,
    /// The holder is disabled but still holds the role.
    Leaver,
    /// The grant is for another BU than the holder's (the holder moved, or was granted across).
    Mover,
    /// The grant ends soon.
    Expiring,
    /// The grant started long ago (more than [`LONG_STANDING_DAYS`]).
    LongStanding,
}

impl Hint {
    pub fn as_str(self) -> &'static str {
        match self {
            Hint::Partner => "partner",
            Hint::Sensitive => "sensitive",
            Hint::SeparationOfDuties => "separation-of-duties",
            Hint::Leaver => "leaver",
            Hint::Mover => "mover",
            Hint::Expiring => "expiring",
            Hint::LongStanding => "long-standing",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Hint::Partner,
            Hint::Sensitive,
            Hint::SeparationOfDuties,
            Hint::Leaver,
            Hint::Mover,
            Hint::Expiring,
            Hint::LongStanding,
        ]
        .into_iter()
        .find(|h| h.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// What the hints are computed from.
#[derive(Debug, Clone)]
pub struct HolderFacts<'a> {
    pub user_type: UserType,
    pub active: bool,
    pub user_bu: Option<&'a str>,
    /// Every role the holder holds (assignments and open grants).
    pub roles: &'a [String],
}

/// A grant's facts for its hints.
#[derive(Debug, Clone, Copy)]
pub struct GrantWindow<'a> {
    pub bu: &'a str,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub status: GrantStatus,
}

/// The hints of one item (sorted, each once).
pub fn hints(
    catalog: &RoleCatalog,
    role: &str,
    holder: &HolderFacts<'_>,
    grant: Option<GrantWindow<'_>>,
    now: DateTime<Utc>,
) -> Vec<Hint> {
    let mut hints = Vec::new();
    if holder.user_type == UserType::Partner {
        hints.push(Hint::Partner);
    }
    if catalog.role(role).is_some_and(|r| r.sensitivity == Sensitivity::High) {
        hints.push(Hint::Sensitive);
    }
    if holder.roles.iter().any(|other| catalog.conflicts_between(role, other).next().is_some()) {
        hints.push(Hint::SeparationOfDuties);
    }
    if !holder.active {
        hints.push(Hint::Leaver);
    }
    if let Some(grant) = grant {
        let grant_bu = grant.bu;
        if holder.user_bu.is_some_and(|bu| bu != grant_bu && !bu.starts_with(&format!("{grant_bu}/"))) {
            hints.push(Hint::Mover);
        }
        if grant.status.is_open() && grant.valid_until <= now + chrono::Duration::days(EXPIRING_WITHIN_DAYS) {
            hints.push(Hint::Expiring);
        }
        if grant.valid_from < now - chrono::Duration::days(LONG_STANDING_DAYS) {
            hints.push(Hint::LongStanding);
        }
    }
    hints.sort();
    hints.dedup();
    hints
}

/// One item of a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReviewItem {
    pub item: u32,
    pub kind: ItemKind,
    pub user_id: String,
    pub user_name: String,
    pub user_bu: Option<String>,
    pub role: String,
    pub role_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub grant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub grant_bu: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub valid_until: Option<DateTime<Utc>>,
    pub base_version: Option<String>,
    pub hints: Vec<Hint>,
    pub decision: Option<Decision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub new_until: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub decided_by: Option<String>,
    /// After submit: the outbox entry a revoke or shorten became.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub op_id: Option<String>,
    /// After submit, for a revoke or shorten: `applied` (confirmed by the server, or applied at once
    /// to a ledger grant), the outbox entry's state until then (`queued`, `conflict`, `failed`, …),
    /// or `refused: <reason>`. `None` for a kept item.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub outcome: Option<String>,
}

/// Parses `3`, `1-50`, `1-5,9,12-14`, or `all` (every item number up to `max`).
pub fn parse_selection(text: &str, max: u32) -> Result<Vec<u32>, String> {
    if text.trim().eq_ignore_ascii_case("all") {
        return Ok((1..=max).collect());
    }
    let mut items = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let number = |t: &str| t.trim().parse::<u32>().map_err(|_| format!("{t:?} is not an item number"));
        let (from, to) = match part.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => (number(part)?, number(part)?),
        };
        if from == 0 || to < from {
            return Err(format!("{part:?} is not a range of item numbers (they start at 1)"));
        }
        if to > max {
            return Err(format!("item {to} does not exist: the review has {max} items"));
        }
        items.extend(from..=to);
    }
    if items.is_empty() {
        return Err("name at least one item (3, 1-50, 1-5,9 or all)".into());
    }
    items.sort_unstable();
    items.dedup();
    Ok(items)
}

/// A review and its items, as `review report` exports it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewReport {
    pub review: String,
    pub bu: Option<String>,
    pub started_at: DateTime<Utc>,
    pub started_by: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub items: Vec<ReviewItem>,
}

const REPORT_HEADER: &str =
    "review,item,kind,user,user_bu,role,grant,hints,decision,new_until,note,decided_by,decided_at,outcome";

/// The report as CSV (RFC 4180; formulas defused like the audit export).
pub fn report_csv(report: &ReviewReport) -> String {
    use crate::audit::csv_field;
    let mut out = format!("{REPORT_HEADER}\r\n");
    let time =
        |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default();
    for i in &report.items {
        let hints: Vec<&str> = i.hints.iter().map(|h| h.as_str()).collect();
        let fields = [
            report.review.clone(),
            i.item.to_string(),
            format!("{:?}", i.kind).to_lowercase(),
            i.user_name.clone(),
            i.user_bu.clone().unwrap_or_default(),
            i.role.clone(),
            i.grant_id.clone().unwrap_or_default(),
            hints.join(" "),
            i.decision.map(|d| d.as_str().to_owned()).unwrap_or_default(),
            time(i.new_until),
            i.note.clone().unwrap_or_default(),
            i.decided_by.clone().unwrap_or_default(),
            time(i.decided_at),
            i.outcome.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::{ConflictingRoles, Role};

    fn catalog() -> RoleCatalog {
        let role = |name: &str, sensitivity| Role {
            name: name.into(),
            description: None,
            sensitivity,
            partner_allowed: true,
            max_grant_days: 90,
            needs_approval: false,
            confers: Vec::new(),
        };
        RoleCatalog {
            roles: vec![
                role("Author", Sensitivity::Low),
                role("Reviewer", Sensitivity::Low),
                role("Admin", Sensitivity::High),
            ],
            separation_of_duties: vec![ConflictingRoles {
                roles: ["Author".into(), "Reviewer".into()],
                reason: "four eyes on content".into(),
            }],
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z").expect("time").with_timezone(&Utc)
    }

    #[test]
    fn hints_name_what_deserves_a_second_look() {
        let roles = vec!["Author".to_owned(), "Reviewer".to_owned()];
        let holder =
            HolderFacts { user_type: UserType::Partner, active: false, user_bu: Some("EMEA/FR"), roles: &roles };
        let soon = now() + chrono::Duration::days(3);
        let long_ago = now() - chrono::Duration::days(LONG_STANDING_DAYS + 1);
        let window = |from, until| GrantWindow {
            bu: "EMEA/DE",
            valid_from: from,
            valid_until: until,
            status: GrantStatus::Active,
        };
        let found = hints(&catalog(), "Author", &holder, Some(window(long_ago, soon)), now());
        assert_eq!(
            found,
            [Hint::Partner, Hint::SeparationOfDuties, Hint::Leaver, Hint::Mover, Hint::Expiring, Hint::LongStanding]
        );

        let plain =
            HolderFacts { user_type: UserType::Employee, active: true, user_bu: Some("EMEA/DE/Berlin"), roles: &[] };
        let later = now() + chrono::Duration::days(60);
        assert_eq!(hints(&catalog(), "Author", &plain, Some(window(now(), later)), now()), []);
        assert_eq!(hints(&catalog(), "Admin", &plain, None, now()), [Hint::Sensitive]);
    }

    #[test]
    fn selections_take_numbers_ranges_and_all() {
        assert_eq!(parse_selection("3", 10), Ok(vec![3]));
        assert_eq!(parse_selection("1-3, 7,2", 10), Ok(vec![1, 2, 3, 7]));
        assert_eq!(parse_selection("all", 4), Ok(vec![1, 2, 3, 4]));
        assert!(parse_selection("0", 10).is_err());
        assert!(parse_selection("5-2", 10).is_err());
        assert!(parse_selection("11", 10).expect_err("beyond the end").contains("10 items"));
        assert!(parse_selection("x", 10).is_err());
        assert!(parse_selection("", 10).is_err());
    }
}
