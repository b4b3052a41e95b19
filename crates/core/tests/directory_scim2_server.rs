//! Interop: sync against PyPI `scim2-server`, an independent SCIM 2.0 implementation, on
//! loopback. The directory is seeded through its REST API with users in four BUs and two
//! groups; a sync for the scope `EMEA` must cache exactly the EMEA users and their
//! memberships, however the server pages: by index, or (configured to page only by cursor,
//! RFC 9865) by cursor, which the client must then find out from its ServiceProviderConfig.
//!
//! Needs the peers' virtualenv (`make` creates it; see tests/peers/scim2-server/requirements.txt).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bailiwick_core::cache::{Cache, UserQuery};
use bailiwick_core::directory::ScimClient;
use bailiwick_core::profile::DEFAULT_BU_ATTRIBUTE;
use bailiwick_core::secret::AccessToken;
use bailiwick_core::sync::{full_sync, sync_plan_with, SyncCancel, SyncKind, SyncOptions, SyncPlan, SyncProgress};
use bailiwick_core::{BuPath, Scopes};
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use url::Url;

const TOKEN: &str = "interop-static-token";

/// The scim2-server process; killed when dropped, so a failing assertion never leaks it.
struct Scim2Server {
    child: Child,
    base: Url,
    /// The ServiceProviderConfig file it was given, kept until it stops.
    _config: Option<tempfile::NamedTempFile>,
}

/// scim2-server's default configuration, paging only by cursor (RFC 9865 §4).
fn cursor_only_config() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": true},
        "bulk": {"supported": true, "maxOperations": 1000, "maxPayloadSize": 1048576},
        "filter": {"supported": true, "maxResults": 1000},
        "changePassword": {"supported": true},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "pagination": {"cursor": true, "index": false, "defaultPaginationMethod": "cursor", "maxPageSize": 1000}
    })
}

impl Scim2Server {
    fn start() -> Self {
        Self::start_with(None)
    }

    /// scim2-server announcing `config` as its ServiceProviderConfig (its default without).
    fn start_with(config: Option<Value>) -> Self {
        let executable = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers/.venv/bin/scim2-server");
        assert!(
            executable.exists(),
            "{} is missing: create it with `python3 -m venv tests/peers/.venv && \
             tests/peers/.venv/bin/pip install -r tests/peers/scim2-server/requirements.txt`",
            executable.display()
        );
        let port = TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
        let config = config.map(|config| {
            let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
            std::io::Write::write_all(&mut file, config.to_string().as_bytes()).expect("writes the configuration");
            file
        });
        let mut command = Command::new(&executable);
        command.args(["--hostname", "127.0.0.1", "--port", &port.to_string(), "--bearer-token", TOKEN]);
        if let Some(file) = &config {
            command.arg("--service-provider-config").arg(file.path());
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("scim2-server starts");
        let base = Url::parse(&format!("http://127.0.0.1:{port}/v2")).expect("url");
        let mut server = Scim2Server { child, base, _config: config };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = server.child.try_wait().expect("poll child") {
                panic!("scim2-server exited before listening: {status}");
            }
            assert!(Instant::now() < deadline, "scim2-server did not listen on {port} within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    async fn create(&self, http: &reqwest::Client, resource: &str, body: Value) -> String {
        let response = http
            .post(format!("{}/{resource}", self.base))
            .bearer_auth(TOKEN)
            .header("Content-Type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await
            .expect("POST reaches scim2-server");
        let status = response.status();
        let created: Value = response.json().await.expect("JSON answer");
        assert_eq!(status.as_u16(), 201, "creating {resource}: {created}");
        created["id"].as_str().expect("created resource has an id").to_owned()
    }
}

impl Drop for Scim2Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Seeded {
    /// userName → BU
    users: BTreeMap<String, String>,
    /// id → userName
    names: BTreeMap<String, String>,
    /// group name → member ids
    groups: BTreeMap<String, Vec<String>>,
}

/// 31 users: 30 across EMEA/DE, EMEA/FR, AMER/US, APAC/IN, and one in `EMEAX/Lab`, which
/// a scope of `EMEA` must not cover; two groups mixing members from every region.
async fn seed(server: &Scim2Server, http: &reqwest::Client) -> Seeded {
    let bus = ["EMEA/DE", "EMEA/FR", "AMER/US", "APAC/IN"];
    let mut seeded = Seeded { users: BTreeMap::new(), names: BTreeMap::new(), groups: BTreeMap::new() };
    let mut ids = Vec::new();
    for i in 0..31 {
        let bu = if i == 30 { "EMEAX/Lab" } else { bus[i % bus.len()] };
        let user_name = format!("user{i:02}.{}", bu.replace('/', "-").to_lowercase());
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName": user_name,
            "displayName": format!("User {i:02}"),
            "name": {"givenName": "User", "familyName": format!("Number{i:02}")},
            "userType": if i % 5 == 0 { "Partner" } else { "Employee" },
            "emails": [{"value": format!("{user_name}@example.com"), "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": bu, "organization": "Example"}
        });
        let id = server.create(http, "Users", body).await;
        seeded.users.insert(user_name.clone(), bu.to_owned());
        seeded.names.insert(id.clone(), user_name);
        ids.push(id);
    }
    for (name, members) in [
        ("Exstream Content Author", ids.iter().step_by(2).cloned().collect::<Vec<_>>()),
        ("Compliance Reviewer", ids.iter().skip(1).step_by(3).cloned().collect::<Vec<_>>()),
    ] {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": members.iter().map(|id| json!({"value": id, "type": "User"})).collect::<Vec<_>>()
        });
        server.create(http, "Groups", body).await;
        seeded.groups.insert(name.to_owned(), members);
    }
    seeded
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_caches_exactly_the_users_and_memberships_inside_the_scope() {
    let server = Scim2Server::start();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let seeded = seed(&server, &http).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let mut cache = Cache::open(&dir.path().join("cache.sqlite")).expect("cache opens");
    // A page size that does not divide the result, so paging crosses several pages.
    let client = ScimClient::new(http.clone(), server.base.clone()).with_page_size(4);
    let scope = BuPath::parse("EMEA").expect("valid");
    let scopes = Scopes::new(vec![scope.clone()]);
    let now = Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).single().expect("time");
    let mut progress = Vec::new();
    let report =
        full_sync(&client, &AccessToken::new(TOKEN), &mut cache, &scopes, DEFAULT_BU_ATTRIBUTE, now, &mut |p| {
            progress.push(p)
        })
        .await
        .expect("sync succeeds against scim2-server");

    let in_scope = |bu: &str| scopes.covers(&BuPath::parse(bu).expect("valid"));
    let expected_users: BTreeSet<&str> =
        seeded.users.iter().filter(|(_, bu)| in_scope(bu)).map(|(name, _)| name.as_str()).collect();
    assert!(expected_users.len() >= 10, "the seed must put users in EMEA");
    let cached = cache.list_users(&UserQuery::default()).expect("lists");
    let cached_users: BTreeSet<&str> = cached.iter().map(|u| u.user_name.as_str()).collect();
    assert_eq!(cached_users, expected_users, "exactly the EMEA users, not EMEAX/Lab nor other regions");
    assert!(cached.iter().all(|u| u.bu.as_deref().is_some_and(in_scope)));

    let mut expected_memberships = 0;
    for row in &cached {
        let expected_roles: Vec<&str> = seeded
            .groups
            .iter()
            .filter(|(_, members)| members.iter().any(|id| seeded.names[id] == row.user_name))
            .map(|(name, _)| name.as_str())
            .collect();
        expected_memberships += expected_roles.len() as u64;
        let mut roles = cache.roles_of(&row.id).expect("roles");
        roles.sort();
        assert_eq!(roles, expected_roles, "roles of {}", row.user_name);
    }

    assert_eq!(report.users, expected_users.len() as u64);
    assert_eq!(report.groups, 2);
    assert_eq!(report.memberships, expected_memberships);
    assert_eq!(report.out_of_scope_dropped, 0, "scim2-server applied the scope filter itself");
    assert_eq!(report.started_at, now);
    assert_eq!(cache.last_sync_at().expect("meta"), Some(now));
    let user_pages = progress.iter().filter(|p| matches!(p, SyncProgress::Users(_))).count();
    assert_eq!(user_pages, expected_users.len().div_ceil(4), "one progress report per page of users");

    // The cache answers queries on what was synced: a role filter across the synced memberships.
    let reviewers = UserQuery { role: Some("compliance reviewer".into()), ..UserQuery::default() };
    let expected_reviewers = cached.iter().filter(|u| u.roles.iter().any(|r| r == "Compliance Reviewer")).count();
    assert_eq!(cache.count_users(&reviewers).expect("counts") as usize, expected_reviewers);
}

/// After a full sync, one EMEA user is changed (PUT) and another deleted on scim2-server: the
/// next sync is incremental (by `meta.lastModified`, with the count of the scope to notice the
/// deletion) and leaves the cache holding exactly what the server lists for the scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_sync_follows_a_change_and_a_deletion() {
    incremental_sync_follows_a_change_and_a_deletion(Scim2Server::start(), false).await;
}

/// The same against a scim2-server that pages only by cursor: the sync reads that from its
/// ServiceProviderConfig and pages by cursor (a `startIndex` would be refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_server_paging_only_by_cursor_the_sync_pages_by_cursor() {
    let server = Scim2Server::start_with(Some(cursor_only_config()));
    let http = reqwest::Client::new();
    let by_index = http
        .get(format!("{}/Users?startIndex=1&count=1", server.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("scim2-server answers");
    assert_eq!(by_index.status().as_u16(), 501, "this server does not page by index (501 Not Implemented)");
    incremental_sync_follows_a_change_and_a_deletion(server, true).await;
}

async fn incremental_sync_follows_a_change_and_a_deletion(server: Scim2Server, by_cursor: bool) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let seeded = seed(&server, &http).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cache = Cache::open(&dir.path().join("cache.sqlite")).expect("cache opens");
    // The sync chooses its paging from the server's ServiceProviderConfig (`Paging::Auto`); the
    // listings below, made directly, page as the server wants.
    let client = ScimClient::new(http.clone(), server.base.clone()).with_page_size(4);
    let direct = client.clone().with_cursor_paging(by_cursor);
    let scopes = Scopes::new(vec![BuPath::parse("EMEA").expect("valid")]);
    let plan = SyncPlan { scopes: &scopes, bu_attribute: DEFAULT_BU_ATTRIBUTE, server_grants: false };
    let token = AccessToken::new(TOKEN);
    // Only what changes after the full sync is fetched again (no margin: one machine's clock).
    let options = SyncOptions { since_margin: chrono::Duration::zero(), ..SyncOptions::default() };
    let first =
        sync_plan_with(&client, &token, &mut cache, &plan, &options, Utc::now(), &mut |_| {}, &SyncCancel::new())
            .await
            .expect("syncs against scim2-server");
    assert_eq!(first.kind, SyncKind::Full);
    // scim2-server stamps lastModified in seconds or finer: the changes below come later.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let emea: Vec<(&String, &String)> =
        seeded.names.iter().filter(|(_, name)| seeded.users[*name].starts_with("EMEA/")).collect();
    let ((changed_id, changed_name), (deleted_id, _)) = (emea[0], emea[1]);
    let user_url = |id: &str| format!("{}/Users/{id}", server.base);
    let replacement = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "userName": changed_name,
        "displayName": "Changed On The Server",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": seeded.users[changed_name]}
    });
    let put = http
        .put(user_url(changed_id))
        .bearer_auth(TOKEN)
        .header("Content-Type", "application/scim+json")
        .body(replacement.to_string())
        .send()
        .await
        .expect("PUT reaches scim2-server");
    assert!(put.status().is_success(), "PUT: {}", put.status());
    let delete =
        http.delete(user_url(deleted_id)).bearer_auth(TOKEN).send().await.expect("DELETE reaches scim2-server");
    assert_eq!(delete.status().as_u16(), 204);

    let second =
        sync_plan_with(&client, &token, &mut cache, &plan, &options, Utc::now(), &mut |_| {}, &SyncCancel::new())
            .await
            .expect("syncs against scim2-server");
    assert_eq!(second.kind, SyncKind::Incremental, "scim2-server filters by meta.lastModified");
    assert_eq!((second.added, second.changed, second.removed), (0, 1, 1), "{second:?}");
    let emea_filter = format!("{DEFAULT_BU_ATTRIBUTE} sw \"EMEA/\"");
    let listed: BTreeSet<String> = direct
        .list_all_users(&token, Some(&emea_filter), &mut |_| {})
        .await
        .expect("scim2-server lists")
        .into_iter()
        .map(|u| u.user_name)
        .collect();
    // The count an incremental sync trusts when nobody seems to have left: scim2-server's own.
    let counted = direct.count_users(&token, Some(&emea_filter)).await.expect("scim2-server counts");
    assert_eq!(counted, listed.len() as u64, "totalResults of a page of one is the whole listing");
    let cached: BTreeSet<String> =
        cache.list_users(&UserQuery::default()).expect("lists").into_iter().map(|u| u.user_name).collect();
    assert_eq!(cached, listed, "the cache holds what the server lists for EMEA");
    let row = cache.user(changed_name).expect("reads").expect("still cached");
    assert_eq!(row.display_name, "Changed On The Server");
}
