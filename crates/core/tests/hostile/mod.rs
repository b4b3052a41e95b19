//! A deliberately hostile OpenID provider for the sign-in tests.
//!
//! In [`Attack::None`] it is a small but valid provider: discovery, an ES256 key in its JWKS,
//! an authorization endpoint that redirects straight back with `code`, `state` and `iss`
//! (RFC 9207), a token endpoint that checks PKCE S256, the redirect URI and single use of
//! codes, and rotates refresh tokens. Each other [`Attack`] makes it misbehave in one way.
//! The "browser" ([`ScriptedBrowser`]) GETs the authorization URL without following
//! redirects and delivers the `Location` to the client's loopback listener itself.

#![allow(dead_code)] // Each test binary uses a different part of the module.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bailiwick_core::auth::Browser;
use bailiwick_core::{Error, Profile};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use rand::RngCore as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;
use url::Url;

pub const CLIENT_ID: &str = "bailiwick-desktop";
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(10);

/// One way to misbehave. The provider stays otherwise valid, so that exactly one check of
/// the client is exercised by each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attack {
    None,
    /// The redirect carries another attempt's `state` (CSRF, login injection).
    WrongState,
    /// The redirect carries no `state`.
    MissingState,
    /// The ID token's nonce is not the one the client sent.
    WrongNonce,
    /// The ID token from the previous sign-in is handed out again (replayed ID token).
    ReplayedIdToken,
    /// The redirect carries the code of the previous, already redeemed sign-in (code
    /// replay / injection); the token endpoint honestly refuses it.
    ReplayedCode,
    /// `alg: none`, no signature.
    AlgNone,
    /// HS256 with the provider's public key bytes as the HMAC secret (algorithm confusion).
    Hs256WithPublicKey,
    /// Signed with a key the JWKS never publishes.
    UnknownKey,
    /// Signed with a new key that appears in the JWKS only after discovery (honest rotation).
    RotatedKey,
    /// A valid ES256 signature over different claims (tampered payload).
    TamperedPayload,
    WrongIssuerInToken,
    WrongAudience,
    /// Two audiences and `azp` naming the other one.
    AzpMismatch,
    /// Our client as the only audience, but `azp` naming another client (openidconnect
    /// itself does not look at `azp`).
    AzpOfAnotherClient,
    Expired,
    IssuedInFuture,
    /// The redirect's `iss` names another provider (mix-up, RFC 9207).
    MixUpIss,
    /// `iss` promised in discovery but absent from the redirect.
    MissingIss,
    /// Discovery advertises endpoints on a plain-http, non-loopback host.
    NonLoopbackEndpoints,
    /// Discovery advertises no PKCE support.
    PkceStripped,
    /// A token response of 100 KiB.
    OversizedTokenResponse,
    /// The ID token is not a JWT: the given string is sent as is.
    MalformedIdToken(String),
    /// A refresh answers with an ID token for another subject (OIDC Core §12.2 forbids it).
    SubjectChangedOnRefresh,
}

struct ProviderState {
    issuer: String,
    attack: Attack,
    key: SigningKey,
    rotated_key: SigningKey,
    rogue_key: SigningKey,
    /// code → (nonce, code_challenge, redirect_uri)
    codes: HashMap<String, (Option<String>, String, String)>,
    redeemed_codes: Vec<String>,
    last_code: Option<String>,
    last_id_token: Option<String>,
    refresh_tokens: Vec<String>,
    /// Every token handed out, for the "no secret at rest" scan.
    issued: Vec<String>,
    revoked: Vec<String>,
    /// Method and path of every request, in order.
    requests: Vec<String>,
    jwks_fetches: usize,
    /// Access tokens handed out and not revoked: what the SCIM endpoints accept.
    live_access_tokens: Vec<String>,
    /// How many SCIM requests are still to be answered 401 whatever their token.
    scim_unauthorized: usize,
    /// The bearer token of every SCIM request, in order.
    scim_bearers: Vec<String>,
}

type Shared = Arc<Mutex<ProviderState>>;

/// The running provider; stopped when dropped.
pub struct HostileProvider {
    pub issuer: String,
    state: Shared,
    server: JoinHandle<()>,
}

impl Drop for HostileProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl HostileProvider {
    pub async fn start(attack: Attack) -> HostileProvider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the provider");
        let issuer = format!("http://127.0.0.1:{}", listener.local_addr().expect("address").port());
        let state = Arc::new(Mutex::new(ProviderState {
            issuer: issuer.clone(),
            attack,
            key: SigningKey::random(&mut rand::rngs::OsRng),
            rotated_key: SigningKey::random(&mut rand::rngs::OsRng),
            rogue_key: SigningKey::random(&mut rand::rngs::OsRng),
            codes: HashMap::new(),
            redeemed_codes: Vec::new(),
            last_code: None,
            last_id_token: None,
            refresh_tokens: Vec::new(),
            issued: Vec::new(),
            revoked: Vec::new(),
            requests: Vec::new(),
            jwks_fetches: 0,
            live_access_tokens: Vec::new(),
            scim_unauthorized: 0,
            scim_bearers: Vec::new(),
        }));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/revoke", post(revoke))
            .route("/scim/v2/Users", get(scim_users))
            .route("/scim/v2/Groups", get(scim_groups))
            .with_state(Arc::clone(&state));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HostileProvider { issuer, state, server }
    }

    pub fn set_attack(&self, attack: Attack) {
        self.state.lock().expect("state").attack = attack;
    }

    pub fn requests(&self) -> Vec<String> {
        self.state.lock().expect("state").requests.clone()
    }

    pub fn jwks_fetches(&self) -> usize {
        self.state.lock().expect("state").jwks_fetches
    }

    pub fn issued_tokens(&self) -> Vec<String> {
        self.state.lock().expect("state").issued.clone()
    }

    pub fn revoked_tokens(&self) -> Vec<String> {
        self.state.lock().expect("state").revoked.clone()
    }

    /// The next `count` SCIM requests get 401, as if the access token had been revoked.
    pub fn refuse_scim(&self, count: usize) {
        self.state.lock().expect("state").scim_unauthorized = count;
    }

    pub fn scim_bearers(&self) -> Vec<String> {
        self.state.lock().expect("state").scim_bearers.clone()
    }

    pub fn profile(&self) -> Profile {
        profile_for(&self.issuer, &format!("{}/scim/v2", self.issuer))
    }
}

pub fn profile_for(issuer: &str, scim_base: &str) -> Profile {
    Profile::from_toml(
        &format!(
            r#"
name = "hostile"
[oidc]
issuer = "{issuer}"
client_id = "{CLIENT_ID}"
scopes = ["openid", "profile", "offline_access"]
[scim]
base_url = "{scim_base}"
"#
        ),
        "hostile test profile",
    )
    .expect("valid profile")
}

fn record<'a>(state: &'a Shared, what: &str) -> std::sync::MutexGuard<'a, ProviderState> {
    let mut s = state.lock().expect("state");
    s.requests.push(what.to_owned());
    s
}

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}-{}", B64.encode(bytes))
}

async fn discovery(State(state): State<Shared>) -> Json<Value> {
    let s = record(&state, "GET /.well-known/openid-configuration");
    let base =
        if s.attack == Attack::NonLoopbackEndpoints { "http://example.com".to_owned() } else { s.issuer.clone() };
    let mut document = json!({
        "issuer": s.issuer,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "revocation_endpoint": format!("{base}/revoke"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
    });
    if s.attack == Attack::PkceStripped {
        document.as_object_mut().expect("object").remove("code_challenge_methods_supported");
    }
    Json(document)
}

fn jwk(key: &SigningKey, kid: &str) -> Value {
    let point = key.verifying_key().to_encoded_point(false);
    json!({
        "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
        "x": B64.encode(point.x().expect("uncompressed point")),
        "y": B64.encode(point.y().expect("uncompressed point")),
    })
}

async fn jwks(State(state): State<Shared>) -> Json<Value> {
    let mut s = record(&state, "GET /jwks");
    s.jwks_fetches += 1;
    let mut keys = vec![jwk(&s.key, "k1")];
    // The rotated key appears only after the client's first fetch (at discovery).
    if s.attack == Attack::RotatedKey && s.jwks_fetches > 1 {
        keys.push(jwk(&s.rotated_key, "k2"));
    }
    Json(json!({ "keys": keys }))
}

async fn authorize(State(state): State<Shared>, Query(query): Query<HashMap<String, String>>) -> Response {
    let mut s = record(&state, "GET /authorize");
    let (Some(redirect_uri), Some(challenge)) = (query.get("redirect_uri"), query.get("code_challenge")) else {
        return (StatusCode::BAD_REQUEST, "redirect_uri and code_challenge are required").into_response();
    };
    if query.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return (StatusCode::BAD_REQUEST, "only S256").into_response();
    }
    let code = random_token("code");
    s.codes.insert(code.clone(), (query.get("nonce").cloned(), challenge.clone(), redirect_uri.clone()));
    let code = match (&s.attack, &s.last_code) {
        (Attack::ReplayedCode, Some(previous)) => previous.clone(),
        _ => code,
    };
    s.last_code = Some(code.clone());
    let mut location = match Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return (StatusCode::BAD_REQUEST, "bad redirect_uri").into_response(),
    };
    {
        let mut pairs = location.query_pairs_mut();
        pairs.append_pair("code", &code);
        match s.attack {
            Attack::MissingState => {}
            Attack::WrongState => {
                pairs.append_pair("state", &random_token("state"));
            }
            _ => {
                pairs.append_pair("state", query.get("state").map(String::as_str).unwrap_or_default());
            }
        }
        match s.attack {
            Attack::MissingIss => {}
            Attack::MixUpIss => {
                pairs.append_pair("iss", "https://attacker.example.com");
            }
            _ => {
                pairs.append_pair("iss", &s.issuer);
            }
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, location.to_string())]).into_response()
}

fn token_error(error: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response()
}

async fn token(State(state): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let mut s = record(&state, "POST /token");
    let nonce = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = form.get("code").cloned().unwrap_or_default();
            // Single use (RFC 6749 §4.1.2): a redeemed code is gone.
            if s.redeemed_codes.contains(&code) {
                return token_error("invalid_grant");
            }
            let Some((nonce, challenge, redirect_uri)) = s.codes.remove(&code) else {
                return token_error("invalid_grant");
            };
            s.redeemed_codes.push(code);
            let verifier = form.get("code_verifier").cloned().unwrap_or_default();
            if B64.encode(Sha256::digest(verifier.as_bytes())) != challenge {
                return token_error("invalid_grant");
            }
            if form.get("redirect_uri") != Some(&redirect_uri) {
                return token_error("invalid_grant");
            }
            nonce
        }
        Some("refresh_token") => {
            let presented = form.get("refresh_token").cloned().unwrap_or_default();
            // Rotation: each refresh token works once.
            let Some(at) = s.refresh_tokens.iter().position(|t| *t == presented) else {
                return token_error("invalid_grant");
            };
            s.refresh_tokens.remove(at);
            None
        }
        _ => return token_error("unsupported_grant_type"),
    };
    let id_token = match (&s.attack, &s.last_id_token) {
        (Attack::ReplayedIdToken, Some(previous)) => previous.clone(),
        (Attack::MalformedIdToken(raw), _) => raw.clone(),
        _ => id_token_for(&s, nonce.as_deref()),
    };
    s.last_id_token = Some(id_token.clone());
    let access_token = random_token("at");
    let refresh_token = random_token("rt");
    s.refresh_tokens.push(refresh_token.clone());
    s.issued.extend([access_token.clone(), refresh_token.clone(), id_token.clone()]);
    s.live_access_tokens.push(access_token.clone());
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "refresh_token": refresh_token,
        "id_token": id_token,
    });
    if s.attack == Attack::OversizedTokenResponse {
        body["padding"] = json!("x".repeat(100 * 1024));
    }
    Json(body).into_response()
}

async fn revoke(State(state): State<Shared>, Form(form): Form<HashMap<String, String>>) -> StatusCode {
    let mut s = record(&state, "POST /revoke");
    if let Some(token) = form.get("token") {
        let token = token.clone();
        s.refresh_tokens.retain(|t| *t != token);
        s.live_access_tokens.retain(|t| *t != token);
        s.revoked.push(token);
    }
    StatusCode::OK
}

/// A minimal SCIM directory: one user in EMEA, no groups, behind the access tokens issued.
async fn scim_users(State(state): State<Shared>, headers: axum::http::HeaderMap) -> Response {
    scim_list(
        &state,
        &headers,
        "GET /scim/v2/Users",
        vec![json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u-1",
            "userName": "erin.emea",
            "active": true,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "division": "EMEA/DE" },
        })],
    )
}

async fn scim_groups(State(state): State<Shared>, headers: axum::http::HeaderMap) -> Response {
    scim_list(&state, &headers, "GET /scim/v2/Groups", Vec::new())
}

fn scim_list(state: &Shared, headers: &axum::http::HeaderMap, what: &str, resources: Vec<Value>) -> Response {
    let mut s = record(state, what);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    s.scim_bearers.push(bearer.clone());
    if s.scim_unauthorized > 0 || !s.live_access_tokens.contains(&bearer) {
        s.scim_unauthorized = s.scim_unauthorized.saturating_sub(1);
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")])
            .into_response();
    }
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    });
    ([(header::CONTENT_TYPE, "application/scim+json")], body.to_string()).into_response()
}

fn id_token_for(s: &ProviderState, nonce: Option<&str>) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "iss": s.issuer,
        "sub": "ada",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "preferred_username": "ada.emea",
        "bu_scopes": ["EMEA"],
        "capabilities": ["manage-users", "review"],
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    match s.attack {
        // Only refreshes carry no nonce; the sign-in itself stays honest.
        Attack::SubjectChangedOnRefresh if nonce.is_none() => claims["sub"] = json!("mallory"),
        Attack::WrongNonce => claims["nonce"] = json!(random_token("nonce")),
        Attack::WrongIssuerInToken => claims["iss"] = json!("https://attacker.example.com"),
        Attack::WrongAudience => claims["aud"] = json!("someone-else"),
        Attack::AzpMismatch => {
            claims["aud"] = json!([CLIENT_ID, "someone-else"]);
            claims["azp"] = json!("someone-else");
        }
        Attack::AzpOfAnotherClient => claims["azp"] = json!("someone-else"),
        Attack::Expired => {
            claims["iat"] = json!(now - 7200);
            claims["exp"] = json!(now - 3600);
        }
        Attack::IssuedInFuture => {
            claims["iat"] = json!(now + 3600);
            claims["exp"] = json!(now + 7200);
        }
        _ => {}
    }
    match s.attack {
        Attack::AlgNone => {
            let header = B64.encode(json!({ "alg": "none", "typ": "JWT" }).to_string());
            format!("{header}.{}.", B64.encode(claims.to_string()))
        }
        Attack::Hs256WithPublicKey => {
            // The classic confusion: a verifier that feeds "the key" to whatever `alg` says
            // would use the public key (here its SEC1 bytes) as the HMAC secret.
            let secret = s.key.verifying_key().to_encoded_point(false);
            let header = B64.encode(json!({ "alg": "HS256", "typ": "JWT", "kid": "k1" }).to_string());
            let input = format!("{header}.{}", B64.encode(claims.to_string()));
            let mac = hmac_sha256(secret.as_bytes(), input.as_bytes());
            format!("{input}.{}", B64.encode(mac))
        }
        Attack::UnknownKey => sign_es256(&s.rogue_key, "k-rogue", &claims),
        Attack::RotatedKey => sign_es256(&s.rotated_key, "k2", &claims),
        Attack::TamperedPayload => {
            let signed = sign_es256(&s.key, "k1", &claims);
            let mut parts: Vec<String> = signed.split('.').map(str::to_owned).collect();
            claims["bu_scopes"] = json!(["EMEA", "AMER", "APAC"]);
            parts[1] = B64.encode(claims.to_string());
            parts.join(".")
        }
        _ => sign_es256(&s.key, "k1", &claims),
    }
}

fn sign_es256(key: &SigningKey, kid: &str, claims: &Value) -> String {
    let header = B64.encode(json!({ "alg": "ES256", "typ": "JWT", "kid": kid }).to_string());
    let input = format!("{header}.{}", B64.encode(claims.to_string()));
    let signature: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", B64.encode(signature.to_bytes()))
}

/// RFC 2104, enough for the attack (no hmac crate needed).
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner_hash = Sha256::new().chain_update(&inner).chain_update(message).finalize();
    Sha256::new().chain_update(&outer).chain_update(inner_hash).finalize().to_vec()
}

/// The test's browser: asks the authorization endpoint (no redirects followed) and delivers
/// its `Location` to the loopback listener, as a real browser would.
pub struct ScriptedBrowser;

impl Browser for ScriptedBrowser {
    fn open(&self, url: &Url) -> Result<(), Error> {
        let url = url.clone();
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(5))
                .build()
                .expect("client");
            let Ok(response) = http.get(url).send().await else { return };
            let Some(location) = response.headers().get(header::LOCATION).and_then(|l| l.to_str().ok()) else {
                return;
            };
            // Only ever to the loopback listener: the provider cannot send us elsewhere.
            if location.starts_with("http://127.0.0.1:") {
                let _ = http.get(location).send().await;
            }
        });
        Ok(())
    }
}
