//! SCIM writes (RFC 7644 §3.3, §3.5, §3.6) with delegation enforced by the server.
//!
//! Users: the caller needs `manage-users`, and both the user's current and new `division` must
//! lie in the caller's BU scopes. Groups (roles): the caller needs `manage-roles` and may only
//! add or remove members it can see; members outside its scopes are invisible to it and are
//! kept untouched whatever it sends. Every change bumps `meta.version`; `If-Match` guards
//! against lost updates (412 when stale).
//!
//! Each write holds the directory's write lock while it stores the change in SQLite, so the
//! in-memory copy and the file never disagree and two writers cannot interleave.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{ETAG, IF_MATCH, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use bailiwick_scim::{apply_patch, schema, PatchRequest};

use crate::directory::{in_scope, Directory, GroupChange};
use crate::scim_api::{scim_response, Caller, ScimRefusal};
use rusqlite::Connection;

use crate::audit::AuditTarget;
use crate::{role_rules, store, AppState};

/// Records a user change: `before` as it was (Null on create), after as the directory now
/// holds it (Null on delete).
fn audit_user(
    state: &AppState,
    conn: &Connection,
    caller: &Caller,
    action: &str,
    directory: &Directory,
    id: &str,
    before: Value,
) {
    let after = directory.user(id).map(|u| u.resource.clone()).unwrap_or(Value::Null);
    let shown = if after.is_null() { &before } else { &after };
    let display = shown["userName"].as_str().unwrap_or(id).to_owned();
    let bu = shown[schema::ENTERPRISE_USER]["division"].as_str().map(str::to_owned);
    let target = AuditTarget { kind: "User", id, display: &display, bu: bu.as_deref() };
    state.audit(conn, caller.admin.user_name, action, target, before, after);
}

/// Records a role change; roles belong to no BU.
fn audit_group(
    state: &AppState,
    conn: &Connection,
    caller: &Caller,
    action: &str,
    directory: &Directory,
    id: &str,
    before: Value,
) {
    let after = directory
        .group_index(id)
        .map(|i| directory.group_resource(directory.group_at(i), caller.admin.bu_scopes))
        .unwrap_or(Value::Null);
    let shown = if after.is_null() { &before } else { &after };
    let display = shown["displayName"].as_str().unwrap_or(id).to_owned();
    let target = AuditTarget { kind: "Group", id, display: &display, bu: None };
    state.audit(conn, caller.admin.user_name, action, target, before, after);
}

const MANAGE_USERS: &str = "manage-users";
const MANAGE_ROLES: &str = "manage-roles";

fn refuse(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> ScimRefusal {
    ScimRefusal::new(status, scim_type, detail)
}

fn storage_failure(e: crate::SandboxError) -> ScimRefusal {
    tracing::error!(error = %e, "SCIM write failed in storage");
    refuse(StatusCode::INTERNAL_SERVER_ERROR, None, "storage failure")
}

fn unavailable() -> ScimRefusal {
    refuse(StatusCode::INTERNAL_SERVER_ERROR, None, "directory unavailable")
}

pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// A response carrying a resource and its ETag header (RFC 7644 §3.14).
pub fn resource_response(status: StatusCode, resource: &Value, version: i64) -> Response {
    let mut response = scim_response(status, resource);
    if let Ok(tag) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(ETAG, tag);
    }
    response
}

/// True when one of the comma-separated tags of `header` is `*` or the current version's tag
/// (weak comparison, RFC 9110 §8.8.3.2: a strong `"n"` matches `W/"n"` too).
pub fn tag_list_matches(header: &str, version: i64) -> bool {
    let current = format!("\"{version}\"");
    header.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == current)
}

pub fn check_if_match(headers: &HeaderMap, version: i64) -> Result<(), ScimRefusal> {
    match headers.get(IF_MATCH).and_then(|v| v.to_str().ok()) {
        Some(header) if !tag_list_matches(header, version) => Err(refuse(
            StatusCode::PRECONDITION_FAILED,
            None,
            format!("the resource changed: its version is now {}, not {header}", etag(version)),
        )),
        _ => Ok(()),
    }
}

fn require(caller: &Caller, capability: &str) -> Result<(), ScimRefusal> {
    if caller.admin.capabilities.contains(&capability) {
        Ok(())
    } else {
        Err(refuse(
            StatusCode::FORBIDDEN,
            None,
            format!("{} lacks the {capability} capability", caller.admin.user_name),
        ))
    }
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ScimRefusal> {
    serde_json::from_slice(body)
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, Some("invalidSyntax"), format!("the body is not valid: {e}")))
}

fn now() -> String {
    store::timestamp(chrono::Utc::now())
}

/// Checks a user resource the caller sent and returns (userName, division, stored form).
fn validated_user(
    directory: &Directory,
    caller: &Caller,
    id: &str,
    mut body: Value,
) -> Result<(String, String, Value), ScimRefusal> {
    let Some(object) = body.as_object_mut() else {
        return Err(refuse(StatusCode::BAD_REQUEST, Some("invalidSyntax"), "a User must be a JSON object"));
    };
    // Read-only and server-assigned attributes are ignored, as RFC 7644 §3.5.1 allows.
    for readonly in ["id", "meta", "groups"] {
        object.retain(|k, _| !k.eq_ignore_ascii_case(readonly));
    }
    let user_name = object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("userName"))
        .and_then(|(_, v)| v.as_str())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), "userName is required"))?;
    let division = object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(schema::ENTERPRISE_USER))
        .and_then(|(_, ext)| ext.get("division"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                Some("invalidValue"),
                format!(
                    "{}:division is required: the business unit the user belongs to (yours: {})",
                    schema::ENTERPRISE_USER,
                    caller.admin.bu_scopes.join(", ")
                ),
            )
        })?
        .to_owned();
    if !in_scope(caller.admin.bu_scopes, &division) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            None,
            format!(
                "division {division:?} is outside your business units ({}); set {}:division to one of them",
                caller.admin.bu_scopes.join(", "),
                schema::ENTERPRISE_USER
            ),
        ));
    }
    if directory.user_by_name(&user_name).is_some_and(|other| other.id != id) {
        return Err(refuse(StatusCode::CONFLICT, Some("uniqueness"), format!("userName {user_name:?} is taken")));
    }
    object.insert("id".into(), json!(id));
    if !object.contains_key("schemas") {
        object.insert("schemas".into(), json!([schema::USER, schema::ENTERPRISE_USER]));
    }
    Ok((user_name, division, body))
}

fn stored_form(resource: &Value) -> Value {
    let mut stored = resource.clone();
    if let Some(object) = stored.as_object_mut() {
        object.remove("groups");
        object.remove("meta");
    }
    stored
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn create_user(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    create_user_inner(&state, &caller, &body).unwrap_or_else(IntoResponse::into_response)
}

fn create_user_inner(state: &AppState, caller: &Caller, body: &Bytes) -> Result<Response, ScimRefusal> {
    require(caller, MANAGE_USERS)?;
    let body: Value = parse_body(body)?;
    // The connection before the directory: the OIDC side takes them in that order too.
    let conn = state.lock_db();
    let conn: &Connection = &conn;
    let mut directory = state.directory.write().map_err(|_| unavailable())?;
    let id = uuid::Uuid::new_v4().to_string();
    let (user_name, division, stored) = validated_user(&directory, caller, &id, body)?;
    let now = now();
    let write = store::UserWrite {
        id: &id,
        user_name: &user_name,
        division: &division,
        resource: &stored,
        version: 1,
        now: &now,
    };
    store::insert_user(conn, &write).map_err(storage_failure)?;
    directory.put_user(stored, division, 1, &now, &now);
    audit_user(state, conn, caller, "user.create", &directory, &id, Value::Null);
    let user = directory.user(&id).ok_or_else(unavailable)?;
    let mut response = resource_response(StatusCode::CREATED, &user.resource, 1);
    if let Ok(location) = HeaderValue::from_str(&format!("{}/Users/{id}", directory.scim_base())) {
        response.headers_mut().insert(LOCATION, location);
    }
    tracing::info!(user = %id, "user created");
    Ok(response)
}

/// The user as the caller may change it: existing, in scope, and at the version it expects.
fn writable_user(
    directory: &Directory,
    caller: &Caller,
    headers: &HeaderMap,
    id: &str,
) -> Result<(Value, i64, String), ScimRefusal> {
    require(caller, MANAGE_USERS)?;
    let user = directory.user(id).ok_or_else(|| refuse(StatusCode::NOT_FOUND, None, format!("no user {id}")))?;
    if !in_scope(caller.admin.bu_scopes, &user.division) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            None,
            format!("user {id} is outside your business units ({})", caller.admin.bu_scopes.join(", ")),
        ));
    }
    check_if_match(headers, user.version)?;
    let created = user.resource["meta"]["created"].as_str().unwrap_or_default().to_owned();
    Ok((user.resource.clone(), user.version, created))
}

fn store_user_change(
    conn: &Connection,
    directory: &mut Directory,
    caller: &Caller,
    id: &str,
    version: i64,
    created: &str,
    body: Value,
) -> Result<Response, ScimRefusal> {
    let (user_name, division, stored) = validated_user(directory, caller, id, body)?;
    let was_active = directory.user(id).is_some_and(|u| u.resource["active"] != false);
    if was_active && stored["active"] == false && user_name.eq_ignore_ascii_case(caller.admin.user_name) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            None,
            format!("self-lockout: {} may not disable their own account", caller.admin.user_name),
        ));
    }
    let now = now();
    let version = version + 1;
    let write =
        store::UserWrite { id, user_name: &user_name, division: &division, resource: &stored, version, now: &now };
    store::update_user(conn, &write).map_err(storage_failure)?;
    directory.put_user(stored, division, version, created, &now);
    let user = directory.user(id).ok_or_else(unavailable)?;
    tracing::info!(user = %id, version, "user changed");
    Ok(resource_response(StatusCode::OK, &user.resource, version))
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn replace_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| -> Result<Response, ScimRefusal> {
        let body: Value = parse_body(&body)?;
        // The connection before the directory: the OIDC side takes them in that order too.
        let conn = state.lock_db();
        let conn: &Connection = &conn;
        let mut directory = state.directory.write().map_err(|_| unavailable())?;
        let (before, version, created) = writable_user(&directory, &caller, &headers, &id)?;
        let response = store_user_change(conn, &mut directory, &caller, &id, version, &created, body)?;
        audit_user(&state, conn, &caller, "user.update", &directory, &id, before);
        Ok(response)
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn patch_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| -> Result<Response, ScimRefusal> {
        let patch: PatchRequest = parse_body(&body)?;
        // The connection before the directory: the OIDC side takes them in that order too.
        let conn = state.lock_db();
        let conn: &Connection = &conn;
        let mut directory = state.directory.write().map_err(|_| unavailable())?;
        let (current, version, created) = writable_user(&directory, &caller, &headers, &id)?;
        let mut patched = stored_form(&current);
        apply_patch(&mut patched, &patch.operations)
            .map_err(|e| refuse(StatusCode::BAD_REQUEST, Some(e.scim_type()), e.to_string()))?;
        let response = store_user_change(conn, &mut directory, &caller, &id, version, &created, patched)?;
        audit_user(&state, conn, &caller, "user.update", &directory, &id, current);
        Ok(response)
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn delete_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        // The connection before the directory: the OIDC side takes them in that order too.
        let conn = state.lock_db();
        let conn: &Connection = &conn;
        let mut directory = state.directory.write().map_err(|_| unavailable())?;
        let (before, _, _) = writable_user(&directory, &caller, &headers, &id)?;
        store::delete_user(conn, &id).map_err(storage_failure)?;
        let now = now();
        // The groups it left changed: bump their versions like any other membership change.
        for group_index in directory.remove_user(&id) {
            // The directory already dropped the user; the store's cascade did the same.
            let group = directory.group_at(group_index);
            let change = GroupChange::with_members(group, group.member_ids.clone());
            store::write_group(conn, &group.id, &group.member_ids, &change, &now).map_err(storage_failure)?;
            directory.set_group(group_index, change, &now);
        }
        audit_user(&state, conn, &caller, "user.delete", &directory, &id, before);
        tracing::info!(user = %id, "user deleted");
        Ok(StatusCode::NO_CONTENT.into_response())
    })();
    result.unwrap_or_else(|refusal: ScimRefusal| refusal.into_response())
}

/// Replaces a group's visible members with `requested` (the group as the caller wants it).
fn store_group_change(
    conn: &Connection,
    directory: &mut Directory,
    caller: &Caller,
    index: usize,
    requested: &Value,
) -> Result<Response, ScimRefusal> {
    let scopes = caller.admin.bu_scopes;
    let group = directory.group_at(index);
    let display_name = requested
        .get("displayName")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&group.display_name)
        .to_owned();
    if directory.group_display_taken(&display_name, index) {
        return Err(refuse(StatusCode::CONFLICT, Some("uniqueness"), format!("displayName {display_name:?} is taken")));
    }
    let mut wanted: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for member in requested.get("members").and_then(Value::as_array).into_iter().flatten() {
        let Some(member_id) = member.get("value").and_then(Value::as_str) else {
            return Err(refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), "every member needs a value"));
        };
        let Some(user) = directory.user(member_id) else {
            return Err(refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), format!("no user {member_id}")));
        };
        if !in_scope(scopes, &user.division) {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                None,
                format!("user {member_id} is outside your business units ({})", scopes.join(", ")),
            ));
        }
        if seen.insert(member_id) {
            wanted.push(member_id.to_owned());
        }
    }
    // Whoever comes to hold the role must be allowed to (no escalation, partners, SoD).
    for new_member in role_rules::added_members(&group.member_ids, &wanted) {
        if let Some(user) = directory.user(new_member) {
            role_rules::check_new_holder(caller, &group.id, user)?;
        }
    }
    // Members the caller cannot see stay exactly as they are.
    let mut members: Vec<String> = group
        .member_ids
        .iter()
        .filter(|m| directory.user(m).is_some_and(|u| !in_scope(scopes, &u.division)))
        .cloned()
        .collect();
    members.extend(wanted);
    // ... and whoever leaves it must not be the caller losing a role that gives them power.
    for gone in crate::directory::membership_difference(&group.member_ids, &members).1 {
        if let Some(user) = directory.user(gone) {
            role_rules::check_removed_holder(caller, &group.id, user)?;
        }
    }
    let external_id = requested.get("externalId").and_then(Value::as_str).map(str::to_owned);
    let change = GroupChange { display_name, external_id, members, version: group.version + 1 };
    let (id, version) = (group.id.clone(), change.version);
    let now = now();
    store::write_group(conn, &id, &group.member_ids, &change, &now).map_err(storage_failure)?;
    directory.set_group(index, change, &now);
    let resource = directory.group_resource(directory.group_at(index), scopes);
    tracing::info!(group = %id, version, "group changed");
    Ok(resource_response(StatusCode::OK, &resource, version))
}

fn writable_group(
    directory: &Directory,
    caller: &Caller,
    headers: &HeaderMap,
    id: &str,
) -> Result<(usize, Value), ScimRefusal> {
    require(caller, MANAGE_ROLES)?;
    let index =
        directory.group_index(id).ok_or_else(|| refuse(StatusCode::NOT_FOUND, None, format!("no group {id}")))?;
    let group = directory.group_at(index);
    check_if_match(headers, group.version)?;
    Ok((index, directory.group_resource(group, caller.admin.bu_scopes)))
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn replace_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| -> Result<Response, ScimRefusal> {
        let body: Value = parse_body(&body)?;
        // The connection before the directory: the OIDC side takes them in that order too.
        let conn = state.lock_db();
        let conn: &Connection = &conn;
        let mut directory = state.directory.write().map_err(|_| unavailable())?;
        let (index, before) = writable_group(&directory, &caller, &headers, &id)?;
        let response = store_group_change(conn, &mut directory, &caller, index, &body)?;
        audit_group(&state, conn, &caller, "group.update", &directory, &id, before);
        Ok(response)
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn patch_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| -> Result<Response, ScimRefusal> {
        let patch: PatchRequest = parse_body(&body)?;
        // The connection before the directory: the OIDC side takes them in that order too.
        let conn = state.lock_db();
        let conn: &Connection = &conn;
        let mut directory = state.directory.write().map_err(|_| unavailable())?;
        let (index, mut visible) = writable_group(&directory, &caller, &headers, &id)?;
        let before = visible.clone();
        apply_patch(&mut visible, &patch.operations)
            .map_err(|e| refuse(StatusCode::BAD_REQUEST, Some(e.scim_type()), e.to_string()))?;
        let response = store_group_change(conn, &mut directory, &caller, index, &visible)?;
        audit_group(&state, conn, &caller, "group.update", &directory, &id, before);
        Ok(response)
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /Groups`: a new role. Its members must all be in the caller's scopes.
#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn create_group(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let result = (|| {
        require(&caller, MANAGE_ROLES)?;
        let body: Value = parse_body(&body)?;
        let display_name = body
            .get("displayName")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, Some("invalidValue"), "displayName is required"))?
            .to_owned();
        // The connection before the directory: the OIDC side takes them in that order too.
        let conn = state.lock_db();
        let conn: &Connection = &conn;
        let mut directory = state.directory.write().map_err(|_| unavailable())?;
        if directory.group_display_taken(&display_name, usize::MAX) {
            return Err(refuse(
                StatusCode::CONFLICT,
                Some("uniqueness"),
                format!("displayName {display_name:?} is taken"),
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = now();
        store::insert_group(conn, &id, &display_name, &now).map_err(storage_failure)?;
        let index = directory.add_group(id.clone(), display_name, &now);
        let mut response = match store_group_change(conn, &mut directory, &caller, index, &body) {
            Ok(response) => response,
            Err(refusal) => {
                // A refused member list must not leave an empty role behind.
                store::delete_group(conn, &id).map_err(storage_failure)?;
                directory.remove_group(index);
                return Err(refusal);
            }
        };
        audit_group(&state, conn, &caller, "group.create", &directory, &id, Value::Null);
        *response.status_mut() = StatusCode::CREATED;
        if let Ok(location) = HeaderValue::from_str(&format!("{}/Groups/{id}", directory.scim_base())) {
            response.headers_mut().insert(LOCATION, location);
        }
        Ok(response)
    })();
    result.unwrap_or_else(|refusal: ScimRefusal| refusal.into_response())
}

/// `DELETE /Groups/{id}`: refused while the role has members the caller cannot see, since
/// deleting it would take their assignments away behind the back of their own admins.
#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn delete_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        // The connection before the directory: the OIDC side takes them in that order too.
        let conn = state.lock_db();
        let conn: &Connection = &conn;
        let mut directory = state.directory.write().map_err(|_| unavailable())?;
        let (index, before) = writable_group(&directory, &caller, &headers, &id)?;
        let scopes = caller.admin.bu_scopes;
        let hidden = directory
            .group_at(index)
            .member_ids
            .iter()
            .any(|m| directory.user(m).is_some_and(|u| !in_scope(scopes, &u.division)));
        if hidden {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                None,
                format!("group {id} has members outside your business units ({})", scopes.join(", ")),
            ));
        }
        // Empty the group first so User.groups of its members is re-derived.
        let now = now();
        let change = GroupChange::with_members(directory.group_at(index), Vec::new());
        directory.set_group(index, change, &now);
        store::delete_group(conn, &id).map_err(storage_failure)?;
        directory.remove_group(index);
        audit_group(&state, conn, &caller, "group.delete", &directory, &id, before);
        tracing::info!(group = %id, "group deleted");
        Ok(StatusCode::NO_CONTENT.into_response())
    })();
    result.unwrap_or_else(|refusal: ScimRefusal| refusal.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_weakly_and_accepts_a_star() {
        assert!(tag_list_matches("W/\"3\"", 3));
        assert!(tag_list_matches("\"3\"", 3));
        assert!(tag_list_matches("W/\"1\", W/\"3\"", 3));
        assert!(tag_list_matches("*", 9));
        assert!(!tag_list_matches("W/\"2\"", 3));
        assert!(!tag_list_matches("W/\"33\"", 3));
    }
}
