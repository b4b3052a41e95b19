//! SCIM Bulk (RFC 7644 §3.7): bulkId references, failOnErrors, and delegation per operation.

mod common;

use common::*;
use serde_json::{json, Value};
use url::Url;

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

async fn post_bulk(base: &Url, token: &str, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{base}scim/v2/Bulk"))
        .bearer_auth(token)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .expect("bulk request")
}

fn new_user(user_name: &str, division: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", DIVISION],
        "userName": user_name,
        DIVISION: {"division": division}
    })
}

async fn user_named(base: &Url, token: &str, user_name: &str) -> Option<Value> {
    let found: Value = scim_get(base, token, &format!("/Users?filter=userName%20eq%20%22{user_name}%22"))
        .await
        .json()
        .await
        .expect("json");
    found["Resources"].as_array().and_then(|r| r.first()).cloned()
}

#[tokio::test]
async fn a_user_created_in_a_bulk_is_added_to_groups_through_its_bulk_id() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let config: Value = scim_get(&base, &ada, "/ServiceProviderConfig").await.json().await.unwrap();
    assert_eq!(config["bulk"]["supported"], true, "Bulk is advertised: {config}");
    assert!(config["bulk"]["maxOperations"].as_u64().is_some_and(|n| n > 0));
    assert!(config["bulk"]["maxPayloadSize"].as_u64().is_some_and(|n| n > 0));

    let groups: Value = scim_get(&base, &ada, "/Groups?count=1").await.json().await.unwrap();
    let existing_group = groups["Resources"][0]["id"].as_str().unwrap().to_owned();
    // The PATCH names the user before the operation that creates it: the server resolves it.
    let request = json!({
        "schemas": [BULK_REQUEST],
        "Operations": [
            {"method": "PATCH", "path": format!("/Groups/{existing_group}"), "data": {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": "bulkId:newcomer"}]}]}},
            {"method": "POST", "path": "/Users", "bulkId": "newcomer", "data": new_user("bulk.newcomer", "EMEA/UK")},
            {"method": "POST", "path": "/Groups", "bulkId": "team", "data": {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Bulk Team", "members": [{"value": "bulkId:newcomer"}]}},
        ]
    });
    let response = post_bulk(&base, &ada, &request).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"]));
    let operations = body["Operations"].as_array().expect("Operations");
    let statuses: Vec<&str> = operations.iter().filter_map(|o| o["status"].as_str()).collect();
    assert_eq!(statuses, ["200", "201", "201"], "every operation succeeded: {body}");
    let created = &operations[1];
    assert_eq!(created["bulkId"], "newcomer");
    assert_eq!(created["version"], "W/\"1\"");
    let user = user_named(&base, &ada, "bulk.newcomer").await.expect("the bulk created the user");
    let user_id = user["id"].as_str().unwrap();
    assert!(created["location"].as_str().is_some_and(|l| l.ends_with(&format!("/Users/{user_id}"))), "{created}");
    let team_location = operations[2]["location"].as_str().expect("the new group's location");
    let team_id = team_location.rsplit('/').next().unwrap();
    let user_groups: Vec<&str> =
        user["groups"].as_array().into_iter().flatten().filter_map(|g| g["value"].as_str()).collect();
    assert!(user_groups.contains(&existing_group.as_str()), "the PATCH used the created id: {user}");
    assert!(user_groups.contains(&team_id), "the new group lists the new user: {user}");
    sandbox.stop().await;
}

#[tokio::test]
async fn fail_on_errors_stops_the_bulk_after_that_many_failures() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let request = json!({
        "schemas": [BULK_REQUEST],
        "failOnErrors": 1,
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "taken", "data": new_user("anna.schmidt", "EMEA/DE")},
            {"method": "POST", "path": "/Users", "bulkId": "later", "data": new_user("bulk.never", "EMEA/DE")},
        ]
    });
    let body: Value = post_bulk(&base, &ada, &request).await.json().await.unwrap();
    let operations = body["Operations"].as_array().expect("Operations");
    assert_eq!(operations.len(), 1, "processing stopped after the first error: {body}");
    assert_eq!(operations[0]["status"], "409");
    assert_eq!(operations[0]["response"]["scimType"], "uniqueness", "the error body is included: {body}");
    assert!(user_named(&base, &ada, "bulk.never").await.is_none(), "the operation after the limit never ran");

    // Without failOnErrors every operation runs, and one that refers to a failed bulkId is 409.
    let request = json!({
        "schemas": [BULK_REQUEST],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "taken", "data": new_user("anna.schmidt", "EMEA/DE")},
            {"method": "DELETE", "path": "/Users/bulkId:taken"},
            {"method": "POST", "path": "/Users", "bulkId": "fine", "data": new_user("bulk.fine", "EMEA/DE")},
        ]
    });
    let body: Value = post_bulk(&base, &ada, &request).await.json().await.unwrap();
    let statuses: Vec<&str> =
        body["Operations"].as_array().unwrap().iter().filter_map(|o| o["status"].as_str()).collect();
    assert_eq!(statuses, ["409", "409", "201"], "{body}");
    sandbox.stop().await;
}

#[tokio::test]
async fn an_out_of_scope_operation_is_refused_403_inside_the_bulk_response() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let ravi = access_token(&base, "ravi.apac").await;
    let priya = user_named(&base, &ravi, "priya.raman").await.expect("priya")["id"].as_str().unwrap().to_owned();
    let request = json!({
        "schemas": [BULK_REQUEST],
        "Operations": [
            {"method": "PATCH", "path": format!("/Users/{priya}"), "data": {
                "Operations": [{"op": "replace", "path": "title", "value": "Boss"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "apac", "data": new_user("bulk.apac", "APAC/IN")},
            {"method": "DELETE", "path": format!("/Users/{priya}")},
            {"method": "POST", "path": "/Users", "bulkId": "emea", "data": new_user("bulk.emea", "EMEA/FR")},
        ]
    });
    let response = post_bulk(&base, &ada, &request).await;
    assert_eq!(response.status(), 200, "a bulk answers 200 and reports each operation");
    let body: Value = response.json().await.unwrap();
    let operations = body["Operations"].as_array().unwrap();
    let statuses: Vec<&str> = operations.iter().filter_map(|o| o["status"].as_str()).collect();
    assert_eq!(statuses, ["403", "403", "403", "201"], "scope is checked per operation: {body}");
    assert_eq!(operations[0]["response"]["status"], "403", "a SCIM error body explains it: {body}");
    let priya_now: Value = scim_get(&base, &ravi, &format!("/Users/{priya}")).await.json().await.unwrap();
    assert!(priya_now["title"] != "Boss", "the refused PATCH changed nothing");
    assert!(user_named(&base, &ravi, "bulk.apac").await.is_none(), "the refused POST created nothing");

    let without_capability = access_token(&base, "paula.partners").await;
    let body: Value = post_bulk(&base, &without_capability, &request).await.json().await.unwrap();
    assert!(
        body["Operations"].as_array().unwrap().iter().all(|o| o["status"] == "403"),
        "capabilities are checked per operation too: {body}"
    );
    sandbox.stop().await;
}

#[tokio::test]
async fn malformed_or_oversized_bulk_requests_are_refused() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let operations: Vec<Value> =
        (0..1001).map(|i| json!({"method": "DELETE", "path": format!("/Users/x{i}")})).collect();
    let response = post_bulk(&base, &ada, &json!({"schemas": [BULK_REQUEST], "Operations": operations})).await;
    assert_eq!(response.status(), 413, "more than maxOperations is refused as a whole");
    let missing_schema = post_bulk(&base, &ada, &json!({"Operations": []})).await;
    assert_eq!(missing_schema.status(), 400);
    let anonymous_post = json!({"schemas": [BULK_REQUEST],
        "Operations": [{"method": "POST", "path": "/Users", "data": new_user("bulk.anonymous", "EMEA/DE")}]});
    let body: Value = post_bulk(&base, &ada, &anonymous_post).await.json().await.unwrap();
    assert_eq!(body["Operations"][0]["status"], "400", "a POST needs a bulkId (RFC 7644 §3.7): {body}");
    sandbox.stop().await;
}
