//! An incremental sync asks how many users the scopes hold and who changed; only when the count
//! shows that someone left does it list every id. The directory may change between those
//! answers: whatever it does, the cache must end up as the directory is, at the latest after
//! the next sync.

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use bailiwick_core::cache::{Cache, UserQuery};
use bailiwick_core::directory::ScimClient;
use bailiwick_core::profile::DEFAULT_BU_ATTRIBUTE;
use bailiwick_core::secret::AccessToken;
use bailiwick_core::sync::{sync_plan, SyncCancel, SyncKind, SyncPlan, SyncProgress};
use bailiwick_core::{BuPath, Scopes};
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use url::Url;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// What each listing answers: `full` to the first sync, `changed` to the `meta.lastModified`
/// filter, `live` to the count, the id-only listing and fetches by id. `id_listings` counts the
/// id-only listing's pages asked for.
#[derive(Default)]
struct Directory {
    full: Vec<Value>,
    changed: Vec<Value>,
    live: Vec<Value>,
    id_listings: usize,
    /// When set, the changes listing answers only once an id listing has been asked for (or
    /// after `CHANGES_WAIT`), and records which came first in `changes_waited_for_ids`.
    changes_wait_for_ids: bool,
    changes_waited_for_ids: Option<bool>,
    ids_asked: Arc<tokio::sync::Notify>,
}

/// How long a held changes listing waits for the id listing before it answers anyway.
const CHANGES_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

type Shared = Arc<Mutex<Directory>>;

fn user(id: &str, name: &str) -> Value {
    json!({"id": id, "userName": name, "displayName": name, ENTERPRISE: {"division": "EMEA/DE"},
           "meta": {"version": "W/\"1\"", "lastModified": "2025-01-01T08:00:00Z"}})
}

fn page(all: Vec<Value>, q: &std::collections::HashMap<String, String>) -> Json<Value> {
    let start: usize = q.get("startIndex").and_then(|s| s.parse().ok()).unwrap_or(1);
    let count: usize = q.get("count").and_then(|s| s.parse().ok()).unwrap_or(100);
    let total = all.len();
    let resources: Vec<Value> = all.into_iter().skip(start - 1).take(count).collect();
    Json(json!({"totalResults": total, "startIndex": start, "Resources": resources}))
}

async fn start_directory(directory: Shared) -> (Url, tokio::task::JoinHandle<()>) {
    async fn users(
        State(directory): State<Shared>,
        Query(q): Query<std::collections::HashMap<String, String>>,
    ) -> Json<Value> {
        let filter = q.get("filter").cloned().unwrap_or_default();
        let held_changes = {
            let held = directory.lock().expect("lock");
            (held.changes_wait_for_ids && filter.contains("meta.lastModified")).then(|| held.ids_asked.clone())
        };
        if let Some(ids_asked) = held_changes {
            let waited = tokio::time::timeout(CHANGES_WAIT, ids_asked.notified()).await.is_ok();
            directory.lock().expect("lock").changes_waited_for_ids = Some(waited);
        }
        let mut held = directory.lock().expect("lock");
        // The client counts with a page of one id; its id listings ask for pages of thousands.
        if q.contains_key("attributes") && q.get("count").is_none_or(|c| c != "1") {
            held.id_listings += 1;
            held.ids_asked.notify_one();
        }
        let all = if q.contains_key("attributes") {
            held.live.iter().map(|u| json!({"id": u["id"], ENTERPRISE: u[ENTERPRISE]})).collect()
        } else if filter.contains("meta.lastModified") {
            held.changed.clone()
        } else if filter.contains("id eq") {
            let wanted = |u: &&Value| u["id"].as_str().is_some_and(|id| filter.contains(&format!("\"{id}\"")));
            held.live.iter().filter(wanted).cloned().collect()
        } else {
            held.full.clone()
        };
        page(all, &q)
    }
    async fn groups() -> Json<Value> {
        Json(json!({"totalResults": 0, "Resources": []}))
    }
    async fn config() -> Json<Value> {
        Json(json!({"filter": {"supported": true, "maxResults": 200}}))
    }
    let app = Router::new()
        .route("/scim/v2/Users", get(users))
        .route("/scim/v2/Groups", get(groups))
        .route("/scim/v2/ServiceProviderConfig", get(config))
        .with_state(directory);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (Url::parse(&format!("http://{addr}/scim/v2")).expect("url"), task)
}

struct Fixture {
    directory: Shared,
    client: ScimClient,
    cache: Cache,
    task: tokio::task::JoinHandle<()>,
}

/// The directory holding `users`, synced once in full.
async fn synced(users: &[&Value]) -> Fixture {
    let all: Vec<Value> = users.iter().map(|u| (*u).clone()).collect();
    let directory: Shared = Arc::new(Mutex::new(Directory { full: all.clone(), live: all, ..Directory::default() }));
    let (base, task) = start_directory(directory.clone()).await;
    let client = ScimClient::new(reqwest::Client::new(), base).with_page_size(2).with_pages_in_flight(2);
    let mut fixture = Fixture { directory, client, cache: Cache::open_in_memory().expect("opens"), task };
    let first = fixture.sync(9).await;
    assert_eq!((first.kind, first.users + first.out_of_scope_dropped), (SyncKind::Full, users.len() as u64));
    fixture
}

impl Fixture {
    /// A sync `hour` hours after 2025-01-01 00:00 UTC.
    async fn sync(&mut self, hour: i64) -> bailiwick_core::sync::SyncReport {
        self.sync_reporting(hour).await.0
    }

    /// `sync`, with the progress it reported.
    async fn sync_reporting(&mut self, hour: i64) -> (bailiwick_core::sync::SyncReport, Vec<SyncProgress>) {
        let scopes = Scopes::new(vec![BuPath::parse("EMEA").expect("valid")]);
        let plan = SyncPlan { scopes: &scopes, bu_attribute: DEFAULT_BU_ATTRIBUTE, server_grants: false };
        let at = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).single().expect("time") + chrono::Duration::hours(hour);
        let token = AccessToken::new("race-test-token");
        let mut reported = Vec::new();
        let report = sync_plan(
            &self.client,
            &token,
            &mut self.cache,
            &plan,
            at,
            &mut |step| reported.push(step),
            &SyncCancel::new(),
        )
        .await
        .expect("syncs");
        (report, reported)
    }

    /// Changes the directory: who the changes listing returns, and who is there.
    fn change(&self, changed: &[&Value], live: &[&Value]) {
        let mut held = self.directory.lock().expect("lock");
        held.changed = changed.iter().map(|u| (*u).clone()).collect();
        held.live = live.iter().map(|u| (*u).clone()).collect();
    }

    fn id_listings(&self) -> usize {
        self.directory.lock().expect("lock").id_listings
    }

    fn cached(&self) -> Vec<String> {
        self.cache.list_users(&UserQuery::default()).expect("lists").into_iter().map(|u| u.user_name).collect()
    }
}

fn renamed(user: &Value, display_name: &str) -> Value {
    let mut user = user.clone();
    user["displayName"] = json!(display_name);
    user
}

#[tokio::test]
async fn changes_alone_need_no_id_listing_and_a_deletion_is_found_through_the_count() {
    let (anna, bert, carl) = (user("u1", "anna"), user("u2", "bert"), user("u3", "carl"));
    let mut fixture = synced(&[&anna, &bert]).await;

    // Anna changed, Carl is new: the count (3) is the cache (2) and the new user (1).
    fixture.change(&[&renamed(&anna, "Anna Changed"), &carl], &[&anna, &bert, &carl]);
    let (second, reported) = fixture.sync_reporting(10).await;
    assert_eq!(second.kind, SyncKind::Incremental);
    assert_eq!((second.added, second.changed, second.removed), (1, 1, 0), "{second:?}");
    assert_eq!(fixture.id_listings(), 0, "nobody left: the ids were not listed");
    assert!(!reported.iter().any(|step| matches!(step, SyncProgress::UserIds(_))), "{reported:?}");
    assert_eq!(fixture.cached(), ["anna", "bert", "carl"]);
    let anna_now = fixture.cache.user("anna").expect("reads").expect("cached");
    assert_eq!(anna_now.display_name, "Anna Changed");

    // Bert is deleted: the count (2) is one short of the cache (3), so the ids are listed.
    fixture.change(&[], &[&anna, &carl]);
    let (third, reported) = fixture.sync_reporting(11).await;
    assert_eq!((third.added, third.changed, third.removed), (0, 0, 1), "{third:?}");
    assert_eq!(fixture.id_listings(), 1);
    // The id listing reports its pages, as the other listings do: the desktop and the CLI say
    // that the sync looks for removed users, and how far it has come.
    let listed: Vec<(u64, Option<u64>)> = reported
        .iter()
        .filter_map(|step| match step {
            SyncProgress::UserIds(page) => Some((page.fetched, page.total)),
            _ => None,
        })
        .collect();
    assert_eq!(listed.last(), Some(&(2, Some(2))), "the id listing's pages are reported: {reported:?}");
    assert_eq!(fixture.cached(), ["anna", "carl"]);
    fixture.task.abort();
}

#[tokio::test]
async fn when_the_count_shows_that_someone_left_the_ids_are_listed_while_the_changes_still_arrive() {
    let (anna, bert, carl) = (user("u1", "anna"), user("u2", "bert"), user("u3", "carl"));
    let mut fixture = synced(&[&anna, &bert, &carl]).await;
    // Bert is deleted and Anna changed. The changes listing answers only after the id listing
    // was asked for: a client that waited for the changes before listing the ids would wait
    // for nothing (and the listing would answer after `CHANGES_WAIT` anyway).
    fixture.change(&[&renamed(&anna, "Anna Changed")], &[&anna, &carl]);
    fixture.directory.lock().expect("lock").changes_wait_for_ids = true;
    let started = std::time::Instant::now();
    let report = fixture.sync(10).await;
    assert_eq!(
        fixture.directory.lock().expect("lock").changes_waited_for_ids,
        Some(true),
        "the ids were listed while the changes were still being asked for (sync took {:?})",
        started.elapsed()
    );
    assert_eq!((report.kind, report.changed, report.removed), (SyncKind::Incremental, 1, 1), "{report:?}");
    assert_eq!(fixture.cached(), ["anna", "carl"]);
    fixture.task.abort();
}

#[tokio::test]
async fn a_user_changed_then_deleted_before_the_count_is_not_kept() {
    let (anna, bert) = (user("u1", "anna"), user("u2", "bert"));
    let mut fixture = synced(&[&anna, &bert]).await;
    // Bert changed, then was deleted: the changes still list him, the count and the ids do not.
    fixture.change(&[&renamed(&bert, "Bert Changed")], &[&anna]);
    let second = fixture.sync(10).await;
    assert_eq!((second.changed, second.removed), (0, 1), "{second:?}");
    assert_eq!(fixture.cached(), ["anna"]);
    fixture.task.abort();
}

#[tokio::test]
async fn a_creation_and_a_deletion_that_balance_the_count_are_put_right_by_the_next_sync() {
    let (anna, bert, carl) = (user("u1", "anna"), user("u2", "bert"), user("u3", "carl"));
    let mut fixture = synced(&[&anna, &bert]).await;
    // While the sync runs, Carl is created after the changes were listed and Bert is deleted:
    // the count (2) equals the cache (2) with no new user, so this sync cannot tell.
    fixture.change(&[], &[&anna, &carl]);
    fixture.sync(10).await;
    assert_eq!(fixture.cached(), ["anna", "bert"], "the race this sync cannot see");
    assert_eq!(fixture.id_listings(), 0);

    // The next sync lists Carl as changed (after the last sync's start): the count (2) is then
    // one short of the cache and the new user (3), and the id listing removes Bert.
    fixture.change(&[&carl], &[&anna, &carl]);
    let third = fixture.sync(11).await;
    assert_eq!((third.added, third.removed), (1, 1), "{third:?}");
    assert_eq!(fixture.cached(), ["anna", "carl"]);
    fixture.task.abort();
}

#[tokio::test]
async fn a_day_after_the_last_listing_the_ids_are_listed_even_when_the_count_matches() {
    let (anna, bert, carl) = (user("u1", "anna"), user("u2", "bert"), user("u3", "carl"));
    let mut fixture = synced(&[&anna, &bert]).await;
    // The balanced race of the test above, a day after the full sync: the count is not trusted.
    fixture.change(&[], &[&anna, &carl]);
    let next_day = fixture.sync(9 + 25).await;
    assert_eq!(fixture.id_listings(), 1, "listed although the count matched");
    assert_eq!((next_day.added, next_day.removed), (1, 1), "{next_day:?}");
    assert_eq!(fixture.cached(), ["anna", "carl"]);
    // Trusted again for a day after that listing.
    fixture.change(&[], &[&anna, &carl]);
    fixture.sync(9 + 26).await;
    assert_eq!(fixture.id_listings(), 1);
    fixture.task.abort();
}

#[tokio::test]
async fn users_the_server_counts_but_the_client_cannot_cache_do_not_hide_a_deletion() {
    let (anna, bert) = (user("u1", "anna"), user("u2", "bert"));
    // A division the client does not read as inside EMEA (its match is exact); the server's
    // filter may match it all the same, and then counts this user.
    let mut odd = user("u9", "odd");
    odd[ENTERPRISE]["division"] = json!("emea/de");
    let mut fixture = synced(&[&anna, &bert, &odd]).await;
    assert_eq!(fixture.cached(), ["anna", "bert"]);

    // Nothing changed: the count (3) is the cache (2) and the one user the full sync could not cache.
    let quiet = fixture.sync(10).await;
    assert_eq!((quiet.removed, fixture.id_listings()), (0, 0), "{quiet:?}");

    // Bert is deleted: the count (2) is one short, whatever the odd user does to it.
    fixture.change(&[], &[&anna, &odd]);
    let third = fixture.sync(11).await;
    assert_eq!(third.removed, 1, "{third:?}");
    assert_eq!(fixture.cached(), ["anna"]);
    fixture.task.abort();
}
