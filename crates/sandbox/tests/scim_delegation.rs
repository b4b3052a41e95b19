//! The SCIM server scoped by the signed-in admin's business units.

mod common;

use common::*;
use serde_json::Value;

fn covered(scopes: &[&str], division: &str) -> bool {
    scopes.iter().any(|s| division == *s || division.starts_with(&format!("{s}/")))
}

#[tokio::test]
async fn lists_contain_exactly_the_users_of_the_admins_scopes() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let gina = access_token(&base, "gina.global").await;
    let (everyone_total, everyone) = all_users(&base, &gina, None).await;
    assert!(everyone_total >= 200, "the demo organisation has at least 200 users, got {everyone_total}");
    assert_eq!(everyone.len() as u64, everyone_total);

    for (admin, scopes) in
        [("ada.emea", &["EMEA"][..]), ("ravi.apac", &["APAC/IN"][..]), ("paula.partners", &["AMER"][..])]
    {
        let token = access_token(&base, admin).await;
        let (total, users) = all_users(&base, &token, None).await;
        let expected: Vec<&str> =
            everyone.iter().filter(|u| covered(scopes, division(u))).map(|u| u["id"].as_str().unwrap()).collect();
        let got: Vec<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
        assert_eq!(got, expected, "{admin} sees exactly the users of {scopes:?}");
        assert_eq!(total as usize, expected.len(), "totalResults of {admin} counts only visible users");
        assert!(total < everyone_total, "{admin} does not see everyone");
        assert!(users.iter().all(|u| covered(scopes, division(u))));
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn reading_an_out_of_scope_user_is_forbidden() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ravi = access_token(&base, "ravi.apac").await;
    let ada = access_token(&base, "ada.emea").await;
    let anna: Value =
        scim_get(&base, &ada, "/Users?filter=userName%20eq%20%22anna.schmidt%22").await.json().await.unwrap();
    let anna_id = anna["Resources"][0]["id"].as_str().expect("anna.schmidt is a documented EMEA/DE user").to_owned();

    let own = scim_get(&base, &ada, &format!("/Users/{anna_id}")).await;
    assert_eq!(own.status(), 200);
    assert_eq!(own.headers()["content-type"], "application/scim+json");
    let user: Value = own.json().await.unwrap();
    assert_eq!(user["meta"]["resourceType"], "User");
    assert!(user["meta"]["version"].as_str().unwrap().starts_with("W/\""));
    assert!(user["meta"]["location"].as_str().unwrap().ends_with(&anna_id));
    assert!(user["groups"].as_array().is_some_and(|g| !g.is_empty()), "anna's roles are listed");

    let foreign = scim_get(&base, &ravi, &format!("/Users/{anna_id}")).await;
    assert_eq!(foreign.status(), 403, "APAC/IN's admin may not read an EMEA/DE user");
    let error: Value = foreign.json().await.unwrap();
    assert_eq!(error["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    assert_eq!(error["status"], "403");

    let missing = scim_get(&base, &ravi, "/Users/does-not-exist").await;
    assert_eq!(missing.status(), 404);
    sandbox.stop().await;
}

#[tokio::test]
async fn requests_without_a_valid_token_are_401_with_a_challenge() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let none = client().get(base.join("scim/v2/Users").unwrap()).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.headers().get("www-authenticate").unwrap().to_str().unwrap().starts_with("Bearer"));
    assert_eq!(scim_get(&base, "forged-token", "/Users").await.status(), 401);
    sandbox.stop().await;
}

#[tokio::test]
async fn paging_is_one_based_and_count_is_capped() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let token = access_token(&base, "gina.global").await;
    let (_, all) = all_users(&base, &token, None).await;
    let page: Value = scim_get(&base, &token, "/Users?startIndex=11&count=5").await.json().await.unwrap();
    assert_eq!(page["startIndex"], 11);
    assert_eq!(page["itemsPerPage"], 5);
    let ids: Vec<&Value> = page["Resources"].as_array().unwrap().iter().map(|u| &u["id"]).collect();
    let expected: Vec<&Value> = all[10..15].iter().map(|u| &u["id"]).collect();
    assert_eq!(ids, expected, "startIndex 11 is the eleventh user");

    let zero: Value = scim_get(&base, &token, "/Users?count=0").await.json().await.unwrap();
    assert_eq!(zero["totalResults"].as_u64().unwrap(), all.len() as u64);
    assert!(zero["Resources"].as_array().is_none_or(|r| r.is_empty()), "count=0 returns only the total");

    let capped: Value = scim_get(&base, &token, "/Users?count=5000").await.json().await.unwrap();
    assert!(capped["Resources"].as_array().unwrap().len() <= 1000, "count is capped at 1000");
    sandbox.stop().await;
}

#[tokio::test]
async fn filters_on_division_and_user_name_stay_within_scope() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let div = format!("{DIVISION}:division");

    let (total, de) = all_users(&base, &ada, Some(&format!("{div} eq \"EMEA/DE\""))).await;
    assert!(total > 10, "EMEA/DE has users");
    assert!(de.iter().all(|u| division(u) == "EMEA/DE"));

    let (outside, _) = all_users(&base, &ada, Some(&format!("{div} eq \"APAC/IN\""))).await;
    assert_eq!(outside, 0, "a filter cannot reach users outside the admin's scopes");

    let (one, users) = all_users(&base, &ada, Some("userName eq \"ANNA.SCHMIDT\"")).await;
    assert_eq!(one, 1, "userName matching ignores case");
    assert_eq!(users[0]["userName"], "anna.schmidt");

    let ravi = access_token(&base, "ravi.apac").await;
    let (priya, _) = all_users(&base, &ravi, Some("userName eq \"priya.raman\"")).await;
    assert_eq!(priya, 1, "priya.raman is a documented APAC/IN user");
    let (anna, _) = all_users(&base, &ravi, Some("userName eq \"anna.schmidt\"")).await;
    assert_eq!(anna, 0);

    let (partners, p) = all_users(&base, &ada, Some("userType eq \"Partner\" and emails[type eq \"work\"]")).await;
    assert!(partners > 0 && p.iter().all(|u| u["userType"] == "Partner"));

    let bad = scim_get(&base, &ada, "/Users?filter=userName%20eq").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["scimType"], "invalidFilter");
    sandbox.stop().await;
}

#[tokio::test]
async fn groups_list_only_in_scope_members() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ravi = access_token(&base, "ravi.apac").await;
    let gina = access_token(&base, "gina.global").await;
    let filter = "/Groups?filter=displayName%20eq%20%22Exstream%20Content%20Author%22";
    let mine: Value = scim_get(&base, &ravi, filter).await.json().await.unwrap();
    let all: Value = scim_get(&base, &gina, filter).await.json().await.unwrap();
    let mine = mine["Resources"][0]["members"].as_array().cloned().unwrap_or_default();
    let all = all["Resources"][0]["members"].as_array().cloned().unwrap_or_default();
    assert!(
        !mine.is_empty() && mine.len() < all.len(),
        "ravi sees some, not all, authors ({} of {})",
        mine.len(),
        all.len()
    );
    for member in &mine {
        let user = scim_get(&base, &ravi, &format!("/Users/{}", member["value"].as_str().unwrap())).await;
        assert_eq!(user.status(), 200, "every listed member is readable, i.e. in scope");
    }
    let groups: Value = scim_get(&base, &ravi, "/Groups").await.json().await.unwrap();
    assert_eq!(groups["totalResults"], 6, "the six Exstream roles");
    sandbox.stop().await;
}

#[tokio::test]
async fn me_and_discovery_endpoints_answer() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let paula = access_token(&base, "paula.partners").await;
    let me: Value = scim_get(&base, &paula, "/Me").await.json().await.unwrap();
    assert_eq!(me["userName"], "paula.partners");
    let spc: Value = scim_get(&base, &paula, "/ServiceProviderConfig").await.json().await.unwrap();
    assert_eq!(spc["filter"]["supported"], true);
    assert_eq!(spc["filter"]["maxResults"], 1000);
    let types: Value = scim_get(&base, &paula, "/ResourceTypes").await.json().await.unwrap();
    assert_eq!(types["totalResults"], 4, "User, Group, Grant, AuditEvent");
    let names: Vec<&str> = types["Resources"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["User", "Group", "Grant", "AuditEvent"]);
    let schemas: Value = scim_get(&base, &paula, "/Schemas").await.json().await.unwrap();
    assert_eq!(schemas["totalResults"], 5);
    let grant: Value = scim_get(&base, &paula, "/Schemas/urn:bailiwick:params:scim:schemas:core:2.0:Grant")
        .await
        .json()
        .await
        .unwrap();
    assert!(grant["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "validUntil" && a["type"] == "dateTime"));
    sandbox.stop().await;
}
