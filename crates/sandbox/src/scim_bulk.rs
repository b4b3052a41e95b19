//! SCIM Bulk (RFC 7644 §3.7): many writes in one request, with `bulkId` cross-references.
//!
//! Each operation is handed to the very handler that serves it on its own endpoint, with the
//! same caller: delegation, capabilities, role rules, ETags and audit apply per operation
//! exactly as they do one request at a time, and there is no second copy of those checks to
//! drift. Operations are not atomic together (the RFC does not ask for it): each one that
//! succeeds stays done even when a later one fails.
//!
//! `bulkId:x` may appear in a path (`/Groups/bulkId:x`) or as any string value in `data`
//! (`members[].value`); it stands for the id the server gave the resource that the POST with
//! `bulkId` `x` created. An operation whose references are not resolved yet waits for a later
//! pass, so a request may name a resource before the operation creating it; a reference to a
//! bulkId that failed or does not exist is answered 409 inside the response.

use std::collections::{HashMap, HashSet};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{ETAG, IF_MATCH, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::scim_api::{scim_response, Caller, ScimRefusal};
use crate::{scim_write, AppState};

pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
/// Published in ServiceProviderConfig; larger requests are refused with 413 as a whole.
pub const MAX_OPERATIONS: usize = 1000;
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
/// Bodies of the individual handlers' responses are small resources or errors.
const MAX_OPERATION_RESPONSE_BYTES: usize = 1024 * 1024;
const BULK_ID_PREFIX: &str = "bulkId:";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BulkRequest {
    #[serde(default)]
    schemas: Vec<String>,
    #[serde(rename = "Operations", alias = "operations")]
    operations: Vec<BulkOperation>,
    fail_on_errors: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BulkOperation {
    method: String,
    bulk_id: Option<String>,
    version: Option<String>,
    path: String,
    data: Option<Value>,
}

/// Where an operation goes: the resource type and, except for POST, the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Users,
    Groups,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Self::Users => "Users",
            Self::Groups => "Groups",
        }
    }
}

fn refusal(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> ScimRefusal {
    ScimRefusal::new(status, scim_type, detail)
}

/// `POST /Bulk`.
#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
pub async fn bulk(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    match parse_request(&body) {
        Ok(request) => run(&state, &caller, request).await,
        Err(refused) => refused.into_response(),
    }
}

fn parse_request(body: &Bytes) -> Result<BulkRequest, ScimRefusal> {
    if body.len() > MAX_PAYLOAD_BYTES {
        return Err(refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            format!("the bulk request is {} bytes; maxPayloadSize is {MAX_PAYLOAD_BYTES}", body.len()),
        ));
    }
    let request: BulkRequest = serde_json::from_slice(body)
        .map_err(|e| refusal(StatusCode::BAD_REQUEST, Some("invalidSyntax"), format!("not a BulkRequest: {e}")))?;
    if !request.schemas.iter().any(|s| s == BULK_REQUEST) {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
            format!("schemas must contain {BULK_REQUEST}"),
        ));
    }
    if request.operations.len() > MAX_OPERATIONS {
        return Err(refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            format!("the bulk request has {} operations; maxOperations is {MAX_OPERATIONS}", request.operations.len()),
        ));
    }
    let mut seen = HashSet::new();
    for operation in &request.operations {
        if let Some(bulk_id) = &operation.bulk_id {
            if !seen.insert(bulk_id.as_str()) {
                return Err(refusal(
                    StatusCode::BAD_REQUEST,
                    Some("invalidValue"),
                    format!("bulkId {bulk_id:?} is used by more than one operation"),
                ));
            }
        }
    }
    Ok(request)
}

/// The bulkIds an operation refers to, in its path and anywhere among its data's strings.
fn references(operation: &BulkOperation) -> Vec<String> {
    fn collect(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(text) => {
                if let Some(id) = text.strip_prefix(BULK_ID_PREFIX) {
                    out.push(id.to_owned());
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            Value::Object(members) => members.values().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for segment in operation.path.split('/') {
        if let Some(id) = segment.strip_prefix(BULK_ID_PREFIX) {
            out.push(id.to_owned());
        }
    }
    if let Some(data) = &operation.data {
        collect(data, &mut out);
    }
    out
}

fn substitute(value: &mut Value, created: &HashMap<String, String>) {
    match value {
        Value::String(text) => {
            if let Some(id) = text.strip_prefix(BULK_ID_PREFIX).and_then(|b| created.get(b)) {
                *text = id.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| substitute(v, created)),
        Value::Object(members) => members.values_mut().for_each(|v| substitute(v, created)),
        _ => {}
    }
}

/// What became of one operation, in the shape of a BulkResponse operation.
struct Outcome {
    status: StatusCode,
    location: Option<String>,
    version: Option<String>,
    /// The error body, for failures only (RFC 7644 §3.7.3 requires it there).
    error: Option<Value>,
    created_id: Option<String>,
}

/// A refusal made here (not by a handler), as an operation's outcome.
async fn refused(refused: ScimRefusal) -> Outcome {
    outcome_of(refused.into_response()).await
}

async fn outcome_of(response: Response) -> Outcome {
    let status = response.status();
    let (location, version) = {
        let header = |name| response.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_owned);
        (header(LOCATION), header(ETAG))
    };
    let body = axum::body::to_bytes(response.into_body(), MAX_OPERATION_RESPONSE_BYTES).await.unwrap_or_default();
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let succeeded = status.is_success();
    Outcome {
        status,
        created_id: if succeeded { parsed.get("id").and_then(Value::as_str).map(str::to_owned) } else { None },
        location,
        version,
        error: if succeeded { None } else { Some(parsed) },
    }
}

/// Parses `/Users`, `/Users/{id}`, `/Groups`, `/Groups/{id}` (the id already resolved).
fn route(path: &str) -> Option<(Endpoint, Option<String>)> {
    let mut segments = path.trim_start_matches('/').split('/');
    let endpoint = match segments.next()? {
        "Users" => Endpoint::Users,
        "Groups" => Endpoint::Groups,
        _ => return None,
    };
    let id = segments.next().filter(|s| !s.is_empty()).map(str::to_owned);
    if segments.next().is_some() {
        return None;
    }
    Some((endpoint, id))
}

async fn dispatch(state: &AppState, caller: &Caller, operation: &BulkOperation) -> Outcome {
    let Some((endpoint, id)) = route(&operation.path) else {
        let detail = format!("bulk operations address /Users or /Groups, not {:?}", operation.path);
        return refused(refusal(StatusCode::BAD_REQUEST, Some("invalidPath"), detail)).await;
    };
    if operation.method.eq_ignore_ascii_case("POST") && operation.bulk_id.is_none() {
        // RFC 7644 §3.7: without it the client could not tell which created resource is which.
        let detail = "a POST inside a bulk needs a bulkId";
        return refused(refusal(StatusCode::BAD_REQUEST, Some("invalidValue"), detail)).await;
    }
    let mut headers = HeaderMap::new();
    if let Some(version) = operation.version.as_deref() {
        match HeaderValue::from_str(version) {
            Ok(value) => {
                headers.insert(IF_MATCH, value);
            }
            Err(_) => {
                return refused(refusal(StatusCode::BAD_REQUEST, Some("invalidValue"), "version is not an ETag")).await
            }
        }
    }
    let body = || Bytes::from(operation.data.as_ref().map(Value::to_string).unwrap_or_default());
    let (state, caller) = (State(state.clone()), caller.clone());
    let method = operation.method.to_ascii_uppercase();
    let response = match (method.as_str(), endpoint, id) {
        ("POST", Endpoint::Users, None) => scim_write::create_user(state, caller, body()).await,
        ("POST", Endpoint::Groups, None) => scim_write::create_group(state, caller, body()).await,
        ("PUT", Endpoint::Users, Some(id)) => scim_write::replace_user(state, caller, Path(id), headers, body()).await,
        ("PUT", Endpoint::Groups, Some(id)) => {
            scim_write::replace_group(state, caller, Path(id), headers, body()).await
        }
        ("PATCH", Endpoint::Users, Some(id)) => scim_write::patch_user(state, caller, Path(id), headers, body()).await,
        ("PATCH", Endpoint::Groups, Some(id)) => {
            scim_write::patch_group(state, caller, Path(id), headers, body()).await
        }
        ("DELETE", Endpoint::Users, Some(id)) => scim_write::delete_user(state, caller, Path(id), headers).await,
        ("DELETE", Endpoint::Groups, Some(id)) => scim_write::delete_group(state, caller, Path(id), headers).await,
        (method, endpoint, _) => {
            let detail = format!(
                "{method} {} is not a bulk operation on {} (POST to the collection; PUT, PATCH or DELETE an id)",
                operation.path,
                endpoint.name()
            );
            return refused(refusal(StatusCode::BAD_REQUEST, Some("invalidSyntax"), detail)).await;
        }
    };
    outcome_of(response).await
}

async fn run(state: &AppState, caller: &Caller, request: BulkRequest) -> Response {
    // failOnErrors absent (or < 1): every operation runs whatever fails.
    let error_limit = request.fail_on_errors.filter(|n| *n > 0).map(|n| n as usize);
    let count = request.operations.len();
    let mut outcomes: Vec<Option<Outcome>> = (0..count).map(|_| None).collect();
    let mut created: HashMap<String, String> = HashMap::new();
    let mut failed_bulk_ids: HashSet<String> = HashSet::new();
    let mut errors = 0usize;
    let mut pending: Vec<usize> = (0..count).collect();
    'passes: while !pending.is_empty() {
        let mut waiting = Vec::new();
        let mut progressed = false;
        for &index in &pending {
            let operation = &request.operations[index];
            let references = references(operation);
            let outcome = if let Some(lost) = references.iter().find(|r| failed_bulk_ids.contains(*r)) {
                let detail = format!("bulkId {lost:?} names an operation that failed");
                Some(refused(refusal(StatusCode::CONFLICT, Some("invalidValue"), detail)).await)
            } else if references.iter().all(|r| created.contains_key(r)) {
                let mut operation = operation.clone();
                operation.path = operation
                    .path
                    .split('/')
                    .map(|segment| {
                        segment
                            .strip_prefix(BULK_ID_PREFIX)
                            .and_then(|b| created.get(b))
                            .map_or(segment, String::as_str)
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                if let Some(data) = operation.data.as_mut() {
                    substitute(data, &created);
                }
                Some(dispatch(state, caller, &operation).await)
            } else {
                None
            };
            let Some(outcome) = outcome else {
                waiting.push(index);
                continue;
            };
            progressed = true;
            if let Some(bulk_id) = &operation.bulk_id {
                match &outcome.created_id {
                    Some(id) if outcome.status.is_success() => {
                        created.insert(bulk_id.clone(), id.clone());
                    }
                    _ => {
                        failed_bulk_ids.insert(bulk_id.clone());
                    }
                }
            }
            let failed = !outcome.status.is_success();
            outcomes[index] = Some(outcome);
            if failed {
                errors += 1;
                if error_limit.is_some_and(|limit| errors >= limit) {
                    break 'passes;
                }
            }
        }
        if !progressed {
            // What still waits names bulkIds no operation creates, or forms a cycle.
            for index in waiting {
                let detail = "a bulkId reference cannot be resolved: no operation of this request creates it, \
                              or the references form a cycle";
                outcomes[index] = Some(refused(refusal(StatusCode::CONFLICT, Some("invalidValue"), detail)).await);
                errors += 1;
                if error_limit.is_some_and(|limit| errors >= limit) {
                    break;
                }
            }
            break;
        }
        pending = waiting;
    }
    let operations: Vec<Value> = outcomes
        .into_iter()
        .zip(&request.operations)
        .filter_map(|(outcome, operation)| outcome.map(|o| operation_response(state, operation, o)))
        .collect();
    scim_response(StatusCode::OK, &json!({"schemas": [BULK_RESPONSE], "Operations": operations}))
}

fn operation_response(state: &AppState, operation: &BulkOperation, outcome: Outcome) -> Value {
    let mut entry = json!({
        "method": operation.method.to_ascii_uppercase(),
        "status": outcome.status.as_u16().to_string(),
    });
    if let Some(bulk_id) = &operation.bulk_id {
        entry["bulkId"] = json!(bulk_id);
    }
    let location = outcome.location.or_else(|| {
        // Only POST answers with a Location header; the others address the resource by path.
        let known = route(&operation.path).and_then(|(endpoint, id)| Some((endpoint, id?)));
        known.map(|(endpoint, id)| format!("{}/{}/{id}", state.scim_base, endpoint.name()))
    });
    if let Some(location) = location.filter(|_| outcome.status.is_success() || operation.method != "POST") {
        entry["location"] = json!(location);
    }
    if let Some(version) = outcome.version {
        entry["version"] = json!(version);
    }
    if let Some(error) = outcome.error {
        entry["response"] = error;
    }
    entry
}
