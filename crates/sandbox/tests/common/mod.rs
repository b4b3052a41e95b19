//! Drives the sandbox the way a native client and a browser do, over loopback.
#![allow(dead_code)] // each test file uses a different part of this module

use bailiwick_sandbox::{Sandbox, SandboxConfig};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

pub const REDIRECT: &str = "http://127.0.0.1:53682/callback";
pub const SCOPE: &str = "openid profile email offline_access";

pub async fn start() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.expect("the sandbox starts on an ephemeral port")
}

/// A client that shows redirects instead of following them, as a native app's listener sees them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("client")
}

pub fn verifier() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub nonce: String,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub response_type: String,
}

impl AuthRequest {
    pub fn new(verifier: &str) -> Self {
        Self {
            client_id: "bailiwick-desktop".into(),
            redirect_uri: REDIRECT.into(),
            scope: SCOPE.into(),
            state: "state-123".into(),
            nonce: "nonce-456".into(),
            code_challenge: Some(challenge(verifier)),
            code_challenge_method: Some("S256".into()),
            response_type: "code".into(),
        }
    }

    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            ("response_type", self.response_type.clone()),
            ("client_id", self.client_id.clone()),
            ("redirect_uri", self.redirect_uri.clone()),
            ("scope", self.scope.clone()),
            ("state", self.state.clone()),
            ("nonce", self.nonce.clone()),
        ];
        if let Some(c) = &self.code_challenge {
            pairs.push(("code_challenge", c.clone()));
        }
        if let Some(m) = &self.code_challenge_method {
            pairs.push(("code_challenge_method", m.clone()));
        }
        pairs
    }

    pub fn url(&self, base: &Url) -> Url {
        let mut url = base.join("authorize").expect("url");
        url.query_pairs_mut().extend_pairs(self.pairs());
        url
    }
}

/// What the sign-in form posts back, taken from the page's hidden fields as a browser would.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for chunk in html.split("<input type=\"hidden\" ").skip(1) {
        let name = chunk.split("name=\"").nth(1).and_then(|s| s.split('"').next()).expect("hidden name");
        let value = chunk.split("value=\"").nth(1).and_then(|s| s.split('"').next()).expect("hidden value");
        let value = value
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        fields.push((name.to_owned(), value));
    }
    fields
}

/// Opens the sign-in page, posts the form, and returns the redirect response.
pub async fn sign_in(base: &Url, request: &AuthRequest, user: &str, password: &str) -> reqwest::Response {
    let http = client();
    let page = http.get(request.url(base)).send().await.expect("authorize page");
    assert_eq!(page.status(), 200, "the sign-in page is shown");
    let html = page.text().await.expect("html");
    let mut form = hidden_fields(&html);
    form.push(("username".into(), user.into()));
    form.push(("password".into(), password.into()));
    http.post(base.join("authorize").expect("url")).form(&form).send().await.expect("form post")
}

pub fn query_param(location: &Url, name: &str) -> Option<String> {
    location.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

pub fn location(response: &reqwest::Response) -> Url {
    let raw = response.headers().get("location").expect("a redirect has a Location").to_str().expect("ascii");
    Url::parse(raw).expect("absolute Location")
}

/// Signs in and returns the authorization code.
pub async fn code_for(base: &Url, user: &str, verifier: &str) -> String {
    let response = sign_in(base, &AuthRequest::new(verifier), user, "demo").await;
    assert_eq!(response.status(), 303, "a correct password redirects to the client");
    query_param(&location(&response), "code").expect("the redirect carries a code")
}

pub async fn exchange(base: &Url, code: &str, verifier: &str) -> reqwest::Response {
    client()
        .post(base.join("token").expect("url"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("client_id", "bailiwick-desktop"),
        ])
        .send()
        .await
        .expect("token request")
}

pub async fn refresh(base: &Url, refresh_token: &str) -> reqwest::Response {
    client()
        .post(base.join("token").expect("url"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", "bailiwick-desktop")])
        .send()
        .await
        .expect("refresh request")
}

/// Full sign-in: returns the token response JSON.
pub async fn login(base: &Url, user: &str) -> Value {
    let verifier = verifier();
    let code = code_for(base, user, &verifier).await;
    let response = exchange(base, &code, &verifier).await;
    assert_eq!(response.status(), 200, "the code exchange succeeds");
    response.json().await.expect("token json")
}

pub async fn access_token(base: &Url, user: &str) -> String {
    login(base, user).await["access_token"].as_str().expect("access token").to_owned()
}

pub fn jwt_claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT has a payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("json claims")
}

pub async fn scim_get(base: &Url, token: &str, path_and_query: &str) -> reqwest::Response {
    client().get(format!("{}scim/v2{path_and_query}", base)).bearer_auth(token).send().await.expect("scim request")
}

/// Every user the token may list, through paging.
pub async fn all_users(base: &Url, token: &str, filter: Option<&str>) -> (u64, Vec<Value>) {
    let mut users = Vec::new();
    let mut start = 1;
    loop {
        let mut url = base.join("scim/v2/Users").expect("url");
        url.query_pairs_mut().append_pair("startIndex", &start.to_string()).append_pair("count", "100");
        if let Some(f) = filter {
            url.query_pairs_mut().append_pair("filter", f);
        }
        let page: Value = client().get(url).bearer_auth(token).send().await.expect("list").json().await.expect("json");
        let resources = page["Resources"].as_array().cloned().unwrap_or_default();
        let total = page["totalResults"].as_u64().expect("totalResults");
        let n = resources.len();
        users.extend(resources);
        start += n;
        if n == 0 || users.len() as u64 >= total {
            return (total, users);
        }
    }
}

pub const DIVISION: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

pub fn division(user: &Value) -> &str {
    user[DIVISION]["division"].as_str().expect("every seeded user has a division")
}
