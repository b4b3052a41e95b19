//! Sorting, attribute selection and `POST /.search`.

mod common;

use common::*;
use serde_json::{json, Value};

fn user_names(page: &Value) -> Vec<String> {
    page["Resources"]
        .as_array()
        .expect("Resources")
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_lowercase())
        .collect()
}

#[tokio::test]
async fn sort_by_orders_the_whole_result_before_paging() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let (total, everyone) = all_users(&base, &ada, None).await;
    let mut expected: Vec<String> = everyone.iter().map(|u| u["userName"].as_str().unwrap().to_lowercase()).collect();
    expected.sort();

    let ascending: Value = scim_get(&base, &ada, "/Users?sortBy=userName&count=1000").await.json().await.expect("json");
    assert_eq!(ascending["totalResults"].as_u64(), Some(total));
    assert_eq!(user_names(&ascending), expected);

    let second_page: Value = scim_get(&base, &ada, "/Users?sortBy=userName&sortOrder=descending&startIndex=3&count=5")
        .await
        .json()
        .await
        .unwrap();
    let mut descending = expected.clone();
    descending.reverse();
    assert_eq!(user_names(&second_page), descending[2..7].to_vec());

    let bad = scim_get(&base, &ada, "/Users?sortBy=userName&sortOrder=sideways").await;
    assert_eq!(bad.status(), 400);
    sandbox.stop().await;
}

#[tokio::test]
async fn attributes_and_excluded_attributes_shape_the_resources() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let only: Value = scim_get(&base, &ada, &format!("/Users?count=3&attributes=userName,{DIVISION}:division"))
        .await
        .json()
        .await
        .unwrap();
    for user in only["Resources"].as_array().unwrap() {
        let mut keys: Vec<&str> = user.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, vec!["id", "schemas", DIVISION, "userName"], "{user}");
        assert_eq!(user[DIVISION].as_object().unwrap().len(), 1);
    }
    let without: Value =
        scim_get(&base, &ada, "/Users?count=3&excludedAttributes=emails,groups").await.json().await.unwrap();
    for user in without["Resources"].as_array().unwrap() {
        assert!(user.get("emails").is_none() && user.get("groups").is_none());
        assert!(user.get("userName").is_some());
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn search_posts_the_same_query_and_stays_scoped() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ravi = access_token(&base, "ravi.apac").await;
    let (_, scoped) = all_users(&base, &ravi, Some("userType eq \"Employee\"")).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userType eq \"Employee\"",
        "attributes": ["userName"],
        "sortBy": "userName",
        "count": 1000
    });
    let response = client()
        .post(format!("{base}scim/v2/Users/.search"))
        .bearer_auth(&ravi)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.unwrap();
    let mut expected: Vec<String> = scoped.iter().map(|u| u["userName"].as_str().unwrap().to_lowercase()).collect();
    expected.sort();
    assert_eq!(user_names(&page), expected, "the search sees exactly ravi's APAC/IN employees, sorted");
    assert!(page["Resources"][0].get("emails").is_none());

    let groups = client()
        .post(format!("{base}scim/v2/Groups/.search"))
        .bearer_auth(&ravi)
        .header("content-type", "application/scim+json")
        .body(json!({"sortBy": "displayName", "sortOrder": "descending", "count": 2}).to_string())
        .send()
        .await
        .unwrap();
    let page: Value = groups.json().await.unwrap();
    let names: Vec<&str> =
        page["Resources"].as_array().unwrap().iter().map(|g| g["displayName"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2);
    assert!(names[0].to_lowercase() >= names[1].to_lowercase());
    sandbox.stop().await;
}

/// Pages of one query come from the matches its first page found; a write in between must be
/// seen by the next page, not hidden behind those remembered matches.
#[tokio::test]
async fn a_write_between_two_pages_of_one_query_is_seen_by_the_next_page() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let query = "/Users?filter=userName%20sw%20%22zz%22&sortBy=userName&count=1";
    let before: Value = scim_get(&base, &ada, query).await.json().await.unwrap();
    assert_eq!(before["totalResults"], 0);

    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", DIVISION],
        "userName": "zz.newcomer",
        DIVISION: {"division": "EMEA/DE"}
    });
    let created = client()
        .post(format!("{base}scim/v2/Users"))
        .bearer_auth(&ada)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let after: Value = scim_get(&base, &ada, query).await.json().await.unwrap();
    assert_eq!(after["totalResults"], 1, "{after}");
    assert_eq!(user_names(&after), vec!["zz.newcomer".to_owned()]);

    let id = after["Resources"][0]["id"].as_str().unwrap().to_owned();
    let deleted = client().delete(format!("{base}scim/v2/Users/{id}")).bearer_auth(&ada).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let gone: Value = scim_get(&base, &ada, query).await.json().await.unwrap();
    assert_eq!(gone["totalResults"], 0, "{gone}");
    sandbox.stop().await;
}
