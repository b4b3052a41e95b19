//! Signing in to the sandbox for the benchmarks (examples share this file by `#[path]`).

use url::Url;

type Failure = Box<dyn std::error::Error>;

// RFC 7636 needs a fresh verifier per sign-in; these one-off benches against a throwaway
// loopback sandbox use a fixed pair (verifier and BASE64URL(SHA-256(verifier))).
const PKCE_VERIFIER: &str = "dBjftJeZ4CVP-mJ0rE4f4qaeCK2T0uWuI2PmAsBaP8k";
const PKCE_CHALLENGE: &str = "_0IEVLot5Rpvbs0qlVpaoRKea8PvwVVzheCsHC7gpP0";

/// The authorization-code flow with PKCE, as the desktop app does it, without a browser: the
/// sandbox's sign-in form is posted directly and its redirect read instead of followed.
pub async fn sign_in(http: &reqwest::Client, issuer: &str, admin: &str) -> Result<String, Failure> {
    let redirect_uri = "http://127.0.0.1:9/callback";
    let form = [
        ("response_type", "code"),
        ("client_id", "bailiwick-desktop"),
        ("redirect_uri", redirect_uri),
        ("scope", "openid profile email"),
        ("state", "bench"),
        ("code_challenge", PKCE_CHALLENGE),
        ("code_challenge_method", "S256"),
        ("username", admin),
        ("password", "demo"),
    ];
    let answer = http.post(format!("{issuer}/authorize")).form(&form).send().await?;
    let location = answer.headers().get(reqwest::header::LOCATION).ok_or("the sign-in was refused")?.to_str()?;
    let code = Url::parse(location)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or("no code in the redirect")?;
    let tokens: serde_json::Value = http
        .post(format!("{issuer}/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", PKCE_VERIFIER),
            ("client_id", "bailiwick-desktop"),
        ])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(tokens["access_token"].as_str().ok_or("no access_token")?.to_owned())
}
