//! ID-token signing keys: ES256 and RS256 in the JWKS, rotation while running, and
//! verification the way a relying party does it — from the JWKS alone, by `kid`.

mod common;

use bailiwick_sandbox::SigningAlgorithm;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

async fn fetch_jwks(base: &url::Url) -> Vec<Value> {
    let jwks: Value = client().get(base.join("jwks").unwrap()).send().await.unwrap().json().await.unwrap();
    jwks["keys"].as_array().expect("a JWKS has a keys array").clone()
}

fn part(jwt: &str, index: usize) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(jwt.split('.').nth(index).expect("three parts")).expect("base64url")
}

/// Verifies `jwt` against the published key its header names, as a relying party would.
fn verifies_against(jwks: &[Value], jwt: &str) -> bool {
    let header: Value = serde_json::from_slice(&part(jwt, 0)).expect("header json");
    let Some(jwk) = jwks.iter().find(|k| k["kid"] == header["kid"]) else { return false };
    if jwk["alg"] != header["alg"] {
        return false;
    }
    let input = jwt.rsplit_once('.').expect("a signature part").0.as_bytes();
    let signature = part(jwt, 2);
    let field = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().expect("a string member")).expect("base64url");
    match jwk["alg"].as_str() {
        Some("ES256") => {
            use p256::ecdsa::signature::Verifier;
            let mut point = vec![4u8];
            point.extend(field("x"));
            point.extend(field("y"));
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).expect("a P-256 point");
            let signature = p256::ecdsa::Signature::from_slice(&signature).expect("r||s");
            key.verify(input, &signature).is_ok()
        }
        Some("RS256") => {
            let n = rsa::BigUint::from_bytes_be(&field("n"));
            let e = rsa::BigUint::from_bytes_be(&field("e"));
            let key = rsa::RsaPublicKey::new(n, e).expect("an RSA public key");
            key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(input), &signature).is_ok()
        }
        _ => false,
    }
}

fn kid(jwt: &str) -> Value {
    serde_json::from_slice::<Value>(&part(jwt, 0)).expect("header json")["kid"].clone()
}

#[tokio::test]
async fn jwks_publishes_an_es256_and_an_rs256_key_each_with_its_own_kid() {
    let sandbox = start().await;
    let keys = fetch_jwks(&sandbox.base_url()).await;
    let by_alg = |alg: &str| keys.iter().find(|k| k["alg"] == alg).cloned().unwrap_or(Value::Null);
    let (es, rs) = (by_alg("ES256"), by_alg("RS256"));
    assert_eq!((es["kty"].as_str(), es["crv"].as_str()), (Some("EC"), Some("P-256")), "an ES256 key: {keys:?}");
    assert_eq!(rs["kty"], "RSA", "an RS256 key is published beside it: {keys:?}");
    assert!(URL_SAFE_NO_PAD.decode(rs["n"].as_str().unwrap_or_default()).unwrap_or_default().len() >= 256);
    assert!(es["kid"].as_str().is_some_and(|k| !k.is_empty()) && rs["kid"].as_str().is_some_and(|k| !k.is_empty()));
    assert_ne!(es["kid"], rs["kid"], "each key has its own kid");
    for key in &keys {
        assert!(key.get("d").is_none() && key.get("p").is_none(), "no private part is ever published: {key}");
    }
    let tokens = login(&sandbox.base_url(), "ada.emea").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(kid(id_token), es["kid"], "ID tokens are signed with the ES256 key by default");
    assert!(verifies_against(&keys, id_token));
    sandbox.stop().await;
}

#[tokio::test]
async fn a_token_signed_before_rotation_verifies_after_it_and_new_tokens_carry_the_new_kid() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let before = login(&base, "ada.emea").await["id_token"].as_str().unwrap().to_owned();

    sandbox.rotate_keys().await.expect("rotation");

    let keys = fetch_jwks(&base).await;
    assert_eq!(keys.len(), 4, "the new ES256 and RS256 keys and the two they replaced: {keys:?}");
    assert!(verifies_against(&keys, &before), "a token issued before the rotation still verifies");
    let after = login(&base, "ada.emea").await["id_token"].as_str().unwrap().to_owned();
    assert_ne!(kid(&after), kid(&before), "new tokens carry the new kid");
    assert!(verifies_against(&keys, &after));
    assert_eq!(keys[0]["kid"], kid(&after), "the current key leads the JWKS");

    // RP-initiated logout still accepts the pre-rotation ID token as a hint and ends its session.
    let response =
        client().get(base.join("logout").unwrap()).query(&[("id_token_hint", before.as_str())]).send().await.unwrap();
    assert!(response.status().is_success() || response.status().is_redirection(), "{}", response.status());

    sandbox.rotate_keys().await.expect("second rotation");
    let keys = fetch_jwks(&base).await;
    assert!(!verifies_against(&keys, &before), "a key two rotations old is no longer published");
    assert!(verifies_against(&keys, &after), "the previous generation still is");
    sandbox.stop().await;
}

#[tokio::test]
async fn id_tokens_can_be_signed_with_rs256_and_discovery_says_so() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    sandbox.set_id_token_algorithm(SigningAlgorithm::Rs256);
    let discovery: Value = client()
        .get(base.join(".well-known/openid-configuration").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["id_token_signing_alg_values_supported"], serde_json::json!(["RS256"]));
    let id_token = login(&base, "ada.emea").await["id_token"].as_str().unwrap().to_owned();
    let header: Value = serde_json::from_slice(&part(&id_token, 0)).unwrap();
    assert_eq!(header["alg"], "RS256");
    assert!(verifies_against(&fetch_jwks(&base).await, &id_token), "the RS256 token verifies with the JWKS modulus");
    sandbox.stop().await;
}
