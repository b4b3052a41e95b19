//! Time-bound role grants: policy limits, four-eyes approval, scope, and windows that
//! membership follows (expiry observed through the sandbox's injectable clock).

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::*;
use serde_json::{json, Value};
use url::Url;

const GRANT: &str = "urn:bailiwick:params:scim:schemas:core:2.0:Grant";

fn at(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("scim request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn get(base: &Url, token: &str, path: &str) -> (u16, Value) {
    send(client().get(format!("{base}scim/v2{path}")).bearer_auth(token)).await
}

async fn post_grant(base: &Url, token: &str, grant: &Value) -> (u16, Value) {
    send(client().post(format!("{base}scim/v2/Grants")).bearer_auth(token).json(grant)).await
}

async fn patch_grant(base: &Url, token: &str, id: &str, path: &str, value: Value) -> (u16, Value) {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": path, "value": value}],
    });
    send(client().patch(format!("{base}scim/v2/Grants/{id}")).bearer_auth(token).json(&body)).await
}

fn grant(user: &str, role: &str, from: DateTime<Utc>, until: DateTime<Utc>) -> Value {
    json!({
        "schemas": [GRANT],
        "user": {"value": user},
        "role": {"value": role},
        "validFrom": at(from),
        "validUntil": at(until),
        "justification": "quarter-end statement run",
    })
}

async fn role_id(base: &Url, token: &str, name: &str) -> String {
    let (_, list) =
        get(base, token, &format!("/Groups?filter=displayName%20eq%20%22{}%22", name.replace(' ', "%20"))).await;
    list["Resources"][0]["id"].as_str().unwrap_or_else(|| panic!("role {name} exists")).to_owned()
}

/// A user of `user_type` in `division` who does not hold the role yet.
async fn user_without(base: &Url, token: &str, role: &str, user_type: &str, region: &str) -> String {
    let (_, users) = all_users(base, token, Some(&format!("userType eq \"{user_type}\""))).await;
    users
        .iter()
        .filter(|u| division(u).starts_with(region))
        .find(|u| !u["groups"].as_array().is_some_and(|gs| gs.iter().any(|g| g["value"] == role)))
        .and_then(|u| u["id"].as_str())
        .unwrap_or_else(|| panic!("a {user_type} in {region} without role {role}"))
        .to_owned()
}

async fn holds(base: &Url, token: &str, user: &str, role: &str) -> bool {
    // Two reads are two moments: the expiry task may end a grant between them. The two views
    // must agree once the directory is still; a disagreement that lasts is the bug.
    let mut last = None;
    for _ in 0..3 {
        let (status, found) = get(base, token, &format!("/Users/{user}")).await;
        assert_eq!(status, 200, "GET /Users/{user} answered {status}: {found}");
        let in_user = found["groups"].as_array().is_some_and(|gs| gs.iter().any(|g| g["value"] == role));
        let (_, group) = get(base, token, &format!("/Groups/{role}")).await;
        let in_group = group["members"].as_array().is_some_and(|ms| ms.iter().any(|m| m["value"] == found["id"]));
        if in_user == in_group {
            return in_user;
        }
        last = Some((in_user, in_group));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("User.groups and the group's members disagree for {user} and {role}: {last:?}");
}

#[tokio::test]
async fn an_active_grant_gives_membership_and_revoking_takes_it_away() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let role = role_id(&base, &ada, "Exstream Content Author").await;
    let user = user_without(&base, &ada, &role, "Employee", "EMEA").await;
    let now = Utc::now();

    let (status, issued) = post_grant(&base, &ada, &grant(&user, &role, now, now + days(30))).await;
    assert_eq!(status, 201, "{issued}");
    assert_eq!(issued["status"], "active");
    assert_eq!(issued["requester"], "ada.emea");
    assert_eq!(issued["user"]["value"], user.as_str());
    assert!(issued["bu"].as_str().unwrap().starts_with("EMEA"), "the BU defaults to the user's division");
    assert!(holds(&base, &ada, &user, &role).await, "the grant's membership exists inside its window");

    let id = issued["id"].as_str().unwrap();
    let deleted = client().delete(format!("{base}scim/v2/Grants/{id}")).bearer_auth(&ada).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let (_, revoked) = get(&base, &ada, &format!("/Grants/{id}")).await;
    assert_eq!(revoked["status"], "revoked");
    assert!(!holds(&base, &ada, &user, &role).await, "revoking removes the membership");

    // PATCH revokes as well.
    let (_, second) = post_grant(&base, &ada, &grant(&user, &role, now, now + days(10))).await;
    let (status, patched) = patch_grant(&base, &ada, second["id"].as_str().unwrap(), "status", json!("revoked")).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["status"], "revoked");
    assert!(!holds(&base, &ada, &user, &role).await);
    sandbox.stop().await;
}

#[tokio::test]
async fn sensitive_roles_wait_for_a_second_admin() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let gina = access_token(&base, "gina.global").await;
    let cora = access_token(&base, "cora.compliance").await;
    let role = role_id(&base, &ada, "Exstream Administrator").await;
    let user = user_without(&base, &ada, &role, "Employee", "EMEA").await;
    let now = Utc::now();

    let (status, pending) = post_grant(&base, &ada, &grant(&user, &role, now, now + days(7))).await;
    assert_eq!(status, 201, "{pending}");
    assert_eq!(pending["status"], "pending");
    assert!(!holds(&base, &ada, &user, &role).await, "a pending grant gives nothing yet");
    let id = pending["id"].as_str().unwrap();

    let (status, error) = patch_grant(&base, &ada, id, "status", json!("active")).await;
    assert_eq!(status, 403, "approving one's own request is refused");
    assert!(error["detail"].as_str().unwrap().contains("four eyes"), "{error}");
    let (status, _) = patch_grant(&base, &cora, id, "status", json!("active")).await;
    assert_eq!(status, 403, "approving needs approve-grants");

    let (status, approved) = patch_grant(&base, &gina, id, "status", json!("active")).await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "active");
    assert_eq!(approved["approver"], "gina.global");
    assert!(holds(&base, &ada, &user, &role).await, "approval starts the membership");

    let (_, other) = post_grant(&base, &ada, &grant(&user, &role, now, now + days(7))).await;
    let other_id = other["id"].as_str().unwrap();
    let (status, rejected) = patch_grant(&base, &gina, other_id, "status", json!("rejected")).await;
    assert_eq!(status, 200, "{rejected}");
    assert_eq!(rejected["status"], "rejected");
    let (status, _) = patch_grant(&base, &gina, other_id, "status", json!("active")).await;
    assert_eq!(status, 400, "a rejected grant cannot be approved later");
    sandbox.stop().await;
}

#[tokio::test]
async fn policy_limits_are_enforced_with_the_rule_named() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let author = role_id(&base, &ada, "Exstream Content Author").await;
    let reader = role_id(&base, &ada, "Customer Data Reader").await;
    let user = user_without(&base, &ada, &author, "Employee", "EMEA").await;
    let now = Utc::now();

    let (status, error) = post_grant(&base, &ada, &grant(&user, &author, now, now + days(91))).await;
    assert_eq!(status, 400);
    assert!(error["detail"].as_str().unwrap().contains("maxGrantDays"), "{error}");
    let (status, error) = post_grant(&base, &ada, &grant(&user, &author, now, now - days(1))).await;
    assert_eq!(status, 400);
    assert!(error["detail"].as_str().unwrap().contains("validUntil must be after validFrom"), "{error}");

    let partner = user_without(&base, &ada, &reader, "Partner", "EMEA").await;
    let (status, error) = post_grant(&base, &ada, &grant(&partner, &reader, now, now + days(5))).await;
    assert_eq!(status, 403);
    assert!(error["detail"].as_str().unwrap().contains("partnerAllowed"), "{error}");

    // Extending stays within the same limit.
    let (_, issued) = post_grant(&base, &ada, &grant(&user, &author, now, now + days(30))).await;
    let id = issued["id"].as_str().unwrap();
    let (status, extended) = patch_grant(&base, &ada, id, "validUntil", json!(at(now + days(60)))).await;
    assert_eq!(status, 200, "{extended}");
    assert_eq!(extended["validUntil"], at(now + days(60)));
    let (status, error) = patch_grant(&base, &ada, id, "validUntil", json!(at(now + days(120)))).await;
    assert_eq!(status, 400);
    assert!(error["detail"].as_str().unwrap().contains("maxGrantDays"), "{error}");
    sandbox.stop().await;
}

#[tokio::test]
async fn grants_outside_the_admins_scope_or_capabilities_are_forbidden() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let role = role_id(&base, &ada, "Exstream Content Author").await;
    let emea_user = user_without(&base, &ada, &role, "Employee", "EMEA").await;
    let now = Utc::now();
    let body = grant(&emea_user, &role, now, now + days(5));
    for admin in ["ravi.apac", "paula.partners", "cora.compliance"] {
        let token = access_token(&base, admin).await;
        let (status, error) = post_grant(&base, &token, &body).await;
        assert_eq!(status, 403, "{admin} may not grant to an EMEA user: {error}");
    }
    let mut foreign_bu = body.clone();
    foreign_bu["bu"] = json!("AMER/US");
    let (status, _) = post_grant(&base, &ada, &foreign_bu).await;
    assert_eq!(status, 403, "the grant's BU must be in the issuer's scope too");

    let (_, issued) = post_grant(&base, &ada, &body).await;
    let id = issued["id"].as_str().unwrap();
    let ravi = access_token(&base, "ravi.apac").await;
    let (status, _) = get(&base, &ravi, &format!("/Grants/{id}")).await;
    assert_eq!(status, 403);
    let (_, list) = get(&base, &ravi, "/Grants").await;
    assert_eq!(list["totalResults"], 0, "lists never show grants of other BUs");
    let (status, _) = patch_grant(&base, &ravi, id, "status", json!("revoked")).await;
    assert_eq!(status, 403);
    sandbox.stop().await;
}

#[tokio::test]
async fn grants_are_filtered_by_status_user_and_end() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let author = role_id(&base, &ada, "Exstream Content Author").await;
    let admin_role = role_id(&base, &ada, "Exstream Administrator").await;
    let user = user_without(&base, &ada, &admin_role, "Employee", "EMEA").await;
    let now = Utc::now();
    let (_, active) = post_grant(&base, &ada, &grant(&user, &author, now, now + days(3))).await;
    let (_, pending) = post_grant(&base, &ada, &grant(&user, &admin_role, now, now + days(20))).await;

    let query = |filter: &str| format!("/Grants?filter={}", url_escape(filter));
    let (_, list) = get(&base, &ada, &query("status eq \"pending\"")).await;
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["id"], pending["id"]);
    let (_, list) = get(&base, &ada, &query(&format!("user.value eq \"{user}\""))).await;
    assert_eq!(list["totalResults"], 2);
    let (_, list) = get(&base, &ada, &query(&format!("validUntil lt \"{}\"", at(now + days(10))))).await;
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["id"], active["id"]);
    let (_, list) = get(&base, &ada, &query("bu sw \"EMEA\" and status eq \"active\"")).await;
    assert_eq!(list["totalResults"], 1);
    sandbox.stop().await;
}

fn url_escape(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Polls until `check` holds, for at most five seconds (the expiry task ticks every second).
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..50 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within five seconds");
}

#[tokio::test]
async fn grants_start_and_expire_on_time_without_a_request() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let clock = sandbox.clock();
    let ada = access_token(&base, "ada.emea").await;
    let role = role_id(&base, &ada, "Production Operator").await;
    let user = user_without(&base, &ada, &role, "Employee", "EMEA").await;
    let now = Utc::now();

    let (status, scheduled) = post_grant(&base, &ada, &grant(&user, &role, now + days(1), now + days(3))).await;
    assert_eq!(status, 201, "{scheduled}");
    assert_eq!(scheduled["status"], "active", "a future window is scheduled-active");
    assert!(!holds(&base, &ada, &user, &role).await, "no membership before the window");
    let id = scheduled["id"].as_str().unwrap().to_owned();

    clock.advance(Duration::from_secs(2 * 86_400));
    eventually("the window starting", async || holds(&base, &ada, &user, &role).await).await;

    clock.advance(Duration::from_secs(2 * 86_400));
    eventually("the grant expiring", async || {
        get(&base, &ada, &format!("/Grants/{id}")).await.1["status"] == "expired"
    })
    .await;
    assert!(!holds(&base, &ada, &user, &role).await, "expiry removes the membership");

    let filter = url_escape(&format!("action eq \"grant.expire\" and target.value eq \"{id}\""));
    let (_, events) = get(&base, &ada, &format!("/AuditEvents?filter={filter}")).await;
    assert_eq!(events["totalResults"], 1, "expiry is audited: {events}");
    assert_eq!(events["Resources"][0]["actor"], "system");
    assert_eq!(events["Resources"][0]["before"]["status"], "active");
    assert_eq!(events["Resources"][0]["after"]["status"], "expired");
    sandbox.stop().await;
}

#[tokio::test]
async fn grants_and_their_audit_trail_survive_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config =
        bailiwick_sandbox::SandboxConfig { port: 0, data: Some(dir.path().join("iam.sqlite")), synthetic_users: 0 };
    let sandbox = bailiwick_sandbox::Sandbox::start(config.clone()).await.expect("first start");
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let role = role_id(&base, &ada, "Template Designer").await;
    let user = user_without(&base, &ada, &role, "Employee", "EMEA").await;
    let now = Utc::now();
    let (_, issued) = post_grant(&base, &ada, &grant(&user, &role, now, now + days(2))).await;
    let id = issued["id"].as_str().expect("issued").to_owned();
    sandbox.stop().await;

    let sandbox = bailiwick_sandbox::Sandbox::start(config).await.expect("second start");
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let (status, kept) = get(&base, &ada, &format!("/Grants/{id}")).await;
    assert_eq!(status, 200, "the grant is still known: {kept}");
    assert_eq!(kept["status"], "active");
    let filter = url_escape(&format!("target.value eq \"{id}\""));
    let (_, events) = get(&base, &ada, &format!("/AuditEvents?filter={filter}")).await;
    assert_eq!(events["totalResults"], 1, "the issue event is still there");

    sandbox.clock().advance(Duration::from_secs(3 * 86_400));
    eventually("the restored grant expiring", async || !holds(&base, &ada, &user, &role).await).await;
    sandbox.stop().await;
}

/// A grant's ETag guards its changes like any resource's (412 when stale), and the issuer's
/// `externalId` (Bailiwick's idempotency key) is kept and filterable, so a client that lost
/// the answer to its POST can find what it created instead of creating it twice.
#[tokio::test]
async fn grant_writes_honour_if_match_and_keep_the_external_id() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let role = role_id(&base, &ada, "Template Designer").await;
    let user = user_without(&base, &ada, &role, "Employee", "EMEA").await;
    let now = Utc::now();
    let mut body = grant(&user, &role, now, now + days(10));
    body["externalId"] = json!("op-7f3a");
    let (status, created) = post_grant(&base, &ada, &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["externalId"], "op-7f3a");
    let id = created["id"].as_str().expect("id").to_owned();
    let (_, found) = get(&base, &ada, "/Grants?filter=externalId%20eq%20%22op-7f3a%22").await;
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(found["Resources"][0]["id"], id.as_str());

    let stale = created["meta"]["version"].as_str().expect("version").to_owned();
    let extend = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "validUntil", "value": at(now + days(20))}],
    });
    let url = format!("{base}scim/v2/Grants/{id}");
    let (status, extended) =
        send(client().patch(&url).bearer_auth(&ada).header("If-Match", &stale).json(&extend)).await;
    assert_eq!(status, 200, "the current version is accepted: {extended}");
    let (status, refused) = send(client().patch(&url).bearer_auth(&ada).header("If-Match", &stale).json(&extend)).await;
    assert_eq!(status, 412, "a stale version is refused: {refused}");
    let response = client().delete(&url).bearer_auth(&ada).header("If-Match", &stale).send().await.expect("delete");
    assert_eq!(response.status(), 412, "revoking needs the current version too");
    let (_, still) = get(&base, &ada, &format!("/Grants/{id}")).await;
    assert_eq!(still["status"], "active", "the refused revoke changed nothing");
    sandbox.stop().await;
}
