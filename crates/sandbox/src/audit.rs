//! The audit trail: every change made through SCIM, with who, what, before and after, served
//! read-only as `/AuditEvents`.
//!
//! An event carries the BU of its target (a user's division, a grant's BU); roles have none.
//! Admins with `audit` or `review` read the events of their BUs; events without a BU (role
//! changes) are shown only to holders of `audit`, since they concern every BU at once.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use bailiwick_scim::schema;

use crate::directory::{in_scope, page_of};
use crate::scim_api::{scim_error, scim_response, search_request, Caller, ListQuery, ScimRefusal};
use crate::{store, AppState};
use rusqlite::Connection;

const AUDIT: &str = "audit";
const REVIEW: &str = "review";

/// What an audit event is about.
pub struct AuditTarget<'a> {
    pub kind: &'a str,
    pub id: &'a str,
    pub display: &'a str,
    pub bu: Option<&'a str>,
}

pub struct AuditEvent {
    bu: Option<String>,
    resource: Value,
}

impl AuditEvent {
    pub fn from_stored(bu: Option<String>, resource: Value) -> Self {
        Self { bu, resource }
    }
}

impl AppState {
    /// Records a change that has happened. `actor` is an admin's userName, or `system` for
    /// what the sandbox does on its own (grant expiry).
    /// It is stored under the caller's connection lock, in the same breath as the change.
    pub fn audit(
        &self,
        conn: &Connection,
        actor: &str,
        action: &str,
        target: AuditTarget<'_>,
        before: Value,
        after: Value,
    ) {
        self.record(conn, actor, action, target, (before, after), ("success", None));
    }

    /// Records a decision the server refused (a grant approval against the rules): the
    /// attempt matters to auditors as much as the changes.
    pub fn audit_denied(
        &self,
        conn: &Connection,
        actor: &str,
        action: &str,
        target: AuditTarget<'_>,
        before: Value,
        detail: &str,
    ) {
        self.record(conn, actor, action, target, (before, Value::Null), ("denied", Some(detail)));
    }

    fn record(
        &self,
        conn: &Connection,
        actor: &str,
        action: &str,
        target: AuditTarget<'_>,
        (before, after): (Value, Value),
        (outcome, detail): (&str, Option<&str>),
    ) {
        let id = uuid::Uuid::new_v4().to_string();
        let time = crate::store::timestamp(self.clock.now());
        let resource = json!({
            "schemas": [schema::AUDIT_EVENT],
            "id": id,
            "time": time,
            "actor": actor,
            "action": action,
            "target": {"type": target.kind, "value": target.id, "display": target.display, "bu": target.bu},
            "before": before,
            "after": after,
            "outcome": outcome,
            "detail": detail,
            "meta": {
                "resourceType": "AuditEvent",
                "created": time,
                "lastModified": time,
                "location": format!("{}/AuditEvents/{id}", self.scim_base),
            }
        });
        tracing::info!(actor, action, target = target.id, "audited");
        if let Err(e) = store::insert_audit_event(conn, target.bu, &resource) {
            tracing::error!(error = %e, action, "storing an audit event failed");
        }
        let mut events = self.audit_events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        events.push(AuditEvent { bu: target.bu.map(str::to_owned), resource });
    }
}

fn may_read(caller: &Caller) -> Result<(), ScimRefusal> {
    let caps = caller.admin.capabilities;
    if caps.contains(&AUDIT) || caps.contains(&REVIEW) {
        Ok(())
    } else {
        Err(ScimRefusal::new(
            StatusCode::FORBIDDEN,
            None,
            format!("{} lacks the audit or review capability", caller.admin.user_name),
        ))
    }
}

fn visible(caller: &Caller, event: &AuditEvent) -> bool {
    match &event.bu {
        Some(bu) => in_scope(caller.admin.bu_scopes, bu),
        None => caller.admin.capabilities.contains(&AUDIT),
    }
}

fn list(state: &AppState, caller: &Caller, query: &ListQuery) -> Result<Response, ScimRefusal> {
    may_read(caller)?;
    let listing = query.listing()?;
    let events = state.audit_events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let page = page_of(events.iter().filter(|e| visible(caller, e)).map(|e| e.resource.clone()), &listing);
    drop(events);
    Ok(listing.respond(page))
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn list_audit_events(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Response {
    list(&state, &caller, &query).unwrap_or_else(IntoResponse::into_response)
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn search_audit_events(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    search_request(&body).and_then(|query| list(&state, &caller, &query)).unwrap_or_else(IntoResponse::into_response)
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn get_audit_event(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    if let Err(refusal) = may_read(&caller) {
        return refusal.into_response();
    }
    let events = state.audit_events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match events.iter().find(|e| e.resource["id"] == id.as_str()) {
        None => scim_error(StatusCode::NOT_FOUND, None, &format!("no audit event {id}")),
        Some(event) if !visible(&caller, event) => {
            scim_error(StatusCode::FORBIDDEN, None, &format!("audit event {id} is outside your business units"))
        }
        Some(event) => scim_response(StatusCode::OK, &event.resource),
    }
}
