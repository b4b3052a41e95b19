//! Grants: time-bound role assignments (DESIGN.md, "The model").
//!
//! A grant gives a user a role in one BU from `valid_from` to `valid_until`. Where the server
//! offers the Grant resource type it holds grants and enforces their windows (server mode);
//! elsewhere Bailiwick keeps its own ledger of plain memberships and removes them when they
//! expire (ledger mode).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::scope::BuPath;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum GrantStatus {
    /// Waiting for a second admin's approval.
    Pending,
    Active,
    Expired,
    Revoked,
    Rejected,
}

impl GrantStatus {
    pub const ALL: [GrantStatus; 5] =
        [GrantStatus::Pending, GrantStatus::Active, GrantStatus::Expired, GrantStatus::Revoked, GrantStatus::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            GrantStatus::Pending => "pending",
            GrantStatus::Active => "active",
            GrantStatus::Expired => "expired",
            GrantStatus::Revoked => "revoked",
            GrantStatus::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Pending and active grants can still change; the others are history.
    pub fn is_open(self) -> bool {
        matches!(self, GrantStatus::Pending | GrantStatus::Active)
    }
}

impl std::fmt::Display for GrantStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::str::FromStr for GrantStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
            .ok_or_else(|| format!("unknown grant status {text:?} (pending, active, expired, revoked, rejected)"))
    }
}

/// Who holds grants and enforces their windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum GrantMode {
    /// The server offers the Grant resource type (`/ResourceTypes`): it holds grants, enforces
    /// their windows and expires them on time.
    Server,
    /// Any other SCIM server: a grant is a plain group membership plus an entry in Bailiwick's
    /// own ledger; expired memberships are removed on every sync and by `grants sweep`.
    Ledger,
}

impl GrantMode {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantMode::Server => "server",
            GrantMode::Ledger => "ledger",
        }
    }

    /// What the mode means for the admin, shown by the CLI and the UI.
    pub fn explanation(self) -> &'static str {
        match self {
            GrantMode::Server => {
                "the directory holds the grants and ends each one on time by itself, even when Bailiwick is closed"
            }
            GrantMode::Ledger => {
                "the directory only knows group memberships; Bailiwick keeps the grant windows and removes expired \
                 memberships on every sync and with `bailiwick grants sweep` (run it from a scheduled task)"
            }
        }
    }
}

/// A grant as the cache holds it (and `grants list --json` prints it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub id: String,
    /// The user: their userName when the cache knows them, else their id.
    pub user: String,
    pub user_id: String,
    /// The role's name (its group's displayName).
    pub role: String,
    /// The role's group id.
    pub role_id: String,
    pub bu: BuPath,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub justification: String,
    pub requester: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub approver: Option<String>,
    pub status: GrantStatus,
    /// The ETag it was read with (server mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub version: Option<String>,
    pub mode: GrantMode,
}

impl Grant {
    /// The status the grant has at `now`: an active grant past its end is expired even before
    /// anyone has told the cache (a sweep, or the server on the next sync).
    pub fn status_at(&self, now: DateTime<Utc>) -> GrantStatus {
        match self.status {
            GrantStatus::Active if now >= self.valid_until => GrantStatus::Expired,
            other => other,
        }
    }

    /// Open and ending within `days` of `now`.
    pub fn expires_within(&self, now: DateTime<Utc>, days: u32) -> bool {
        self.status_at(now).is_open() && self.valid_until <= now + chrono::Duration::days(i64::from(days))
    }
}

impl Grant {
    /// A server-mode grant from its SCIM resource (`urn:bailiwick:…:Grant`); `None` when a
    /// required attribute is missing or malformed (the caller reports it, never guesses).
    pub fn from_scim(resource: &serde_json::Value) -> Option<Grant> {
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let time = |v: &serde_json::Value| {
            v.as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc))
        };
        Some(Grant {
            id: text(&resource["id"])?,
            user: text(&resource["user"]["value"])?,
            user_id: text(&resource["user"]["value"])?,
            role: text(&resource["role"]["display"]).unwrap_or_default(),
            role_id: text(&resource["role"]["value"])?,
            bu: resource["bu"].as_str().and_then(BuPath::parse)?,
            valid_from: time(&resource["validFrom"])?,
            valid_until: time(&resource["validUntil"])?,
            justification: text(&resource["justification"]).unwrap_or_default(),
            requester: text(&resource["requester"]).unwrap_or_default(),
            approver: text(&resource["approver"]),
            status: resource["status"].as_str().and_then(GrantStatus::parse)?,
            version: text(&resource["meta"]["version"]),
            mode: GrantMode::Server,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("valid time").with_timezone(&Utc)
    }

    #[test]
    fn a_scim_grant_is_read_and_a_broken_one_refused() {
        let resource = json!({
            "id": "g1", "user": {"value": "u1", "display": "Anna"}, "role": {"value": "r1", "display": "Template Designer"},
            "bu": "EMEA/DE", "validFrom": "2026-11-01T00:00:00Z", "validUntil": "2026-12-01T00:00:00Z",
            "justification": "print run", "requester": "ada.emea", "status": "active", "meta": {"version": "W/\"3\""}
        });
        let grant = Grant::from_scim(&resource).expect("a complete grant");
        assert_eq!(
            (grant.role.as_str(), grant.bu.as_str(), grant.status),
            ("Template Designer", "EMEA/DE", GrantStatus::Active)
        );
        assert_eq!(grant.version.as_deref(), Some("W/\"3\""));
        let mut broken = resource.clone();
        broken["validUntil"] = json!("next week");
        assert!(Grant::from_scim(&broken).is_none());
        let mut unknown = resource;
        unknown["status"] = json!("paused");
        assert!(Grant::from_scim(&unknown).is_none());
    }

    #[test]
    fn an_active_grant_past_its_end_counts_as_expired() {
        let grant = Grant {
            id: "g".into(),
            user: "u".into(),
            user_id: "u".into(),
            role: "R".into(),
            role_id: "r".into(),
            bu: BuPath::parse("EMEA").expect("bu"),
            valid_from: at("2026-11-01T00:00:00Z"),
            valid_until: at("2026-11-10T00:00:00Z"),
            justification: String::new(),
            requester: "a".into(),
            approver: None,
            status: GrantStatus::Active,
            version: None,
            mode: GrantMode::Ledger,
        };
        assert_eq!(grant.status_at(at("2026-11-09T23:59:59Z")), GrantStatus::Active);
        assert_eq!(grant.status_at(at("2026-11-10T00:00:00Z")), GrantStatus::Expired);
        assert!(grant.expires_within(at("2026-11-05T00:00:00Z"), 5));
        assert!(!grant.expires_within(at("2026-11-04T23:59:59Z"), 5));
    }
}
