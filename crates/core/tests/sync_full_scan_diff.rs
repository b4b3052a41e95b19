//! A server that cannot filter on `meta.lastModified` (no `/ServiceProviderConfig`, or one
//! saying `filter.supported: false`): after the first full sync, a sync fetches every user and
//! writes only the differences, removing users that disappeared or left the scope.
//! And one that says it filters but ignores the filter: its incremental sync still removes them.

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use bailiwick_core::cache::{Cache, UserQuery};
use bailiwick_core::directory::ScimClient;
use bailiwick_core::profile::DEFAULT_BU_ATTRIBUTE;
use bailiwick_core::secret::AccessToken;
use bailiwick_core::sync::{sync_plan, SyncCancel, SyncKind, SyncPlan};
use bailiwick_core::{BuPath, Scopes};
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use url::Url;

type Users = Arc<Mutex<Vec<Value>>>;

fn user(id: &str, name: &str, division: &str) -> Value {
    json!({"id": id, "userName": name, "displayName": name,
           "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": division},
           "meta": {"version": "W/\"1\"", "lastModified": "2025-01-01T08:00:00Z"}})
}

/// Users as held in `users`, paged, ignoring any filter (as a server without filtering may);
/// one group holding u1 and u2; `/ServiceProviderConfig` answered as `config` (404 if `None`).
async fn start_directory(users: Users, config: Option<Value>) -> (Url, tokio::task::JoinHandle<()>) {
    async fn list(
        State(users): State<Users>,
        Query(q): Query<std::collections::HashMap<String, String>>,
    ) -> Json<Value> {
        let all = users.lock().expect("lock").clone();
        let start: usize = q.get("startIndex").and_then(|s| s.parse().ok()).unwrap_or(1);
        let count: usize = q.get("count").and_then(|s| s.parse().ok()).unwrap_or(100);
        let page: Vec<Value> = all.iter().skip(start - 1).take(count).cloned().collect();
        Json(json!({"totalResults": all.len(), "startIndex": start, "Resources": page}))
    }
    async fn groups() -> Json<Value> {
        Json(json!({"totalResults": 1, "Resources": [
            {"id": "g1", "displayName": "Authors", "members": [{"value": "u1"}, {"value": "u2"}]}]}))
    }
    let mut app = Router::new().route("/scim/v2/Users", get(list)).route("/scim/v2/Groups", get(groups));
    if let Some(config) = config {
        app = app.route(
            "/scim/v2/ServiceProviderConfig",
            get(move || {
                let config = config.clone();
                async move { Json(config) }
            }),
        );
    }
    let app = app.with_state(users);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (Url::parse(&format!("http://{addr}/scim/v2")).expect("url"), task)
}

async fn full_scan_diff_with(config: Option<Value>) {
    let users: Users = Arc::new(Mutex::new(vec![
        user("u1", "anna", "EMEA/DE"),
        user("u2", "bert", "EMEA/FR"),
        user("u3", "carl", "EMEA/UK"),
        user("u4", "dora", "EMEA/NL"),
    ]));
    let (base, task) = start_directory(users.clone(), config).await;
    let client = ScimClient::new(reqwest::Client::new(), base).with_page_size(2);
    let scopes = Scopes::new(vec![BuPath::parse("EMEA").expect("valid")]);
    let plan = SyncPlan { scopes: &scopes, bu_attribute: DEFAULT_BU_ATTRIBUTE, server_grants: false };
    let token = AccessToken::new("diff-test-token");
    let mut cache = Cache::open_in_memory().expect("opens");
    let at = |h| Utc.with_ymd_and_hms(2025, 1, 1, h, 0, 0).single().expect("time");
    let first =
        sync_plan(&client, &token, &mut cache, &plan, at(9), &mut |_| {}, &SyncCancel::new()).await.expect("syncs");
    assert_eq!((first.kind, first.added, first.users), (SyncKind::Full, 4, 4));

    {
        let mut held = users.lock().expect("lock");
        held[0]["displayName"] = json!("Anna Changed");
        held[0]["meta"]["version"] = json!("W/\"2\"");
        held.remove(1); // bert deleted
        held[1]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["division"] = json!("AMER/US"); // carl moved
        held.push(user("u5", "emil", "EMEA/DE"));
    }
    let second =
        sync_plan(&client, &token, &mut cache, &plan, at(10), &mut |_| {}, &SyncCancel::new()).await.expect("syncs");
    task.abort();
    assert_eq!(second.kind, SyncKind::FullScanDiff, "a server that cannot filter gets a full scan, diffed");
    assert_eq!((second.added, second.changed, second.removed), (1, 1, 2), "{second:?}");
    assert_eq!(second.out_of_scope_dropped, 1, "carl, now in AMER, is sent by a server ignoring the filter");
    let names: Vec<_> =
        cache.list_users(&UserQuery::default()).expect("lists").into_iter().map(|u| u.display_name).collect();
    assert_eq!(names, ["Anna Changed", "dora", "emil"]);
    assert_eq!(cache.roles_of("u1").expect("roles"), ["Authors"], "memberships follow the re-fetched groups");
    assert_eq!(second.memberships, 1, "bert's membership went with him");
    assert_eq!(cache.last_sync_at().expect("reads"), Some(at(10)));
    let search = UserQuery { search: Some("changed".into()), ..UserQuery::default() };
    assert_eq!(cache.count_users(&search).expect("searches"), 1, "the search index follows the diff");
}

#[tokio::test]
async fn without_a_service_provider_config_a_sync_diffs_a_full_scan() {
    full_scan_diff_with(None).await;
}

#[tokio::test]
async fn a_server_that_says_it_cannot_filter_gets_a_full_scan_diffed() {
    full_scan_diff_with(Some(json!({"filter": {"supported": false, "maxResults": 200}}))).await;
}

/// A server that says it filters, and ignores the filter all the same: the incremental sync's
/// changes and its listing of every id both come back with users outside the scopes. The user
/// who left them is removed, not kept because the id listing named them.
#[tokio::test]
async fn a_server_ignoring_the_scope_filter_still_has_users_who_left_the_scopes_removed() {
    let users: Users = Arc::new(Mutex::new(vec![
        user("u1", "anna", "EMEA/DE"),
        user("u2", "bert", "EMEA/FR"),
        user("u3", "carl", "EMEA/UK"),
        user("u4", "dora", "EMEA/NL"),
    ]));
    let (base, task) =
        start_directory(users.clone(), Some(json!({"filter": {"supported": true, "maxResults": 200}}))).await;
    let client = ScimClient::new(reqwest::Client::new(), base).with_page_size(2);
    let scopes = Scopes::new(vec![BuPath::parse("EMEA").expect("valid")]);
    let plan = SyncPlan { scopes: &scopes, bu_attribute: DEFAULT_BU_ATTRIBUTE, server_grants: false };
    let token = AccessToken::new("diff-test-token");
    let mut cache = Cache::open_in_memory().expect("opens");
    let at = |h| Utc.with_ymd_and_hms(2025, 1, 1, h, 0, 0).single().expect("time");
    sync_plan(&client, &token, &mut cache, &plan, at(9), &mut |_| {}, &SyncCancel::new()).await.expect("syncs");

    {
        let mut held = users.lock().expect("lock");
        held.remove(1); // bert deleted
        held[1]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["division"] = json!("AMER/US"); // carl moved
        held.push(user("u5", "emil", "EMEA/DE"));
    }
    let second =
        sync_plan(&client, &token, &mut cache, &plan, at(10), &mut |_| {}, &SyncCancel::new()).await.expect("syncs");
    task.abort();
    assert_eq!(second.kind, SyncKind::Incremental, "the server says it filters: {second:?}");
    assert_eq!((second.added, second.removed), (1, 2), "bert deleted, carl moved out: {second:?}");
    let names: Vec<_> =
        cache.list_users(&UserQuery::default()).expect("lists").into_iter().map(|u| u.display_name).collect();
    assert_eq!(names, ["anna", "dora", "emil"]);
}
