//! Sign-in against a provider that attacks the client (see tests/hostile/mod.rs). Each test
//! makes the provider misbehave in one way and asserts the specific refusal; the honest
//! tests show the same provider is otherwise accepted, so a refusal is the check at work and
//! not a broken set-up.

mod hostile;

use bailiwick_core::auth::{self, OidcClient, Session, SignInFailure};
use bailiwick_core::Error;
use hostile::{Attack, HostileProvider, ScriptedBrowser, SIGN_IN_TIMEOUT};

async fn discover(provider: &HostileProvider) -> Result<OidcClient, Error> {
    OidcClient::discover(&provider.profile(), auth::http_client()).await
}

async fn sign_in_under(attack: Attack) -> (HostileProvider, Result<Session, Error>) {
    let provider = HostileProvider::start(Attack::None).await;
    let client = discover(&provider).await.expect("the provider's discovery is valid");
    provider.set_attack(attack);
    let outcome = client.sign_in(&ScriptedBrowser, SIGN_IN_TIMEOUT).await;
    (provider, outcome)
}

/// The failure inside `Error::SignIn`, or a panic naming what came instead.
fn failure(outcome: Result<Session, Error>) -> SignInFailure {
    match outcome {
        Err(Error::SignIn(failure)) => failure,
        Err(other) => panic!("expected a sign-in failure, got {other:?}"),
        Ok(session) => panic!("the attack was accepted: signed in as {}", session.admin.subject),
    }
}

#[tokio::test]
async fn honest_provider_signs_in_and_refreshes() {
    let (provider, outcome) = sign_in_under(Attack::None).await;
    let session = outcome.expect("an honest provider is accepted");
    assert_eq!(session.admin.display_name, "ada.emea");
    let client = discover(&provider).await.expect("discovery");
    let refresh = session.refresh_token().expect("offline_access yields a refresh token");
    let refreshed = client.refresh(refresh).await.expect("refresh");
    assert_ne!(refreshed.refresh_token(), Some(refresh), "the provider rotates refresh tokens");
    let err = client.refresh(refresh).await.expect_err("the rotated-out refresh token is dead");
    assert!(matches!(err, Error::SignInNeeded(_)), "got {err:?}");
}

#[tokio::test]
async fn wrong_state_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::WrongState).await;
    assert!(matches!(failure(outcome), SignInFailure::StateMismatch));
}

#[tokio::test]
async fn missing_state_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::MissingState).await;
    assert!(matches!(failure(outcome), SignInFailure::StateMissing));
}

#[tokio::test]
async fn wrong_nonce_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::WrongNonce).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::IdTokenNonce(_)), "got {failure:?}");
}

#[tokio::test]
async fn id_token_replayed_from_an_earlier_sign_in_is_refused() {
    // The previous sign-in's ID token is perfectly signed and fresh; only its nonce belongs
    // to another attempt.
    let (provider, outcome) = sign_in_under(Attack::None).await;
    outcome.expect("first sign-in");
    let client = discover(&provider).await.expect("discovery");
    provider.set_attack(Attack::ReplayedIdToken);
    let failure = failure(client.sign_in(&ScriptedBrowser, SIGN_IN_TIMEOUT).await);
    assert!(matches!(failure, SignInFailure::IdTokenNonce(_)), "got {failure:?}");
}

#[tokio::test]
async fn replayed_authorization_code_is_refused() {
    // Code replay/injection: the redirect of the second sign-in carries the first sign-in's
    // (already redeemed) code with the *right* state, as a malicious local app racing for the
    // loopback port could deliver it. The provider honestly refuses it (used once, PKCE
    // verifier of another attempt) and the client reports the code as rejected.
    let (provider, outcome) = sign_in_under(Attack::None).await;
    outcome.expect("first sign-in");
    let client = discover(&provider).await.expect("discovery");
    provider.set_attack(Attack::ReplayedCode);
    let failure = failure(client.sign_in(&ScriptedBrowser, SIGN_IN_TIMEOUT).await);
    assert!(matches!(failure, SignInFailure::CodeRejected(_)), "got {failure:?}");
}

#[tokio::test]
async fn unsigned_alg_none_token_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::AlgNone).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::IdTokenUnsigned), "got {failure:?}");
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::Hs256WithPublicKey).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::IdTokenAlgorithm(_)), "got {failure:?}");
}

#[tokio::test]
async fn unknown_key_is_refused_after_one_refetch() {
    let (provider, outcome) = sign_in_under(Attack::UnknownKey).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::IdTokenUnknownKey), "got {failure:?}");
    assert_eq!(provider.jwks_fetches(), 2, "discovery's fetch plus exactly one refetch");
}

#[tokio::test]
async fn rotated_key_is_found_by_the_refetch() {
    let (provider, outcome) = sign_in_under(Attack::RotatedKey).await;
    outcome.expect("a key published after discovery is accepted once refetched");
    assert_eq!(provider.jwks_fetches(), 2);
}

#[tokio::test]
async fn tampered_payload_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::TamperedPayload).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::IdTokenSignature(_)), "got {failure:?}");
}

#[tokio::test]
async fn wrong_issuer_in_token_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::WrongIssuerInToken).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::IdTokenIssuer(_)), "got {failure:?}");
}

#[tokio::test]
async fn wrong_audience_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::WrongAudience).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::IdTokenAudience(_)), "got {failure:?}");
}

#[tokio::test]
async fn azp_of_another_client_with_several_audiences_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::AzpMismatch).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::IdTokenAuthorizedParty(_)), "got {failure:?}");
}

#[tokio::test]
async fn azp_of_another_client_is_refused_even_with_us_as_the_only_audience() {
    let (_p, outcome) = sign_in_under(Attack::AzpOfAnotherClient).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::IdTokenAuthorizedParty(_)), "got {failure:?}");
}

#[tokio::test]
async fn expired_token_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::Expired).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::IdTokenTime(_)), "got {failure:?}");
}

#[tokio::test]
async fn token_from_the_future_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::IssuedInFuture).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::IdTokenIssuedInFuture(_)), "got {failure:?}");
}

#[tokio::test]
async fn mixed_up_iss_in_the_redirect_is_refused() {
    let (provider, outcome) = sign_in_under(Attack::MixUpIss).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::ResponseIssuerMismatch { .. }), "got {failure:?}");
    assert!(!provider.requests().contains(&"POST /token".to_owned()), "the code must not be redeemed");
}

#[tokio::test]
async fn missing_iss_when_promised_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::MissingIss).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::ResponseIssuerMissing), "got {failure:?}");
}

#[tokio::test]
async fn non_loopback_http_endpoints_are_refused_before_any_request_to_them() {
    let provider = HostileProvider::start(Attack::NonLoopbackEndpoints).await;
    let err = discover(&provider).await.expect_err("plain http to example.com must be refused");
    assert!(
        matches!(err, Error::SignIn(SignInFailure::InsecureEndpoint { ref url, .. }) if url.starts_with("http://example.com")),
        "got {err:?}"
    );
    // Only discovery itself was asked; the advertised endpoints (even the JWKS) never were,
    // and without an OidcClient no browser can be sent there.
    assert_eq!(provider.requests(), vec!["GET /.well-known/openid-configuration".to_owned()]);
}

#[tokio::test]
async fn provider_without_pkce_s256_is_refused_before_the_browser_opens() {
    let provider = HostileProvider::start(Attack::PkceStripped).await;
    let err = discover(&provider).await.expect_err("no S256, no sign-in");
    assert!(matches!(err, Error::SignIn(SignInFailure::PkceNotSupported)), "got {err:?}");
    assert_eq!(provider.requests(), vec!["GET /.well-known/openid-configuration".to_owned()]);
}

#[tokio::test]
async fn oversized_token_response_is_refused() {
    let (_p, outcome) = sign_in_under(Attack::OversizedTokenResponse).await;
    let failure = failure(outcome);
    assert!(matches!(failure, SignInFailure::ResponseTooLarge { .. }), "got {failure:?}");
}

#[tokio::test]
async fn malformed_id_tokens_are_refused() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine as _;
    let header = B64.encode(r#"{"alg":"ES256","kid":"k1"}"#);
    for (what, raw) in [
        ("not a JWT", "just-a-string".to_owned()),
        ("bad base64", "%%%.***.!!!".to_owned()),
        ("bad JSON", format!("{header}.{}.{}", B64.encode("{not json"), B64.encode([0u8; 64]))),
    ] {
        let (_p, outcome) = sign_in_under(Attack::MalformedIdToken(raw)).await;
        let failure = failure(outcome);
        assert!(matches!(failure, SignInFailure::IdTokenMalformed(_)), "{what}: got {failure:?}");
    }
}

#[tokio::test]
async fn authorization_url_always_carries_an_s256_challenge() {
    let provider = HostileProvider::start(Attack::None).await;
    let client = discover(&provider).await.expect("discovery");
    let request = auth::authorization::AuthorizationRequest::new();
    let redirect = openidconnect::RedirectUrl::new("http://127.0.0.1:1/callback".into()).expect("url");
    let url = client.authorize_url(&request, &redirect);
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query.get("code_challenge_method").map(String::as_str), Some("S256"));
    assert_eq!(query.get("code_challenge").map(String::as_str), Some(request.pkce_challenge.as_str()));
    assert!(query.contains_key("state") && query.contains_key("nonce"));
}
