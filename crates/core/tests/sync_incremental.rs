//! Incremental sync against the sandbox IAM, in-process: after a full sync, a user changed, a
//! user deleted, a user moved out of the admin's scope and a user created on the server are all
//! reflected by an incremental sync that fetches only the changed users, and the cache it
//! leaves is the one a full sync of the same directory builds.
//!
//! The directory is written as `gina.global` (scopes EMEA, AMER, APAC) and synced as
//! `ada.emea` (scope EMEA), each with a token from the sandbox's own authorization code flow.

use std::time::Duration;

use bailiwick_core::cache::{Cache, UserQuery};
use bailiwick_core::directory::ScimClient;
use bailiwick_core::profile::{Paging, DEFAULT_BU_ATTRIBUTE};
use bailiwick_core::secret::AccessToken;
use bailiwick_core::sync::{
    sync_plan_with, Fetching, SyncCancel, SyncKind, SyncOptions, SyncPlan, SyncProgress, SyncReport,
};
use bailiwick_core::{BuPath, Scopes};
use bailiwick_sandbox::{Sandbox, SandboxConfig};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Any loopback callback is accepted; the code is read from the redirect, never followed.
const REDIRECT: &str = "http://127.0.0.1:53682/callback";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client")
}

/// An access token for a demo admin: the authorization code flow with PKCE S256, by hand.
async fn token(sandbox: &Sandbox, admin: &str) -> String {
    let issuer = sandbox.issuer();
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let client = http();
    let authorize = format!("{issuer}/authorize");
    let page = client
        .get(&authorize)
        .query(&[
            ("response_type", "code"),
            ("client_id", bailiwick_sandbox::CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("scope", "openid profile email offline_access"),
            ("state", "sync-test"),
            ("nonce", "sync-test-nonce"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .expect("the sign-in page");
    assert_eq!(page.status(), 200, "the sandbox shows its sign-in page");
    let html = page.text().await.expect("the sign-in page's HTML");
    let mut form = hidden_fields(&html);
    form.push(("username".into(), admin.into()));
    form.push(("password".into(), "demo".into()));
    let posted = client.post(&authorize).form(&form).send().await.expect("the sign-in form post");
    assert!(posted.status().is_redirection(), "{admin} signs in with the demo password: {}", posted.status());
    let location = posted
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|l| Url::parse(l).ok())
        .expect("the sign-in redirects to the callback");
    let code = location.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).expect("a code");
    let answer = client
        .post(format!("{issuer}/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.as_str()),
            ("client_id", bailiwick_sandbox::CLIENT_ID),
        ])
        .send()
        .await
        .expect("the token request");
    assert_eq!(answer.status(), 200, "the code is exchanged for tokens");
    let tokens: Value = answer.json().await.expect("the token response is JSON");
    tokens["access_token"].as_str().expect("an access token").to_owned()
}

fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for chunk in html.split("<input type=\"hidden\" ").skip(1) {
        let attribute = |name: &str| chunk.split(&format!("{name}=\"")).nth(1).and_then(|s| s.split('"').next());
        let (Some(name), Some(value)) = (attribute("name"), attribute("value")) else { continue };
        let value = value
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        fields.push((name.to_owned(), value));
    }
    fields
}

/// A SCIM write as `token`; returns the status.
async fn write(sandbox: &Sandbox, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> u16 {
    let mut request = http()
        .request(method, format!("{}/scim/v2{path}", sandbox.issuer()))
        .bearer_auth(token)
        .header("accept", "application/scim+json");
    if let Some(body) = body {
        request = request.header("content-type", "application/scim+json").body(body.to_string());
    }
    request.send().await.expect("the write reaches the sandbox").status().as_u16()
}

async fn patch(sandbox: &Sandbox, token: &str, id: &str, path: &str, value: &str) -> u16 {
    let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": path, "value": value}]});
    write(sandbox, token, reqwest::Method::PATCH, &format!("/Users/{id}"), Some(body)).await
}

fn emea() -> Scopes {
    Scopes::new(vec![BuPath::parse("EMEA").expect("valid")])
}

struct Synced {
    report: SyncReport,
    /// The largest `totalResults` the users' pages reported: how many users were asked for.
    users_asked: u64,
}

async fn sync(sandbox: &Sandbox, token: &str, cache: &mut Cache, options: SyncOptions) -> Synced {
    let base = Url::parse(&format!("{}/scim/v2", sandbox.issuer())).expect("url");
    let client = ScimClient::new(http(), base).with_page_size(100);
    let scopes = emea();
    let plan = SyncPlan { scopes: &scopes, bu_attribute: DEFAULT_BU_ATTRIBUTE, server_grants: false };
    let mut users_asked = 0;
    let mut progress = |p: SyncProgress| {
        if let SyncProgress::Users(Fetching { total: Some(total), .. }) = p {
            users_asked = users_asked.max(total);
        }
    };
    let token = AccessToken::new(token);
    let report = sync_plan_with(&client, &token, cache, &plan, &options, Utc::now(), &mut progress, &SyncCancel::new())
        .await
        .expect("the sync succeeds");
    Synced { report, users_asked }
}

fn everyone(cache: &Cache) -> Vec<bailiwick_core::cache::UserRow> {
    cache.list_users(&UserQuery::default()).expect("lists")
}

fn search(cache: &Cache, text: &str) -> u64 {
    cache.count_users(&UserQuery { search: Some(text.into()), ..UserQuery::default() }).expect("searches")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_sync_sees_changes_deletions_and_moves_out_of_scope_like_a_full_sync() {
    incremental_like_full(Paging::Index).await;
}

/// The same, every listing paged by cursor (RFC 9865): the sandbox answers both ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paged_by_cursor_an_incremental_sync_sees_the_same_as_a_full_sync() {
    incremental_like_full(Paging::Cursor).await;
}

async fn incremental_like_full(paging: Paging) {
    let sandbox =
        Sandbox::start(SandboxConfig { synthetic_users: 300, ..SandboxConfig::default() }).await.expect("sandbox");
    let (ada, gina) = (token(&sandbox, "ada.emea").await, token(&sandbox, "gina.global").await);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cache = Cache::open(&dir.path().join("incremental.sqlite")).expect("opens");

    let first = sync(&sandbox, &ada, &mut cache, SyncOptions { paging, ..SyncOptions::default() }).await;
    assert_eq!(first.report.kind, SyncKind::Full, "the first sync of a cache is full");
    assert_eq!(first.report.added, first.report.users, "every user of the first sync is new");
    let before = everyone(&cache);
    assert!(before.len() > 50, "the EMEA scope holds the seeded users: {}", before.len());

    // Three EMEA users who are not demo admins (whose sign-ins the other tests rely on).
    let admins = ["ada.emea", "cora.compliance", "gina.global"];
    let ordinary: Vec<_> = before.iter().filter(|u| !admins.contains(&u.user_name.as_str())).collect();
    let (changed, deleted, moved) = (&ordinary[0], &ordinary[1], &ordinary[2]);

    // The server stamps whole seconds: let them move past the first sync's start.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let old_family: String = rusqlite::Connection::open(dir.path().join("incremental.sqlite"))
        .and_then(|c| c.query_row("SELECT family_name FROM users WHERE id = ?1", [&changed.id], |r| r.get(0)))
        .expect("the changed user's family name, read from the cache file");
    assert_eq!(patch(&sandbox, &gina, &changed.id, "displayName", "Zebedee Incremental").await, 200);
    assert_eq!(patch(&sandbox, &gina, &changed.id, "name.familyName", "Incremental").await, 200);
    assert_eq!(
        write(&sandbox, &gina, reqwest::Method::DELETE, &format!("/Users/{}", deleted.id), None).await,
        204,
        "gina deletes a user"
    );
    assert_eq!(
        patch(&sandbox, &gina, &moved.id, &format!("{ENTERPRISE}:division"), "AMER/US").await,
        200,
        "gina moves a user from EMEA to AMER"
    );
    let created = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": "quentin.newcomer",
        "name": {"givenName": "Quentin", "familyName": "Newcomer"},
        "userType": "Employee",
        ENTERPRISE: {"division": "EMEA/FR"}
    });
    assert_eq!(
        write(&sandbox, &gina, reqwest::Method::POST, "/Users", Some(created)).await,
        201,
        "gina creates a user"
    );

    // No margin: the only users changed after the first sync's start are the two above.
    let options = SyncOptions { full: false, since_margin: chrono::Duration::zero(), paging };
    let second = sync(&sandbox, &ada, &mut cache, options).await;
    assert_eq!(second.report.kind, SyncKind::Incremental, "a synced cache with the same scope syncs incrementally");
    assert_eq!(second.users_asked, 2, "only the changed and the created user are fetched in full");
    assert_eq!(
        (second.report.added, second.report.changed, second.report.removed),
        (1, 1, 2),
        "one created, one changed, one deleted and one moved out: {:?}",
        second.report
    );
    assert_eq!(second.report.users, before.len() as u64 - 1);
    let changed_row = cache.user(&changed.id).expect("reads").expect("the changed user stays");
    assert_eq!(changed_row.display_name, "Zebedee Incremental");
    assert!(cache.user(&deleted.id).expect("reads").is_none(), "the deleted user is gone");
    assert!(cache.user(&moved.id).expect("reads").is_none(), "the user moved out of EMEA is gone");
    assert!(cache.user("quentin.newcomer").expect("reads").is_some(), "the created user is cached");
    assert_eq!(search(&cache, "zebedee"), 1, "the search index knows the new name");
    assert_eq!(search(&cache, &deleted.user_name), 0, "the deleted user is not found by search");
    assert_eq!(search(&cache, &moved.user_name), 0, "the moved user is not found by search");
    assert_eq!(search(&cache, "newcomer"), 1, "the created user is found by search");

    // The same directory synced in full into a fresh cache: the same users, roles included.
    let mut fresh = Cache::open(&dir.path().join("full.sqlite")).expect("opens");
    let full = sync(&sandbox, &ada, &mut fresh, SyncOptions { full: true, paging, ..SyncOptions::default() }).await;
    assert_eq!(full.report.kind, SyncKind::Full);
    assert_eq!(everyone(&cache), everyone(&fresh), "incremental and full syncs agree on every user and role");
    // A fresh index is built in one piece: the one kept row by row must answer the same.
    for text in
        [old_family.as_str(), "zebedee", "incremental", &deleted.user_name, &moved.user_name, "newcomer", "emea"]
    {
        let query = UserQuery { search: Some(text.to_owned()), ..UserQuery::default() };
        assert_eq!(
            cache.list_users(&query).expect("searches"),
            fresh.list_users(&query).expect("searches"),
            "searching {text:?} finds the same users after an incremental and a full sync"
        );
    }
    assert_eq!(
        (second.report.groups, second.report.memberships),
        (full.report.groups, full.report.memberships),
        "and on groups and memberships"
    );

    // Nothing changed since: an incremental sync writes nothing.
    let third = sync(&sandbox, &ada, &mut cache, options).await;
    assert_eq!(third.report.kind, SyncKind::Incremental);
    assert_eq!((third.report.added, third.report.changed, third.report.removed), (0, 0, 0), "{:?}", third.report);
    assert_eq!(everyone(&cache), everyone(&fresh));
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sync_counts_what_changed_and_a_changed_scope_forces_one() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.expect("sandbox");
    let ada = token(&sandbox, "ada.emea").await;
    let mut cache = Cache::open_in_memory().expect("opens");
    let first = sync(&sandbox, &ada, &mut cache, SyncOptions::default()).await;
    let again = sync(&sandbox, &ada, &mut cache, SyncOptions { full: true, ..SyncOptions::default() }).await;
    assert_eq!(again.report.kind, SyncKind::Full, "--full is honoured on a synced cache");
    assert_eq!((again.report.added, again.report.changed, again.report.removed), (0, 0, 0), "{:?}", again.report);
    assert_eq!(again.report.users, first.report.users);

    // The same cache synced for other scopes (another BU attribute spelling counts too).
    let base = Url::parse(&format!("{}/scim/v2", sandbox.issuer())).expect("url");
    let client = ScimClient::new(http(), base);
    let scopes = Scopes::new(vec![BuPath::parse("EMEA/DE").expect("valid")]);
    let plan = SyncPlan { scopes: &scopes, bu_attribute: DEFAULT_BU_ATTRIBUTE, server_grants: false };
    let narrowed = sync_plan_with(
        &client,
        &AccessToken::new(ada.as_str()),
        &mut cache,
        &plan,
        &SyncOptions::default(),
        Utc::now(),
        &mut |_| {},
        &SyncCancel::new(),
    )
    .await
    .expect("syncs");
    assert_eq!(narrowed.kind, SyncKind::Full, "another scope cannot be synced incrementally");
    assert!(narrowed.removed > 0, "users outside EMEA/DE are removed: {narrowed:?}");
    assert_eq!(narrowed.users + narrowed.removed, first.report.users);
    sandbox.stop().await;
}
