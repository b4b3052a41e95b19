//! SCIM writes: POST/PUT/PATCH/DELETE with delegation, uniqueness and ETags enforced.

mod common;

use common::*;
use serde_json::{json, Value};
use url::Url;

const SCIM_JSON: &str = "application/scim+json";

async fn send(
    base: &Url,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = client().request(method, format!("{base}scim/v2{path}")).bearer_auth(token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.header("content-type", SCIM_JSON).body(body.to_string());
    }
    request.send().await.expect("scim request")
}

fn new_user(user_name: &str, division: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", DIVISION],
        "userName": user_name,
        "displayName": "Test Person",
        "emails": [{"value": format!("{user_name}@work.example"), "type": "work", "primary": true}],
        DIVISION: {"division": division}
    })
}

async fn user_id(base: &Url, token: &str, user_name: &str) -> String {
    let found: Value = scim_get(base, token, &format!("/Users?filter=userName%20eq%20%22{user_name}%22"))
        .await
        .json()
        .await
        .expect("json");
    found["Resources"][0]["id"].as_str().expect("the documented user exists").to_owned()
}

async fn first_group(base: &Url, token: &str) -> Value {
    let groups: Value = scim_get(base, token, "/Groups?count=1").await.json().await.expect("json");
    groups["Resources"][0].clone()
}

fn member_ids(group: &Value) -> Vec<String> {
    group["members"].as_array().into_iter().flatten().filter_map(|m| m["value"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn a_user_is_created_changed_and_deleted_with_versions_and_etags() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;

    let created = send(&base, &ada, reqwest::Method::POST, "/Users", Some(new_user("test.one", "EMEA/DE")), &[]).await;
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["etag"], "W/\"1\"");
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let user: Value = created.json().await.unwrap();
    let id = user["id"].as_str().unwrap().to_owned();
    assert!(location.ends_with(&format!("/scim/v2/Users/{id}")));
    assert_eq!(user["meta"]["version"], "W/\"1\"");

    let duplicate =
        send(&base, &ada, reqwest::Method::POST, "/Users", Some(new_user("TEST.ONE", "EMEA/FR")), &[]).await;
    assert_eq!(duplicate.status(), 409);
    assert_eq!(duplicate.json::<Value>().await.unwrap()["scimType"], "uniqueness");

    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@work.example"},
            {"op": "replace", "path": format!("{DIVISION}:department"), "value": "Claims"}
        ]
    });
    let patched = send(&base, &ada, reqwest::Method::PATCH, &format!("/Users/{id}"), Some(patch), &[]).await;
    assert_eq!(patched.status(), 200);
    assert_eq!(patched.headers()["etag"], "W/\"2\"");
    let user: Value = patched.json().await.unwrap();
    assert_eq!(user["emails"][0]["value"], "new@work.example");
    assert_eq!(user[DIVISION]["department"], "Claims");

    let stale = send(
        &base,
        &ada,
        reqwest::Method::PUT,
        &format!("/Users/{id}"),
        Some(new_user("test.one", "EMEA/DE")),
        &[("if-match", "W/\"1\"")],
    )
    .await;
    assert_eq!(stale.status(), 412, "a stale If-Match is refused");
    assert!(stale.json::<Value>().await.unwrap()["detail"].as_str().is_some_and(|d| d.contains("W/\"2\"")));

    let unchanged = client()
        .get(format!("{base}scim/v2/Users/{id}"))
        .bearer_auth(&ada)
        .header("if-none-match", "W/\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), 304);

    let put = send(
        &base,
        &ada,
        reqwest::Method::PUT,
        &format!("/Users/{id}"),
        Some(new_user("test.renamed", "EMEA/FR")),
        &[("if-match", "W/\"2\"")],
    )
    .await;
    assert_eq!(put.status(), 200);
    let user: Value = put.json().await.unwrap();
    assert_eq!(user["userName"], "test.renamed");
    assert_eq!(user["meta"]["version"], "W/\"3\"");
    // The new name is taken (in any case), the old one is free again.
    let taken =
        send(&base, &ada, reqwest::Method::POST, "/Users", Some(new_user("Test.Renamed", "EMEA/FR")), &[]).await;
    assert_eq!(taken.status(), 409, "the renamed user holds its new name");
    let reused = send(&base, &ada, reqwest::Method::POST, "/Users", Some(new_user("test.one", "EMEA/FR")), &[]).await;
    assert_eq!(reused.status(), 201, "the old name was given up by the rename");
    let reused_id = reused.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    send(&base, &ada, reqwest::Method::DELETE, &format!("/Users/{reused_id}"), None, &[]).await;

    let deleted = send(&base, &ada, reqwest::Method::DELETE, &format!("/Users/{id}"), None, &[]).await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(scim_get(&base, &ada, &format!("/Users/{id}")).await.status(), 404);
    let after_delete =
        send(&base, &ada, reqwest::Method::POST, "/Users", Some(new_user("test.renamed", "EMEA/FR")), &[]).await;
    assert_eq!(after_delete.status(), 201, "a deleted user's name is free");
    sandbox.stop().await;
}

#[tokio::test]
async fn writes_outside_the_callers_scopes_or_capabilities_are_forbidden() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ravi = access_token(&base, "ravi.apac").await;
    let cora = access_token(&base, "cora.compliance").await;
    let ada = access_token(&base, "ada.emea").await;

    let foreign = send(&base, &ravi, reqwest::Method::POST, "/Users", Some(new_user("x.one", "EMEA/DE")), &[]).await;
    assert_eq!(foreign.status(), 403, "APAC/IN's admin may not create an EMEA user");
    let error: Value = foreign.json().await.unwrap();
    assert!(error["detail"].as_str().is_some_and(|d| d.contains("APAC/IN")), "the detail names the scopes: {error}");

    let read_only = send(&base, &cora, reqwest::Method::POST, "/Users", Some(new_user("x.two", "EMEA/DE")), &[]).await;
    assert_eq!(read_only.status(), 403, "without manage-users nobody creates users");

    let priya = user_id(&base, &ravi, "priya.raman").await;
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Boss"}]});
    let out_of_scope = send(&base, &ada, reqwest::Method::PATCH, &format!("/Users/{priya}"), Some(patch), &[]).await;
    assert_eq!(out_of_scope.status(), 403);
    let delete = send(&base, &ada, reqwest::Method::DELETE, &format!("/Users/{priya}"), None, &[]).await;
    assert_eq!(delete.status(), 403);

    let anna = user_id(&base, &ada, "anna.schmidt").await;
    let moved = json!({"Operations": [{"op": "replace", "path": format!("{DIVISION}:division"), "value": "APAC/IN"}]});
    let moving_out = send(&base, &ada, reqwest::Method::PATCH, &format!("/Users/{anna}"), Some(moved), &[]).await;
    assert_eq!(moving_out.status(), 403, "a user may not be moved out of the caller's scopes");
    sandbox.stop().await;
}

#[tokio::test]
async fn membership_changes_are_scoped_and_user_groups_follow() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let gina = access_token(&base, "gina.global").await;
    let paula = access_token(&base, "paula.partners").await;

    let created =
        send(&base, &ada, reqwest::Method::POST, "/Users", Some(new_user("member.one", "EMEA/UK")), &[]).await;
    let member: Value = created.json().await.unwrap();
    let member_id = member["id"].as_str().unwrap().to_owned();
    let group = first_group(&base, &gina).await;
    let group_id = group["id"].as_str().unwrap().to_owned();
    let everyone_before = member_ids(&group);
    let add = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": member_id}]}]});

    let no_capability =
        send(&base, &paula, reqwest::Method::PATCH, &format!("/Groups/{group_id}"), Some(add.clone()), &[]).await;
    assert_eq!(no_capability.status(), 403, "without manage-roles nobody changes memberships");

    let added = send(&base, &ada, reqwest::Method::PATCH, &format!("/Groups/{group_id}"), Some(add), &[]).await;
    assert_eq!(added.status(), 200);
    let user: Value = scim_get(&base, &ada, &format!("/Users/{member_id}")).await.json().await.unwrap();
    assert!(user["groups"].as_array().is_some_and(|g| g.iter().any(|x| x["value"] == group_id.as_str())));

    // Ada replaces the member list with only her new user: members she cannot see must stay.
    let put = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": group["displayName"], "members": [{"value": member_id}]});
    assert_eq!(
        send(&base, &ada, reqwest::Method::PUT, &format!("/Groups/{group_id}"), Some(put), &[]).await.status(),
        200
    );
    let after: Value = scim_get(&base, &gina, &format!("/Groups/{group_id}")).await.json().await.unwrap();
    let everyone_after = member_ids(&after);
    let ravi = access_token(&base, "ravi.apac").await;
    let (_, apac_users) = all_users(&base, &ravi, None).await;
    for apac in apac_users.iter().filter_map(|u| u["id"].as_str()) {
        assert_eq!(
            everyone_before.iter().any(|m| m == apac),
            everyone_after.iter().any(|m| m == apac),
            "out-of-scope member {apac} is untouched"
        );
    }

    let priya = user_id(&base, &ravi, "priya.raman").await;
    let foreign = json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": priya}]}]});
    let refused = send(&base, &ada, reqwest::Method::PATCH, &format!("/Groups/{group_id}"), Some(foreign), &[]).await;
    assert_eq!(refused.status(), 403, "ada may not assign a role to an APAC user");

    let removed = json!({"Operations": [{"op": "remove", "path": format!("members[value eq \"{member_id}\"]")}]});
    assert_eq!(
        send(&base, &ada, reqwest::Method::PATCH, &format!("/Groups/{group_id}"), Some(removed), &[]).await.status(),
        200
    );
    let user: Value = scim_get(&base, &ada, &format!("/Users/{member_id}")).await.json().await.unwrap();
    assert!(user.get("groups").is_none(), "the user left its only group: {user}");

    let add = json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": member_id}]}]});
    send(&base, &ada, reqwest::Method::PATCH, &format!("/Groups/{group_id}"), Some(add), &[]).await;
    assert_eq!(
        send(&base, &ada, reqwest::Method::DELETE, &format!("/Users/{member_id}"), None, &[]).await.status(),
        204
    );
    let after: Value = scim_get(&base, &gina, &format!("/Groups/{group_id}")).await.json().await.unwrap();
    assert!(!member_ids(&after).contains(&member_id), "deleting a user removes it from its groups");
    sandbox.stop().await;
}

#[tokio::test]
async fn a_groups_external_id_is_kept_through_member_changes_and_cleared_by_a_put_without_it() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let gina = access_token(&base, "gina.global").await;
    let create = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Partner Liaison", "externalId": "otds-role-4711"});
    let created = send(&base, &gina, reqwest::Method::POST, "/Groups", Some(create), &[]).await;
    assert_eq!(created.status(), 201);
    let group: Value = created.json().await.unwrap();
    assert_eq!(group["externalId"], "otds-role-4711");
    let id = group["id"].as_str().unwrap().to_owned();

    let member = user_id(&base, &gina, "anna.schmidt").await;
    let add = json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": member}]}]});
    let added: Value = send(&base, &gina, reqwest::Method::PATCH, &format!("/Groups/{id}"), Some(add), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(added["externalId"], "otds-role-4711", "a member change keeps the externalId: {added}");
    assert_eq!(member_ids(&added), vec![member.clone()]);
    assert!(added["members"][0].get("display").is_none(), "RFC 7643 §8.7.1 members have no display");
    let filtered: Value =
        scim_get(&base, &gina, "/Groups?filter=externalId%20eq%20%22otds-role-4711%22").await.json().await.unwrap();
    assert_eq!(filtered["totalResults"], 1, "externalId is filterable: {filtered}");

    let replace = json!({"Operations": [{"op": "replace", "path": "externalId", "value": "otds-role-4712"}]});
    let replaced: Value = send(&base, &gina, reqwest::Method::PATCH, &format!("/Groups/{id}"), Some(replace), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(replaced["externalId"], "otds-role-4712");

    let put = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Partner Liaison",
        "members": [{"value": member}]});
    let put: Value =
        send(&base, &gina, reqwest::Method::PUT, &format!("/Groups/{id}"), Some(put), &[]).await.json().await.unwrap();
    assert!(put.get("externalId").is_none(), "a PUT replaces the whole group: {put}");
    sandbox.stop().await;
}

#[tokio::test]
async fn a_user_without_a_division_is_refused_as_invalid_and_not_created() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let gina = access_token(&base, "gina.global").await;
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "no.division"});
    let refused = send(&base, &gina, reqwest::Method::POST, "/Users", Some(body), &[]).await;
    assert_eq!(refused.status(), 400);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["scimType"], "invalidValue");
    assert!(error["detail"].as_str().is_some_and(|d| d.contains("division is required")), "{error}");
    let (total, _) = all_users(&base, &gina, Some("userName eq \"no.division\"")).await;
    assert_eq!(total, 0);
    sandbox.stop().await;
}
