//! The audit trail: every SCIM change recorded with actor, target, before and after;
//! filterable, read-only, and scoped to the reader's business units.

mod common;

use common::*;
use serde_json::{json, Value};
use url::Url;

async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("scim request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn events(base: &Url, token: &str, filter: &str) -> (u16, Value) {
    let filter: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
    send(client().get(format!("{base}scim/v2/AuditEvents?filter={filter}")).bearer_auth(token)).await
}

async fn user_id(base: &Url, token: &str, user_name: &str) -> String {
    let (_, list) =
        send(client().get(format!("{base}scim/v2/Users?filter=userName%20eq%20%22{user_name}%22")).bearer_auth(token))
            .await;
    list["Resources"][0]["id"].as_str().expect("documented seed user").to_owned()
}

async fn set_title(base: &Url, token: &str, id: &str, title: &str) {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": title}],
    });
    let (status, body) = send(client().patch(format!("{base}scim/v2/Users/{id}")).bearer_auth(token).json(&body)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn user_changes_are_recorded_with_before_and_after() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let anna = user_id(&base, &ada, "anna.schmidt").await;
    let started = chrono::Utc::now() - chrono::Duration::seconds(1);
    set_title(&base, &ada, &anna, "Head of Statements").await;

    let (status, list) =
        events(&base, &ada, &format!("action eq \"user.update\" and target.value eq \"{anna}\"")).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["totalResults"], 1);
    let event = &list["Resources"][0];
    assert_eq!(event["schemas"][0], "urn:bailiwick:params:scim:schemas:core:2.0:AuditEvent");
    assert_eq!(event["actor"], "ada.emea");
    assert_eq!(event["target"]["type"], "User");
    assert_eq!(event["target"]["display"], "anna.schmidt");
    assert_eq!(event["target"]["bu"], "EMEA/DE");
    assert_eq!(event["outcome"], "success");
    assert_ne!(event["before"]["title"], "Head of Statements");
    assert_eq!(event["after"]["title"], "Head of Statements");

    let since = started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (_, recent) = events(&base, &ada, &format!("time gt \"{since}\" and actor eq \"ada.emea\"")).await;
    assert_eq!(recent["totalResults"], 1);
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (_, none) = events(&base, &ada, &format!("time gt \"{later}\"")).await;
    assert_eq!(none["totalResults"], 0, "the time filter compares instants");

    let id = event["id"].as_str().unwrap();
    let (status, single) = send(client().get(format!("{base}scim/v2/AuditEvents/{id}")).bearer_auth(&ada)).await;
    assert_eq!(status, 200);
    assert_eq!(single["id"], id);
    let (status, _) = send(client().delete(format!("{base}scim/v2/AuditEvents/{id}")).bearer_auth(&ada)).await;
    assert_eq!(status, 405, "the audit trail is read-only");
    sandbox.stop().await;
}

#[tokio::test]
async fn audit_events_are_scoped_and_need_audit_or_review() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let gina = access_token(&base, "gina.global").await;
    let cora = access_token(&base, "cora.compliance").await;
    let ravi = access_token(&base, "ravi.apac").await;
    let anna = user_id(&base, &gina, "anna.schmidt").await;
    let priya = user_id(&base, &gina, "priya.raman").await;
    set_title(&base, &gina, &anna, "Statement Lead").await;
    set_title(&base, &gina, &priya, "Statement Lead").await;
    // A role change belongs to no BU.
    let (_, roles) = send(client().get(format!("{base}scim/v2/Groups")).bearer_auth(&gina)).await;
    let role = roles["Resources"][0]["id"].as_str().unwrap().to_owned();
    let rename = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Renamed Role"}],
    });
    let (status, _) =
        send(client().patch(format!("{base}scim/v2/Groups/{role}")).bearer_auth(&gina).json(&rename)).await;
    assert_eq!(status, 200);

    let (_, all) = events(&base, &gina, "actor eq \"gina.global\"").await;
    assert_eq!(all["totalResults"], 3, "gina sees her changes in every BU and the role change: {all}");
    let (_, group_events) = events(&base, &gina, "target.type eq \"Group\" and action eq \"group.update\"").await;
    assert_eq!(group_events["Resources"][0]["before"]["displayName"], roles["Resources"][0]["displayName"]);
    assert_eq!(group_events["Resources"][0]["after"]["displayName"], "Renamed Role");

    let (status, cora_view) = events(&base, &cora, "actor eq \"gina.global\"").await;
    assert_eq!(status, 200);
    let targets: Vec<&str> =
        cora_view["Resources"].as_array().unwrap().iter().map(|e| e["target"]["value"].as_str().unwrap()).collect();
    assert!(targets.contains(&anna.as_str()), "cora audits EMEA");
    assert!(targets.contains(&role.as_str()), "cora holds audit, so she sees events without a BU");
    assert!(!targets.contains(&priya.as_str()), "an APAC change is outside cora's scope");
    assert_eq!(cora_view["totalResults"], 2, "totalResults counts only visible events");

    let (status, error) = events(&base, &ravi, "actor eq \"gina.global\"").await;
    assert_eq!(status, 403, "reading the trail needs audit or review: {error}");
    sandbox.stop().await;
}

#[tokio::test]
async fn grant_decisions_are_audited() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let ada = access_token(&base, "ada.emea").await;
    let gina = access_token(&base, "gina.global").await;
    let (_, roles) = send(
        client()
            .get(format!("{base}scim/v2/Groups?filter=displayName%20eq%20%22Exstream%20Administrator%22"))
            .bearer_auth(&ada),
    )
    .await;
    let role = roles["Resources"][0]["id"].as_str().unwrap().to_owned();
    let user = user_id(&base, &ada, "lucas.martin").await;
    let now = chrono::Utc::now();
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let body = json!({
        "user": {"value": user}, "role": {"value": role},
        "validFrom": stamp(now), "validUntil": stamp(now + chrono::Duration::days(3)),
        "justification": "incident INC-4711",
    });
    let (status, grant) = send(client().post(format!("{base}scim/v2/Grants")).bearer_auth(&ada).json(&body)).await;
    assert_eq!(status, 201, "{grant}");
    let id = grant["id"].as_str().unwrap();
    let approve = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "status", "value": "active"}],
    });
    let (status, _) = send(client().patch(format!("{base}scim/v2/Grants/{id}")).bearer_auth(&ada).json(&approve)).await;
    assert_eq!(status, 403, "ada may not approve her own request");
    let (status, _) =
        send(client().patch(format!("{base}scim/v2/Grants/{id}")).bearer_auth(&gina).json(&approve)).await;
    assert_eq!(status, 200);
    let (status, _) = send(client().delete(format!("{base}scim/v2/Grants/{id}")).bearer_auth(&ada)).await;
    assert_eq!(status, 204);

    let (_, trail) = events(&base, &ada, &format!("target.value eq \"{id}\"")).await;
    let actions: Vec<(&str, &str)> = trail["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("grant.issue", "ada.emea"),
            ("grant.approve", "ada.emea"),
            ("grant.approve", "gina.global"),
            ("grant.revoke", "ada.emea")
        ],
        "each decision is one event, the refused one too"
    );
    assert_eq!(trail["Resources"][1]["outcome"], "denied");
    assert!(trail["Resources"][1]["detail"].as_str().unwrap().contains("four eyes"));
    assert_eq!(trail["Resources"][2]["outcome"], "success");
    assert_eq!(trail["Resources"][2]["before"]["status"], "pending");
    assert_eq!(trail["Resources"][2]["after"]["approver"], "gina.global");
    sandbox.stop().await;
}
