//! The OpenID Provider: discovery, JWKS, authorize (an HTML sign-in form), token, userinfo,
//! revocation and end session.
//!
//! It is as strict as a certified provider on what a native client may do: one public client
//! (`bailiwick-desktop`), loopback redirects on any port (RFC 8252 §7.3) but otherwise exact,
//! PKCE S256 only, single-use codes valid 60 s, rotating refresh tokens whose reuse revokes the
//! whole grant (RFC 9700 §4.14.2), and the `iss` authorization response parameter (RFC 9207).

use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use crate::seed::{self, DemoAdmin};
use crate::store::{self, GrantRow};
use crate::{jws, AppState};

pub const CLIENT_ID: &str = "bailiwick-desktop";
const CODE_LIFETIME_SECS: i64 = 60;
const ACCESS_TOKEN_LIFETIME_SECS: i64 = 15 * 60;
const ID_TOKEN_LIFETIME_SECS: i64 = 60 * 60;
const REFRESH_TOKEN_LIFETIME_SECS: i64 = 30 * 24 * 60 * 60;
const SUPPORTED_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize_form).post(authorize_submit))
        .route("/token", post(token))
        .route("/userinfo", get(userinfo).post(userinfo))
        .route("/revoke", post(revoke))
        .route("/logout", get(logout))
}

async fn discovery(State(state): State<AppState>) -> Json<Value> {
    let issuer = &state.issuer;
    let id_token_algorithm = state.signing_keys().id_token_algorithm().as_str();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "end_session_endpoint": format!("{issuer}/logout"),
        "scopes_supported": SUPPORTED_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [id_token_algorithm],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "claims_supported": [
            "iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "nonce", "sid",
            "preferred_username", "name", "given_name", "family_name", "email", "bu_scopes", "capabilities"
        ],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
    }))
}

async fn jwks(State(state): State<AppState>) -> Json<Value> {
    Json(state.signing_keys().jwks())
}

/// The parameters of an authorization request, carried through the form as hidden fields.
#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeRequest {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    prompt: Option<String>,
    login_hint: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// A loopback redirect URI of the native client: `http://127.0.0.1:{port}/callback`, nothing
/// else (no query, no fragment, no `localhost`: RFC 8252 §7.3 and §8.3).
fn is_allowed_redirect(raw: &str) -> bool {
    let Ok(url) = Url::parse(raw) else {
        return false;
    };
    url.scheme() == "http"
        && url.host_str() == Some("127.0.0.1")
        && url.path() == "/callback"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none()
        && url.as_str() == raw
}

/// Why an authorization request cannot go on: either shown to the user (the redirect target
/// cannot be trusted), or sent back to the client's redirect URI.
enum AuthorizeRefusal {
    Page(StatusCode, String),
    Redirect { redirect_uri: String, error: &'static str, description: String, state: Option<String> },
}

impl AuthorizeRequest {
    fn validate(&self) -> Result<ValidRequest, AuthorizeRefusal> {
        if self.client_id.as_deref() != Some(CLIENT_ID) {
            return Err(AuthorizeRefusal::Page(StatusCode::BAD_REQUEST, "Unknown client_id.".into()));
        }
        let redirect_uri = match self.redirect_uri.as_deref() {
            Some(uri) if is_allowed_redirect(uri) => uri.to_owned(),
            _ => return Err(AuthorizeRefusal::Page(
                StatusCode::BAD_REQUEST,
                "The redirect_uri is not registered: the native client may only use http://127.0.0.1:{port}/callback."
                    .into(),
            )),
        };
        let refuse = |error: &'static str, description: &str| AuthorizeRefusal::Redirect {
            redirect_uri: redirect_uri.clone(),
            error,
            description: description.to_owned(),
            state: self.state.clone(),
        };
        if self.response_type.as_deref() != Some("code") {
            return Err(refuse("unsupported_response_type", "only response_type=code is supported"));
        }
        let challenge = match (self.code_challenge.as_deref(), self.code_challenge_method.as_deref()) {
            (Some(c), Some("S256")) if is_valid_challenge(c) => c.to_owned(),
            (None, _) => return Err(refuse("invalid_request", "code_challenge is required (PKCE S256)")),
            (Some(_), Some("S256")) => return Err(refuse("invalid_request", "code_challenge is not a S256 challenge")),
            (Some(_), _) => return Err(refuse("invalid_request", "code_challenge_method must be S256")),
        };
        let scope = self.scope.clone().unwrap_or_default();
        let scopes: Vec<&str> = scope.split_whitespace().collect();
        if !scopes.contains(&"openid") {
            return Err(refuse("invalid_scope", "the openid scope is required"));
        }
        if let Some(unknown) = scopes.iter().find(|s| !SUPPORTED_SCOPES.contains(s)) {
            return Err(refuse("invalid_scope", &format!("unsupported scope {unknown}")));
        }
        if self.prompt.as_deref() == Some("none") {
            // No browser session exists in the sandbox, so a silent sign-in cannot succeed.
            return Err(refuse("login_required", "the sandbox keeps no session; sign in interactively"));
        }
        Ok(ValidRequest { redirect_uri, challenge, scope: scopes.join(" "), nonce: self.nonce.clone() })
    }
}

struct ValidRequest {
    redirect_uri: String,
    challenge: String,
    scope: String,
    nonce: Option<String>,
}

/// RFC 7636 §4.2: BASE64URL(SHA256) is exactly 43 characters of the unreserved set.
fn is_valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43 && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn redirect_with(base: &str, pairs: &[(&str, &str)]) -> Response {
    let mut url = match Url::parse(base) {
        Ok(url) => url,
        Err(_) => return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response(),
    };
    url.query_pairs_mut().extend_pairs(pairs.iter().copied());
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(url.as_str()) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

fn refusal_response(refusal: AuthorizeRefusal, issuer: &str) -> Response {
    match refusal {
        AuthorizeRefusal::Page(status, message) => {
            (status, Html(page("Sign-in request refused", &escape(&message)))).into_response()
        }
        AuthorizeRefusal::Redirect { redirect_uri, error, description, state } => {
            let mut pairs = vec![("error", error), ("error_description", description.as_str())];
            if let Some(state) = state.as_deref() {
                pairs.push(("state", state));
            }
            pairs.push(("iss", issuer));
            redirect_with(&redirect_uri, &pairs)
        }
    }
}

#[tracing::instrument(skip_all)]
async fn authorize_form(State(state): State<AppState>, Query(request): Query<AuthorizeRequest>) -> Response {
    match request.validate() {
        Ok(_) => (StatusCode::OK, Html(sign_in_page(&request, None))).into_response(),
        Err(refusal) => refusal_response(refusal, &state.issuer),
    }
}

#[tracing::instrument(skip_all)]
async fn authorize_submit(State(state): State<AppState>, Form(request): Form<AuthorizeRequest>) -> Response {
    let valid = match request.validate() {
        Ok(valid) => valid,
        Err(refusal) => return refusal_response(refusal, &state.issuer),
    };
    let user_name = request.username.as_deref().unwrap_or("").trim();
    let admin = seed::demo_admin(user_name).filter(|_| request.password.as_deref() == Some(seed::DEMO_PASSWORD));
    let subject = admin.and_then(|a| state.directory.read().ok()?.user_by_name(a.user_name).map(|u| u.id.clone()));
    let (Some(admin), Some(subject)) = (admin, subject) else {
        tracing::info!("sign-in refused: unknown user or wrong password");
        return (StatusCode::UNAUTHORIZED, Html(sign_in_page(&request, Some("Unknown user or wrong password."))))
            .into_response();
    };
    let now = chrono::Utc::now().timestamp();
    let grant = GrantRow {
        id: uuid::Uuid::new_v4().to_string(),
        subject,
        user_name: admin.user_name.to_owned(),
        client_id: CLIENT_ID.to_owned(),
        scope: valid.scope.clone(),
        auth_time: now,
        revoked: false,
    };
    let code = jws::random_token();
    let stored = state.with_db(|conn| {
        store::insert_grant(conn, &grant)?;
        store::insert_code(
            conn,
            &code,
            &grant.id,
            &valid.redirect_uri,
            &valid.challenge,
            valid.nonce.as_deref(),
            now + CODE_LIFETIME_SECS,
        )
    });
    if let Err(e) = stored {
        tracing::error!(error = %e, "cannot store the authorization code");
        return (StatusCode::INTERNAL_SERVER_ERROR, Html(page("Error", "The sign-in could not be stored.")))
            .into_response();
    }
    tracing::info!(user = admin.user_name, "signed in");
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = request.state.as_deref() {
        pairs.push(("state", s));
    }
    pairs.push(("iss", state.issuer.as_str()));
    redirect_with(&valid.redirect_uri, &pairs)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn page(title: &str, body_html: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — Bailiwick sandbox IAM</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d2430; }}
h1 {{ font-size: 1.4rem; }} table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; }}
td, th {{ border-bottom: 1px solid #dde; padding: .35rem .5rem; text-align: left; font-size: .9rem; }}
label {{ display: block; margin: .6rem 0 .2rem; }} input[type=text], input[type=password] {{ width: 18rem; padding: .35rem; }}
button {{ margin-top: 1rem; padding: .45rem 1.2rem; }} .error {{ color: #b00020; font-weight: 600; }}
.note {{ color: #556; font-size: .85rem; }}
</style></head>
<body><h1>{title}</h1>
{body_html}
</body></html>"#
    )
}

fn sign_in_page(request: &AuthorizeRequest, error: Option<&str>) -> String {
    let mut body = String::new();
    body.push_str("<p>This is the <strong>Bailiwick sandbox IAM</strong>, a demo identity provider for the fictional OpenText Exstream customer Northwind Insurance Group.</p>");
    if let Some(error) = error {
        body.push_str(&format!(r#"<p class="error" role="alert">{}</p>"#, escape(error)));
    }
    body.push_str(r#"<form method="post" action="/authorize">"#);
    let hidden = [
        ("response_type", &request.response_type),
        ("client_id", &request.client_id),
        ("redirect_uri", &request.redirect_uri),
        ("scope", &request.scope),
        ("state", &request.state),
        ("nonce", &request.nonce),
        ("code_challenge", &request.code_challenge),
        ("code_challenge_method", &request.code_challenge_method),
    ];
    for (name, value) in hidden {
        if let Some(value) = value {
            body.push_str(&format!(r#"<input type="hidden" name="{name}" value="{}">"#, escape(value)));
        }
    }
    let user_name = request.username.as_deref().or(request.login_hint.as_deref()).unwrap_or("");
    body.push_str(&format!(
        r#"<label for="username">Username</label><input type="text" id="username" name="username" value="{}" autocomplete="username" autofocus required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<div><button type="submit">Sign in</button></div></form>"#,
        escape(user_name)
    ));
    body.push_str(&format!(
        "<h2>Demo administrators</h2><p>The password of every demo administrator is <code>{}</code>.</p>",
        seed::DEMO_PASSWORD
    ));
    body.push_str(
        "<table><thead><tr><th>Username</th><th>Business units</th><th>Capabilities</th></tr></thead><tbody>",
    );
    for DemoAdmin { user_name, bu_scopes, capabilities, .. } in seed::DEMO_ADMINS {
        body.push_str(&format!(
            "<tr><td><code>{user_name}</code></td><td>{}</td><td>{}</td></tr>",
            bu_scopes.join(", "),
            capabilities.join(", ")
        ));
    }
    body.push_str("</tbody></table><p class=\"note\">Never use these accounts outside the sandbox.</p>");
    page("Sign in", &body)
}

/// RFC 6749 §5.2 error response.
fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (status, Json(json!({"error": error, "error_description": description}))).into_response();
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenRequest {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    refresh_token: Option<String>,
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[tracing::instrument(skip_all, fields(grant_type))]
async fn token(State(state): State<AppState>, Form(request): Form<TokenRequest>) -> Response {
    tracing::Span::current().record("grant_type", request.grant_type.as_deref().unwrap_or(""));
    if request.client_id.as_deref() != Some(CLIENT_ID) {
        return token_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client_id");
    }
    let now = chrono::Utc::now().timestamp();
    match request.grant_type.as_deref() {
        Some("authorization_code") => exchange_code(&state, &request, now),
        Some("refresh_token") => refresh(&state, &request, now),
        Some(_) => {
            token_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "use authorization_code or refresh_token")
        }
        None => token_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is required"),
    }
}

fn exchange_code(state: &AppState, request: &TokenRequest, now: i64) -> Response {
    let (Some(code), Some(redirect_uri)) = (request.code.as_deref(), request.redirect_uri.as_deref()) else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_request", "code and redirect_uri are required");
    };
    let Some(verifier) = request.code_verifier.as_deref() else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_request", "code_verifier is required (PKCE)");
    };
    let outcome = state.with_db(|conn| {
        let Some(row) = store::take_code(conn, code)? else {
            return Ok(Err("unknown authorization code"));
        };
        if row.used {
            // RFC 6749 §4.1.2: a code presented twice revokes what was issued from it.
            store::revoke_grant(conn, &row.grant.id)?;
            return Ok(Err("authorization code already used"));
        }
        if row.expires_at <= now {
            return Ok(Err("authorization code expired"));
        }
        if row.grant.revoked {
            return Ok(Err("grant revoked"));
        }
        if row.redirect_uri != redirect_uri {
            return Ok(Err("redirect_uri does not match the authorization request"));
        }
        if !is_valid_verifier(verifier) || jws::s256_challenge(verifier) != row.code_challenge {
            return Ok(Err("code_verifier does not match the code_challenge"));
        }
        Ok(Ok(issue_tokens(state, conn, &row.grant, row.nonce.as_deref(), now)?))
    });
    finish(outcome)
}

fn refresh(state: &AppState, request: &TokenRequest, now: i64) -> Response {
    let Some(token) = request.refresh_token.as_deref() else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_request", "refresh_token is required");
    };
    let outcome = state.with_db(|conn| {
        let Some(row) = store::take_refresh_token(conn, token)? else {
            return Ok(Err("unknown refresh token"));
        };
        if row.grant.revoked {
            return Ok(Err("grant revoked"));
        }
        if row.used {
            // A rotated-out token came back: it leaked, or the client lost a response. Either
            // way no one can tell the thief from the owner, so the whole grant ends.
            store::revoke_grant(conn, &row.grant.id)?;
            tracing::warn!(user = row.grant.user_name, "refresh token reused; grant revoked");
            return Ok(Err("refresh token already used; the grant is revoked"));
        }
        if row.expires_at <= now {
            return Ok(Err("refresh token expired"));
        }
        Ok(Ok(issue_tokens(state, conn, &row.grant, None, now)?))
    });
    finish(outcome)
}

fn finish(outcome: Result<Result<Value, &'static str>, crate::SandboxError>) -> Response {
    match outcome {
        Ok(Ok(body)) => {
            let mut response = Json(body).into_response();
            response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Ok(Err(reason)) => token_error(StatusCode::BAD_REQUEST, "invalid_grant", reason),
        Err(e) => {
            tracing::error!(error = %e, "token endpoint storage failure");
            token_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "storage failure")
        }
    }
}

fn issue_tokens(
    state: &AppState,
    conn: &rusqlite::Connection,
    grant: &GrantRow,
    nonce: Option<&str>,
    now: i64,
) -> Result<Value, crate::SandboxError> {
    let access_token = jws::random_token();
    store::insert_access_token(conn, &access_token, &grant.id, now + ACCESS_TOKEN_LIFETIME_SECS)?;
    let mut claims = state.user_claims(grant);
    let object = claims.as_object_mut().ok_or_else(|| crate::SandboxError::CorruptData("claims".into()))?;
    object.insert("iss".into(), json!(state.issuer));
    object.insert("aud".into(), json!(grant.client_id));
    object.insert("azp".into(), json!(grant.client_id));
    object.insert("iat".into(), json!(now));
    object.insert("exp".into(), json!(now + ID_TOKEN_LIFETIME_SECS));
    object.insert("auth_time".into(), json!(grant.auth_time));
    object.insert("sid".into(), json!(grant.id));
    if let Some(nonce) = nonce {
        object.insert("nonce".into(), json!(nonce));
    }
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME_SECS,
        "scope": grant.scope,
        "id_token": state.signing_keys().sign(&claims),
    });
    if grant.scope.split(' ').any(|s| s == "offline_access") {
        let refresh_token = jws::random_token();
        store::insert_refresh_token(conn, &refresh_token, &grant.id, now + REFRESH_TOKEN_LIFETIME_SECS)?;
        body["refresh_token"] = json!(refresh_token);
    }
    Ok(body)
}

pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let now = chrono::Utc::now().timestamp();
    let grant = bearer_token(&headers)
        .and_then(|token| state.with_db(|conn| store::grant_for_access_token(conn, token, now)).ok().flatten());
    match grant {
        Some(grant) => Json(state.user_claims(&grant)).into_response(),
        None => {
            let mut response = StatusCode::UNAUTHORIZED.into_response();
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    r#"Bearer error="invalid_token", error_description="missing, unknown or expired access token""#,
                ),
            );
            response
        }
    }
}

#[derive(Debug, Deserialize)]
struct RevokeRequest {
    token: Option<String>,
}

/// RFC 7009 §2.2: the answer is 200 whether or not the token was known.
async fn revoke(State(state): State<AppState>, Form(request): Form<RevokeRequest>) -> Response {
    let Some(token) = request.token else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_request", "token is required");
    };
    if let Err(e) = state.with_db(|conn| store::revoke_token(conn, &token)) {
        tracing::error!(error = %e, "revocation storage failure");
        return token_error(StatusCode::SERVICE_UNAVAILABLE, "server_error", "storage failure");
    }
    StatusCode::OK.into_response()
}

#[derive(Debug, Deserialize)]
struct LogoutRequest {
    id_token_hint: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

/// RP-initiated logout: the sandbox has no browser session, so ending the session means
/// revoking the grant the ID token came from (its `sid`).
async fn logout(State(state): State<AppState>, Query(request): Query<LogoutRequest>) -> Response {
    if let Some(claims) = request.id_token_hint.as_deref().and_then(|t| state.signing_keys().verify(t)) {
        if let Some(sid) = claims.get("sid").and_then(Value::as_str) {
            if let Err(e) = state.with_db(|conn| store::revoke_grant(conn, sid)) {
                tracing::error!(error = %e, "cannot revoke the grant at logout");
            }
        }
    }
    if let Some(target) = request.post_logout_redirect_uri.as_deref() {
        if let Ok(url) = Url::parse(target) {
            if url.scheme() == "http" && url.host_str() == Some("127.0.0.1") && url.fragment().is_none() {
                let pairs: Vec<(&str, &str)> = request.state.as_deref().map(|s| ("state", s)).into_iter().collect();
                return redirect_with(target, &pairs);
            }
        }
    }
    Html(page("Signed out", "<p>You are signed out of the Bailiwick sandbox IAM. You can close this window.</p>"))
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_loopback_callbacks_are_allowed() {
        assert!(is_allowed_redirect("http://127.0.0.1:53127/callback"));
        assert!(is_allowed_redirect("http://127.0.0.1/callback"));
        for bad in [
            "http://localhost:53127/callback",
            "https://127.0.0.1:53127/callback",
            "http://127.0.0.1:53127/callback?x=1",
            "http://127.0.0.1:53127/callback#f",
            "http://127.0.0.1:53127/callback/",
            "http://127.0.0.1:53127/other",
            "http://user@127.0.0.1:53127/callback",
            "http://127.0.0.2:53127/callback",
        ] {
            assert!(!is_allowed_redirect(bad), "{bad} must be refused");
        }
    }
}
