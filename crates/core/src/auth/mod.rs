//! Sign-in: OpenID Connect Authorization Code + PKCE (S256) in the system browser, with a
//! loopback redirect (RFC 8252 §7.3), refresh with rotation, and sign-out (RFC 7009).
//!
//! The pieces, each small enough to test on its own:
//! - [`authorization`]: one sign-in attempt's secrets (PKCE verifier, `state`, `nonce`) and the
//!   checks the redirect must pass (state, RFC 9207 `iss`, provider errors);
//! - [`loopback`]: the listener on `127.0.0.1:{ephemeral}` that waits for exactly one redirect
//!   and answers the browser with a page saying what happened;
//! - [`claims`]: the admin context read from configurable claims;
//! - [`oidc`]: discovery, the code exchange, ID token validation, refresh, revocation;
//! - [`browser`] and [`token_store`]: the two effects behind traits (the system browser, the
//!   OS keyring) so tests can hand in their own; on Linux, [`secret_service`] keeps the one
//!   D-Bus connection the keyring's calls share.
//!
//! Every HTTP call of the core goes through [`http_client`], which never follows redirects:
//! a redirect on a token or discovery endpoint is either a misconfiguration or an attack
//! (openidconnect's documentation warns about exactly this, as it can leak credentials or
//! turn the client into an SSRF vector).

pub mod authorization;
pub mod bounded_http;
pub mod browser;
pub mod claims;
pub mod loopback;
pub mod oidc;
#[cfg(target_os = "linux")]
pub mod secret_service;
pub mod session;
pub mod token_store;

use std::time::Duration;

pub use browser::{Browser, SystemBrowser};
pub use oidc::{OidcClient, Revocation, SignOut, SignOutToken};
pub use session::Session;
pub use token_store::{KeyringBackend, KeyringSecret, KeyringTokenStore, TokenStore};

/// How long to wait for a TCP connection to the IAM.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long any single request to the IAM or the directory may take, start to end.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The HTTP client everything in the core shares: rustls, no redirects, bounded in time.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("Bailiwick/", env!("CARGO_PKG_VERSION")))
        .build()
        // Building fails only when the TLS backend cannot initialise; rustls with its built-in
        // roots and the default resolver have no such failure, so this is a build defect.
        .expect("the HTTP client configuration is valid")
}

/// Why a sign-in (or a refresh or sign-out) failed: one variant per cause, so that tests and
/// the UI can tell them apart. No variant carries a token.
#[derive(Debug, thiserror::Error)]
pub enum SignInFailure {
    #[error("discovery at {url} failed: {reason}")]
    Discovery { url: String, reason: String },

    #[error("the provider announces issuer {found}, but the profile names {expected}")]
    IssuerMismatch { expected: String, found: String },

    #[error("the provider's {endpoint} endpoint {url} does not use https (plain http is allowed on loopback only)")]
    InsecureEndpoint { endpoint: &'static str, url: String },

    #[error("the provider offers no {0} endpoint, which Bailiwick needs")]
    MissingEndpoint(&'static str),

    #[error("the provider does not announce PKCE with S256 (`code_challenge_methods_supported`); Bailiwick signs in only with PKCE (RFC 9700 §2.1.1)")]
    PkceNotSupported,

    #[error("the provider's {endpoint} response is larger than {limit} bytes; refused")]
    ResponseTooLarge { endpoint: String, limit: usize },

    #[error("cannot listen for the browser's redirect on 127.0.0.1: {0}")]
    Listener(#[source] std::io::Error),

    #[error("cannot open the browser: {0}")]
    Browser(String),

    #[error("no sign-in arrived from the browser within {} seconds; sign in again", .0.as_secs())]
    TimedOut(std::time::Duration),

    #[error("{}", authorization::describe_provider_error(error, description.as_deref()))]
    Provider { error: String, description: Option<String> },

    #[error("the sign-in response does not belong to this sign-in (its `state` differs): a stale or forged response; sign in again")]
    StateMismatch,

    #[error("the sign-in response carries no `state`: a forged response or a broken provider; sign in again")]
    StateMissing,

    #[error("the sign-in response carries neither an authorization code nor an error")]
    CodeMissing,

    #[error("the sign-in response comes from issuer {found}, not {expected} (a mix-up attack or a misconfigured provider, RFC 9207)")]
    ResponseIssuerMismatch { expected: String, found: String },

    #[error("the sign-in response carries no `iss` although the provider announces it (RFC 9207)")]
    ResponseIssuerMissing,

    #[error("the token endpoint refused the authorization code: {0}")]
    CodeExchange(String),

    #[error("the token endpoint refused the authorization code as invalid, used or not issued to this sign-in (a replayed or injected code; PKCE): {0}")]
    CodeRejected(String),

    #[error("the token response carries no ID token")]
    IdTokenMissing,

    #[error("the ID token's signature is not valid: {0}")]
    IdTokenSignature(String),

    #[error("the ID token is not signed (`alg: none`); refused")]
    IdTokenUnsigned,

    #[error("the ID token is signed with an algorithm Bailiwick refuses: {0}")]
    IdTokenAlgorithm(String),

    #[error("the ID token is signed with a key the provider does not publish, even after fetching its keys again")]
    IdTokenUnknownKey,

    #[error("the ID token is not a well-formed signed JWT: {0}")]
    IdTokenMalformed(String),

    #[error("the ID token was issued by someone else: {0}")]
    IdTokenIssuer(String),

    #[error("the ID token is meant for another client: {0}")]
    IdTokenAudience(String),

    #[error("the ID token is outside its validity period: {0}")]
    IdTokenTime(String),

    #[error("the ID token claims to be issued in the future: {0}")]
    IdTokenIssuedInFuture(String),

    #[error("the ID token was issued to another party (`azp`): {0}")]
    IdTokenAuthorizedParty(String),

    #[error("the ID token's nonce does not match this sign-in (a replayed or injected token): {0}")]
    IdTokenNonce(String),

    #[error("the ID token is not valid: {0}")]
    IdTokenInvalid(String),

    #[error("the userinfo endpoint failed: {0}")]
    UserInfo(String),

    #[error("the provider sent no `{claim}` claim, neither in the ID token nor from userinfo; check [claims] in the profile")]
    ClaimMissing { claim: String },

    #[error("the `{claim}` claim is malformed: {reason}")]
    ClaimMalformed { claim: String, reason: String },

    #[error("the token endpoint refused the refresh: {0}")]
    Refresh(String),

    #[error("the provider answered a refresh for subject {expected} with an ID token for {found}")]
    SubjectChanged { expected: String, found: String },

    #[error("the provider refused to revoke the token: {0}")]
    Revocation(String),
}
