//! Sign-in against an independent, OpenID Certified provider: npm `oidc-provider`
//! (tests/peers/oidc-provider), started on an ephemeral loopback port for each test and killed
//! after it. The "browser" follows redirects with a cookie jar; the peer's interaction route
//! completes login and consent for the account named by `login_hint`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

use bailiwick_core::admin::Capability;
use bailiwick_core::auth::{self, Browser, OidcClient, Revocation, Session, SignInFailure};
use bailiwick_core::{Error, Profile};
use tokio::task::JoinHandle;
use url::Url;

const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(20);

fn peer_dir() -> PathBuf {
    // Cargo runs integration tests from the package directory (crates/core).
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers/oidc-provider")
}

/// `npm ci` once per test binary when the peer's dependencies are missing.
fn ensure_installed() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let dir = peer_dir();
        if dir.join("node_modules/oidc-provider").exists() {
            return;
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm must be installed to run the oidc-provider peer");
        assert!(status.success(), "npm ci in {} failed: {status}", dir.display());
    });
}

/// The running peer; killed when dropped, so a failing test does not leave it behind.
struct Peer {
    child: Child,
    issuer: String,
    /// What the peer wrote on stderr, for failure messages.
    stderr: Arc<Mutex<String>>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_peer() -> Peer {
    ensure_installed();
    let mut child = Command::new("node")
        .arg("server.mjs")
        .arg("0")
        .current_dir(peer_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node must be installed to run the oidc-provider peer");
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let (lines, ready) = mpsc::channel();
    std::thread::spawn(move || {
        // Keep draining after the ready line: a closed pipe would kill node (EPIPE) the next
        // time it logs a notice.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let errors = Arc::new(Mutex::new(String::new()));
    let errors_writer = Arc::clone(&errors);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut all = errors_writer.lock().expect("stderr buffer");
            all.push_str(&line);
            all.push('\n');
        }
    });
    let mut peer = Peer { child, issuer: String::new(), stderr: Arc::clone(&errors) };
    let deadline = std::time::Instant::now() + STARTUP_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match ready.recv_timeout(left) {
            Ok(line) => {
                if let Some(issuer) = line.strip_prefix("listening on ") {
                    peer.issuer = issuer.trim().to_owned();
                    return peer;
                }
            }
            Err(_) => panic!(
                "oidc-provider did not print its ready line within {STARTUP_TIMEOUT:?}; stderr:\n{}",
                errors.lock().expect("stderr buffer")
            ),
        }
    }
}

fn profile_for(issuer: &str) -> Profile {
    Profile::from_toml(
        &format!(
            r#"
name = "oidc-provider"
[oidc]
issuer = "{issuer}"
client_id = "bailiwick-desktop"
scopes = ["openid", "profile", "email", "offline_access"]
[scim]
base_url = "http://127.0.0.1:9/scim/v2"
"#
        ),
        "test profile",
    )
    .expect("the test profile is valid")
}

async fn discover(peer: &Peer) -> OidcClient {
    OidcClient::discover(&profile_for(&peer.issuer), auth::http_client()).await.expect("discovery succeeds")
}

/// A stand-in for the system browser: follows every redirect with a cookie jar, as a real
/// browser would, until a page that is not a redirect (our loopback listener's answer).
/// It runs on the test's runtime, because the listener must be polled while it works.
struct RedirectFollowingBrowser {
    login_hint: String,
    visit: Mutex<Option<JoinHandle<Result<String, String>>>>,
}

impl RedirectFollowingBrowser {
    fn new(login_hint: &str) -> Self {
        Self { login_hint: login_hint.to_owned(), visit: Mutex::new(None) }
    }

    /// The body of the last page the browser showed.
    async fn final_page(&self) -> String {
        let visit = self.visit.lock().expect("visit slot").take().expect("the browser was opened");
        visit.await.expect("the browser task ran").expect("the browser reached a final page")
    }
}

impl Browser for RedirectFollowingBrowser {
    fn open(&self, url: &Url) -> Result<(), Error> {
        let mut url = url.clone();
        url.query_pairs_mut().append_pair("login_hint", &self.login_hint);
        let visit = tokio::runtime::Handle::current().spawn(async move {
            let client = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| e.to_string())?;
            let mut next = url;
            for _ in 0..20 {
                let response = client
                    .get(next.clone())
                    .send()
                    .await
                    .map_err(|e| format!("GET {next}: {e}: {:?}", std::error::Error::source(&e)))?;
                if !response.status().is_redirection() {
                    return response.text().await.map_err(|e| e.to_string());
                }
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or("redirect without Location")?;
                next = next.join(location).map_err(|e| e.to_string())?;
            }
            Err("too many redirects".into())
        });
        *self.visit.lock().expect("visit slot") = Some(visit);
        Ok(())
    }
}

/// Signs in as `account`; on failure, says what the browser saw.
async fn sign_in_as(peer: &Peer, oidc: &OidcClient, account: &str) -> (Session, String) {
    let browser = RedirectFollowingBrowser::new(account);
    match oidc.sign_in(&browser, SIGN_IN_TIMEOUT).await {
        Ok(session) => (session, browser.final_page().await),
        Err(e) => {
            let visit = browser.visit.lock().expect("slot").take().expect("opened");
            panic!(
                "{account} could not sign in: {e:?}; the browser saw: {:?}; the provider said:\n{}",
                visit.await,
                peer.stderr.lock().expect("stderr buffer")
            )
        }
    }
}

fn scopes(admin: &bailiwick_core::AdminContext) -> Vec<&str> {
    admin.bu_scopes.paths().iter().map(|p| p.as_str()).collect()
}

#[tokio::test]
async fn sign_in_reads_the_admin_context_and_refresh_rotates_the_token() {
    let peer = start_peer();
    let oidc = discover(&peer).await;
    let (session, page) = sign_in_as(&peer, &oidc, "ada.emea").await;
    assert!(page.contains("Signed in") && page.contains("ada.emea"), "the browser is told: {page}");
    assert!(page.contains("close this window"), "{page}");

    assert_eq!(session.admin.subject, "ada.emea");
    assert_eq!(session.admin.display_name, "ada.emea");
    assert_eq!(scopes(&session.admin), ["EMEA"]);
    assert_eq!(session.admin.capabilities, Capability::ALL.to_vec(), "ada holds every capability");
    assert!(session.id_token().is_some(), "the ID token is kept for the session");
    assert!(
        session.access_expires_at().is_some_and(|at| at > chrono::Utc::now()),
        "the access token's expiry is known and in the future"
    );
    let first = session.refresh_token().cloned().expect("offline_access + prompt=consent yields a refresh token");

    let refreshed = oidc.refresh(&first).await.expect("the refresh token is accepted");
    let second = refreshed.refresh_token().cloned().expect("a rotated refresh token");
    assert_ne!(second, first, "the provider rotates refresh tokens for public clients");
    assert_ne!(refreshed.access_token(), session.access_token(), "a new access token");
    assert_eq!(refreshed.admin, session.admin, "the refreshed ID token carries the same context");

    let third = oidc.refresh(&second).await.expect("the rotated token works").refresh_token().cloned();
    let third = third.expect("rotated again");

    let reuse = oidc.refresh(&first).await.expect_err("an already used refresh token must be refused");
    assert!(matches!(reuse, Error::SignInNeeded(_)), "reuse means signing in again: {reuse:?}");
    let after_reuse = oidc.refresh(&third).await.expect_err("reuse detection revokes the whole grant");
    assert!(matches!(after_reuse, Error::SignInNeeded(_)), "got {after_reuse:?}");
}

#[tokio::test]
async fn sign_out_revokes_and_offers_the_end_session_url() {
    let peer = start_peer();
    let oidc = discover(&peer).await;
    let (session, _) = sign_in_as(&peer, &oidc, "ravi.apac").await;
    assert_eq!(scopes(&session.admin), ["APAC/IN"], "a second admin has another scope");
    assert_eq!(session.admin.capabilities, [Capability::ManageUsers, Capability::ManageRoles, Capability::IssueGrants]);
    let refresh = session.refresh_token().cloned().expect("refresh token");

    let signed_out = oidc.sign_out(&session).await;
    assert!(matches!(signed_out.revocation, Revocation::Revoked), "got {:?}", signed_out.revocation);
    let end = signed_out.end_session_url.expect("oidc-provider offers RP-initiated logout");
    assert_eq!(end.as_str().split('?').next(), Some(format!("{}/session/end", peer.issuer).as_str()));
    assert!(end.query_pairs().any(|(k, v)| k == "client_id" && v == "bailiwick-desktop"), "{end}");

    let err = oidc.refresh(&refresh).await.expect_err("a revoked refresh token is refused");
    assert!(matches!(err, Error::SignInNeeded(_)), "got {err:?}");
}

#[tokio::test]
async fn string_claims_and_userinfo_only_claims_are_read() {
    let peer = start_peer();
    let oidc = discover(&peer).await;

    let (paula, _) = sign_in_as(&peer, &oidc, "paula.partners").await;
    assert_eq!(scopes(&paula.admin), ["AMER"], "space-separated string claim");
    assert_eq!(paula.admin.capabilities, [Capability::IssueGrants]);

    let (cora, _) = sign_in_as(&peer, &oidc, "cora.compliance").await;
    assert_eq!(scopes(&cora.admin), ["EMEA"], "claims absent from the ID token come from userinfo");
    assert_eq!(cora.admin.capabilities, [Capability::Review, Capability::Audit]);

    // After a refresh the ID token still lacks them; userinfo again.
    let refreshed = oidc.refresh(cora.refresh_token().expect("refresh token")).await.expect("refresh");
    assert_eq!(refreshed.admin, cora.admin);
}

/// A browser that does not go to the provider at all but calls our redirect URI itself,
/// as a malicious local page could: first a wrong path, then a forged response.
struct ForgingBrowser {
    state: &'static str,
    visit: Mutex<Option<JoinHandle<(u16, u16)>>>,
}

impl Browser for ForgingBrowser {
    fn open(&self, url: &Url) -> Result<(), Error> {
        let redirect = url
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| Url::parse(&v).expect("redirect_uri is a URL"))
            .expect("the authorize URL names its redirect_uri");
        let state = self.state;
        let visit = tokio::runtime::Handle::current().spawn(async move {
            let client = reqwest::Client::new();
            let stray = redirect.join("/favicon.ico").expect("url");
            let stray_status = client.get(stray).send().await.expect("listener answers").status().as_u16();
            let mut forged = redirect.clone();
            forged.query_pairs_mut().append_pair("code", "stolen-code").append_pair("state", state);
            let forged_status = client.get(forged).send().await.expect("listener answers").status().as_u16();
            (stray_status, forged_status)
        });
        *self.visit.lock().expect("slot") = Some(visit);
        Ok(())
    }
}

struct AbsentBrowser;

impl Browser for AbsentBrowser {
    fn open(&self, _url: &Url) -> Result<(), Error> {
        Ok(())
    }
}

#[tokio::test]
async fn refusals_are_specific_errors() {
    let peer = start_peer();
    let oidc = discover(&peer).await;

    // The provider refuses (unknown account → access_denied in the peer).
    let browser = RedirectFollowingBrowser::new("mallory.nobody");
    let err = oidc.sign_in(&browser, SIGN_IN_TIMEOUT).await.expect_err("unknown account is refused");
    assert!(
        matches!(&err, Error::SignIn(SignInFailure::Provider { error, .. }) if error == "access_denied"),
        "got {err:?}"
    );
    assert!(err.to_string().contains("declined"), "a clear message: {err}");
    let page = browser.final_page().await;
    assert!(page.contains("Sign-in failed"), "the browser is told: {page}");

    // A forged redirect: the stray request gets 404 and the wait goes on; the wrong state fails.
    let forging = ForgingBrowser { state: "not-the-state", visit: Mutex::new(None) };
    let err = oidc.sign_in(&forging, SIGN_IN_TIMEOUT).await.expect_err("forged state is refused");
    assert!(matches!(err, Error::SignIn(SignInFailure::StateMismatch)), "got {err:?}");
    let visit = forging.visit.lock().expect("slot").take().expect("opened");
    let (stray, forged) = visit.await.expect("forging task");
    assert_eq!(stray, 404, "a wrong path is not the callback");
    assert_eq!(forged, 200, "the forged request still gets a page explaining the failure");

    // Nobody comes back.
    let err = oidc.sign_in(&AbsentBrowser, Duration::from_millis(500)).await.expect_err("times out");
    assert!(matches!(err, Error::SignIn(SignInFailure::TimedOut(_))), "got {err:?}");

    // A profile naming another issuer than the one the provider announces.
    let other = peer.issuer.replace("127.0.0.1", "localhost");
    let err = OidcClient::discover(&profile_for(&other), auth::http_client()).await.expect_err("issuer mismatch");
    assert!(matches!(err, Error::SignIn(SignInFailure::IssuerMismatch { .. })), "got {err:?}");
}
