//! The SCIM 2.0 service under `/scim/v2`: read endpoints with delegation enforced.
//!
//! Every request needs a live access token; the token's grant names the admin, whose BU scopes
//! decide what exists for them. Out-of-scope users are 403 on direct reads and simply absent
//! from lists (and from `totalResults`, and from group member lists).

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use bailiwick_scim::{schema, Filter, ListResponse, ScimErrorBody};

use crate::directory::{in_scope, Page};
use crate::seed::{self, DemoAdmin};
use crate::{store, AppState};

/// RFC 7644 §3.4.2.4: the server may cap `count`; it says so in ServiceProviderConfig.
pub const MAX_RESULTS: usize = 1000;
const DEFAULT_COUNT: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/Users", get(list_users))
        .route("/Users/{id}", get(get_user))
        .route("/Groups", get(list_groups))
        .route("/Groups/{id}", get(get_group))
        .route("/Me", get(me))
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{name}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema_by_id))
}

pub fn scim_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(schema::MEDIA_TYPE));
    response
}

pub fn scim_error(status: StatusCode, scim_type: Option<&str>, detail: &str) -> Response {
    scim_response(status, &ScimErrorBody::new(status.as_u16(), scim_type, detail))
}

/// A refusal before any response is built (kept small: handlers pass it up with `?`).
pub struct ScimRefusal {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
}

impl IntoResponse for ScimRefusal {
    fn into_response(self) -> Response {
        scim_error(self.status, self.scim_type, &self.detail)
    }
}

/// The signed-in admin behind a request's bearer token.
pub struct Caller {
    pub subject: String,
    pub admin: &'static DemoAdmin,
}

impl Caller {
    fn scopes(&self) -> &'static [&'static str] {
        self.admin.bu_scopes
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let unauthorized = |detail: &str| {
            let mut response = scim_error(StatusCode::UNAUTHORIZED, None, detail);
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="bailiwick-sandbox", error="invalid_token""#),
            );
            response
        };
        let Some(token) = crate::oidc::bearer_token(&parts.headers) else {
            return Err(unauthorized("a bearer access token is required"));
        };
        let now = chrono::Utc::now().timestamp();
        let grant = match state.with_db(|conn| store::grant_for_access_token(conn, token, now)) {
            Ok(Some(grant)) => grant,
            Ok(None) => return Err(unauthorized("the access token is unknown, expired or revoked")),
            Err(e) => {
                tracing::error!(error = %e, "token lookup failed");
                return Err(scim_error(StatusCode::INTERNAL_SERVER_ERROR, None, "storage failure"));
            }
        };
        let Some(admin) = seed::demo_admin(&grant.user_name) else {
            return Err(scim_error(StatusCode::FORBIDDEN, None, "the signed-in user administers no business unit"));
        };
        Ok(Caller { subject: grant.subject, admin })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
}

impl ListQuery {
    fn window(&self) -> (usize, usize) {
        // RFC 7644 §3.4.2.4: startIndex < 1 means 1; a negative count means 0.
        let start = self.start_index.unwrap_or(1).max(1) as usize;
        let count = self.count.map_or(DEFAULT_COUNT, |c| c.max(0) as usize).min(MAX_RESULTS);
        (start, count)
    }

    fn parsed_filter(&self) -> Result<Option<Filter>, ScimRefusal> {
        match self.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            None => Ok(None),
            Some(text) => Filter::parse(text).map(Some).map_err(|e| ScimRefusal {
                status: StatusCode::BAD_REQUEST,
                scim_type: Some("invalidFilter"),
                detail: e.to_string(),
            }),
        }
    }
}

fn page_response(page: Page) -> Response {
    let list = ListResponse::new(page.total_results as u64, page.start_index as u64, page.resources);
    scim_response(StatusCode::OK, &list)
}

/// Runs a directory scan off the async runtime: a filter over 100,000 users takes a while.
async fn scan<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&crate::directory::Directory) -> T + Send + 'static,
) -> Result<T, ScimRefusal> {
    let directory = Arc::clone(&state.directory);
    tokio::task::spawn_blocking(move || {
        let guard = directory.read().map_err(|_| ())?;
        Ok(work(&guard))
    })
    .await
    .ok()
    .and_then(|r: Result<T, ()>| r.ok())
    .ok_or_else(|| ScimRefusal {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        scim_type: None,
        detail: "directory unavailable".into(),
    })
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
async fn list_users(State(state): State<AppState>, caller: Caller, Query(query): Query<ListQuery>) -> Response {
    let filter = match query.parsed_filter() {
        Ok(f) => f,
        Err(refusal) => return refusal.into_response(),
    };
    let (start, count) = query.window();
    let scopes = caller.scopes();
    match scan(&state, move |d| d.list_users(scopes, filter.as_ref(), start, count)).await {
        Ok(page) => page_response(page),
        Err(refusal) => refusal.into_response(),
    }
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
async fn list_groups(State(state): State<AppState>, caller: Caller, Query(query): Query<ListQuery>) -> Response {
    let filter = match query.parsed_filter() {
        Ok(f) => f,
        Err(refusal) => return refusal.into_response(),
    };
    let (start, count) = query.window();
    let scopes = caller.scopes();
    match scan(&state, move |d| d.list_groups(scopes, filter.as_ref(), start, count)).await {
        Ok(page) => page_response(page),
        Err(refusal) => refusal.into_response(),
    }
}

fn user_response(state: &AppState, id: &str, scopes: &[&str], enforce_scope: bool) -> Response {
    let Ok(directory) = state.directory.read() else {
        return scim_error(StatusCode::INTERNAL_SERVER_ERROR, None, "directory unavailable");
    };
    match directory.user(id) {
        None => scim_error(StatusCode::NOT_FOUND, None, &format!("no user {id}")),
        Some(user) if enforce_scope && !in_scope(scopes, &user.division) => scim_error(
            StatusCode::FORBIDDEN,
            None,
            &format!("user {id} is outside your business units ({})", scopes.join(", ")),
        ),
        Some(user) => scim_response(StatusCode::OK, &user.resource),
    }
}

async fn get_user(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    user_response(&state, &id, caller.scopes(), true)
}

/// `/Me` is the signed-in admin's own user, whatever BU it sits in (RFC 7644 §3.11).
async fn me(State(state): State<AppState>, caller: Caller) -> Response {
    user_response(&state, &caller.subject, caller.scopes(), false)
}

async fn get_group(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let Ok(directory) = state.directory.read() else {
        return scim_error(StatusCode::INTERNAL_SERVER_ERROR, None, "directory unavailable");
    };
    match directory.group(&id) {
        None => scim_error(StatusCode::NOT_FOUND, None, &format!("no group {id}")),
        Some(group) => scim_response(StatusCode::OK, &directory.group_resource(group, caller.scopes())),
    }
}

async fn service_provider_config(State(state): State<AppState>, _caller: Caller) -> Response {
    scim_response(
        StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "https://github.com/bailiwick/bailiwick#the-sandbox-iam",
            "patch": {"supported": false},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": MAX_RESULTS},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "An access token from this sandbox's OpenID Provider (RFC 6750).",
                "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
                "primary": true
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{}/ServiceProviderConfig", state.scim_base),
            }
        }),
    )
}

fn resource_type_documents(scim_base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "User Account",
            "schema": schema::USER,
            "schemaExtensions": [{"schema": schema::ENTERPRISE_USER, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": format!("{scim_base}/ResourceTypes/User")}
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Group (a role of the role catalog)",
            "schema": schema::GROUP,
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": format!("{scim_base}/ResourceTypes/Group")}
        }),
    ]
}

async fn resource_types(State(state): State<AppState>, _caller: Caller) -> Response {
    let docs = resource_type_documents(&state.scim_base);
    page_response(Page { total_results: docs.len(), start_index: 1, resources: docs })
}

async fn resource_type(State(state): State<AppState>, _caller: Caller, Path(name): Path<String>) -> Response {
    match resource_type_documents(&state.scim_base).into_iter().find(|d| d["id"] == name.as_str()) {
        Some(doc) => scim_response(StatusCode::OK, &doc),
        None => scim_error(StatusCode::NOT_FOUND, None, &format!("no resource type {name}")),
    }
}

fn attribute(name: &str, kind: &str, multi: bool, mutability: &str, case_exact: bool, uniqueness: &str) -> Value {
    json!({
        "name": name, "type": kind, "multiValued": multi, "required": name == "userName" || name == "displayName",
        "caseExact": case_exact, "mutability": mutability, "returned": "default", "uniqueness": uniqueness
    })
}

fn complex(name: &str, multi: bool, mutability: &str, subs: Vec<Value>) -> Value {
    json!({
        "name": name, "type": "complex", "multiValued": multi, "required": false,
        "mutability": mutability, "returned": "default", "uniqueness": "none", "subAttributes": subs
    })
}

fn schema_documents(scim_base: &str) -> Vec<Value> {
    let s = |name: &str| attribute(name, "string", false, "readWrite", false, "none");
    let user_attributes = vec![
        attribute("userName", "string", false, "readWrite", false, "server"),
        complex("name", false, "readWrite", vec![s("formatted"), s("familyName"), s("givenName")]),
        s("displayName"),
        s("title"),
        s("userType"),
        s("preferredLanguage"),
        attribute("active", "boolean", false, "readWrite", false, "none"),
        complex(
            "emails",
            true,
            "readWrite",
            vec![s("value"), s("type"), attribute("primary", "boolean", false, "readWrite", false, "none")],
        ),
        complex(
            "groups",
            true,
            "readOnly",
            vec![
                attribute("value", "string", false, "readOnly", true, "none"),
                attribute("$ref", "reference", false, "readOnly", true, "none"),
                attribute("display", "string", false, "readOnly", false, "none"),
                attribute("type", "string", false, "readOnly", false, "none"),
            ],
        ),
    ];
    let group_attributes = vec![
        s("displayName"),
        complex(
            "members",
            true,
            "readWrite",
            vec![
                attribute("value", "string", false, "immutable", true, "none"),
                attribute("$ref", "reference", false, "immutable", true, "none"),
                attribute("display", "string", false, "readOnly", false, "none"),
                attribute("type", "string", false, "immutable", false, "none"),
            ],
        ),
    ];
    let enterprise_attributes =
        vec![s("employeeNumber"), s("costCenter"), s("organization"), s("division"), s("department")];
    [
        (schema::USER, "User", "User Account", user_attributes),
        (schema::GROUP, "Group", "Group", group_attributes),
        (schema::ENTERPRISE_USER, "EnterpriseUser", "Enterprise User", enterprise_attributes),
    ]
    .into_iter()
    .map(|(id, name, description, attributes)| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": id, "name": name, "description": description, "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": format!("{scim_base}/Schemas/{id}")}
        })
    })
    .collect()
}

async fn schemas(State(state): State<AppState>, _caller: Caller) -> Response {
    let docs = schema_documents(&state.scim_base);
    page_response(Page { total_results: docs.len(), start_index: 1, resources: docs })
}

async fn schema_by_id(State(state): State<AppState>, _caller: Caller, Path(id): Path<String>) -> Response {
    match schema_documents(&state.scim_base).into_iter().find(|d| d["id"] == id.as_str()) {
        Some(doc) => scim_response(StatusCode::OK, &doc),
        None => scim_error(StatusCode::NOT_FOUND, None, &format!("no schema {id}")),
    }
}
