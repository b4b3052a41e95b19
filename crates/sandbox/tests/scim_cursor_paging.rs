//! RFC 9865 cursor paging on the list endpoints.

mod common;

use std::collections::HashSet;

use common::*;
use serde_json::Value;

async fn page(base: &url::Url, token: &str, path_and_query: &str) -> (u16, Value) {
    let response = scim_get(base, token, path_and_query).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn paging_through_all_users_by_cursor_returns_each_once_and_stops() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let gina = access_token(&base, "gina.global").await;
    let (everyone, _) = all_users(&base, &gina, None).await;
    assert!(everyone > 14, "the demo organisation spans several pages of 7");

    let mut seen = HashSet::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let (status, body) = page(&base, &gina, &format!("/Users?count=7&cursor={cursor}")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["totalResults"].as_u64(), Some(everyone), "the total is the whole result, not a page");
        assert!(body.get("startIndex").is_none(), "a cursor page has no startIndex: {body}");
        let resources = body["Resources"].as_array().cloned().unwrap_or_default();
        assert!(resources.len() <= 7, "count is honoured");
        for user in &resources {
            let id = user["id"].as_str().expect("id").to_owned();
            assert!(seen.insert(id.clone()), "user {id} came back twice");
        }
        if pages > 0 {
            assert!(body["previousCursor"].is_string(), "pages after the first can go back: {body}");
        } else {
            assert!(body.get("previousCursor").is_none(), "the first page has no previous page");
        }
        pages += 1;
        assert!(pages <= everyone, "paging must stop");
        match body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, everyone, "every user the caller may see, each once");

    // Scoped callers page through their own users only.
    let ada = access_token(&base, "ada.emea").await;
    let (emea, _) = all_users(&base, &ada, None).await;
    let (_, body) = page(&base, &ada, "/Users?count=1000&cursor=").await;
    assert_eq!(body["totalResults"].as_u64(), Some(emea));
    assert!(body.get("nextCursor").is_none(), "one page holds them all: no next cursor");
    sandbox.stop().await;
}

#[tokio::test]
async fn a_cursor_that_is_not_ours_or_belongs_to_another_query_is_invalid_cursor() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let gina = access_token(&base, "gina.global").await;
    for bad in ["not-a-cursor", "MTIz", "%2F%2F%2F"] {
        let (status, body) = page(&base, &gina, &format!("/Users?cursor={bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["scimType"], "invalidCursor", "{bad}: {body}");
    }
    let (_, first) = page(&base, &gina, "/Users?count=2&cursor=").await;
    let next = first["nextCursor"].as_str().expect("a next cursor").to_owned();
    let (status, body) = page(&base, &gina, &format!("/Users?count=2&cursor={next}&sortBy=userName")).await;
    assert_eq!((status, body["scimType"].as_str()), (400, Some("invalidCursor")), "a cursor is bound to its query");
    let (status, _) = page(&base, &gina, &format!("/Users?count=2&cursor={next}&startIndex=3")).await;
    assert_eq!(status, 400, "startIndex and cursor together are refused");
    let (status, groups) = page(&base, &gina, "/Groups?count=1&cursor=").await;
    assert_eq!(status, 200);
    assert!(groups["nextCursor"].is_string(), "groups page by cursor too: {groups}");

    let config: Value = scim_get(&base, &gina, "/ServiceProviderConfig").await.json().await.unwrap();
    assert_eq!(config["pagination"]["cursor"], true, "cursor paging is advertised: {config}");
    assert_eq!(config["pagination"]["index"], true);
    assert!(config["pagination"]["maxPageSize"].as_u64().is_some_and(|n| n > 0));
    sandbox.stop().await;
}
