//! Sync: pull the directory inside the admin's scopes into the local cache.
//!
//! Users are asked for with a scope filter, so the server sends only what the admin may see,
//! and then filtered again here: a server that ignores or misreads the filter must not put
//! users outside the admin's scopes into the cache. Memberships come from `Group.members`,
//! since many servers never fill `User.groups`. Everything is fetched first and written in
//! one transaction, so a sync cut short (or cancelled) leaves the previous cache as it was.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bailiwick_scim::User;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cache::{Cache, CachedUser};
use crate::directory::{bu_of, scope_filter, PageFetched, ScimClient};
use crate::error::Error;
use crate::grant::Grant;
use crate::scope::{BuPath, Scopes};
use crate::secret::AccessToken;

/// What a sync is doing, reported as it goes (to a progress bar or stderr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "phase")]
pub enum SyncProgress {
    /// A page of users arrived: `fetched` of the server's `total` so far.
    Users { fetched: u64, total: u64 },
    /// A page of groups arrived.
    Groups { fetched: u64, total: u64 },
    /// A page of grants arrived (server mode).
    Grants { fetched: u64, total: u64 },
    /// Everything is fetched; writing the cache.
    Saving,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// Users now cached (all inside the admin's scopes).
    pub users: u64,
    pub groups: u64,
    /// Memberships between cached users and cached groups.
    pub memberships: u64,
    /// Server-mode grants cached (`None`: the server holds no grants; ledger mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grants: Option<u64>,
    /// Ledger mode: grants the sweep after the sync found expired (their memberships removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger_grants_expired: Option<u32>,
    /// Users the server sent that are outside the admin's scopes (or have no BU), not cached.
    pub out_of_scope_dropped: u64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

/// Asks a running sync to stop. Clones share the flag: the host keeps one to cancel with
/// (a button, Ctrl-C) and hands the sync another. Checked before each page and before the
/// cache is written; once the write has begun, the sync completes.
#[derive(Debug, Clone, Default)]
pub struct SyncCancel(Arc<AtomicBool>);

impl SyncCancel {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Replaces the cache with the directory inside `scopes`. `now` is when the sync starts (it
/// becomes the cache's `last_sync_at`); the finish time is `now` plus the time it took.
pub async fn full_sync(
    client: &ScimClient,
    token: &AccessToken,
    cache: &mut Cache,
    scopes: &Scopes,
    bu_attribute: &str,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
) -> Result<SyncReport, Error> {
    full_sync_cancellable(client, token, cache, scopes, bu_attribute, now, progress, &SyncCancel::new()).await
}

/// What a sync pulls: the directory inside `scopes`, and the server's grants when it holds them.
#[derive(Debug, Clone)]
pub struct SyncPlan<'a> {
    pub scopes: &'a Scopes,
    pub bu_attribute: &'a str,
    /// The server offers the Grant resource type (server mode): cache its grants too.
    pub server_grants: bool,
}

/// `full_sync` that stops with `Error::Cancelled`, leaving the cache untouched, once `cancel`
/// is set before the cache is written.
#[allow(clippy::too_many_arguments)] // full_sync's arguments plus the flag; all independent.
pub async fn full_sync_cancellable(
    client: &ScimClient,
    token: &AccessToken,
    cache: &mut Cache,
    scopes: &Scopes,
    bu_attribute: &str,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
    cancel: &SyncCancel,
) -> Result<SyncReport, Error> {
    let plan = SyncPlan { scopes, bu_attribute, server_grants: false };
    sync_plan(client, token, cache, &plan, now, progress, cancel).await
}

/// Replaces the cache with what `plan` asks for, in one transaction; stops with
/// `Error::Cancelled`, leaving the cache untouched, once `cancel` is set before the write.
#[tracing::instrument(level = "info", skip_all, fields(base = %client.base(), scopes = ?plan.scopes.paths()))]
pub async fn sync_plan(
    client: &ScimClient,
    token: &AccessToken,
    cache: &mut Cache,
    plan: &SyncPlan<'_>,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
    cancel: &SyncCancel,
) -> Result<SyncReport, Error> {
    let (scopes, bu_attribute) = (plan.scopes, plan.bu_attribute);
    let clock = Instant::now();
    let cancelled = cancel.0.as_ref();
    // Without scopes there is nothing to ask for, and no filter would mean "everyone".
    let users = match scope_filter(bu_attribute, scopes) {
        Some(filter) => {
            let mut on_page = |p: PageFetched| progress(SyncProgress::Users { fetched: p.fetched, total: p.total });
            client.list_all_users_cancellable(token, Some(&filter), &mut on_page, cancelled).await?
        }
        None => Vec::new(),
    };
    let (in_scope, out_of_scope_dropped) = keep_in_scope(users, scopes, bu_attribute);

    let groups = {
        let mut on_page = |p: PageFetched| progress(SyncProgress::Groups { fetched: p.fetched, total: p.total });
        client.list_all_groups_cancellable(token, None, &mut on_page, cancelled).await?
    };

    let grants = if plan.server_grants {
        let mut on_page = |p: PageFetched| progress(SyncProgress::Grants { fetched: p.fetched, total: p.total });
        let raw = client.list_all_grants_cancellable(token, &mut on_page, cancelled).await?;
        Some(grants_in_scope(&raw, scopes))
    } else {
        None
    };

    if cancel.is_cancelled() {
        return Err(Error::Cancelled("the sync".into()));
    }
    progress(SyncProgress::Saving);
    // Members outside the scopes are not in `in_scope`, so the cache drops their memberships.
    let counts = cache.replace_directory_and_grants(&in_scope, &groups, grants.as_deref(), now)?;
    let finished_at = now + chrono::Duration::from_std(clock.elapsed()).unwrap_or_default();
    let report = SyncReport {
        users: counts.users,
        groups: counts.groups,
        memberships: counts.memberships,
        grants: grants.as_ref().map(|g| g.len() as u64),
        ledger_grants_expired: None,
        out_of_scope_dropped,
        started_at: now,
        finished_at,
    };
    tracing::info!(?report, "sync finished");
    Ok(report)
}

/// The grants whose BU the scopes cover; malformed ones are reported and skipped.
fn grants_in_scope(raw: &[serde_json::Value], scopes: &Scopes) -> Vec<Grant> {
    let mut kept = Vec::new();
    for resource in raw {
        match Grant::from_scim(resource) {
            Some(grant) if scopes.covers(&grant.bu) => kept.push(grant),
            Some(_) => tracing::warn!("the server sent a grant outside the admin's scopes; not cached"),
            None => tracing::warn!(id = ?resource["id"], "skipping a malformed grant"),
        }
    }
    kept
}

/// The users whose BU the scopes cover, with that BU, and how many were dropped.
fn keep_in_scope(users: Vec<User>, scopes: &Scopes, bu_attribute: &str) -> (Vec<CachedUser>, u64) {
    let fetched = users.len();
    let kept: Vec<CachedUser> = users
        .into_iter()
        .filter_map(|resource| {
            let bu = bu_of(&resource, bu_attribute).and_then(|raw| BuPath::parse(&raw))?;
            scopes.covers(&bu).then_some(CachedUser { resource, bu: Some(bu) })
        })
        .collect();
    let dropped = (fetched - kept.len()) as u64;
    if dropped > 0 {
        tracing::warn!(dropped, "the server sent users outside the admin's scopes; not cached");
    }
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn users_outside_the_scopes_or_without_a_bu_are_dropped() {
        let attr = crate::profile::DEFAULT_BU_ATTRIBUTE;
        let user = |name: &str, division: Option<&str>| -> User {
            let mut json = json!({"id": name, "userName": name});
            if let Some(d) = division {
                json[bailiwick_scim::schema::ENTERPRISE_USER] = json!({"division": d});
            }
            serde_json::from_value(json).expect("valid user")
        };
        let users = vec![
            user("a", Some("EMEA/DE")),
            user("b", Some("EMEAX")),
            user("c", None),
            user("d", Some("/EMEA/")),
            user("e", Some("AMER")),
        ];
        let scopes = Scopes::new(vec![BuPath::parse("EMEA").expect("valid")]);
        let (kept, dropped) = keep_in_scope(users, &scopes, attr);
        let kept: Vec<_> =
            kept.iter().map(|u| (u.resource.user_name.as_str(), u.bu.as_ref().map(BuPath::as_str))).collect();
        assert_eq!(kept, [("a", Some("EMEA/DE")), ("d", Some("EMEA"))], "the BU is stored normalised");
        assert_eq!(dropped, 3);
    }
}
