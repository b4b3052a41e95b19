//! Access reviews (issue 8), offline first: a review is a snapshot of the cache; decisions are
//! saved as they are made; submitting records each revoke or shorten in the outbox based on the
//! version the reviewer saw, so anything that changed on the server meanwhile becomes a
//! conflict to look at, never a silent overwrite.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::{info, instrument, warn};

use super::Workspace;
use crate::admin::Capability;
use crate::cache::{GrantQuery, Review, UserQuery};
use crate::error::Error;
use crate::grant::{GrantMode, GrantStatus};
use crate::operation::{Operation, UserRef};
use crate::outbox::PushReport;
use crate::policy::{Refusal, Rule};
use crate::review::{self, Decision, HolderFacts, ItemKind, ReviewItem, ReviewReport};
use crate::scope::BuPath;

/// What `review submit` did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Submission {
    pub review: String,
    pub kept: u32,
    /// Revocations and shortenings recorded in the outbox.
    pub queued: u32,
    /// Decisions policy refused when they were recorded (see the items).
    pub refused: u32,
    pub undecided: u32,
    /// The push that followed; `None` offline.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub push: Option<PushReport>,
}

impl Workspace {
    fn reviewer(&self) -> Result<crate::admin::AdminContext, Error> {
        let admin = self.recording_admin()?;
        if !admin.can(Capability::Review) {
            return Err(Error::Refused(Refusal {
                rule: Rule::Capability,
                message: format!(
                    "access reviews need the review capability, which {} does not hold",
                    admin.display_name
                ),
                remedy: "ask central IT for the review capability on these business units".into(),
            }));
        }
        Ok(admin)
    }

    /// Starts a review of `bu` (or of the whole scope): every cached assignment of a catalog
    /// role and every open grant becomes an item, with its hints.
    #[instrument(skip_all)]
    pub fn start_review(&self, bu: Option<BuPath>) -> Result<(Review, Vec<ReviewItem>), Error> {
        let admin = self.reviewer()?;
        if let Some(bu) = bu.as_ref().filter(|b| !admin.bu_scopes.covers(b)) {
            return Err(Error::Refused(Refusal {
                rule: Rule::Scope,
                message: format!("{bu} is outside your business units"),
                remedy: "review a BU your scopes cover, or the whole scope (no --bu)".into(),
            }));
        }
        let now = Utc::now();
        let catalog = self.profile.catalog();
        let mut cache = self.read_cache()?;
        let users = cache.list_users(&UserQuery { bu: bu.clone(), ..UserQuery::default() })?;
        let grants: Vec<_> = cache
            .list_grants(&GrantQuery::default(), now)?
            .into_iter()
            .filter(|g| g.status.is_open())
            .filter(|g| bu.as_ref().is_none_or(|b| b.covers(&g.bu)))
            .collect();
        // A membership an active grant made is reviewed as the grant.
        let granted: HashSet<(String, String)> = grants
            .iter()
            .filter(|g| g.status == GrantStatus::Active)
            .map(|g| (g.user_id.clone(), g.role_id.clone()))
            .collect();
        let mut items = Vec::new();
        for user in &users {
            let mut held = user.roles.clone();
            held.extend(grants.iter().filter(|g| g.user_id == user.id).map(|g| g.role.clone()));
            let holder = HolderFacts {
                user_type: user.user_type,
                active: user.active,
                user_bu: user.bu.as_deref(),
                roles: &held,
            };
            let version = cache.user_version(&user.id)?;
            for role in &user.roles {
                let (Some(_), Some(group)) = (catalog.role(role), cache.group(role)?) else { continue };
                if granted.contains(&(user.id.clone(), group.id.clone())) {
                    continue;
                }
                items.push(ReviewItem {
                    item: items.len() as u32 + 1,
                    kind: ItemKind::Assignment,
                    user_id: user.id.clone(),
                    user_name: user.user_name.clone(),
                    user_bu: user.bu.clone(),
                    role: role.clone(),
                    role_id: group.id,
                    grant_id: None,
                    grant_bu: None,
                    valid_until: None,
                    base_version: version.clone(),
                    hints: review::hints(&catalog, role, &holder, None, now),
                    decision: None,
                    new_until: None,
                    note: None,
                    decided_at: None,
                    decided_by: None,
                    op_id: None,
                    outcome: None,
                });
            }
            for grant in grants.iter().filter(|g| g.user_id == user.id) {
                items.push(ReviewItem {
                    item: items.len() as u32 + 1,
                    kind: ItemKind::Grant,
                    user_id: user.id.clone(),
                    user_name: user.user_name.clone(),
                    user_bu: user.bu.clone(),
                    role: grant.role.clone(),
                    role_id: grant.role_id.clone(),
                    grant_id: Some(grant.id.clone()),
                    grant_bu: Some(grant.bu.as_str().to_owned()),
                    valid_until: Some(grant.valid_until),
                    base_version: grant.version.clone(),
                    hints: review::hints(
                        &catalog,
                        &grant.role,
                        &holder,
                        Some(review::GrantWindow {
                            bu: grant.bu.as_str(),
                            valid_from: grant.valid_from,
                            valid_until: grant.valid_until,
                            status: grant.status,
                        }),
                        now,
                    ),
                    decision: None,
                    new_until: None,
                    note: None,
                    decided_at: None,
                    decided_by: None,
                    op_id: None,
                    outcome: None,
                });
            }
        }
        let review = Review {
            id: uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
            started_at: now,
            started_by: admin.display_name.clone(),
            bu: bu.map(|b| b.as_str().to_owned()),
            open: true,
            submitted_at: None,
        };
        cache.start_review(&review, &items)?;
        info!(review = %review.id, items = items.len(), "review started");
        Ok((review, items))
    }

    /// The open review (else the latest) and its items.
    pub fn review(&self) -> Result<Option<(Review, Vec<ReviewItem>)>, Error> {
        let cache = self.read_cache()?;
        let Some(review) = cache.current_review()? else { return Ok(None) };
        let items = cache.review_items(&review.id)?;
        Ok(Some((review, items)))
    }

    fn open_review(&self) -> Result<(Review, Vec<ReviewItem>), Error> {
        match self.review()? {
            Some((review, items)) if review.open => Ok((review, items)),
            _ => Err(Error::Usage("no review is open: start one with `bailiwick review start`".into())),
        }
    }

    /// Decides the items `selection` names (`3`, `1-50`, `1-5,9`, `all`). Shortening needs
    /// `new_until`, and applies to grants only.
    #[instrument(skip_all)]
    pub fn decide_review(
        &self,
        selection: &str,
        decision: Decision,
        new_until: Option<DateTime<Utc>>,
        note: Option<&str>,
    ) -> Result<Vec<ReviewItem>, Error> {
        let admin = self.reviewer()?;
        let (review, items) = self.open_review()?;
        let chosen = review::parse_selection(selection, items.len() as u32).map_err(Error::Usage)?;
        let now = Utc::now();
        match (decision, new_until) {
            (Decision::Shorten, None) => return Err(Error::Usage("shorten needs --until".into())),
            (Decision::Shorten, Some(until)) => {
                for number in &chosen {
                    let item = &items[*number as usize - 1];
                    let ends = item.valid_until.filter(|_| item.kind == ItemKind::Grant).ok_or_else(|| {
                        Error::Usage(format!("item {number} is a permanent assignment: keep or revoke it"))
                    })?;
                    if until >= ends || until <= now {
                        return Err(Error::Usage(format!(
                            "item {number}: the new end must lie between now and the grant's end ({})",
                            crate::operation::time(ends)
                        )));
                    }
                }
            }
            (_, Some(_)) => return Err(Error::Usage("--until goes with shorten only".into())),
            (_, None) => {}
        }
        self.read_cache()?.decide_items(&review.id, &chosen, decision, new_until, note, &admin.display_name, now)?;
        let items = self.read_cache()?.review_items(&review.id)?;
        Ok(items.into_iter().filter(|i| chosen.contains(&i.item)).collect())
    }

    /// Submits the open review: every revoke and shorten goes to the outbox, based on the
    /// version the reviewer saw; then the outbox is sent (unless offline).
    #[instrument(skip_all)]
    pub async fn submit_review(&self) -> Result<Submission, Error> {
        let admin = self.reviewer()?;
        let (review, items) = self.open_review()?;
        let mut submission = Submission { review: review.id.clone(), ..Submission::default() };
        for item in items.iter().filter(|i| i.op_id.is_none()) {
            let Some(decision) = item.decision else {
                submission.undecided += 1;
                continue;
            };
            if decision == Decision::Keep {
                submission.kept += 1;
                continue;
            }
            match self.record_review_decision(item, decision) {
                Ok(op_id) => {
                    self.read_cache()?.link_review_item(&review.id, item.item, &op_id)?;
                    submission.queued += 1;
                }
                Err(Error::Refused(refusal)) => {
                    self.read_cache()?.refuse_review_item(&review.id, item.item, &refusal.to_string())?;
                    submission.refused += 1;
                }
                Err(Error::NotFound(reason)) => {
                    // The user or grant left the cache (a sync since the review started).
                    self.read_cache()?.refuse_review_item(&review.id, item.item, &reason)?;
                    submission.refused += 1;
                }
                Err(other) => return Err(other),
            }
        }
        let summary = serde_json::json!({
            "kept": submission.kept, "queued": submission.queued,
            "refused": submission.refused, "undecided": submission.undecided,
        });
        self.read_cache()?.close_review(&review.id, &admin.display_name, summary, Utc::now())?;
        if !self.offline_only {
            match self.push().await {
                Ok(report) => submission.push = Some(report),
                Err(e) if e.code() == crate::error::ErrorCode::Offline => {
                    warn!(error = %e, "the review's changes stay queued until the IAM can be reached");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(submission)
    }

    /// Records one revoke or shorten; returns the outbox entry's id.
    fn record_review_decision(&self, item: &ReviewItem, decision: Decision) -> Result<String, Error> {
        let base = item.base_version.clone();
        match (item.kind, decision, &item.grant_id) {
            (ItemKind::Assignment, _, _) => {
                let op = Operation::RemoveRole {
                    user: UserRef { id: Some(item.user_id.clone()), user_name: item.user_name.clone() },
                    role: item.role.clone(),
                    role_id: item.role_id.clone(),
                };
                Ok(self.record(op, base, None, None)?.entry.id)
            }
            (ItemKind::Grant, _, Some(grant_id)) => {
                let grant = self.cached_grant(grant_id)?;
                let op = if decision == Decision::Shorten {
                    let until = item.new_until.ok_or_else(|| Error::Usage("shorten needs a new end".into()))?;
                    Operation::ExtendGrant { grant_id: grant_id.clone(), role: item.role.clone(), valid_until: until }
                } else {
                    Operation::RevokeGrant { grant_id: grant_id.clone(), role: item.role.clone() }
                };
                if grant.mode == GrantMode::Ledger {
                    let recorded = match op {
                        Operation::ExtendGrant { valid_until, .. } => self.extend_grant(grant_id, valid_until)?,
                        _ => self.end_ledger_grant(grant, GrantStatus::Revoked, "grant.revoke", Some(op))?,
                    };
                    return Ok(recorded.entry.id);
                }
                let before = serde_json::to_value(&grant).ok();
                Ok(self.record(op, base, before, None)?.entry.id)
            }
            (ItemKind::Grant, _, None) => Err(Error::NotFound(format!("item {} names no grant", item.item))),
        }
    }

    /// The current review as a report: who decided what, when, and what came of it.
    pub fn review_report(&self) -> Result<ReviewReport, Error> {
        let (review, mut items) = self
            .review()?
            .ok_or_else(|| Error::Usage("no review yet: start one with `bailiwick review start`".into()))?;
        if !review.open {
            for item in items.iter_mut().filter(|i| i.decision == Some(Decision::Keep)) {
                item.outcome = Some("kept".into());
            }
        }
        Ok(ReviewReport {
            review: review.id,
            bu: review.bu,
            started_at: review.started_at,
            started_by: review.started_by,
            submitted_at: review.submitted_at,
            items,
        })
    }
}
