//! One sign-in attempt: the secrets it generates and the checks its redirect must pass.
//!
//! The PKCE verifier, `state` and `nonce` are fresh 256-bit random values for every attempt
//! and live only in memory until the attempt ends. `state` binds the redirect to this attempt
//! (CSRF), PKCE binds the code to this process (a code stolen from the redirect is useless),
//! the nonce binds the ID token to this attempt (replay), and `iss` (RFC 9207) tells which
//! provider sent the redirect (mix-up).

use openidconnect::{AuthorizationCode, CsrfToken, Nonce, PkceCodeChallenge, PkceCodeVerifier};
use url::Url;

use super::SignInFailure;

const SECRET_BYTES: u32 = 32;

/// The secrets of one authorization request.
pub struct AuthorizationRequest {
    pub state: CsrfToken,
    pub nonce: Nonce,
    pub pkce_challenge: PkceCodeChallenge,
    pub pkce_verifier: PkceCodeVerifier,
}

impl AuthorizationRequest {
    /// Fresh random values of 32 bytes each, base64url (openidconnect draws them from the
    /// OS RNG). Its defaults for state and nonce are 16 bytes; 256 bits leaves no doubt.
    pub fn new() -> Self {
        let (pkce_challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256_len(SECRET_BYTES);
        Self {
            state: CsrfToken::new_random_len(SECRET_BYTES),
            nonce: Nonce::new_random_len(SECRET_BYTES),
            pkce_challenge,
            pkce_verifier,
        }
    }

    /// Checks the redirect's query against this request and returns the authorization code.
    ///
    /// Order matters: `state` first, so that nothing (not even an error message the provider
    /// sent) is believed from a response that does not belong to this attempt.
    pub fn accept(&self, response: &CallbackParams, issuer: &IssuerCheck) -> Result<AuthorizationCode, SignInFailure> {
        match &response.state {
            None => return Err(SignInFailure::StateMissing),
            Some(state) if !constant_time_eq(state.as_bytes(), self.state.secret().as_bytes()) => {
                return Err(SignInFailure::StateMismatch)
            }
            Some(_) => {}
        }
        match (&response.iss, issuer.advertised) {
            (Some(found), _) if found != &issuer.expected => {
                return Err(SignInFailure::ResponseIssuerMismatch {
                    expected: issuer.expected.clone(),
                    found: found.clone(),
                })
            }
            (None, true) => return Err(SignInFailure::ResponseIssuerMissing),
            _ => {}
        }
        if let Some(error) = &response.error {
            return Err(SignInFailure::Provider {
                error: error.clone(),
                description: response.error_description.clone(),
            });
        }
        match &response.code {
            Some(code) if !code.is_empty() => Ok(AuthorizationCode::new(code.clone())),
            _ => Err(SignInFailure::CodeMissing),
        }
    }
}

impl Default for AuthorizationRequest {
    fn default() -> Self {
        Self::new()
    }
}

/// What the provider says about `iss` in authorization responses (RFC 9207).
#[derive(Debug, Clone)]
pub struct IssuerCheck {
    /// The issuer exactly as discovery announced it.
    pub expected: String,
    /// `authorization_response_iss_parameter_supported`: when true, a response without `iss`
    /// is refused. When false, an `iss` that is present is still compared (RFC 9207 §2.4).
    pub advertised: bool,
}

/// The parameters of the redirect to `/callback`, as they arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl CallbackParams {
    /// Reads the query of a redirect URL. A parameter sent twice is an ambiguity an attacker
    /// could exploit (which one does the next component read?), so it empties the field and
    /// the checks then fail safely.
    pub fn from_url(url: &Url) -> Self {
        let mut params = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in url.query_pairs() {
            let slot = match key.as_ref() {
                "code" => &mut params.code,
                "state" => &mut params.state,
                "iss" => &mut params.iss,
                "error" => &mut params.error,
                "error_description" => &mut params.error_description,
                _ => continue,
            };
            if seen.iter().any(|k| k == key.as_ref()) {
                *slot = None;
                continue;
            }
            seen.push(key.to_string());
            *slot = Some(value.into_owned());
        }
        params
    }
}

/// A message a person can act on, for the standard error codes (RFC 6749 §4.1.2.1,
/// OpenID Connect Core §3.1.2.6). The provider's description is attacker-influenced text that
/// ends up in the UI: it is shortened and stripped of control characters.
pub fn describe_provider_error(error: &str, description: Option<&str>) -> String {
    let meaning = match error {
        "access_denied" => "the sign-in was declined (by you, or by a policy of the identity provider)",
        "login_required" | "interaction_required" | "account_selection_required" => {
            "the identity provider needs you to sign in interactively"
        }
        "consent_required" => "the identity provider needs your consent for Bailiwick",
        "invalid_scope" => "the identity provider does not allow the scopes the profile asks for",
        "unauthorized_client" => "the identity provider does not allow this client to sign in this way",
        "unsupported_response_type" => "the identity provider does not support the authorization code flow for this client",
        "invalid_request" | "invalid_request_uri" | "invalid_request_object" => {
            "the identity provider rejected the sign-in request (check the profile's client id and the client's redirect URI http://127.0.0.1/callback)"
        }
        "server_error" => "the identity provider had an internal error; try again",
        "temporarily_unavailable" => "the identity provider is temporarily unavailable; try again later",
        _ => "the identity provider refused the sign-in",
    };
    let code = sanitize(error, 64);
    match description.map(|d| sanitize(d, 300)).filter(|d| !d.is_empty()) {
        Some(detail) => format!("{meaning} ({code}: {detail})"),
        None => format!("{meaning} ({code})"),
    }
}

fn sanitize(text: &str, max_chars: usize) -> String {
    let cleaned: String = text.chars().filter(|c| !c.is_control()).take(max_chars + 1).collect();
    if cleaned.chars().count() > max_chars {
        format!("{}…", cleaned.chars().take(max_chars).collect::<String>())
    } else {
        cleaned
    }
}

/// Comparison whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};

    use super::*;

    fn issuer(advertised: bool) -> IssuerCheck {
        IssuerCheck { expected: "https://iam.example.com".into(), advertised }
    }

    fn response_for(request: &AuthorizationRequest) -> CallbackParams {
        CallbackParams {
            code: Some("the-code".into()),
            state: Some(request.state.secret().clone()),
            iss: Some("https://iam.example.com".into()),
            ..Default::default()
        }
    }

    #[test]
    fn every_attempt_gets_fresh_high_entropy_secrets() {
        let a = AuthorizationRequest::new();
        let b = AuthorizationRequest::new();
        assert_ne!(a.state.secret(), b.state.secret(), "state must differ per attempt");
        assert_ne!(a.nonce.secret(), b.nonce.secret(), "nonce must differ per attempt");
        assert_ne!(a.pkce_verifier.secret(), b.pkce_verifier.secret(), "PKCE verifier must differ per attempt");
        // 32 random bytes in base64url without padding are 43 characters; RFC 7636 asks for 43..=128.
        for secret in [a.state.secret(), a.nonce.secret(), a.pkce_verifier.secret()] {
            assert!(secret.len() >= 43, "too short to carry 256 bits: {}", secret.len());
        }
    }

    #[test]
    fn pkce_challenge_is_s256_of_the_verifier() {
        let request = AuthorizationRequest::new();
        let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(request.pkce_verifier.secret().as_bytes()));
        assert_eq!(request.pkce_challenge.method().as_str(), "S256", "only S256, never plain");
        assert_eq!(request.pkce_challenge.as_str(), expected);
    }

    #[test]
    fn matching_response_yields_the_code() {
        let request = AuthorizationRequest::new();
        let code = request.accept(&response_for(&request), &issuer(true)).expect("a matching response is accepted");
        assert_eq!(code.secret(), "the-code");
    }

    #[test]
    fn wrong_state_is_refused() {
        let request = AuthorizationRequest::new();
        let mut response = response_for(&request);
        response.state = Some(AuthorizationRequest::new().state.secret().clone());
        let err = request.accept(&response, &issuer(true)).expect_err("another attempt's state must be refused");
        assert!(matches!(err, SignInFailure::StateMismatch), "got {err:?}");
    }

    #[test]
    fn missing_state_is_refused_even_with_a_provider_error() {
        let request = AuthorizationRequest::new();
        let response = CallbackParams { error: Some("access_denied".into()), ..Default::default() };
        let err = request.accept(&response, &issuer(false)).expect_err("no state, no trust");
        assert!(matches!(err, SignInFailure::StateMissing), "got {err:?}");
    }

    #[test]
    fn provider_error_becomes_a_clear_message() {
        let request = AuthorizationRequest::new();
        let response = CallbackParams {
            state: Some(request.state.secret().clone()),
            error: Some("access_denied".into()),
            error_description: Some("user said no\r\nInjected: header".into()),
            ..Default::default()
        };
        let err = request.accept(&response, &issuer(false)).expect_err("a provider error fails the sign-in");
        let message = err.to_string();
        assert!(matches!(err, SignInFailure::Provider { .. }), "got {err:?}");
        assert!(message.contains("declined"), "says what happened: {message}");
        assert!(message.contains("user said no"), "keeps the provider's words: {message}");
        assert!(!message.contains('\n') && !message.contains('\r'), "control characters stripped: {message:?}");
    }

    #[test]
    fn issuer_mismatch_is_refused_whether_or_not_advertised() {
        let request = AuthorizationRequest::new();
        let mut response = response_for(&request);
        response.iss = Some("https://evil.example.com".into());
        for advertised in [true, false] {
            let err = request.accept(&response, &issuer(advertised)).expect_err("mix-up must be refused");
            assert!(matches!(err, SignInFailure::ResponseIssuerMismatch { .. }), "advertised={advertised}: {err:?}");
        }
    }

    #[test]
    fn missing_iss_is_refused_only_when_the_provider_promises_it() {
        let request = AuthorizationRequest::new();
        let mut response = response_for(&request);
        response.iss = None;
        let err = request.accept(&response, &issuer(true)).expect_err("promised iss is missing");
        assert!(matches!(err, SignInFailure::ResponseIssuerMissing), "got {err:?}");
        request.accept(&response, &issuer(false)).expect("providers without RFC 9207 send no iss");
    }

    #[test]
    fn missing_code_is_refused() {
        let request = AuthorizationRequest::new();
        let mut response = response_for(&request);
        response.code = None;
        let err = request.accept(&response, &issuer(true)).expect_err("no code, no sign-in");
        assert!(matches!(err, SignInFailure::CodeMissing), "got {err:?}");
    }

    #[test]
    fn callback_query_is_parsed_and_duplicates_are_dropped() {
        let url = Url::parse("http://127.0.0.1:5000/callback?code=c1&state=s1&iss=https%3A%2F%2Fiam&extra=x")
            .expect("valid url");
        let params = CallbackParams::from_url(&url);
        assert_eq!(params.code.as_deref(), Some("c1"));
        assert_eq!(params.state.as_deref(), Some("s1"));
        assert_eq!(params.iss.as_deref(), Some("https://iam"));

        let twice = Url::parse("http://127.0.0.1:5000/callback?code=c1&state=s1&state=s2").expect("valid url");
        assert_eq!(CallbackParams::from_url(&twice).state, None, "an ambiguous state must not be trusted");
    }

    #[test]
    fn long_descriptions_are_shortened() {
        let message = describe_provider_error("server_error", Some(&"x".repeat(5000)));
        assert!(message.len() < 600, "description must be bounded: {} bytes", message.len());
    }
}
