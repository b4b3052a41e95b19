//! Cancelling a sync: it stops between pages with `Error::Cancelled`, and the cache is left
//! exactly as it was before the sync started. Against a small SCIM directory on loopback.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use bailiwick_core::cache::{Cache, UserQuery};
use bailiwick_core::directory::ScimClient;
use bailiwick_core::profile::DEFAULT_BU_ATTRIBUTE;
use bailiwick_core::secret::AccessToken;
use bailiwick_core::sync::{full_sync, full_sync_cancellable, Fetching, SyncCancel, SyncProgress};
use bailiwick_core::{BuPath, Error, Scopes};
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use url::Url;

const USERS: u64 = 30;

#[derive(Clone, Default)]
struct Served {
    user_pages: Arc<AtomicUsize>,
}

/// `USERS` users in EMEA/DE, paged as asked, and one group holding the first two.
async fn start_directory(prefix: &'static str) -> (Url, Served, tokio::task::JoinHandle<()>) {
    async fn users(
        State((served, prefix)): State<(Served, &'static str)>,
        Query(q): Query<std::collections::HashMap<String, String>>,
    ) -> Json<Value> {
        served.user_pages.fetch_add(1, Ordering::SeqCst);
        let start: u64 = q.get("startIndex").and_then(|s| s.parse().ok()).unwrap_or(1);
        let count: u64 = q.get("count").and_then(|s| s.parse().ok()).unwrap_or(10);
        let resources: Vec<Value> = (start..(start + count).min(USERS + 1))
            .map(|i| {
                json!({"id": format!("u{i}"), "userName": format!("{prefix}.user{i}"),
                       "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "EMEA/DE"}})
            })
            .collect();
        Json(json!({"totalResults": USERS, "startIndex": start, "Resources": resources}))
    }
    async fn groups() -> Json<Value> {
        Json(json!({"totalResults": 1, "Resources": [
            {"id": "g1", "displayName": "Authors", "members": [{"value": "u1"}, {"value": "u2"}]}]}))
    }
    let served = Served::default();
    let app = Router::new()
        .route("/scim/v2/Users", get(users))
        .route("/scim/v2/Groups", get(groups))
        .with_state((served.clone(), prefix));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (Url::parse(&format!("http://{addr}/scim/v2")).expect("url"), served, task)
}

fn scopes() -> Scopes {
    Scopes::new(vec![BuPath::parse("EMEA").expect("valid")])
}

fn user_names(cache: &Cache) -> Vec<String> {
    cache.list_users(&UserQuery::default()).expect("lists").into_iter().map(|u| u.user_name).collect()
}

#[tokio::test]
async fn a_sync_cancelled_between_pages_stops_there_and_leaves_the_cache_as_it_was() {
    let token = AccessToken::new("cancel-test-token");
    let first = Utc.with_ymd_and_hms(2025, 1, 1, 9, 0, 0).single().expect("time");
    let second = Utc.with_ymd_and_hms(2025, 1, 1, 10, 0, 0).single().expect("time");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cache = Cache::open(&dir.path().join("cache.sqlite")).expect("opens");

    // The cache before: a completed sync of the "old" directory.
    let (old_base, _, old_task) = start_directory("old").await;
    let old_client = ScimClient::new(reqwest::Client::new(), old_base).with_page_size(10);
    full_sync(&old_client, &token, &mut cache, &scopes(), DEFAULT_BU_ATTRIBUTE, first, &mut |_| {})
        .await
        .expect("first sync");
    old_task.abort();
    let before = user_names(&cache);
    assert_eq!(before.len(), USERS as usize);

    // The next sync is cancelled as its second page of users arrives.
    let (base, served, task) = start_directory("new").await;
    let client = ScimClient::new(reqwest::Client::new(), base).with_page_size(10);
    let cancel = SyncCancel::new();
    let host_side = cancel.clone();
    let mut on_progress = |p: SyncProgress| {
        if matches!(p, SyncProgress::Users(Fetching { fetched: 20, .. })) {
            host_side.cancel();
        }
    };
    let err = full_sync_cancellable(
        &client,
        &token,
        &mut cache,
        &scopes(),
        DEFAULT_BU_ATTRIBUTE,
        second,
        &mut on_progress,
        &cancel,
    )
    .await
    .expect_err("cancelled");
    task.abort();
    assert!(matches!(err, Error::Cancelled(_)), "{err:?}");
    assert_eq!(served.user_pages.load(Ordering::SeqCst), 2, "no page is asked for after the cancel");
    assert_eq!(user_names(&cache), before, "the users of the last completed sync are kept");
    assert_eq!(cache.last_sync_at().expect("reads"), Some(first), "the last sync time is kept");
    assert_eq!(cache.roles_of("u1").expect("roles"), ["Authors"]);
    let search = UserQuery { search: Some("new.user".into()), ..UserQuery::default() };
    assert_eq!(cache.count_users(&search).expect("counts"), 0, "nothing of the cancelled sync is searchable");
}

#[tokio::test]
async fn a_sync_cancelled_before_it_starts_asks_the_server_nothing() {
    let (base, served, task) = start_directory("new").await;
    let client = ScimClient::new(reqwest::Client::new(), base);
    let mut cache = Cache::open_in_memory().expect("opens");
    let cancel = SyncCancel::new();
    cancel.cancel();
    let now = Utc.with_ymd_and_hms(2025, 1, 1, 10, 0, 0).single().expect("time");
    let token = AccessToken::new("cancel-test-token");
    let err =
        full_sync_cancellable(&client, &token, &mut cache, &scopes(), DEFAULT_BU_ATTRIBUTE, now, &mut |_| {}, &cancel)
            .await
            .expect_err("cancelled");
    task.abort();
    assert!(matches!(err, Error::Cancelled(_)), "{err:?}");
    assert_eq!(served.user_pages.load(Ordering::SeqCst), 0);
    assert_eq!(cache.last_sync_at().expect("reads"), None);
}

#[tokio::test]
async fn an_uncancelled_flag_changes_nothing() {
    let (base, _, task) = start_directory("new").await;
    let client = ScimClient::new(reqwest::Client::new(), base).with_page_size(7);
    let mut cache = Cache::open_in_memory().expect("opens");
    let now = Utc.with_ymd_and_hms(2025, 1, 1, 10, 0, 0).single().expect("time");
    let token = AccessToken::new("cancel-test-token");
    let report = full_sync_cancellable(
        &client,
        &token,
        &mut cache,
        &scopes(),
        DEFAULT_BU_ATTRIBUTE,
        now,
        &mut |_| {},
        &SyncCancel::new(),
    )
    .await
    .expect("syncs");
    task.abort();
    assert_eq!((report.users, report.groups, report.memberships), (USERS, 1, 2));
    assert_eq!(cache.count_users(&UserQuery::default()).expect("counts"), USERS);
}
