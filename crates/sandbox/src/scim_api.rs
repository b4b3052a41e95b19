//! The SCIM 2.0 service under `/scim/v2`: read endpoints with delegation enforced.
//!
//! Every request needs a live access token; the token's grant names the admin, whose BU scopes
//! decide what exists for them. Out-of-scope users are 403 on direct reads and simply absent
//! from lists (and from `totalResults`, and from group member lists).

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use bailiwick_scim::{schema, select_attributes, AttrPath, CursorListResponse, Filter, ListResponse, ScimErrorBody};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::directory::{in_scope, Page, Sort};
use crate::scim_write::{self, resource_response, tag_list_matches};
use crate::seed::{self, DemoAdmin};
use crate::{audit, grants, scim_bulk, store, AppState};

/// RFC 7644 §3.4.2.4: the server may cap `count`; it says so in ServiceProviderConfig.
pub const MAX_RESULTS: usize = 1000;
/// Without `count` a list returns as much as the server allows in one page: clients that do
/// not page (scim2-tester among them) then see everything a small directory holds.
const DEFAULT_COUNT: usize = MAX_RESULTS;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/Users", get(list_users).post(scim_write::create_user))
        .route(
            "/Users/{id}",
            get(get_user).put(scim_write::replace_user).patch(scim_write::patch_user).delete(scim_write::delete_user),
        )
        .route("/Users/.search", post(search_users))
        .route("/Groups", get(list_groups).post(scim_write::create_group))
        .route("/Groups/.search", post(search_groups))
        .route(
            "/Groups/{id}",
            get(get_group)
                .put(scim_write::replace_group)
                .patch(scim_write::patch_group)
                .delete(scim_write::delete_group),
        )
        .route("/Grants", get(grants::list_grants).post(grants::create_grant))
        .route("/Grants/.search", post(grants::search_grants))
        .route("/Grants/{id}", get(grants::get_grant).patch(grants::patch_grant).delete(grants::delete_grant))
        .route("/AuditEvents", get(audit::list_audit_events))
        .route("/AuditEvents/.search", post(audit::search_audit_events))
        .route("/AuditEvents/{id}", get(audit::get_audit_event))
        .route("/Me", get(me))
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{name}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema_by_id))
        .route("/.search", post(search_everything))
        .route("/Bulk", post(scim_bulk::bulk))
        .fallback(unknown_endpoint)
        .method_not_allowed_fallback(unsupported_method)
}

/// RFC 7644 §3.4.3 lets a server decline searching all resource types at once with 501.
async fn search_everything(_caller: Caller) -> Response {
    scim_error(StatusCode::NOT_IMPLEMENTED, None, "search /Users/.search or /Groups/.search instead")
}

/// RFC 7644 §3.12: errors, including unknown endpoints, come in the SCIM error format.
async fn unknown_endpoint() -> Response {
    scim_error(StatusCode::NOT_FOUND, None, "no such SCIM endpoint")
}

async fn unsupported_method() -> Response {
    scim_error(StatusCode::METHOD_NOT_ALLOWED, None, "this endpoint does not support that method")
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

impl ScimRefusal {
    pub fn detail(&self) -> &str {
        &self.detail
    }

    pub fn new(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Self { status, scim_type, detail: detail.into() }
    }
}

impl IntoResponse for ScimRefusal {
    fn into_response(self) -> Response {
        scim_error(self.status, self.scim_type, &self.detail)
    }
}

/// The signed-in admin behind a request's bearer token.
#[derive(Clone)]
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

/// `attributes` arrive comma-separated in a query string and as a JSON array in `/.search`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum AttributeList {
    Text(String),
    List(Vec<String>),
}

impl AttributeList {
    fn paths(list: &Option<Self>) -> Result<Vec<AttrPath>, ScimRefusal> {
        let names: Vec<String> = match list {
            None => Vec::new(),
            Some(AttributeList::Text(text)) => text.split(',').map(str::to_owned).collect(),
            Some(AttributeList::List(names)) => names.clone(),
        };
        names
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
            .map(|n| {
                AttrPath::parse(n)
                    .map_err(|e| ScimRefusal::new(StatusCode::BAD_REQUEST, Some("invalidPath"), e.to_string()))
            })
            .collect()
    }
}

/// The list parameters of RFC 7644 §3.4.2, from a query string or a SearchRequest body (§3.4.3).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    attributes: Option<AttributeList>,
    excluded_attributes: Option<AttributeList>,
    /// RFC 9865: present (empty for the first page) when the client pages by cursor.
    cursor: Option<String>,
}

/// A list request, checked: what the directory needs to scan, sort and page.
pub struct Listing {
    pub filter: Option<Filter>,
    pub start_index: usize,
    pub count: usize,
    pub sort: Option<Sort>,
    attributes: Vec<AttrPath>,
    excluded: Vec<AttrPath>,
    pub paging: Paging,
}

/// How the client pages: by `startIndex` (RFC 7644) or by `cursor` (RFC 9865).
#[derive(Clone)]
pub enum Paging {
    Index,
    Cursor(CursorPage),
}

/// A cursor-paged request: where its page starts, and the query its cursors belong to.
///
/// Cursors are stateless: the offset into the (scoped, filtered, sorted) result and a
/// fingerprint of the query, base64url-encoded. Nothing is held per client, so a cursor never
/// expires (ServiceProviderConfig gives no `cursorTimeout`); a cursor of another query, or one
/// that was not made here, is refused as `invalidCursor`. Like index paging, a write between
/// two pages shifts what the next page holds.
#[derive(Clone)]
pub struct CursorPage {
    offset: usize,
    count: usize,
    fingerprint: String,
}

impl CursorPage {
    fn encode(&self, offset: usize) -> String {
        URL_SAFE_NO_PAD.encode(format!("{offset}:{}", self.fingerprint))
    }

    /// Reads `cursor` (empty: the first page) for the query with `fingerprint`.
    fn decode(cursor: &str, count: usize, fingerprint: String) -> Result<Self, ScimRefusal> {
        let cursor = cursor.trim();
        if cursor.is_empty() {
            return Ok(Self { offset: 0, count, fingerprint });
        }
        let invalid = || {
            ScimRefusal::new(
                StatusCode::BAD_REQUEST,
                Some("invalidCursor"),
                "the cursor is not one this server gave out for this query; start again with an empty cursor",
            )
        };
        let text = URL_SAFE_NO_PAD.decode(cursor).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(invalid)?;
        let (offset, bound_to) = text.split_once(':').ok_or_else(invalid)?;
        let offset = offset.parse::<usize>().map_err(|_| invalid())?;
        if bound_to != fingerprint {
            return Err(invalid());
        }
        Ok(Self { offset, count, fingerprint })
    }

    /// A ListResponse with `nextCursor` while results remain and `previousCursor` after the first page.
    fn response(&self, page: Page<'_>) -> Response {
        let end = self.offset + page.resources.len();
        let body = CursorListResponse {
            schemas: vec![schema::LIST_RESPONSE.to_owned()],
            total_results: Some(page.total_results as u64),
            items_per_page: Some(page.resources.len() as u64),
            // With count 0 the client asked for the total alone: a next cursor would repeat this page.
            next_cursor: (self.count > 0 && end < page.total_results).then(|| self.encode(end)),
            previous_cursor: (self.offset > 0).then(|| self.encode(self.offset.saturating_sub(self.count.max(1)))),
            resources: page.resources.iter().collect::<Vec<_>>(),
        };
        list_response(&body, page.resources.len())
    }
}

impl Paging {
    /// The list response for `page` (already projected).
    pub fn response(&self, page: Page<'_>) -> Response {
        match self {
            Paging::Index => page_response(page),
            Paging::Cursor(cursor) => cursor.response(page),
        }
    }
}

impl Listing {
    pub fn project<'a>(&self, mut page: Page<'a>) -> Page<'a> {
        if !self.attributes.is_empty() || !self.excluded.is_empty() {
            for resource in &mut page.resources {
                *resource = Cow::Owned(select_attributes(resource, &self.attributes, &self.excluded));
            }
        }
        page
    }

    /// Projects `page` and answers it in the paging style the client asked for.
    pub fn respond(&self, page: Page<'_>) -> Response {
        self.paging.response(self.project(page))
    }
}

impl ListQuery {
    pub fn listing(&self) -> Result<Listing, ScimRefusal> {
        // RFC 7644 §3.4.2.4: startIndex < 1 means 1; a negative count means 0.
        let start_index = self.start_index.unwrap_or(1).max(1) as usize;
        let count = self.count.map_or(DEFAULT_COUNT, |c| c.max(0) as usize).min(MAX_RESULTS);
        let filter = match self.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            None => None,
            Some(text) => Some(
                Filter::parse(text)
                    .map_err(|e| ScimRefusal::new(StatusCode::BAD_REQUEST, Some("invalidFilter"), e.to_string()))?,
            ),
        };
        let descending = match self.sort_order.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("ascending") => false,
            Some("descending") => true,
            Some(other) => {
                return Err(ScimRefusal::new(
                    StatusCode::BAD_REQUEST,
                    Some("invalidValue"),
                    format!("sortOrder {other:?} is neither ascending nor descending"),
                ))
            }
        };
        let sort = match self.sort_by.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => Some(Sort {
                path: AttrPath::parse(text)
                    .map_err(|e| ScimRefusal::new(StatusCode::BAD_REQUEST, Some("invalidPath"), e.to_string()))?,
                descending,
            }),
        };
        let paging = match self.cursor.as_deref() {
            None => Paging::Index,
            Some(_) if self.start_index.is_some() => {
                return Err(ScimRefusal::new(
                    StatusCode::BAD_REQUEST,
                    Some("invalidValue"),
                    "page either by startIndex or by cursor (RFC 9865), not both",
                ))
            }
            Some(cursor) => {
                let query = format!(
                    "{}\u{0}{}\u{0}{}",
                    self.filter.as_deref().unwrap_or_default(),
                    self.sort_by.as_deref().unwrap_or_default(),
                    self.sort_order.as_deref().unwrap_or_default()
                );
                let fingerprint = store::sha256_hex(&query)[..16].to_owned();
                Paging::Cursor(CursorPage::decode(cursor, count, fingerprint)?)
            }
        };
        let start_index = match &paging {
            Paging::Index => start_index,
            Paging::Cursor(cursor) => cursor.offset + 1,
        };
        Ok(Listing {
            filter,
            start_index,
            count,
            paging,
            sort,
            attributes: AttributeList::paths(&self.attributes)?,
            excluded: AttributeList::paths(&self.excluded_attributes)?,
        })
    }
}

pub fn page_response(page: Page<'_>) -> Response {
    let size = page.resources.len();
    let list = ListResponse::new(page.total_results as u64, page.start_index as u64, page.resources);
    list_response(&list, size)
}

/// A list answered in one buffer sized for its resources up front (about a kilobyte each),
/// rather than grown and copied as it is written.
fn list_response(body: &impl serde::Serialize, resources: usize) -> Response {
    let mut buffer = Vec::with_capacity(1024 * (resources + 1));
    match serde_json::to_writer(&mut buffer, body) {
        Ok(()) => ([(CONTENT_TYPE, HeaderValue::from_static(schema::MEDIA_TYPE))], buffer).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a list response could not be written");
            scim_error(StatusCode::INTERNAL_SERVER_ERROR, None, "the list could not be written")
        }
    }
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

#[derive(Clone, Copy)]
enum Listed {
    Users,
    Groups,
}

async fn list(state: &AppState, caller: &Caller, listed: Listed, query: &ListQuery) -> Response {
    let listing = match query.listing() {
        Ok(listing) => listing,
        Err(refusal) => return refusal.into_response(),
    };
    let scopes = caller.scopes();
    // The response is written while the directory is locked for reading: the page borrows
    // the users instead of copying them.
    let scanned = scan(state, move |d| {
        let page = match listed {
            Listed::Users => d.list_users(scopes, &listing),
            Listed::Groups => d.list_groups(scopes, &listing),
        };
        listing.respond(page)
    })
    .await;
    scanned.unwrap_or_else(IntoResponse::into_response)
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
async fn list_users(State(state): State<AppState>, caller: Caller, Query(query): Query<ListQuery>) -> Response {
    list(&state, &caller, Listed::Users, &query).await
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
async fn list_groups(State(state): State<AppState>, caller: Caller, Query(query): Query<ListQuery>) -> Response {
    list(&state, &caller, Listed::Groups, &query).await
}

/// `POST /.search` (RFC 7644 §3.4.3): the same query in a SearchRequest body.
pub fn search_request(body: &Bytes) -> Result<ListQuery, ScimRefusal> {
    serde_json::from_slice(body).map_err(|e| {
        ScimRefusal::new(StatusCode::BAD_REQUEST, Some("invalidSyntax"), format!("not a SearchRequest: {e}"))
    })
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
async fn search_users(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    match search_request(&body) {
        Ok(query) => list(&state, &caller, Listed::Users, &query).await,
        Err(refusal) => refusal.into_response(),
    }
}

#[tracing::instrument(skip_all, fields(admin = caller.admin.user_name))]
async fn search_groups(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    match search_request(&body) {
        Ok(query) => list(&state, &caller, Listed::Groups, &query).await,
        Err(refusal) => refusal.into_response(),
    }
}

/// A single resource, or 304 when the client's `If-None-Match` names its current version.
fn conditional_response(headers: &HeaderMap, resource: &Value, version: i64, query: &ListQuery) -> Response {
    match headers.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        Some(tags) if tag_list_matches(tags, version) => {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            if let Ok(tag) = HeaderValue::from_str(&scim_write::etag(version)) {
                response.headers_mut().insert(ETAG, tag);
            }
            response
        }
        _ => match (AttributeList::paths(&query.attributes), AttributeList::paths(&query.excluded_attributes)) {
            (Ok(only), Ok(excluded)) => {
                resource_response(StatusCode::OK, &select_attributes(resource, &only, &excluded), version)
            }
            (Err(refusal), _) | (_, Err(refusal)) => refusal.into_response(),
        },
    }
}

fn user_response(
    state: &AppState,
    (headers, query): (&HeaderMap, &ListQuery),
    id: &str,
    scopes: &[&str],
    enforce_scope: bool,
) -> Response {
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
        Some(user) => conditional_response(headers, &user.resource, user.version, query),
    }
}

async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    user_response(&state, (&headers, &query), &id, caller.scopes(), true)
}

/// `/Me` is the signed-in admin's own user, whatever BU it sits in (RFC 7644 §3.11).
async fn me(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    user_response(&state, (&headers, &query), &caller.subject, caller.scopes(), false)
}

async fn get_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    let Ok(directory) = state.directory.read() else {
        return scim_error(StatusCode::INTERNAL_SERVER_ERROR, None, "directory unavailable");
    };
    match directory.group(&id) {
        None => scim_error(StatusCode::NOT_FOUND, None, &format!("no group {id}")),
        Some(group) => {
            conditional_response(&headers, &directory.group_resource(group, caller.scopes()), group.version, &query)
        }
    }
}

async fn service_provider_config(State(state): State<AppState>, _caller: Caller) -> Response {
    scim_response(
        StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "https://github.com/bailiwick/bailiwick#the-sandbox-iam",
            "patch": {"supported": true},
            "bulk": {
                "supported": true,
                "maxOperations": scim_bulk::MAX_OPERATIONS,
                "maxPayloadSize": scim_bulk::MAX_PAYLOAD_BYTES,
            },
            "filter": {"supported": true, "maxResults": MAX_RESULTS},
            "changePassword": {"supported": false},
            "sort": {"supported": true},
            // RFC 9865 §5; cursors are stateless and never expire, hence no cursorTimeout.
            "pagination": {
                "cursor": true,
                "index": true,
                "defaultPaginationMethod": "index",
                "defaultPageSize": DEFAULT_COUNT,
                "maxPageSize": MAX_RESULTS,
            },
            "etag": {"supported": true},
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
            // Required: delegation places every user by the extension's division.
            "schemaExtensions": [{"schema": schema::ENTERPRISE_USER, "required": true}],
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
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Grant",
            "name": "Grant",
            "endpoint": "/Grants",
            "description": "A time-bound role grant: membership of the role's group inside its window",
            "schema": schema::GRANT,
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": format!("{scim_base}/ResourceTypes/Grant")}
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "AuditEvent",
            "name": "AuditEvent",
            "endpoint": "/AuditEvents",
            "description": "A change made through SCIM (read-only)",
            "schema": schema::AUDIT_EVENT,
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": format!("{scim_base}/ResourceTypes/AuditEvent")}
        }),
    ]
}

async fn resource_types(State(state): State<AppState>, _caller: Caller) -> Response {
    let docs = resource_type_documents(&state.scim_base);
    page_response(Page {
        total_results: docs.len(),
        start_index: 1,
        resources: docs.into_iter().map(Cow::Owned).collect(),
    })
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

fn required(mut attribute: Value) -> Value {
    attribute["required"] = json!(true);
    attribute
}

/// A `$ref` sub-attribute pointing at resources of the given types (RFC 7643 §7 `referenceTypes`).
fn reference_to(resource_types: &[&str], mutability: &str) -> Value {
    let mut reference = attribute("$ref", "reference", false, mutability, true, "none");
    reference["referenceTypes"] = json!(resource_types);
    reference
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
    // Members are users: roles do not nest.
    let mut member_type = attribute("type", "string", false, "immutable", false, "none");
    member_type["canonicalValues"] = json!(["User"]);
    let group_attributes = vec![
        s("displayName"),
        complex(
            "members",
            true,
            "readWrite",
            vec![
                attribute("value", "string", false, "immutable", true, "none"),
                reference_to(&["User"], "immutable"),
                member_type,
            ],
        ),
    ];
    // The division is the user's business unit: delegation needs one of the organisation's
    // BUs there, so the schema says it is required and lists them.
    let mut division = required(attribute("division", "string", false, "readWrite", false, "none"));
    division["canonicalValues"] = json!(seed::BUSINESS_UNITS);
    let enterprise_attributes =
        vec![s("employeeNumber"), s("costCenter"), s("organization"), division, s("department")];
    // A grant is for one user and one role, both required.
    let reference = |name: &str, resource_type: &str| {
        let value = required(attribute("value", "string", false, "immutable", true, "none"));
        let display = attribute("display", "string", false, "readOnly", false, "none");
        required(complex(name, false, "immutable", vec![value, display, reference_to(&[resource_type], "readOnly")]))
    };
    let readonly = |name: &str, kind: &str| attribute(name, kind, false, "readOnly", false, "none");
    let mut status = attribute("status", "string", false, "readWrite", false, "none");
    status["canonicalValues"] = json!(["pending", "active", "expired", "revoked", "rejected"]);
    let grant_attributes = vec![
        reference("user", "User"),
        reference("role", "Group"),
        attribute("bu", "string", false, "immutable", false, "none"),
        attribute("validFrom", "dateTime", false, "immutable", false, "none"),
        required(attribute("validUntil", "dateTime", false, "readWrite", false, "none")),
        required(attribute("justification", "string", false, "immutable", false, "none")),
        readonly("requester", "string"),
        readonly("approver", "string"),
        status,
    ];
    let audit_attributes = vec![
        readonly("time", "dateTime"),
        readonly("actor", "string"),
        readonly("action", "string"),
        complex(
            "target",
            false,
            "readOnly",
            vec![
                readonly("type", "string"),
                readonly("value", "string"),
                readonly("display", "string"),
                readonly("bu", "string"),
            ],
        ),
        complex("before", false, "readOnly", Vec::new()),
        complex("after", false, "readOnly", Vec::new()),
        readonly("outcome", "string"),
    ];
    [
        (schema::USER, "User", "User Account", user_attributes),
        (schema::GROUP, "Group", "Group", group_attributes),
        (schema::ENTERPRISE_USER, "EnterpriseUser", "Enterprise User", enterprise_attributes),
        (schema::GRANT, "Grant", "Time-bound role grant", grant_attributes),
        (schema::AUDIT_EVENT, "AuditEvent", "Audited change", audit_attributes),
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
    page_response(Page {
        total_results: docs.len(),
        start_index: 1,
        resources: docs.into_iter().map(Cow::Owned).collect(),
    })
}

async fn schema_by_id(State(state): State<AppState>, _caller: Caller, Path(id): Path<String>) -> Response {
    match schema_documents(&state.scim_base).into_iter().find(|d| d["id"] == id.as_str()) {
        Some(doc) => scim_response(StatusCode::OK, &doc),
        None => scim_error(StatusCode::NOT_FOUND, None, &format!("no schema {id}")),
    }
}
