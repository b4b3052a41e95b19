//! The OpenID Provider driven by hand: code + PKCE, refusals, refresh rotation, revocation.

mod common;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn code_flow_with_pkce_issues_tokens_with_the_admin_context() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let issuer = sandbox.issuer();

    let discovery: Value = client()
        .get(base.join(".well-known/openid-configuration").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], issuer.as_str());
    assert_eq!(discovery["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    assert_eq!(discovery["authorization_response_iss_parameter_supported"], true);

    let verifier = verifier();
    let response = sign_in(&base, &AuthRequest::new(&verifier), "ada.emea", "demo").await;
    assert_eq!(response.status(), 303);
    let location = location(&response);
    assert!(location.as_str().starts_with(REDIRECT), "redirects to the client's loopback callback: {location}");
    assert_eq!(query_param(&location, "state").as_deref(), Some("state-123"), "state comes back unchanged");
    assert_eq!(query_param(&location, "iss").as_deref(), Some(issuer.as_str()), "RFC 9207 iss parameter");
    let code = query_param(&location, "code").expect("code");

    let tokens: Value = exchange(&base, &code, &verifier).await.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["refresh_token"].is_string(), "offline_access yields a refresh token");
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["aud"], "bailiwick-desktop");
    assert_eq!(claims["nonce"], "nonce-456", "the nonce of the authorization request is in the ID token");
    assert_eq!(claims["preferred_username"], "ada.emea");
    assert_eq!(claims["bu_scopes"], serde_json::json!(["EMEA"]));
    assert!(claims["capabilities"].as_array().unwrap().iter().any(|c| c == "approve-grants"));
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());

    let header: Value = {
        use base64::Engine;
        let raw = tokens["id_token"].as_str().unwrap().split('.').next().unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw).unwrap()).unwrap()
    };
    let jwks: Value = client().get(base.join("jwks").unwrap()).send().await.unwrap().json().await.unwrap();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(jwks["keys"][0]["kid"], header["kid"], "the ID token names the published key");

    let userinfo: Value = client()
        .get(base.join("userinfo").unwrap())
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["sub"], claims["sub"]);
    assert_eq!(userinfo["bu_scopes"], claims["bu_scopes"]);
    sandbox.stop().await;
}

#[tokio::test]
async fn sign_in_page_lists_the_demo_admins_and_their_password() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let html = client().get(AuthRequest::new(&verifier()).url(&base)).send().await.unwrap().text().await.unwrap();
    for admin in ["ada.emea", "ravi.apac", "paula.partners", "cora.compliance", "gina.global"] {
        assert!(html.contains(admin), "the page lists {admin}");
    }
    assert!(html.contains("name=\"username\"") && html.contains("name=\"password\""));
    assert!(html.contains("<code>demo</code>"), "the demo password is shown");
    sandbox.stop().await;
}

#[tokio::test]
async fn wrong_password_shows_the_form_again_without_a_code() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    for (user, password) in [("ada.emea", "wrong"), ("nobody", "demo"), ("anna.schmidt", "demo")] {
        let response = sign_in(&base, &AuthRequest::new(&verifier()), user, password).await;
        assert_eq!(response.status(), 401, "{user}/{password} must be refused");
        assert!(response.headers().get("location").is_none(), "no redirect, so no code");
        assert!(response.text().await.unwrap().contains("wrong password"));
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn authorize_refuses_requests_without_s256_pkce() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let v = verifier();
    let mut missing = AuthRequest::new(&v);
    missing.code_challenge = None;
    missing.code_challenge_method = None;
    let mut plain = AuthRequest::new(&v);
    plain.code_challenge = Some(v.clone());
    plain.code_challenge_method = Some("plain".into());
    let mut no_method = AuthRequest::new(&v);
    no_method.code_challenge_method = None;
    let mut token_flow = AuthRequest::new(&v);
    token_flow.response_type = "token".into();
    for (request, error) in [
        (missing, "invalid_request"),
        (plain, "invalid_request"),
        (no_method, "invalid_request"),
        (token_flow, "unsupported_response_type"),
    ] {
        let response = client().get(request.url(&base)).send().await.unwrap();
        assert_eq!(response.status(), 303, "the error goes back to the (valid) redirect URI");
        let location = location(&response);
        assert_eq!(query_param(&location, "error").as_deref(), Some(error));
        assert_eq!(query_param(&location, "state").as_deref(), Some("state-123"));
        assert!(query_param(&location, "code").is_none());
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn authorize_refuses_unknown_clients_and_foreign_redirects_without_redirecting() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let v = verifier();
    let mut unknown_client = AuthRequest::new(&v);
    unknown_client.client_id = "someone-else".into();
    let mut localhost = AuthRequest::new(&v);
    localhost.redirect_uri = "http://localhost:53682/callback".into();
    let mut evil = AuthRequest::new(&v);
    evil.redirect_uri = "https://evil.example/callback".into();
    let mut query = AuthRequest::new(&v);
    query.redirect_uri = "http://127.0.0.1:53682/callback?next=x".into();
    for request in [unknown_client, localhost, evil, query] {
        let response = client().get(request.url(&base)).send().await.unwrap();
        assert_eq!(response.status(), 400, "{} / {}", request.client_id, request.redirect_uri);
        assert!(response.headers().get("location").is_none(), "never redirect to an unverified URI");
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn any_loopback_port_is_accepted() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let v = verifier();
    let mut request = AuthRequest::new(&v);
    request.redirect_uri = "http://127.0.0.1:1234/callback".into();
    let response = sign_in(&base, &request, "ravi.apac", "demo").await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).as_str().starts_with("http://127.0.0.1:1234/callback?"));
    sandbox.stop().await;
}

#[tokio::test]
async fn token_endpoint_refuses_wrong_or_missing_verifier_and_code_reuse() {
    let sandbox = start().await;
    let base = sandbox.base_url();

    let v = verifier();
    let code = code_for(&base, "ada.emea", &v).await;
    let wrong = exchange(&base, &code, &verifier()).await;
    assert_eq!(wrong.status(), 400);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "a wrong verifier is invalid_grant");
    let retry = exchange(&base, &code, &v).await;
    assert_eq!(retry.status(), 400, "a code is single-use even after a failed attempt");

    let v = verifier();
    let code = code_for(&base, "ada.emea", &v).await;
    let missing = client()
        .post(base.join("token").unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", "bailiwick-desktop"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    assert_eq!(missing.json::<Value>().await.unwrap()["error"], "invalid_request");

    let v = verifier();
    let code = code_for(&base, "ada.emea", &v).await;
    let other_redirect = client()
        .post(base.join("token").unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("code_verifier", v.as_str()),
            ("client_id", "bailiwick-desktop"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(other_redirect.json::<Value>().await.unwrap()["error"], "invalid_grant", "redirect_uri must match");

    let v = verifier();
    let code = code_for(&base, "ada.emea", &v).await;
    let first: Value = exchange(&base, &code, &v).await.json().await.unwrap();
    let again = exchange(&base, &code, &v).await;
    assert_eq!(again.json::<Value>().await.unwrap()["error"], "invalid_grant", "a reused code is refused");
    let scim = scim_get(&base, first["access_token"].as_str().unwrap(), "/Users?count=1").await;
    assert_eq!(scim.status(), 401, "reusing a code revokes the tokens issued from it");
    sandbox.stop().await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_grant() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let tokens = login(&base, "ravi.apac").await;
    let first_refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

    let rotated: Value = refresh(&base, &first_refresh).await.json().await.unwrap();
    let second_refresh = rotated["refresh_token"].as_str().expect("a new refresh token each time").to_owned();
    assert_ne!(second_refresh, first_refresh);
    let claims = jwt_claims(rotated["id_token"].as_str().expect("a fresh ID token"));
    assert_eq!(claims["preferred_username"], "ravi.apac");
    assert!(claims.get("nonce").is_none(), "a refreshed ID token carries no nonce");
    let access = rotated["access_token"].as_str().unwrap().to_owned();
    assert_eq!(scim_get(&base, &access, "/Users?count=1").await.status(), 200);

    let reuse = refresh(&base, &first_refresh).await;
    assert_eq!(reuse.status(), 400);
    assert_eq!(reuse.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let after = refresh(&base, &second_refresh).await;
    assert_eq!(after.json::<Value>().await.unwrap()["error"], "invalid_grant", "the whole grant is revoked");
    assert_eq!(scim_get(&base, &access, "/Users?count=1").await.status(), 401, "its access tokens too");
    sandbox.stop().await;
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_the_grant() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let tokens = login(&base, "gina.global").await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let revoked = client()
        .post(base.join("revoke").unwrap())
        .form(&[("token", refresh_token), ("token_type_hint", "refresh_token"), ("client_id", "bailiwick-desktop")])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let unknown = client().post(base.join("revoke").unwrap()).form(&[("token", "nonsense")]).send().await.unwrap();
    assert_eq!(unknown.status(), 200, "RFC 7009: unknown tokens are answered 200 too");
    assert_eq!(refresh(&base, refresh_token).await.status(), 400);
    assert_eq!(scim_get(&base, tokens["access_token"].as_str().unwrap(), "/Me").await.status(), 401);
    sandbox.stop().await;
}

#[tokio::test]
async fn logout_with_id_token_hint_revokes_the_session() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let tokens = login(&base, "cora.compliance").await;
    let mut url = base.join("logout").unwrap();
    url.query_pairs_mut().append_pair("id_token_hint", tokens["id_token"].as_str().unwrap());
    let page = client().get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("signed out"));
    assert_eq!(refresh(&base, tokens["refresh_token"].as_str().unwrap()).await.status(), 400);
    sandbox.stop().await;
}
