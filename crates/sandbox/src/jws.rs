//! ES256 (P-256) signing of ID tokens and the JWKS that publishes the key.
//!
//! A compact JWS is three base64url parts; writing it by hand takes a few lines and keeps the
//! sandbox free of a JOSE library whose algorithm negotiation we would then have to audit.
//! The key is generated on first start and kept in the SQLite file, so tokens issued before a
//! restart still verify after it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use rusqlite::Connection;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::store;
use crate::SandboxError;

pub struct Es256Key {
    signing: SigningKey,
    kid: String,
}

impl Es256Key {
    pub fn load_or_create(conn: &Connection) -> Result<Self, SandboxError> {
        let signing = match store::setting(conn, "es256_private_key")? {
            Some(encoded) => {
                let bytes = URL_SAFE_NO_PAD
                    .decode(encoded)
                    .map_err(|e| SandboxError::SigningKey(format!("stored key is not base64url: {e}")))?;
                SigningKey::from_slice(&bytes).map_err(|e| SandboxError::SigningKey(e.to_string()))?
            }
            None => {
                let key = SigningKey::random(&mut rand::rngs::OsRng);
                store::set_setting(conn, "es256_private_key", &URL_SAFE_NO_PAD.encode(key.to_bytes()))?;
                key
            }
        };
        let kid = thumbprint(signing.verifying_key());
        Ok(Self { signing, kid })
    }

    #[cfg(test)]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn jwk(&self) -> Value {
        let (x, y) = coordinates(self.signing.verifying_key());
        json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "use": "sig", "alg": "ES256", "kid": self.kid})
    }

    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "ES256", "typ": "JWT", "kid": self.kid});
        let signing_input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature: Signature = self.signing.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    /// The claims of a JWT this key signed, or None for anything else (another key, another
    /// algorithm, a forged or malformed token). Expiry is not checked: `id_token_hint` may be
    /// an expired ID token (OpenID Connect RP-Initiated Logout §2).
    pub fn verify(&self, jwt: &str) -> Option<Value> {
        let mut parts = jwt.split('.');
        let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        if header.get("alg")?.as_str()? != "ES256" {
            return None;
        }
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?).ok()?;
        self.signing
            .verifying_key()
            .verify(format!("{}.{payload}", jwt.split('.').next()?).as_bytes(), &signature)
            .ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}

fn coordinates(key: &VerifyingKey) -> (String, String) {
    let point = key.to_encoded_point(false);
    let x = point.x().map(|x| URL_SAFE_NO_PAD.encode(x)).unwrap_or_default();
    let y = point.y().map(|y| URL_SAFE_NO_PAD.encode(y)).unwrap_or_default();
    (x, y)
}

/// RFC 7638 JWK thumbprint, a stable key id that changes exactly when the key does.
fn thumbprint(key: &VerifyingKey) -> String {
    let (x, y) = coordinates(key);
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// 256 random bits, base64url: codes, access and refresh tokens.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::Rng::gen(&mut rand::rngs::OsRng);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The S256 code challenge of a PKCE verifier (RFC 7636 §4.2).
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_tokens_verify_and_tampered_ones_do_not() {
        let conn = store::open(None).expect("in-memory db");
        let key = Es256Key::load_or_create(&conn).expect("key");
        let jwt = key.sign(&json!({"sub": "u1"}));
        assert_eq!(key.verify(&jwt).and_then(|c| c["sub"].as_str().map(str::to_owned)).as_deref(), Some("u1"));
        let mut parts: Vec<&str> = jwt.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"sub":"admin"}"#);
        parts[1] = &forged;
        assert!(key.verify(&parts.join(".")).is_none(), "a changed payload must not verify");
        let again = Es256Key::load_or_create(&conn).expect("key reloads");
        assert_eq!(again.kid(), key.kid(), "the stored key is reused, not regenerated");
    }

    #[test]
    fn s256_is_unpadded_base64url_of_sha256() {
        // Expected value computed independently with Python's hashlib and base64.
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU2p1r_wW1gFWFOEjXk"),
            "q4kBDKNrgzS8bDCkGXg71yviKVsRgSVuTTyTHQPhLYM"
        );
    }
}
