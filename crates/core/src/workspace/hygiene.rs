//! Joiner–mover–leaver hygiene (issue 8): access that should not be there any more, found in
//! the cache, each with a one-step fix that goes through policy and the outbox like any change.
//!
//! - leaver: a disabled user still holding roles or open grants → remove them all;
//! - mover: a grant for another BU than its holder's → revoke it;
//! - partner without a grant: an active partner whose access is not time-bound (roles held by
//!   assignment, no open grant) → disable the partner;
//! - expiring: a grant ending within 7 days → extend it by 30 days (within the role's limit).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use tracing::instrument;

use super::Workspace;
use crate::cache::{GrantQuery, UserQuery};
use crate::error::Error;
use crate::grant::Grant;
use crate::operation::{Operation, UserRef};
use crate::user_type::UserType;

/// Grants ending within this many days are listed as expiring.
const EXPIRING_DAYS: i64 = 7;
/// How much longer the fix for an expiring grant makes it (capped by the role's limit).
const EXTEND_BY_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    Leaver,
    Mover,
    PartnerWithoutGrant,
    Expiring,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Leaver => "leaver",
            FindingKind::Mover => "mover",
            FindingKind::PartnerWithoutGrant => "partner-without-grant",
            FindingKind::Expiring => "expiring",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [FindingKind::Leaver, FindingKind::Mover, FindingKind::PartnerWithoutGrant, FindingKind::Expiring]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// Something to look at, and what fixing it does.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable while the situation lasts: `leaver:<user id>`, `mover:<grant id>`, …
    pub id: String,
    pub kind: FindingKind,
    pub user: String,
    pub detail: String,
    /// What `hygiene fix ID` does.
    pub fix: String,
    #[serde(skip)]
    operations: Vec<Operation>,
}

impl Workspace {
    /// Every finding in the cache, by kind then user.
    #[instrument(skip_all)]
    pub fn hygiene(&self) -> Result<Vec<Finding>, Error> {
        let now = Utc::now();
        let cache = self.read_cache()?;
        let users = cache.list_users(&UserQuery::default())?;
        let grants: Vec<Grant> =
            cache.list_grants(&GrantQuery::default(), now)?.into_iter().filter(|g| g.status.is_open()).collect();
        let catalog = self.profile.catalog();
        let mut findings = Vec::new();
        for user in &users {
            let theirs: Vec<&Grant> = grants.iter().filter(|g| g.user_id == user.id).collect();
            let user_ref = || UserRef { id: Some(user.id.clone()), user_name: user.user_name.clone() };
            if !user.active && (!user.roles.is_empty() || !theirs.is_empty()) {
                let mut operations = Vec::new();
                for role in user.roles.iter().filter(|r| catalog.role(r).is_some()) {
                    if let Some(group) = cache.group(role)? {
                        operations.push(Operation::RemoveRole {
                            user: user_ref(),
                            role: role.clone(),
                            role_id: group.id,
                        });
                    }
                }
                for grant in &theirs {
                    operations.push(Operation::RevokeGrant { grant_id: grant.id.clone(), role: grant.role.clone() });
                }
                findings.push(Finding {
                    id: format!("leaver:{}", user.id),
                    kind: FindingKind::Leaver,
                    user: user.user_name.clone(),
                    detail: format!(
                        "disabled, still holds {} roles and {} open grants",
                        user.roles.len(),
                        theirs.len()
                    ),
                    fix: format!("remove the {} catalog roles and revoke the grants", operations.len() - theirs.len()),
                    operations,
                });
            }
            if user.user_type == UserType::Partner && user.active && theirs.is_empty() && !user.roles.is_empty() {
                findings.push(Finding {
                    id: format!("partner-without-grant:{}", user.id),
                    kind: FindingKind::PartnerWithoutGrant,
                    user: user.user_name.clone(),
                    detail: format!("partner holding {} without a time-bound grant", user.roles.join(", ")),
                    fix: "disable the partner (grant what they still need, for a time)".into(),
                    operations: vec![Operation::SetUserActive {
                        user_id: user.id.clone(),
                        user_name: user.user_name.clone(),
                        active: false,
                    }],
                });
            }
            for grant in &theirs {
                let user_bu = user.bu.as_deref().and_then(crate::scope::BuPath::parse);
                if user_bu.as_ref().is_some_and(|bu| !grant.bu.covers(bu)) {
                    findings.push(Finding {
                        id: format!("mover:{}", grant.id),
                        kind: FindingKind::Mover,
                        user: user.user_name.clone(),
                        detail: format!(
                            "holds {} in {} but belongs to {}",
                            grant.role,
                            grant.bu,
                            user.bu.as_deref().unwrap_or("-")
                        ),
                        fix: "revoke the grant".into(),
                        operations: vec![Operation::RevokeGrant {
                            grant_id: grant.id.clone(),
                            role: grant.role.clone(),
                        }],
                    });
                }
                if grant.valid_until <= now + Duration::days(EXPIRING_DAYS) {
                    let limit = catalog.role(&grant.role).map_or(i64::from(u32::MAX), |r| i64::from(r.max_grant_days));
                    let until = extended_end(grant, limit);
                    findings.push(Finding {
                        id: format!("expiring:{}", grant.id),
                        kind: FindingKind::Expiring,
                        user: user.user_name.clone(),
                        detail: format!("{} ends {}", grant.role, crate::operation::time(grant.valid_until)),
                        fix: format!("extend it to {}", crate::operation::time(until)),
                        operations: vec![Operation::ExtendGrant {
                            grant_id: grant.id.clone(),
                            role: grant.role.clone(),
                            valid_until: until,
                        }],
                    });
                }
            }
        }
        findings.sort_by(|a, b| (a.kind as u8, &a.user).cmp(&(b.kind as u8, &b.user)));
        Ok(findings)
    }

    /// Records the fix of finding `id` (each change checked by policy) and returns the outbox
    /// entries; hosts push them like any change.
    #[instrument(skip_all)]
    pub fn fix_finding(&self, id: &str) -> Result<Vec<String>, Error> {
        let finding = self.hygiene()?.into_iter().find(|f| f.id == id).ok_or_else(|| {
            Error::NotFound(format!("no finding {id} (it may be fixed already; see `bailiwick hygiene`)"))
        })?;
        let mut recorded = Vec::new();
        for operation in finding.operations {
            let entry = match &operation {
                Operation::RevokeGrant { grant_id, .. } => self.revoke_grant(grant_id)?.entry,
                Operation::ExtendGrant { grant_id, valid_until, .. } => {
                    self.extend_grant(grant_id, *valid_until)?.entry
                }
                Operation::SetUserActive { user_id, active, .. } => self.set_user_active(user_id, *active)?.entry,
                _ => self.record(operation, None, None, None)?.entry,
            };
            recorded.push(entry.id);
        }
        Ok(recorded)
    }
}

/// 30 days more, but never past the role's longest grant from the grant's start.
fn extended_end(grant: &Grant, max_days: i64) -> DateTime<Utc> {
    let wanted = grant.valid_until + Duration::days(EXTEND_BY_DAYS);
    let cap = grant.valid_from + Duration::days(max_days);
    wanted.min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grant::{GrantMode, GrantStatus};
    use crate::scope::BuPath;

    #[test]
    fn an_expiring_grant_is_extended_within_the_roles_limit() {
        let at = |t: &str| DateTime::parse_from_rfc3339(t).expect("time").with_timezone(&Utc);
        let grant = Grant {
            id: "g".into(),
            user: "u".into(),
            user_id: "u".into(),
            role: "R".into(),
            role_id: "r".into(),
            bu: BuPath::parse("EMEA").expect("bu"),
            valid_from: at("2026-11-01T00:00:00Z"),
            valid_until: at("2026-11-30T00:00:00Z"),
            justification: String::new(),
            requester: "a".into(),
            approver: None,
            status: GrantStatus::Active,
            version: None,
            mode: GrantMode::Server,
        };
        assert_eq!(extended_end(&grant, 90), at("2026-12-30T00:00:00Z"), "30 days more");
        assert_eq!(extended_end(&grant, 45), at("2026-12-16T00:00:00Z"), "capped at the role's 45 days");
        assert_eq!(FindingKind::parse("Partner-Without-Grant"), Some(FindingKind::PartnerWithoutGrant));
    }
}
