//! State in the SQLite file outlives the process: seed, signing key, codes and tokens.

mod common;

use bailiwick_sandbox::{Sandbox, SandboxConfig};
use common::*;
use serde_json::Value;

fn config(path: &std::path::Path, synthetic_users: usize) -> SandboxConfig {
    SandboxConfig { port: 0, data: Some(path.to_owned()), synthetic_users }
}

#[tokio::test]
async fn tokens_key_and_directory_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo-iam.sqlite");

    let first = Sandbox::start(config(&file, 0)).await.unwrap();
    let base = first.base_url();
    let tokens = login(&base, "ada.emea").await;
    let pending_verifier = verifier();
    let pending_code = code_for(&base, "ravi.apac", &pending_verifier).await;
    let jwks_before: Value = client().get(base.join("jwks").unwrap()).send().await.unwrap().json().await.unwrap();
    let (total_before, users_before) = all_users(&base, tokens["access_token"].as_str().unwrap(), None).await;
    first.stop().await;

    let second = Sandbox::start(config(&file, 0)).await.unwrap();
    let base = second.base_url();
    let jwks_after: Value = client().get(base.join("jwks").unwrap()).send().await.unwrap().json().await.unwrap();
    assert_eq!(jwks_after, jwks_before, "the signing key is kept, so earlier ID tokens still verify");

    let (total_after, users_after) = all_users(&base, tokens["access_token"].as_str().unwrap(), None).await;
    assert_eq!(total_after, total_before, "the access token still works and the seed was not added twice");
    let ids = |users: &[Value]| users.iter().map(|u| u["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&users_after), ids(&users_before), "user ids are stable");

    let refreshed = refresh(&base, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refreshed.status(), 200, "the refresh token survives the restart");
    let exchanged = exchange(&base, &pending_code, &pending_verifier).await;
    assert_eq!(exchanged.status(), 200, "an authorization code issued before the restart can be redeemed");
    second.stop().await;
}

#[tokio::test]
async fn synthetic_users_are_added_once_and_spread_over_the_business_units() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.sqlite");
    let plain = start().await;
    let gina = access_token(&plain.base_url(), "gina.global").await;
    let demo_total: Value = scim_get(&plain.base_url(), &gina, "/Users?count=0").await.json().await.unwrap();
    let demo_total = demo_total["totalResults"].as_u64().unwrap();
    plain.stop().await;

    for _ in 0..2 {
        let sandbox = Sandbox::start(config(&file, 5000)).await.unwrap();
        let base = sandbox.base_url();
        let gina = access_token(&base, "gina.global").await;
        let all: Value = scim_get(&base, &gina, "/Users?count=0").await.json().await.unwrap();
        assert_eq!(all["totalResults"].as_u64().unwrap(), demo_total + 5000, "N synthetic users, added only once");
        let ravi = access_token(&base, "ravi.apac").await;
        let apac: Value = scim_get(&base, &ravi, "/Users?count=0").await.json().await.unwrap();
        assert!(apac["totalResults"].as_u64().unwrap() > 400, "synthetic users land in APAC/IN too");
        sandbox.stop().await;
    }
}
