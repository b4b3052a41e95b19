//! Ground truth for the operation tests: a small SCIM client of its own that reads and writes
//! the sandbox directly, so what a test checks never passes through Bailiwick's client.
//!
//! Tokens come from the authorization code flow with PKCE S256 done by hand (the sign-in form
//! posted like a browser, the code taken from the redirect), the client id and issuer from the
//! profile the sandbox wrote. Everything is blocking: each request runs on a runtime of its own,
//! which is plenty for a handful of calls per test.
#![allow(dead_code)] // each test file uses a different part of this module

use std::path::{Path, PathBuf};
use std::time::Duration;

use bailiwick_tests::{Cli, FakeBrowser, SandboxProcess};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The enterprise extension that carries a user's BU (`division`).
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Any loopback callback is accepted by the sandbox; nothing listens here, the redirect is
/// read from the `Location` header instead of being followed.
const REDIRECT: &str = "http://127.0.0.1:53682/callback";

/// A `bailiwick` signed in as `user` through the stand-in browser.
pub fn signed_in(sandbox: &SandboxProcess, user: &str) -> Cli {
    signed_in_with(&sandbox.profile, user)
}

/// As `signed_in`, with a profile of the test's own (e.g. a changed copy of the sandbox's).
pub fn signed_in_with(profile: &Path, user: &str) -> Cli {
    let cli = Cli::new(profile.display().to_string()).with_browser(FakeBrowser::new(user, "demo"));
    cli.run(&["login", "--json"]).assert_code(0, &format!("login as {user}"));
    cli
}

/// A copy of the sandbox's profile with `line` added to its `[offline]` section.
pub fn profile_with_offline_setting(sandbox: &SandboxProcess, line: &str) -> PathBuf {
    let text = std::fs::read_to_string(&sandbox.profile).expect("the sandbox wrote its profile");
    assert!(text.contains("[offline]\n"), "the sandbox's profile has an [offline] section: {text}");
    let changed = sandbox.profile.with_file_name(format!("changed-{}.toml", short_name(line)));
    std::fs::write(&changed, text.replace("[offline]\n", &format!("[offline]\n{line}\n"))).expect("profile written");
    changed
}

fn short_name(line: &str) -> String {
    line.chars().filter(char::is_ascii_alphanumeric).take(24).collect()
}

/// A `bailiwick` signed in and synced.
pub fn synced(sandbox: &SandboxProcess, user: &str) -> Cli {
    let cli = signed_in(sandbox, user);
    cli.run(&["sync", "--json"]).assert_code(0, &format!("sync as {user}"));
    cli
}

/// The workspace cache a CLI keeps in its data dir (`<data dir>/workspaces/*/cache.sqlite`).
pub fn cache_file(cli: &Cli) -> PathBuf {
    let workspaces = cli.data_dir.path().join("workspaces");
    let found = std::fs::read_dir(&workspaces)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", workspaces.display()))
        .filter_map(Result::ok)
        .map(|d| d.path().join("cache.sqlite"))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| panic!("no cache.sqlite under {}", workspaces.display()))
}

/// One answer of the directory.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub etag: Option<String>,
}

impl Reply {
    /// A SCIM error body (RFC 7644 §3.12) with the status it came with.
    pub fn assert_scim_error(&self, status: u16, what: &str) {
        assert_eq!(self.status, status, "{what}: HTTP status; body {}", self.body);
        let schemas = self.body["schemas"].as_array().cloned().unwrap_or_default();
        assert!(
            schemas.iter().any(|s| s == "urn:ietf:params:scim:api:messages:2.0:Error"),
            "{what}: the body is a SCIM error: {}",
            self.body
        );
        assert_eq!(self.body["status"].as_str(), Some(status.to_string().as_str()), "{what}: SCIM error status");
        assert!(self.body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{what}: SCIM error detail");
    }
}

/// The sandbox seen through its own protocol, not through Bailiwick.
pub struct Directory {
    issuer: String,
    client_id: String,
    scim_base: String,
}

/// A string value `key = "…"` of the profile TOML (the sandbox writes plain basic strings).
fn toml_value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix(key))
        .filter_map(|rest| rest.trim_start().strip_prefix('='))
        .filter_map(|v| v.trim().strip_prefix('"').and_then(|v| v.strip_suffix('"')))
        .map(str::to_owned)
        .next()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
}

fn http() -> reqwest::Client {
    // Redirects are shown, not followed: the code arrives in a redirect to the callback.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// The hidden fields of the sign-in form, as a browser would post them back.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for chunk in html.split("<input type=\"hidden\" ").skip(1) {
        let attribute = |name: &str| chunk.split(&format!("{name}=\"")).nth(1).and_then(|s| s.split('"').next());
        let (Some(name), Some(value)) = (attribute("name"), attribute("value")) else { continue };
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

impl Directory {
    pub fn of(sandbox: &SandboxProcess) -> Directory {
        let text = std::fs::read_to_string(&sandbox.profile).expect("the sandbox's profile is readable");
        let get = |key: &str| toml_value(&text, key).unwrap_or_else(|| panic!("the profile has no {key}:\n{text}"));
        Directory { issuer: get("issuer"), client_id: get("client_id"), scim_base: get("base_url") }
    }

    /// An access token for a demo admin: authorization code flow with PKCE S256, by hand.
    pub fn token(&self, admin: &str) -> String {
        runtime().block_on(async {
            let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
            let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            let client = http();
            let authorize = format!("{}/authorize", self.issuer);
            let page = client
                .get(&authorize)
                .query(&[
                    ("response_type", "code"),
                    ("client_id", self.client_id.as_str()),
                    ("redirect_uri", REDIRECT),
                    ("scope", "openid profile email offline_access"),
                    ("state", "ground-truth"),
                    ("nonce", "ground-truth-nonce"),
                    ("code_challenge", challenge.as_str()),
                    ("code_challenge_method", "S256"),
                ])
                .send()
                .await
                .expect("the sign-in page");
            assert_eq!(page.status(), 200, "the sandbox shows its sign-in page");
            let html = page.text().await.expect("the sign-in page's HTML");
            let mut form = hidden_fields(&html);
            form.push(("username".into(), admin.into()));
            form.push(("password".into(), "demo".into()));
            let posted = client.post(&authorize).form(&form).send().await.expect("the sign-in form post");
            assert!(posted.status().is_redirection(), "{admin} signs in with the demo password: {}", posted.status());
            let location = posted
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .and_then(|l| url::Url::parse(l).ok())
                .expect("the sign-in redirects to the callback");
            let code = location
                .query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| panic!("no code in {location}"));
            let answer = client
                .post(format!("{}/token", self.issuer))
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", verifier.as_str()),
                    ("client_id", self.client_id.as_str()),
                ])
                .send()
                .await
                .expect("the token request");
            assert_eq!(answer.status(), 200, "the code is exchanged for tokens");
            let tokens: Value = answer.json().await.expect("the token response is JSON");
            tokens["access_token"].as_str().expect("an access token").to_owned()
        })
    }

    /// Any SCIM request; `path` is relative to the SCIM base (`/Users/…`).
    pub fn request(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Reply {
        runtime().block_on(async {
            let mut request = http()
                .request(method.clone(), format!("{}{path}", self.scim_base))
                .bearer_auth(token)
                .header("accept", "application/scim+json");
            if let Some(body) = body {
                request = request.header("content-type", "application/scim+json").body(body.to_string());
            }
            if let Some(tag) = if_match {
                request = request.header("if-match", tag);
            }
            let response = request.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
            let status = response.status().as_u16();
            let etag = response.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let text = response.text().await.unwrap_or_default();
            let body =
                if text.trim().is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(json!(text)) };
            Reply { status, body, etag }
        })
    }

    pub fn get(&self, token: &str, path: &str) -> Reply {
        self.request(token, reqwest::Method::GET, path, None, None)
    }

    /// A resource that must exist.
    pub fn resource(&self, token: &str, path: &str) -> Value {
        let reply = self.get(token, path);
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
        reply.body
    }

    pub fn patch(&self, token: &str, path: &str, operations: Value, if_match: Option<&str>) -> Reply {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
        self.request(token, reqwest::Method::PATCH, path, Some(&body), if_match)
    }

    pub fn post(&self, token: &str, path: &str, body: &Value) -> Reply {
        self.request(token, reqwest::Method::POST, path, Some(body), None)
    }

    /// Resources of one type matching a SCIM filter (first page of up to 200 is enough here).
    pub fn find(&self, token: &str, kind: &str, filter: &str) -> Vec<Value> {
        let path = format!(
            "/{kind}?count=200&filter={}",
            url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
        );
        let reply = self.get(token, &path);
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
        reply.body["Resources"].as_array().cloned().unwrap_or_default()
    }

    /// A user by userName, as the server holds it now.
    pub fn user(&self, token: &str, user_name: &str) -> Option<Value> {
        self.find(token, "Users", &format!("userName eq \"{user_name}\""))
            .into_iter()
            .find(|u| u["userName"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(user_name)))
    }

    /// A user that must exist.
    pub fn existing_user(&self, token: &str, user_name: &str) -> Value {
        self.user(token, user_name).unwrap_or_else(|| panic!("the server has no user {user_name}"))
    }

    /// A role's group by displayName.
    pub fn group(&self, token: &str, name: &str) -> Value {
        self.find(token, "Groups", &format!("displayName eq \"{name}\""))
            .into_iter()
            .find(|g| g["displayName"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .unwrap_or_else(|| panic!("the server has no group {name}"))
    }

    /// The member ids of a role's group (those `token` may see), read fresh.
    pub fn members(&self, token: &str, role: &str) -> Vec<String> {
        let id = self.group(token, role)["id"].as_str().expect("a group id").to_owned();
        let group = self.resource(token, &format!("/Groups/{id}"));
        group["members"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["value"].as_str().map(str::to_owned))
            .collect()
    }

    pub fn is_member(&self, token: &str, role: &str, user_id: &str) -> bool {
        self.members(token, role).iter().any(|m| m == user_id)
    }

    pub fn grant(&self, token: &str, id: &str) -> Value {
        self.resource(token, &format!("/Grants/{id}"))
    }

    /// Every grant `token` may see.
    pub fn grants(&self, token: &str) -> Vec<Value> {
        let reply = self.get(token, "/Grants?count=500");
        assert_eq!(reply.status, 200, "GET /Grants: {}", reply.body);
        reply.body["Resources"].as_array().cloned().unwrap_or_default()
    }
}

/// A user's BU as the server holds it.
pub fn division(user: &Value) -> Option<&str> {
    user[ENTERPRISE]["division"].as_str()
}

/// The id of a resource.
pub fn id_of(resource: &Value) -> String {
    resource["id"].as_str().unwrap_or_else(|| panic!("no id in {resource}")).to_owned()
}

/// Whether a server user holds a role (by the derived `groups` attribute).
pub fn holds(user: &Value, role: &str) -> bool {
    user["groups"].as_array().into_iter().flatten().any(|g| g["display"].as_str().is_some_and(|d| d == role))
}
