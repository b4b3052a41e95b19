//! Sending the outbox (DESIGN.md, "Outbox"): every queued change, strictly in order, each
//! checked against policy once more, sent with the ETag it was based on, its outcome recorded
//! with its audit entry.
//!
//! Nothing is lost and nothing applied twice:
//! - an entry is marked `sending` (committed) before its request leaves; a crash after that
//!   leaves it `sending`, and the next push first asks the server whether the lost attempt
//!   took effect: creations carry the entry's id as `externalId` and are looked up by it;
//!   every other change is compared with the server's current version ([`satisfied_by`]);
//! - 412 is a conflict unless the server already holds exactly what the change wanted;
//! - 401 ends the push (the caller refreshes the session once and pushes again);
//! - network failures, 429 and 5xx requeue the entry with a growing delay and stop the push,
//!   so later changes never overtake it.

use std::time::Duration;

use chrono::Utc;
use serde::Serialize;
use serde_json::Value;
use tracing::{info, instrument, warn};

use crate::admin::AdminContext;
use crate::cache::{Cache, CachedUser, DirectoryChange, Finish, OutboxEntry, OutboxState};
use crate::checks;
use crate::directory::{BuAttribute, ScimClient, Versioned};
use crate::error::Error;
use crate::grant::Grant;
use crate::operation::{self, satisfied_by, Operation, UserRef};
use crate::roles::RoleCatalog;
use crate::scope::BuPath;
use crate::secret::AccessToken;

/// What a push did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PushReport {
    pub applied: u32,
    pub failed: u32,
    pub conflicts: u32,
    /// Entries still queued (not due yet, or behind one that must be retried).
    pub remaining: u32,
    /// Why the push stopped early, when it did (the network, a server asking to wait).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub stopped: Option<String>,
}

/// Everything a push needs besides the cache.
pub struct Pusher<'a> {
    pub client: &'a ScimClient,
    pub token: &'a AccessToken,
    pub admin: &'a AdminContext,
    pub catalog: &'a RoleCatalog,
    pub bu_attribute: &'a str,
}

/// How long a change waits after its `attempts`-th failed attempt: 5 s, doubling, at most 15 min.
pub fn retry_delay(attempts: u32) -> Duration {
    let factor = 2u64.saturating_pow(attempts.saturating_sub(1).min(16));
    Duration::from_secs(5u64.saturating_mul(factor).min(15 * 60))
}

impl Pusher<'_> {
    /// Sends due entries in order until none is left or one must wait. `limit` bounds how many
    /// entries are tried (`None`: all). Returns `Error::Http { status: 401 }` when the server
    /// refuses the token; the entry stays queued.
    #[instrument(level = "info", skip_all, fields(admin = %self.admin.display_name))]
    pub async fn push(&self, cache: &mut Cache, limit: Option<u32>) -> Result<PushReport, Error> {
        let mut report = PushReport::default();
        let mut tried = 0u32;
        while limit.is_none_or(|l| tried < l) {
            let now = Utc::now();
            let Some(entry) = cache.next_outbox_entry(now)? else { break };
            tried += 1;
            match self.push_one(cache, &entry).await? {
                Pushed::Done(Finish::Applied { .. }) => report.applied += 1,
                Pushed::Done(Finish::Conflict { .. }) => report.conflicts += 1,
                Pushed::Done(_) => report.failed += 1,
                Pushed::Wait(reason) => {
                    report.stopped = Some(reason);
                    break;
                }
            }
        }
        report.remaining = cache.outbox(&[OutboxState::Queued, OutboxState::Sending])?.len() as u32;
        info!(?report, "outbox pushed");
        Ok(report)
    }

    async fn push_one(&self, cache: &mut Cache, entry: &OutboxEntry) -> Result<Pushed, Error> {
        let now = Utc::now();
        // Only the admin who made a change sends it: another admin's token must not carry it.
        if !entry.actor.eq_ignore_ascii_case(&self.admin.display_name) {
            let finish = Finish::Failed {
                error: format!(
                    "queued by {}, but {} is signed in; only {} can send it",
                    entry.actor, self.admin.display_name, entry.actor
                ),
                rule: None,
                refused: true,
            };
            cache.finish(entry, finish.clone(), now)?;
            return Ok(Pushed::Done(finish));
        }
        // Policy once more: scopes and capabilities may have changed since the change was made.
        let facts = checks::facts_of(cache, &entry.operation, now);
        let verdict = facts.map(|f| checks::check(self.admin, self.catalog, &entry.operation, &f, now));
        match verdict {
            Ok(Err(refusal)) if entry.state == OutboxState::Queued => {
                let finish = Finish::Failed {
                    error: refusal.to_string(),
                    rule: Some(refusal.rule.as_str().into()),
                    refused: true,
                };
                cache.finish(entry, finish.clone(), now)?;
                return Ok(Pushed::Done(finish));
            }
            // A change that may already have been sent is settled by the server's state, not
            // refused afterwards: the probe below finds whether it took effect.
            Ok(_) => {}
            Err(e) => {
                let finish = Finish::Failed { error: e.to_string(), rule: None, refused: false };
                cache.finish(entry, finish.clone(), now)?;
                return Ok(Pushed::Done(finish));
            }
        }
        let maybe_sent = entry.state == OutboxState::Sending;
        cache.mark_sending(&entry.id, now)?;
        let attempts = entry.attempts + 1;
        // Read what `send` needs from the cache now: a `&Cache` (SQLite, not `Sync`) held across
        // the network awaits would make the push future unable to move between threads.
        let known_user = match &entry.operation {
            Operation::AssignRole { user, .. }
            | Operation::RemoveRole { user, .. }
            | Operation::IssueGrant { user, .. } => match &user.id {
                Some(id) => Some(id.clone()),
                None => cache.user(&user.user_name)?.map(|row| row.id),
            },
            _ => None,
        };
        let outcome = match self.send(known_user, entry, maybe_sent).await {
            Ok(finish) => Ok(self.with_grant_membership(finish).await),
            Err(e) => Err(e),
        };
        let now = Utc::now();
        let finish = match outcome {
            Ok(finish) => finish,
            Err(e @ Error::Http { status: 401, .. }) => {
                cache.finish(entry, Finish::Retry { error: e.to_string(), next_attempt_at: now }, now)?;
                return Err(e);
            }
            Err(e) if e.retryable() => {
                let wait = retry_delay(attempts);
                let next_attempt_at = now + chrono::Duration::from_std(wait).unwrap_or_default();
                warn!(error = %e, ?wait, "the change could not be sent; it stays queued");
                cache.finish(entry, Finish::Retry { error: e.to_string(), next_attempt_at }, now)?;
                return Ok(Pushed::Wait(format!("{e}; retrying after {}", operation::time(next_attempt_at))));
            }
            Err(e @ Error::Http { status: 403, .. }) => {
                Finish::Failed { error: e.to_string(), rule: Some("server".into()), refused: true }
            }
            Err(e) => Finish::Failed { error: e.to_string(), rule: None, refused: false },
        };
        cache.finish(entry, finish.clone(), now)?;
        Ok(Pushed::Done(finish))
    }

    /// A grant that starts or ends on the server (issued active, approved, revoked) puts its user
    /// into the role's group there or takes them out: the cache takes the group's word for it at
    /// once, not at the next sync, so the user's roles read true right after. A group that cannot
    /// be read now leaves that to the next sync.
    async fn with_grant_membership(&self, finish: Finish) -> Finish {
        let Finish::Applied { result, after, mut changes } = finish else { return finish };
        let grants: Vec<(String, String)> = changes
            .iter()
            .filter_map(|change| match change {
                DirectoryChange::Grant(g) if !g.role_id.is_empty() && !g.user_id.is_empty() => {
                    Some((g.role_id.clone(), g.user_id.clone()))
                }
                _ => None,
            })
            .collect();
        for (group_id, user_id) in grants {
            match self.client.get_resource(self.token, "Groups", &group_id).await {
                Ok(Some(group)) => {
                    let member = operation::group_has_member(&group.resource, &user_id);
                    changes.push(DirectoryChange::Membership { group_id, user_id, member });
                }
                Ok(None) => {}
                Err(error) => warn!(%error, "the role's members after a grant change are left to the next sync"),
            }
        }
        Finish::Applied { result, after, changes }
    }

    /// Sends one change; a 412 becomes a conflict unless the server already holds the change.
    /// `known_user`: the id of the user the change is about, when the cache knows it.
    async fn send(&self, known_user: Option<String>, entry: &OutboxEntry, maybe_sent: bool) -> Result<Finish, Error> {
        let op = &entry.operation;
        let user_id = match (op, known_user) {
            (_, Some(id)) => Some(id),
            (
                Operation::AssignRole { user, .. }
                | Operation::RemoveRole { user, .. }
                | Operation::IssueGrant { user, .. },
                None,
            ) => Some(self.find_user(user).await?),
            _ => None,
        };
        if let Operation::CreateUser(_) | Operation::IssueGrant { .. } = op {
            // A lost first attempt left its mark: the entry's id as externalId.
            if maybe_sent {
                if let Some(found) = self.find_created(op.resource_kind(), &entry.id).await? {
                    info!(op = %entry.id, "found what an interrupted attempt created");
                    return self.applied(found, op, user_id.as_deref());
                }
            }
        } else if maybe_sent {
            if let Some(current) = self.current(op).await? {
                if satisfied_by(op, &current.resource, user_id.as_deref(), self.bu_attribute) {
                    info!(op = %entry.id, "an interrupted attempt already took effect");
                    return self.applied(current, op, user_id.as_deref());
                }
            }
        }
        // A removal decided on a snapshot (an access review) is based on the user's version:
        // if the user changed on the server since, the admin looks again (a conflict).
        if let (Operation::RemoveRole { .. }, Some(expected), Some(uid)) =
            (op, entry.base_version.as_deref(), user_id.as_deref())
        {
            match self.client.get_resource(self.token, "Users", uid).await? {
                Some(current) if current.version.as_deref() != Some(expected) => {
                    return Ok(Finish::Conflict { theirs: Some(current.resource), theirs_version: current.version });
                }
                // The user is gone, and their memberships with them: nothing is left to remove.
                None => return Ok(Finish::Applied { result: None, after: None, changes: Vec::new() }),
                Some(_) => {}
            }
        }
        let sent = self.request(entry, user_id.as_deref()).await;
        match sent {
            Ok(Some(resource)) => self.applied(resource, op, user_id.as_deref()),
            Ok(None) => match self.current(op).await? {
                Some(resource) => self.applied(resource, op, user_id.as_deref()),
                None => Ok(Finish::Applied { result: None, after: None, changes: Vec::new() }),
            },
            Err(Error::Http { status: 409, .. }) if matches!(op, Operation::CreateUser(_)) => {
                match self.find_created("Users", &entry.id).await? {
                    Some(found) => self.applied(found, op, None),
                    None => Err(Error::Http {
                        url: self.client.base().to_string(),
                        status: 409,
                        detail: Some(format!("{} already exists", op.target())),
                    }),
                }
            }
            Err(e @ Error::Http { status: 412 | 400 | 404 | 409, .. }) => {
                let current = self.current(op).await?;
                match current {
                    Some(c) if satisfied_by(op, &c.resource, user_id.as_deref(), self.bu_attribute) => {
                        self.applied(c, op, user_id.as_deref())
                    }
                    Some(c) if matches!(e, Error::Http { status: 412, .. }) => {
                        Ok(Finish::Conflict { theirs: Some(c.resource), theirs_version: c.version })
                    }
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The request of one change. `Ok(None)`: the server answered without a body.
    async fn request(&self, entry: &OutboxEntry, user_id: Option<&str>) -> Result<Option<Versioned>, Error> {
        let (client, token, base) = (self.client, self.token, entry.base_version.as_deref());
        let user_id = || user_id.ok_or_else(|| Error::NotFound("the change's user".into()));
        match &entry.operation {
            Operation::CreateUser(new) => {
                let body = operation::create_user_body(new, self.bu_attribute, &entry.id);
                client.create(token, "Users", &body).await.map(Some)
            }
            Operation::EditUser { user_id, changes, .. } => {
                // Whether there is a work address to replace, or one to add.
                let has_work_email = match &changes.email {
                    Some(_) => client.get_resource(token, "Users", user_id).await?.is_some_and(|u| {
                        u.resource["emails"]
                            .as_array()
                            .is_some_and(|list| list.iter().any(|e| e["type"].as_str() == Some("work")))
                    }),
                    None => false,
                };
                let ops = operation::edit_user_patch(changes, self.bu_attribute, has_work_email);
                client.patch(token, "Users", user_id, ops, base).await
            }
            Operation::SetUserActive { user_id, active, .. } => {
                client.patch(token, "Users", user_id, operation::set_active_patch(*active), base).await
            }
            // Memberships are sets: adding or removing one member commutes with every other
            // membership change, so a group ETag (bumped by anyone's change to the group) would
            // only produce false conflicts. The probe of `send` settles repeats.
            Operation::AssignRole { role_id, .. } => {
                client.patch(token, "Groups", role_id, operation::add_member_patch(user_id()?), None).await
            }
            Operation::RemoveRole { role_id, .. } => {
                client.patch(token, "Groups", role_id, operation::remove_member_patch(user_id()?), None).await
            }
            Operation::IssueGrant { user, .. } => {
                let mut op = entry.operation.clone();
                if let Operation::IssueGrant { user: u, .. } = &mut op {
                    *u = UserRef { id: Some(user_id()?.to_owned()), user_name: user.user_name.clone() };
                }
                let body = operation::issue_grant_body(&op, &entry.id)
                    .ok_or_else(|| Error::Usage("not a grant request".into()))?;
                client.create(token, "Grants", &body).await.map(Some)
            }
            Operation::ExtendGrant { grant_id, valid_until, .. } => {
                let ops = vec![bailiwick_scim::PatchOperation {
                    op: "replace".into(),
                    path: Some("validUntil".into()),
                    value: Some(Value::String(operation::time(*valid_until))),
                }];
                client.patch(token, "Grants", grant_id, ops, base).await
            }
            Operation::RevokeGrant { grant_id, .. } => {
                client.delete(token, "Grants", grant_id, base).await.map(|()| None)
            }
            Operation::ApproveGrant { grant_id, .. } | Operation::RejectGrant { grant_id, .. } => {
                let status =
                    if matches!(entry.operation, Operation::ApproveGrant { .. }) { "active" } else { "rejected" };
                let ops = vec![bailiwick_scim::PatchOperation {
                    op: "replace".into(),
                    path: Some("status".into()),
                    value: Some(Value::String(status.into())),
                }];
                client.patch(token, "Grants", grant_id, ops, base).await
            }
        }
    }

    /// The server's current version of what `op` changes.
    async fn current(&self, op: &Operation) -> Result<Option<Versioned>, Error> {
        let (kind, id) = match op {
            Operation::EditUser { user_id, .. } | Operation::SetUserActive { user_id, .. } => {
                ("Users", user_id.as_str())
            }
            Operation::AssignRole { role_id, .. } | Operation::RemoveRole { role_id, .. } => {
                ("Groups", role_id.as_str())
            }
            Operation::ExtendGrant { grant_id, .. }
            | Operation::RevokeGrant { grant_id, .. }
            | Operation::ApproveGrant { grant_id, .. }
            | Operation::RejectGrant { grant_id, .. } => ("Grants", grant_id.as_str()),
            Operation::CreateUser(_) | Operation::IssueGrant { .. } => return Ok(None),
        };
        self.client.get_resource(self.token, kind, id).await
    }

    /// A resource created by the entry `key`, found by its externalId.
    async fn find_created(&self, kind: &'static str, key: &str) -> Result<Option<Versioned>, Error> {
        let filter = format!("externalId eq {}", bailiwick_scim::quote(key));
        let found = self.client.find(self.token, kind, &filter).await?;
        Ok(found.into_iter().find(|r| r["externalId"].as_str() == Some(key)).map(|resource| {
            let version = resource["meta"]["version"].as_str().map(str::to_owned);
            Versioned { resource, version }
        }))
    }

    /// The id of a user the cache does not know (created by an earlier change whose answer
    /// was lost), from the server.
    async fn find_user(&self, user: &UserRef) -> Result<String, Error> {
        let filter = format!("userName eq {}", bailiwick_scim::quote(&user.user_name));
        let found = self.client.find(self.token, "Users", &filter).await?;
        found
            .iter()
            .find_map(|u| {
                u["id"]
                    .as_str()
                    .filter(|_| u["userName"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(&user.user_name)))
            })
            .map(str::to_owned)
            .ok_or_else(|| Error::NotFound(format!("no user {} on the server", user.user_name)))
    }

    /// An applied change: its result and the cache changes it implies.
    fn applied(&self, server: Versioned, op: &Operation, user_id: Option<&str>) -> Result<Finish, Error> {
        let resource = server.resource;
        let changes = match op {
            Operation::CreateUser(_) | Operation::EditUser { .. } | Operation::SetUserActive { .. } => {
                vec![self.user_change(&resource)]
            }
            Operation::AssignRole { role_id, .. } | Operation::RemoveRole { role_id, .. } => match user_id {
                Some(user) => vec![DirectoryChange::Membership {
                    group_id: role_id.clone(),
                    user_id: user.to_owned(),
                    member: matches!(op, Operation::AssignRole { .. }),
                }],
                None => Vec::new(),
            },
            _ => Grant::from_scim(&resource)
                .map(|mut g| {
                    if g.role.is_empty() {
                        g.role = role_of(op);
                    }
                    vec![DirectoryChange::Grant(Box::new(g))]
                })
                .unwrap_or_default(),
        };
        let result = serde_json::json!({ "id": resource["id"], "version": server.version });
        let after = match op {
            // A group's member list can be long and is not the change: keep the log small.
            Operation::AssignRole { .. } | Operation::RemoveRole { .. } => None,
            _ => Some(resource),
        };
        Ok(Finish::Applied { result: Some(result), after, changes })
    }

    fn user_change(&self, resource: &Value) -> DirectoryChange {
        let read = CachedUser::decode(resource.to_string().into(), |summary, json| {
            BuPath::parse(&BuAttribute::new(self.bu_attribute).of_summary(summary, json)?)
        });
        match read {
            Ok(cached) => {
                let in_scope = cached.bu.as_ref().is_some_and(|b| self.admin.bu_scopes.covers(b));
                match (in_scope, cached.id()) {
                    (true, _) => DirectoryChange::User(Box::new(cached)),
                    (false, Some(user_id)) => DirectoryChange::UserGone { user_id: user_id.to_owned() },
                    (false, None) => DirectoryChange::UserGone { user_id: String::new() },
                }
            }
            Err(_) => DirectoryChange::UserGone { user_id: resource["id"].as_str().unwrap_or_default().to_owned() },
        }
    }
}

fn role_of(op: &Operation) -> String {
    match op {
        Operation::IssueGrant { role, .. }
        | Operation::ExtendGrant { role, .. }
        | Operation::RevokeGrant { role, .. }
        | Operation::ApproveGrant { role, .. }
        | Operation::RejectGrant { role, .. } => role.clone(),
        _ => String::new(),
    }
}

enum Pushed {
    Done(Finish),
    /// Stop pushing: this entry must be retried later, and later ones must not overtake it.
    Wait(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_up_to_a_ceiling() {
        assert_eq!(retry_delay(1), Duration::from_secs(5));
        assert_eq!(retry_delay(2), Duration::from_secs(10));
        assert_eq!(retry_delay(4), Duration::from_secs(40));
        assert_eq!(retry_delay(30), Duration::from_secs(900));
    }
}
