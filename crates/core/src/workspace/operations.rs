//! Delegated operations (issue 6): what an admin changes, recorded in the outbox first (no
//! network needed), checked against policy when recorded and again when sent.
//!
//! Every method here records an intent and returns at once; `push` sends what is queued.
//! Hosts usually call `push` right after recording, unless they are offline.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::{info, instrument};

use super::Workspace;
use crate::admin::AdminContext;
use crate::audit::{AuditRecord, Outcome};
use crate::cache::{Cache, Conflict, DirectoryChange, GrantQuery, LedgerMembership, OutboxEntry, OutboxState, UserRow};
use crate::checks;
use crate::directory::ScimClient;
use crate::error::Error;
use crate::grant::{Grant, GrantMode, GrantStatus};
use crate::operation::{NewUser, Operation, UserChanges, UserRef};
use crate::outbox::{PushReport, Pusher};
use crate::policy::{Refusal, Rule};
use crate::profile::GrantModeSetting;
use crate::roles::Role;
use crate::scope::BuPath;

/// `meta` key: the grant mode found at the last sync (`server` or `ledger`).
const GRANT_MODE: &str = "grant_mode";

/// A change recorded in the outbox.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recorded {
    pub entry: OutboxEntry,
    /// An issued grant of a role that waits for a second admin's approval.
    pub needs_approval: bool,
    /// A ledger-mode grant recorded with it (server-mode grants exist once the server answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger_grant: Option<Grant>,
}

/// What `grants issue` asks for.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    /// The user's id or userName.
    pub user: String,
    pub role: String,
    pub bu: BuPath,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub justification: String,
}

/// A catalog role with what the directory holds of it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RoleView {
    #[serde(flatten)]
    pub role: Role,
    /// The group's id; `None` when the directory (as cached) has no such group.
    pub group_id: Option<String>,
    /// Cached users holding it (by assignment).
    pub holders: u64,
}

/// What a sweep (ledger mode) did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepReport {
    pub mode: Option<GrantMode>,
    /// Grants whose window ended: marked expired, their memberships queued for removal.
    pub expired: u32,
    /// Grants whose window began: their memberships queued.
    pub started: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push: Option<PushReport>,
}

impl Workspace {
    /// The admin of the last sign-in (from the cache, so changes can be recorded offline).
    pub(super) fn recording_admin(&self) -> Result<AdminContext, Error> {
        self.read_cache()?.admin_context()?.ok_or_else(|| {
            Error::SignInNeeded("nobody has signed in to this workspace yet; run `bailiwick login`".into())
        })
    }

    /// Checks `operation` against policy and the cache's facts, then commits it to the outbox with
    /// its audit entry. A refusal is audited too (with its rule) and returned as `Error::Refused`.
    pub(super) fn record(
        &self,
        operation: Operation,
        base_version: Option<String>,
        before: Option<serde_json::Value>,
        extra: Option<DirectoryChange>,
    ) -> Result<Recorded, Error> {
        let admin = self.recording_admin()?;
        let catalog = self.profile.catalog();
        let now = Utc::now();
        let mut cache = self.read_cache()?;
        let facts = checks::facts_of(&cache, &operation, now)?;
        let verdict = match checks::check(&admin, &catalog, &operation, &facts, now) {
            Ok(verdict) => verdict,
            Err(refusal) => return Err(refuse(&mut cache, &admin, &operation, refusal, now)),
        };
        let id = uuid::Uuid::new_v4().to_string();
        let ledger_grant = match &extra {
            Some(DirectoryChange::LedgerGrant(grant, _)) => Some((**grant).clone()),
            _ => None,
        };
        let entry = cache.enqueue(&id, &admin.display_name, &operation, base_version.as_deref(), before, extra, now)?;
        info!(op = %entry.id, action = %entry.action, target = %entry.target, "change queued");
        Ok(Recorded { entry, needs_approval: verdict.needs_approval, ledger_grant })
    }

    pub(super) fn cached_user(&self, id_or_user_name: &str) -> Result<UserRow, Error> {
        self.read_cache()?.user(id_or_user_name)?.ok_or_else(|| {
            Error::NotFound(format!("no user {id_or_user_name} in your business units (as last synced)"))
        })
    }

    pub(super) fn user_before(&self, id: &str) -> Result<(Option<String>, Option<serde_json::Value>), Error> {
        let cache = self.read_cache()?;
        let version = cache.user_version(id)?;
        let before = cache.user_resource(id)?.and_then(|u| serde_json::to_value(u).ok());
        Ok((version, before))
    }

    /// A role of the catalog and its group.
    pub(super) fn catalog_role(&self, name: &str) -> Result<(Role, String), Error> {
        let catalog = self.profile.catalog();
        let role = catalog.role(name).cloned().ok_or_else(|| {
            let known: Vec<&str> = catalog.roles.iter().map(|r| r.name.as_str()).collect();
            Error::Usage(format!(
                "{name:?} is not a role of the profile's catalog (roles: {})",
                if known.is_empty() { "none declared".to_owned() } else { known.join(", ") }
            ))
        })?;
        let group = self.read_cache()?.group(&role.name)?.ok_or_else(|| {
            Error::NotFound(format!("the directory has no group named {:?} (as last synced)", role.name))
        })?;
        Ok((role, group.id))
    }

    #[instrument(skip_all)]
    pub fn create_user(&self, user: NewUser) -> Result<Recorded, Error> {
        if user.user_name.trim().is_empty() {
            return Err(Error::Usage("a user needs a userName".into()));
        }
        if self.read_cache()?.user(&user.user_name)?.is_some() {
            return Err(Error::Usage(format!("a user named {} exists already", user.user_name)));
        }
        self.record(Operation::CreateUser(user), None, None, None)
    }

    #[instrument(skip_all)]
    pub fn edit_user(&self, user: &str, changes: UserChanges) -> Result<Recorded, Error> {
        if changes.is_empty() {
            return Err(Error::Usage("nothing to change: name at least one attribute".into()));
        }
        let row = self.cached_user(user)?;
        let (version, before) = self.user_before(&row.id)?;
        self.record(Operation::EditUser { user_id: row.id, user_name: row.user_name, changes }, version, before, None)
    }

    #[instrument(skip_all)]
    pub fn set_user_active(&self, user: &str, active: bool) -> Result<Recorded, Error> {
        let row = self.cached_user(user)?;
        let (version, before) = self.user_before(&row.id)?;
        self.record(
            Operation::SetUserActive { user_id: row.id, user_name: row.user_name, active },
            version,
            before,
            None,
        )
    }

    #[instrument(skip_all)]
    pub fn assign_role(&self, user: &str, role: &str) -> Result<Recorded, Error> {
        let (role, role_id) = self.catalog_role(role)?;
        let user = self.user_ref(user)?;
        if let Some(id) = &user.id {
            if self.read_cache()?.is_member(&role_id, id)? {
                return Err(Error::Usage(format!("{} holds {} already", user.user_name, role.name)));
            }
        }
        self.record(Operation::AssignRole { user, role: role.name, role_id }, None, None, None)
    }

    #[instrument(skip_all)]
    pub fn remove_role(&self, user: &str, role: &str) -> Result<Recorded, Error> {
        let (role, role_id) = self.catalog_role(role)?;
        let user = self.user_ref(user)?;
        if let Some(id) = &user.id {
            if !self.read_cache()?.is_member(&role_id, id)? {
                return Err(Error::Usage(format!("{} does not hold {}", user.user_name, role.name)));
            }
        }
        self.record(Operation::RemoveRole { user, role: role.name, role_id }, None, None, None)
    }

    /// A cached user, or one whose creation is still queued (known by userName only).
    pub(super) fn user_ref(&self, user: &str) -> Result<UserRef, Error> {
        let cache = self.read_cache()?;
        if let Some(row) = cache.user(user)? {
            return Ok(UserRef { id: Some(row.id), user_name: row.user_name });
        }
        let pending = cache.outbox(&[OutboxState::Queued, OutboxState::Sending])?;
        let queued = pending
            .iter()
            .any(|e| matches!(&e.operation, Operation::CreateUser(n) if n.user_name.eq_ignore_ascii_case(user)));
        if queued {
            return Ok(UserRef { id: None, user_name: user.to_owned() });
        }
        Err(Error::NotFound(format!("no user {user} in your business units (as last synced)")))
    }

    /// Whether the server or Bailiwick's ledger holds grants: the profile's setting, else what
    /// the last sync found in `/ResourceTypes` (ledger until a sync has looked).
    pub fn grant_mode(&self) -> Result<GrantMode, Error> {
        Ok(match self.profile.grants.mode {
            GrantModeSetting::Server => GrantMode::Server,
            GrantModeSetting::Ledger => GrantMode::Ledger,
            GrantModeSetting::Auto => match self.read_cache()?.meta_get(GRANT_MODE)?.as_deref() {
                Some("server") => GrantMode::Server,
                _ => GrantMode::Ledger,
            },
        })
    }

    /// Asks the server whether it offers the Grant resource type, and remembers the answer.
    pub(super) async fn detect_grant_mode(
        &self,
        client: &ScimClient,
        token: &crate::secret::AccessToken,
    ) -> Result<GrantMode, Error> {
        if self.profile.grants.mode != GrantModeSetting::Auto {
            return self.grant_mode();
        }
        let mode = match client.resource_types(token).await {
            Ok(types) if types.iter().any(|t| t.eq_ignore_ascii_case("Grant")) => GrantMode::Server,
            Ok(_) => GrantMode::Ledger,
            // A server without /ResourceTypes offers no Grant type either.
            Err(Error::Http { status: 404 | 501, .. }) => GrantMode::Ledger,
            Err(e) => return Err(e),
        };
        self.read_cache()?.meta_set(GRANT_MODE, mode.as_str())?;
        Ok(mode)
    }

    #[instrument(skip_all)]
    pub fn issue_grant(&self, request: GrantRequest) -> Result<Recorded, Error> {
        if request.justification.trim().is_empty() {
            return Err(Error::Usage("a grant needs a justification (--reason)".into()));
        }
        let (role, role_id) = self.catalog_role(&request.role)?;
        let user = self.user_ref(&request.user)?;
        let issue = Operation::IssueGrant {
            user: user.clone(),
            role: role.name.clone(),
            role_id: role_id.clone(),
            bu: request.bu.clone(),
            valid_from: request.valid_from,
            valid_until: request.valid_until,
            justification: request.justification.clone(),
        };
        if self.grant_mode()? == GrantMode::Server {
            return self.record(issue, None, None, None);
        }
        // Ledger mode: check the grant as a grant (window, partner, length …), then record it
        // with the membership change that starts it.
        let admin = self.recording_admin()?;
        let now = Utc::now();
        {
            let mut cache = self.read_cache()?;
            let facts = checks::facts_of(&cache, &issue, now)?;
            match checks::check(&admin, &self.profile.catalog(), &issue, &facts, now) {
                Err(refusal) => return Err(refuse(&mut cache, &admin, &issue, refusal, now)),
                Ok(verdict) if verdict.needs_approval => {
                    return Err(refuse(&mut cache, &admin, &issue, ledger_cannot_hold_approval(&role.name), now));
                }
                Ok(_) => {}
            }
        }
        let Some(user_id) = user.id.clone() else {
            return Err(Error::Usage(format!("{} is still being created; push the outbox first", user.user_name)));
        };
        let already_member = self.read_cache()?.is_member(&role_id, &user_id)?;
        let started = request.valid_from <= now;
        let membership = match (started, already_member) {
            (false, _) => LedgerMembership::None,
            (true, true) => LedgerMembership::AlreadyMember,
            (true, false) => LedgerMembership::Added,
        };
        let grant = Grant {
            id: uuid::Uuid::new_v4().to_string(),
            user: user.user_name.clone(),
            user_id,
            role: role.name.clone(),
            role_id: role_id.clone(),
            bu: request.bu,
            valid_from: request.valid_from,
            valid_until: request.valid_until,
            justification: request.justification,
            requester: admin.display_name.clone(),
            approver: None,
            status: GrantStatus::Active,
            version: None,
            mode: GrantMode::Ledger,
        };
        let extra = Some(DirectoryChange::LedgerGrant(Box::new(grant.clone()), membership));
        if membership == LedgerMembership::Added {
            let assign = Operation::AssignRole { user, role: role.name, role_id };
            return self.record(assign, None, None, extra);
        }
        // Nothing to send yet (the window starts later, or the user is a member already): the
        // ledger entry alone is the change, audited as applied.
        self.record_ledger_only(&admin, "grant.issue", &grant, extra, now)
    }

    fn record_ledger_only(
        &self,
        admin: &AdminContext,
        action: &str,
        grant: &Grant,
        change: Option<DirectoryChange>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, Error> {
        let mut cache = self.read_cache()?;
        let record = AuditRecord {
            actor: admin.display_name.clone(),
            action: action.to_owned(),
            target: format!("grant {} ({})", grant.id, grant.role),
            after: serde_json::to_value(grant).ok(),
            outcome: Some(Outcome::Applied),
            detail: Some("ledger mode: recorded by Bailiwick".into()),
            ..AuditRecord::default()
        };
        cache.apply_local(change, record, now)?;
        // A ledger-only change has no outbox entry; report it as one that is done.
        let entry = OutboxEntry {
            seq: 0,
            id: grant.id.clone(),
            created_at: now,
            actor: admin.display_name.clone(),
            action: action.to_owned(),
            target: format!("grant {} ({})", grant.id, grant.role),
            // What the ledger change amounts to in the directory's terms.
            operation: ledger_meaning(action, grant),
            base_version: None,
            state: OutboxState::Done,
            attempts: 0,
            next_attempt_at: None,
            last_error: None,
            rule: None,
            result: Some(serde_json::json!({"id": grant.id})),
        };
        Ok(Recorded { entry, needs_approval: false, ledger_grant: Some(grant.clone()) })
    }

    pub(super) fn cached_grant(&self, id: &str) -> Result<Grant, Error> {
        self.read_cache()?
            .grant(id)?
            .ok_or_else(|| Error::NotFound(format!("no grant {id} in your business units (as last synced)")))
    }

    #[instrument(skip_all)]
    pub fn extend_grant(&self, id: &str, valid_until: DateTime<Utc>) -> Result<Recorded, Error> {
        let grant = self.cached_grant(id)?;
        let op = Operation::ExtendGrant { grant_id: grant.id.clone(), role: grant.role.clone(), valid_until };
        if grant.mode == GrantMode::Server {
            let before = serde_json::to_value(&grant).ok();
            return self.record(op, grant.version.clone(), before, None);
        }
        let admin = self.recording_admin()?;
        let now = Utc::now();
        {
            let mut cache = self.read_cache()?;
            let facts = checks::facts_of(&cache, &op, now)?;
            if let Err(refusal) = checks::check(&admin, &self.profile.catalog(), &op, &facts, now) {
                return Err(refuse(&mut cache, &admin, &op, refusal, now));
            }
        }
        let membership = self.read_cache()?.ledger_membership(&grant.id)?;
        let extended = Grant { valid_until, ..grant };
        let change = Some(DirectoryChange::LedgerGrant(Box::new(extended.clone()), membership));
        self.record_ledger_only(&admin, "grant.extend", &extended, change, now)
    }

    #[instrument(skip_all)]
    pub fn revoke_grant(&self, id: &str) -> Result<Recorded, Error> {
        let grant = self.cached_grant(id)?;
        let op = Operation::RevokeGrant { grant_id: grant.id.clone(), role: grant.role.clone() };
        if grant.mode == GrantMode::Server {
            let before = serde_json::to_value(&grant).ok();
            return self.record(op, grant.version.clone(), before, None);
        }
        self.end_ledger_grant(grant, GrantStatus::Revoked, "grant.revoke", Some(op))
    }

    /// Ends a ledger grant: its new status, and the removal of the membership it added.
    pub(super) fn end_ledger_grant(
        &self,
        grant: Grant,
        status: GrantStatus,
        action: &str,
        check_as: Option<Operation>,
    ) -> Result<Recorded, Error> {
        let admin = self.recording_admin()?;
        let now = Utc::now();
        if let Some(op) = &check_as {
            let mut cache = self.read_cache()?;
            let facts = checks::facts_of(&cache, op, now)?;
            if let Err(refusal) = checks::check(&admin, &self.profile.catalog(), op, &facts, now) {
                return Err(refuse(&mut cache, &admin, op, refusal, now));
            }
        }
        let membership = self.read_cache()?.ledger_membership(&grant.id)?;
        let ended = Grant { status, ..grant };
        let change = Some(DirectoryChange::LedgerGrant(Box::new(ended.clone()), LedgerMembership::None));
        if membership == LedgerMembership::Added {
            let remove = Operation::RemoveRole {
                user: UserRef { id: Some(ended.user_id.clone()), user_name: ended.user.clone() },
                role: ended.role.clone(),
                role_id: ended.role_id.clone(),
            };
            let before = serde_json::to_value(&ended).ok();
            let id = uuid::Uuid::new_v4().to_string();
            let entry = self.read_cache()?.enqueue(&id, &admin.display_name, &remove, None, before, change, now)?;
            return Ok(Recorded { entry, needs_approval: false, ledger_grant: Some(ended) });
        }
        self.record_ledger_only(&admin, action, &ended, change, now)
    }

    #[instrument(skip_all)]
    pub fn approve_grant(&self, id: &str) -> Result<Recorded, Error> {
        self.decide_grant(id, true)
    }

    #[instrument(skip_all)]
    pub fn reject_grant(&self, id: &str) -> Result<Recorded, Error> {
        self.decide_grant(id, false)
    }

    fn decide_grant(&self, id: &str, approve: bool) -> Result<Recorded, Error> {
        let grant = self.cached_grant(id)?;
        if grant.mode == GrantMode::Ledger {
            return Err(Error::Usage(
                "ledger mode holds no grants waiting for approval; approvals need a directory that holds grants".into(),
            ));
        }
        let (grant_id, role) = (grant.id.clone(), grant.role.clone());
        let op = if approve {
            Operation::ApproveGrant { grant_id, role }
        } else {
            Operation::RejectGrant { grant_id, role }
        };
        let before = serde_json::to_value(&grant).ok();
        self.record(op, grant.version.clone(), before, None)
    }

    /// Ledger mode: expires grants whose window ended and starts those whose window began,
    /// queueing the membership changes; then pushes them (unless offline).
    #[instrument(skip_all)]
    pub async fn sweep_grants(&self) -> Result<SweepReport, Error> {
        let mode = self.grant_mode()?;
        let mut report = SweepReport { mode: Some(mode), ..SweepReport::default() };
        if mode == GrantMode::Server {
            return Ok(report);
        }
        let now = Utc::now();
        let grants = self.read_cache()?.list_grants(&GrantQuery::default(), now)?;
        for grant in grants.into_iter().filter(|g| g.mode == GrantMode::Ledger) {
            let stored_status = self.read_cache()?.grant(&grant.id)?.map(|g| g.status);
            let membership = self.read_cache()?.ledger_membership(&grant.id)?;
            if stored_status == Some(GrantStatus::Active) && grant.status == GrantStatus::Expired {
                self.end_ledger_grant(grant, GrantStatus::Expired, "grant.expire", None)?;
                report.expired += 1;
            } else if grant.status == GrantStatus::Active
                && grant.valid_from <= now
                && membership == LedgerMembership::None
            {
                let admin = self.recording_admin()?;
                let member = self.read_cache()?.is_member(&grant.role_id, &grant.user_id)?;
                let state = if member { LedgerMembership::AlreadyMember } else { LedgerMembership::Added };
                let change = Some(DirectoryChange::LedgerGrant(Box::new(grant.clone()), state));
                if member {
                    self.record_ledger_only(&admin, "grant.start", &grant, change, now)?;
                } else {
                    let assign = Operation::AssignRole {
                        user: UserRef { id: Some(grant.user_id.clone()), user_name: grant.user.clone() },
                        role: grant.role.clone(),
                        role_id: grant.role_id.clone(),
                    };
                    let id = uuid::Uuid::new_v4().to_string();
                    self.read_cache()?.enqueue(&id, &admin.display_name, &assign, None, None, change, now)?;
                }
                report.started += 1;
            }
        }
        if !self.offline_only {
            report.push = Some(self.push().await?);
        }
        Ok(report)
    }

    /// Sends the outbox; a refused token is refreshed once and the push tried once more.
    #[instrument(skip_all, fields(profile = %self.profile.name))]
    pub async fn push(&self) -> Result<PushReport, Error> {
        let (token, admin) = self.access("sending changes").await?;
        let result = self.push_with(&token, &admin).await;
        let result = match result {
            Err(Error::Http { status: 401, .. }) => {
                info!("the directory refused the access token; refreshing once and pushing again");
                *self.session.lock().await = None;
                let (token, admin) = self.access("sending changes").await?;
                self.push_with(&token, &admin).await
            }
            other => other,
        };
        self.network(result)
    }

    async fn push_with(&self, token: &crate::secret::AccessToken, admin: &AdminContext) -> Result<PushReport, Error> {
        let client = self.scim_client();
        let catalog = self.profile.catalog();
        let mut writer = self.open_cache()?;
        let pusher =
            Pusher { client: &client, token, admin, catalog: &catalog, bu_attribute: &self.profile.scim.bu_attribute };
        pusher.push(&mut writer, None).await
    }

    pub fn outbox(&self, states: &[OutboxState]) -> Result<Vec<OutboxEntry>, Error> {
        self.read_cache()?.outbox(states)
    }

    pub fn outbox_entry(&self, id: &str) -> Result<Option<OutboxEntry>, Error> {
        self.read_cache()?.outbox_entry(id)
    }

    pub fn conflicts(&self, include_resolved: bool) -> Result<Vec<Conflict>, Error> {
        self.read_cache()?.conflicts(include_resolved)
    }

    /// Resolves a conflict: keeping mine queues the change again on the server's version;
    /// taking theirs drops it and keeps the server's version in the cache.
    #[instrument(skip_all)]
    pub fn resolve_conflict(&self, id: i64, keep_mine: bool) -> Result<(), Error> {
        let admin = self.recording_admin()?;
        let mut cache = self.read_cache()?;
        let conflict = cache
            .conflicts(false)?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Error::NotFound(format!("no open conflict {id} (see `bailiwick conflicts list`)")))?;
        let theirs = match (&conflict.theirs, keep_mine) {
            (Some(resource), false) => self.theirs_change(&cache, &conflict.mine, resource),
            _ => None,
        };
        cache.resolve_conflict(&conflict, keep_mine, &admin.display_name, theirs, Utc::now())
    }

    /// The cache change that adopts the server's version of a conflicting resource.
    fn theirs_change(&self, cache: &Cache, mine: &Operation, theirs: &serde_json::Value) -> Option<DirectoryChange> {
        match mine.resource_kind() {
            "Users" => {
                let attribute = crate::directory::BuAttribute::new(&self.profile.scim.bu_attribute);
                let cached = crate::cache::CachedUser::decode(theirs.to_string().into(), |summary, json| {
                    BuPath::parse(&attribute.of_summary(summary, json)?)
                })
                .ok()?;
                Some(DirectoryChange::User(Box::new(cached)))
            }
            "Grants" => Grant::from_scim(theirs).map(|mut g| {
                if let Ok(Some(cached)) = cache.grant(&g.id) {
                    g.role = cached.role;
                    g.user = cached.user;
                }
                DirectoryChange::Grant(Box::new(g))
            }),
            _ => None,
        }
    }

    pub fn grants(&self, query: &GrantQuery) -> Result<Vec<Grant>, Error> {
        self.read_cache()?.list_grants(query, Utc::now())
    }

    pub fn grant(&self, id: &str) -> Result<Option<Grant>, Error> {
        self.read_cache()?.grant(id)
    }

    /// The role catalog with each role's group and holders.
    pub fn roles(&self) -> Result<Vec<RoleView>, Error> {
        let cache = self.read_cache()?;
        let mut roles = Vec::new();
        for role in self.profile.catalog().roles {
            let group = cache.group(&role.name)?;
            roles.push(RoleView {
                group_id: group.as_ref().map(|g| g.id.clone()),
                holders: group.map_or(0, |g| g.members),
                role,
            });
        }
        Ok(roles)
    }
}

/// Why a grant of a role that needs approval cannot be issued in ledger mode: a pending grant
/// waiting for a second admin needs a server that holds grants.
pub(super) fn ledger_cannot_hold_approval(role: &str) -> Refusal {
    Refusal {
        rule: Rule::FourEyes,
        message: format!("{role} needs a second admin's approval, which ledger mode cannot hold"),
        remedy: "grant it through a directory that holds grants (server mode), or assign it with `roles assign` \
                 if policy allows a permanent assignment"
            .into(),
    }
}

/// The directory change a ledger-only record stands for: holding the role (issued, started),
/// a new end (extended), or not holding it any more (revoked, expired).
fn ledger_meaning(action: &str, grant: &Grant) -> Operation {
    let user = UserRef { id: Some(grant.user_id.clone()), user_name: grant.user.clone() };
    match action {
        "grant.issue" | "grant.start" => {
            Operation::AssignRole { user, role: grant.role.clone(), role_id: grant.role_id.clone() }
        }
        "grant.extend" => Operation::ExtendGrant {
            grant_id: grant.id.clone(),
            role: grant.role.clone(),
            valid_until: grant.valid_until,
        },
        _ => Operation::RevokeGrant { grant_id: grant.id.clone(), role: grant.role.clone() },
    }
}

/// Audits a refusal and turns it into the error hosts show (exit code 4, `refused`).
pub(super) fn refuse(
    cache: &mut Cache,
    admin: &AdminContext,
    operation: &Operation,
    refusal: Refusal,
    now: DateTime<Utc>,
) -> Error {
    let record = AuditRecord {
        actor: admin.display_name.clone(),
        action: operation.action().to_owned(),
        target: operation.target(),
        after: serde_json::to_value(operation).ok(),
        outcome: Some(Outcome::Refused),
        rule: Some(refusal.rule.as_str().to_owned()),
        detail: Some(refusal.to_string()),
        ..AuditRecord::default()
    };
    if let Err(e) = cache.append_audit(record, now) {
        tracing::error!(error = %e, "could not audit a refusal");
    }
    info!(rule = refusal.rule.as_str(), "refused by policy");
    Error::Refused(refusal)
}
