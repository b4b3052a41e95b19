//! Time-bound role grants (`/Grants`, DESIGN.md's grant model in server mode).
//!
//! A grant gives a user a role (membership of the role's group) in one BU for a window. The
//! role's policy (seed::RolePolicy) bounds the window, keeps partners off sensitive roles, and
//! makes some grants wait for a second admin's approval (four eyes: never the requester).
//!
//! The membership exists only inside the window: [`reconcile`] adds it when a grant starts and
//! removes it when the grant expires, is revoked or rejected. It runs after every grant write
//! and on a timer (see `Sandbox::start`), so expiry happens on time without anyone asking.
//! Grants and their audit events are stored in SQLite beside the directory.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde_json::{json, Value};

use bailiwick_scim::{apply_patch, schema, PatchRequest};

use crate::audit::AuditTarget;
use crate::directory::{in_scope, page_of, Directory};
use crate::scim_api::{search_request, Caller, ListQuery, ScimRefusal};
use crate::scim_write::{check_if_match, resource_response};
use crate::seed::role_policy;
use crate::{store, AppState};

const ISSUE_GRANTS: &str = "issue-grants";
const APPROVE_GRANTS: &str = "approve-grants";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStatus {
    Pending,
    Active,
    Expired,
    Revoked,
    Rejected,
}

impl GrantStatus {
    fn as_str(self) -> &'static str {
        match self {
            GrantStatus::Pending => "pending",
            GrantStatus::Active => "active",
            GrantStatus::Expired => "expired",
            GrantStatus::Revoked => "revoked",
            GrantStatus::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Active, Self::Expired, Self::Revoked, Self::Rejected]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// Whether the grant's membership has been applied, and by whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Membership {
    /// The window has not started (or the grant is not active).
    NotApplied,
    /// The grant added the user to the group: its end removes them again.
    Added,
    /// The user was a member already (a direct assignment): its end leaves that alone.
    AlreadyMember,
}

impl Membership {
    fn as_str(self) -> &'static str {
        match self {
            Membership::NotApplied => "none",
            Membership::Added => "added",
            Membership::AlreadyMember => "already-member",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "added" => Membership::Added,
            "already-member" => Membership::AlreadyMember,
            _ => Membership::NotApplied,
        }
    }
}

pub struct Grant {
    id: String,
    user_id: String,
    user_display: String,
    role_id: String,
    role_display: String,
    bu: String,
    valid_from: DateTime<Utc>,
    valid_until: DateTime<Utc>,
    justification: String,
    requester: String,
    approver: Option<String>,
    /// The issuing client's own identifier (RFC 7643 §3.1), e.g. an idempotency key.
    external_id: Option<String>,
    status: GrantStatus,
    created: String,
    last_modified: String,
    version: i64,
    membership: Membership,
}

impl Grant {
    fn resource(&self, scim_base: &str) -> Value {
        let mut resource = json!({
            "schemas": [schema::GRANT],
            "id": self.id,
            "user": {"value": self.user_id, "display": self.user_display, "$ref": format!("{scim_base}/Users/{}", self.user_id)},
            "role": {"value": self.role_id, "display": self.role_display, "$ref": format!("{scim_base}/Groups/{}", self.role_id)},
            "bu": self.bu,
            "validFrom": store::timestamp(self.valid_from),
            "validUntil": store::timestamp(self.valid_until),
            "justification": self.justification,
            "requester": self.requester,
            "status": self.status.as_str(),
            "meta": {
                "resourceType": "Grant",
                "created": self.created,
                "lastModified": self.last_modified,
                "location": format!("{scim_base}/Grants/{}", self.id),
                "version": format!("W/\"{}\"", self.version),
            }
        });
        if let Some(approver) = &self.approver {
            resource["approver"] = json!(approver);
        }
        if let Some(external_id) = &self.external_id {
            resource["externalId"] = json!(external_id);
        }
        resource
    }

    /// A grant as [`store::save_grant`] kept it; `None` when the stored form is damaged.
    pub fn from_stored(resource: &Value, membership: &str) -> Option<Self> {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let time =
            |v: &Value| v.as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc));
        let meta = &resource["meta"];
        Some(Grant {
            id: text(&resource["id"])?,
            user_id: text(&resource["user"]["value"])?,
            user_display: text(&resource["user"]["display"]).unwrap_or_default(),
            role_id: text(&resource["role"]["value"])?,
            role_display: text(&resource["role"]["display"]).unwrap_or_default(),
            bu: text(&resource["bu"])?,
            valid_from: time(&resource["validFrom"])?,
            valid_until: time(&resource["validUntil"])?,
            justification: text(&resource["justification"]).unwrap_or_default(),
            requester: text(&resource["requester"])?,
            approver: text(&resource["approver"]),
            external_id: text(&resource["externalId"]),
            status: resource["status"].as_str().and_then(GrantStatus::parse)?,
            created: text(&meta["created"]).unwrap_or_default(),
            last_modified: text(&meta["lastModified"]).unwrap_or_default(),
            version: meta["version"].as_str()?.trim_start_matches("W/").trim_matches('"').parse().ok()?,
            membership: Membership::parse(membership),
        })
    }

    fn save(&self, conn: &Connection, scim_base: &str) -> Result<(), crate::SandboxError> {
        store::save_grant(conn, &self.id, &self.resource(scim_base), self.membership.as_str())
    }

    fn target(&self) -> AuditTarget<'_> {
        AuditTarget { kind: "Grant", id: &self.id, display: &self.role_display, bu: Some(&self.bu) }
    }
}

fn refuse(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> ScimRefusal {
    ScimRefusal::new(status, scim_type, detail)
}

fn storage_failure(e: crate::SandboxError) -> ScimRefusal {
    tracing::error!(error = %e, "grant write failed in storage");
    refuse(StatusCode::INTERNAL_SERVER_ERROR, None, "storage failure")
}

fn unavailable() -> ScimRefusal {
    refuse(StatusCode::INTERNAL_SERVER_ERROR, None, "directory unavailable")
}

/// The caller holds `capability` and it reaches `bu`.
fn require_on(caller: &Caller, capability: &str, bu: &str) -> Result<(), ScimRefusal> {
    let admin = caller.admin;
    if !admin.capabilities.contains(&capability) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            None,
            format!("{} lacks the {capability} capability", admin.user_name),
        ));
    }
    if !in_scope(admin.bu_scopes, bu) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            None,
            format!("{capability} on {bu} is outside your business units ({})", admin.bu_scopes.join(", ")),
        ));
    }
    Ok(())
}

fn parse_time(body: &Value, name: &str) -> Result<Option<DateTime<Utc>>, ScimRefusal> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => {
            DateTime::parse_from_rfc3339(text).map(|t| Some(t.with_timezone(&Utc))).map_err(|e| {
                refuse(
                    StatusCode::BAD_REQUEST,
                    Some("invalidValue"),
                    format!("{name} is not an RFC 3339 dateTime: {e}"),
                )
            })
        }
        Some(_) => {
            Err(refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), format!("{name} must be a dateTime string")))
        }
    }
}

/// The window rules of the role's policy.
fn check_window(role_id: &str, role: &str, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<(), ScimRefusal> {
    if until <= from {
        return Err(refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), "validUntil must be after validFrom"));
    }
    let max_days = role_policy(role_id).max_grant_days;
    if until - from > chrono::Duration::days(max_days) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
            format!("the window exceeds maxGrantDays of {role}: at most {max_days} days"),
        ));
    }
    Ok(())
}

/// Applies grant windows to memberships at `now`: starts what began, ends what expired.
/// Returns how many grants expired.
pub fn reconcile(
    state: &AppState,
    conn: &Connection,
    directory: &mut Directory,
    grants: &mut [Grant],
) -> Result<usize, crate::SandboxError> {
    let now = state.clock.now();
    let stamp = store::timestamp(now);
    let mut expired = 0;
    for grant in grants.iter_mut() {
        match grant.status {
            GrantStatus::Active if now >= grant.valid_until => {
                let before = grant.resource(&state.scim_base);
                if grant.membership == Membership::Added {
                    directory.set_member(conn, &grant.role_id, &grant.user_id, false, &stamp)?;
                }
                grant.membership = Membership::NotApplied;
                grant.status = GrantStatus::Expired;
                grant.version += 1;
                grant.last_modified = stamp.clone();
                expired += 1;
                state.audit(conn, "system", "grant.expire", grant.target(), before, grant.resource(&state.scim_base));
                grant.save(conn, &state.scim_base)?;
            }
            GrantStatus::Active if now >= grant.valid_from && grant.membership == Membership::NotApplied => {
                let added = directory.set_member(conn, &grant.role_id, &grant.user_id, true, &stamp)?;
                grant.membership = if added { Membership::Added } else { Membership::AlreadyMember };
                grant.save(conn, &state.scim_base)?;
            }
            GrantStatus::Revoked | GrantStatus::Rejected | GrantStatus::Expired
                if grant.membership != Membership::NotApplied =>
            {
                if grant.membership == Membership::Added {
                    directory.set_member(conn, &grant.role_id, &grant.user_id, false, &stamp)?;
                }
                grant.membership = Membership::NotApplied;
                grant.save(conn, &state.scim_base)?;
            }
            _ => {}
        }
    }
    Ok(expired)
}

/// One tick of the expiry task.
pub fn reconcile_now(state: &AppState) {
    let conn = state.lock_db();
    let Ok(mut directory) = state.directory.write() else {
        return;
    };
    let mut grants = state.grants.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Err(e) = reconcile(state, &conn, &mut directory, &mut grants) {
        tracing::error!(error = %e, "applying grant windows failed");
    }
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn create_grant(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let result = (|| {
        let body: Value = serde_json::from_slice(&body).map_err(|e| {
            refuse(StatusCode::BAD_REQUEST, Some("invalidSyntax"), format!("the body is not valid: {e}"))
        })?;
        if !caller.admin.capabilities.contains(&ISSUE_GRANTS) {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                None,
                format!("{} lacks the {ISSUE_GRANTS} capability", caller.admin.user_name),
            ));
        }
        let text = |v: &Value| v.as_str().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
        let user_id = text(&body["user"]["value"]).ok_or_else(|| {
            refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), "user.value (a user id) is required")
        })?;
        let role_id = text(&body["role"]["value"]).ok_or_else(|| {
            refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), "role.value (a group id) is required")
        })?;
        let justification = text(&body["justification"])
            .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), "a justification is required"))?;
        let conn = state.lock_db();
        let conn: &Connection = &conn;
        let mut directory = state.directory.write().map_err(|_| unavailable())?;
        let user = directory
            .user(&user_id)
            .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), format!("no user {user_id}")))?;
        let group = directory
            .group(&role_id)
            .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), format!("no role {role_id}")))?;
        let bu = text(&body["bu"]).unwrap_or_else(|| user.division.clone());
        require_on(&caller, ISSUE_GRANTS, &bu)?;
        if !in_scope(caller.admin.bu_scopes, &user.division) {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                None,
                format!("user {user_id} is outside your business units ({})", caller.admin.bu_scopes.join(", ")),
            ));
        }
        let now = state.clock.now();
        let valid_from = parse_time(&body, "validFrom")?.unwrap_or(now);
        let valid_until = parse_time(&body, "validUntil")?
            .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), "validUntil is required"))?;
        check_window(&role_id, &group.display_name, valid_from, valid_until)?;
        let policy = role_policy(&role_id);
        crate::role_rules::check_new_holder(&caller, &role_id, user)?;
        let stamp = store::timestamp(now);
        let grant = Grant {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: user_id.clone(),
            user_display: user.resource["displayName"].as_str().unwrap_or(&user_id).to_owned(),
            role_id: role_id.clone(),
            role_display: group.display_name.clone(),
            bu,
            valid_from,
            valid_until,
            justification,
            requester: caller.admin.user_name.to_owned(),
            approver: None,
            external_id: text(&body["externalId"]),
            status: if policy.needs_approval { GrantStatus::Pending } else { GrantStatus::Active },
            created: stamp.clone(),
            last_modified: stamp,
            version: 1,
            membership: Membership::NotApplied,
        };
        let id = grant.id.clone();
        let mut grants = state.grants.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.audit(
            conn,
            caller.admin.user_name,
            "grant.issue",
            grant.target(),
            Value::Null,
            grant.resource(&state.scim_base),
        );
        grants.push(grant);
        reconcile(&state, conn, &mut directory, &mut grants).map_err(storage_failure)?;
        let grant = grants.iter().find(|g| g.id == id).ok_or_else(unavailable)?;
        grant.save(conn, &state.scim_base).map_err(storage_failure)?;
        let mut response = resource_response(StatusCode::CREATED, &grant.resource(&state.scim_base), grant.version);
        if let Ok(location) = HeaderValue::from_str(&format!("{}/Grants/{id}", state.scim_base)) {
            response.headers_mut().insert(LOCATION, location);
        }
        tracing::info!(grant = %id, "grant issued");
        Ok(response)
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

/// A status change the caller asks for, checked against the rules.
fn change_status(
    state: &AppState,
    conn: &Connection,
    caller: &Caller,
    grant: &mut Grant,
    wanted: GrantStatus,
) -> Result<(), ScimRefusal> {
    let me = caller.admin.user_name;
    let action = match (grant.status, wanted) {
        (from, to) if from == to => return Ok(()),
        (GrantStatus::Pending, GrantStatus::Active | GrantStatus::Rejected) => {
            let action = if wanted == GrantStatus::Active { "grant.approve" } else { "grant.reject" };
            let allowed = require_on(caller, APPROVE_GRANTS, &grant.bu).and_then(|()| {
                if grant.requester.eq_ignore_ascii_case(me) {
                    Err(refuse(
                        StatusCode::FORBIDDEN,
                        None,
                        "four eyes: the requester of a grant may not approve or reject it",
                    ))
                } else {
                    Ok(())
                }
            });
            if let Err(refusal) = allowed {
                let before = grant.resource(&state.scim_base);
                state.audit_denied(conn, me, action, grant.target(), before, refusal.detail());
                return Err(refusal);
            }
            grant.approver = Some(me.to_owned());
            action
        }
        (GrantStatus::Pending | GrantStatus::Active, GrantStatus::Revoked) => {
            require_on(caller, ISSUE_GRANTS, &grant.bu)?;
            "grant.revoke"
        }
        (from, to) => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                Some("invalidValue"),
                format!("a {} grant cannot become {}", from.as_str(), to.as_str()),
            ))
        }
    };
    let before = grant.resource(&state.scim_base);
    grant.status = wanted;
    grant.version += 1;
    grant.last_modified = store::timestamp(state.clock.now());
    state.audit(conn, me, action, grant.target(), before, grant.resource(&state.scim_base));
    Ok(())
}

fn extend(
    state: &AppState,
    conn: &Connection,
    caller: &Caller,
    grant: &mut Grant,
    until: DateTime<Utc>,
) -> Result<(), ScimRefusal> {
    if until == grant.valid_until {
        return Ok(());
    }
    require_on(caller, ISSUE_GRANTS, &grant.bu)?;
    if !matches!(grant.status, GrantStatus::Pending | GrantStatus::Active) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
            format!("a {} grant cannot be extended", grant.status.as_str()),
        ));
    }
    check_window(&grant.role_id, &grant.role_display, grant.valid_from, until)?;
    let before = grant.resource(&state.scim_base);
    grant.valid_until = until;
    grant.version += 1;
    grant.last_modified = store::timestamp(state.clock.now());
    state.audit(conn, caller.admin.user_name, "grant.extend", grant.target(), before, grant.resource(&state.scim_base));
    Ok(())
}

/// Runs `change` on a grant the caller may see, then applies the windows.
fn write_grant(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    id: &str,
    change: impl FnOnce(&Connection, &mut Grant, Value) -> Result<(), ScimRefusal>,
) -> Result<(Value, i64), ScimRefusal> {
    let conn = state.lock_db();
    let conn: &Connection = &conn;
    let mut directory = state.directory.write().map_err(|_| unavailable())?;
    let mut grants = state.grants.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let grant = grants
        .iter_mut()
        .find(|g| g.id == id)
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, None, format!("no grant {id}")))?;
    if !in_scope(caller.admin.bu_scopes, &grant.bu) {
        return Err(refuse(StatusCode::FORBIDDEN, None, format!("grant {id} is outside your business units")));
    }
    check_if_match(headers, grant.version)?;
    let current = grant.resource(&state.scim_base);
    change(conn, grant, current)?;
    reconcile(state, conn, &mut directory, &mut grants).map_err(storage_failure)?;
    let grant = grants.iter().find(|g| g.id == id).ok_or_else(unavailable)?;
    grant.save(conn, &state.scim_base).map_err(storage_failure)?;
    Ok((grant.resource(&state.scim_base), grant.version))
}

/// `PATCH /Grants/{id}`: `status` → active/rejected (approve, reject), revoked (revoke);
/// `validUntil` → a new end (extend or shorten, within the role's limit).
#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn patch_grant(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| {
        let patch: PatchRequest = serde_json::from_slice(&body).map_err(|e| {
            refuse(StatusCode::BAD_REQUEST, Some("invalidSyntax"), format!("the body is not valid: {e}"))
        })?;
        write_grant(&state, &caller, &headers, &id, |conn, grant, mut wanted| {
            apply_patch(&mut wanted, &patch.operations)
                .map_err(|e| refuse(StatusCode::BAD_REQUEST, Some(e.scim_type()), e.to_string()))?;
            let status = wanted["status"].as_str().and_then(GrantStatus::parse).ok_or_else(|| {
                refuse(
                    StatusCode::BAD_REQUEST,
                    Some("invalidValue"),
                    "status must be one of pending, active, expired, revoked, rejected",
                )
            })?;
            let until = parse_time(&wanted, "validUntil")?
                .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), "validUntil is required"))?;
            extend(&state, conn, &caller, grant, until)?;
            change_status(&state, conn, &caller, grant, status)
        })
    })();
    match result {
        Ok((resource, version)) => resource_response(StatusCode::OK, &resource, version),
        Err(refusal) => refusal.into_response(),
    }
}

/// `DELETE /Grants/{id}` revokes: the grant stays on record with status `revoked`.
#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn delete_grant(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match write_grant(&state, &caller, &headers, &id, |conn, grant, _| {
        change_status(&state, conn, &caller, grant, GrantStatus::Revoked)
    }) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

fn list(state: &AppState, caller: &Caller, query: &ListQuery) -> Result<Response, ScimRefusal> {
    let listing = query.listing()?;
    let grants = state.grants.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let visible =
        grants.iter().filter(|g| in_scope(caller.admin.bu_scopes, &g.bu)).map(|g| g.resource(&state.scim_base));
    let page = page_of(visible, &listing);
    drop(grants);
    Ok(listing.respond(page))
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn list_grants(State(state): State<AppState>, caller: Caller, Query(query): Query<ListQuery>) -> Response {
    list(&state, &caller, &query).unwrap_or_else(IntoResponse::into_response)
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn search_grants(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    search_request(&body).and_then(|query| list(&state, &caller, &query)).unwrap_or_else(IntoResponse::into_response)
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn get_grant(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let grants = state.grants.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match grants.iter().find(|g| g.id == id) {
        None => refuse(StatusCode::NOT_FOUND, None, format!("no grant {id}")).into_response(),
        Some(g) if !in_scope(caller.admin.bu_scopes, &g.bu) => {
            refuse(StatusCode::FORBIDDEN, None, format!("grant {id} is outside your business units")).into_response()
        }
        Some(g) => resource_response(StatusCode::OK, &g.resource(&state.scim_base), g.version),
    }
}
