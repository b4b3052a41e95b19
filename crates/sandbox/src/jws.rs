//! ID-token signing keys (ES256 and RS256), their rotation, and the JWKS that publishes them.
//!
//! A compact JWS is three base64url parts; writing it by hand takes a few lines and keeps the
//! sandbox free of a JOSE library whose algorithm negotiation we would then have to audit.
//! Keys are generated on first start and kept in the SQLite file, so tokens issued before a
//! restart still verify after it.
//!
//! Both algorithms are published because relying parties differ: Entra and Okta sign with RS256
//! only, and a client that can verify ES256 alone would pass against the sandbox and fail there.
//! ID tokens are signed with ES256 unless asked otherwise.
//!
//! Rotation keeps exactly one previous generation in the JWKS: a token signed just before a
//! rotation must still verify (clients refetch the JWKS on an unknown `kid`), while a key two
//! rotations old is gone, as it is at a real provider once its overlap ends.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::{SignatureEncoding, Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::traits::PublicKeyParts;
use rusqlite::Connection;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::store;
use crate::SandboxError;

/// RSA modulus size: 2048 bits is the floor RFC 7518 §3.3 sets for RS256 and what providers use.
const RSA_BITS: usize = 2048;

/// The JWS algorithms the sandbox signs ID tokens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigningAlgorithm {
    #[default]
    Es256,
    Rs256,
}

impl SigningAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Rs256 => "RS256",
        }
    }
}

impl std::str::FromStr for SigningAlgorithm {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.to_ascii_uppercase().as_str() {
            "ES256" => Ok(Self::Es256),
            "RS256" => Ok(Self::Rs256),
            other => Err(format!("unsupported signing algorithm {other:?} (ES256 or RS256)")),
        }
    }
}

pub struct Es256Key {
    signing: SigningKey,
    kid: String,
}

impl Es256Key {
    fn generate() -> Self {
        Self::from_signing(SigningKey::random(&mut rand::rngs::OsRng))
    }

    fn from_signing(signing: SigningKey) -> Self {
        let kid = ec_thumbprint(signing.verifying_key());
        Self { signing, kid }
    }

    fn decode(encoded: &str) -> Result<Self, SandboxError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|e| SandboxError::SigningKey(format!("stored ES256 key is not base64url: {e}")))?;
        Ok(Self::from_signing(SigningKey::from_slice(&bytes).map_err(|e| SandboxError::SigningKey(e.to_string()))?))
    }

    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.signing.to_bytes())
    }

    fn jwk(&self) -> Value {
        let (x, y) = coordinates(self.signing.verifying_key());
        json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "use": "sig", "alg": "ES256", "kid": self.kid})
    }

    fn sign_bytes(&self, input: &[u8]) -> Vec<u8> {
        let signature: Signature = self.signing.sign(input);
        signature.to_bytes().to_vec()
    }

    fn verify_bytes(&self, input: &[u8], signature: &[u8]) -> bool {
        Signature::from_slice(signature).is_ok_and(|s| self.signing.verifying_key().verify(input, &s).is_ok())
    }
}

pub struct Rs256Key {
    signing: rsa::pkcs1v15::SigningKey<Sha256>,
    public: rsa::RsaPublicKey,
    kid: String,
}

impl Rs256Key {
    fn generate() -> Result<Self, SandboxError> {
        let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, RSA_BITS)
            .map_err(|e| SandboxError::SigningKey(format!("cannot generate an RSA key: {e}")))?;
        Ok(Self::from_private(private))
    }

    fn from_private(private: rsa::RsaPrivateKey) -> Self {
        let public = private.to_public_key();
        let kid = rsa_thumbprint(&public);
        Self { signing: rsa::pkcs1v15::SigningKey::new(private), public, kid }
    }

    fn decode(encoded: &str) -> Result<Self, SandboxError> {
        let der = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|e| SandboxError::SigningKey(format!("stored RS256 key is not base64url: {e}")))?;
        let private = rsa::RsaPrivateKey::from_pkcs1_der(&der)
            .map_err(|e| SandboxError::SigningKey(format!("stored RS256 key is not PKCS#1: {e}")))?;
        Ok(Self::from_private(private))
    }

    fn encode(&self) -> Result<String, SandboxError> {
        let der = self.signing.as_ref().to_pkcs1_der().map_err(|e| SandboxError::SigningKey(e.to_string()))?;
        Ok(URL_SAFE_NO_PAD.encode(der.as_bytes()))
    }

    fn jwk(&self) -> Value {
        let (n, e) = modulus_exponent(&self.public);
        json!({"kty": "RSA", "n": n, "e": e, "use": "sig", "alg": "RS256", "kid": self.kid})
    }

    fn sign_bytes(&self, input: &[u8]) -> Vec<u8> {
        self.signing.sign(input).to_vec()
    }

    fn verify_bytes(&self, input: &[u8], signature: &[u8]) -> bool {
        let verifying = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(self.public.clone());
        rsa::pkcs1v15::Signature::try_from(signature).is_ok_and(|s| verifying.verify(input, &s).is_ok())
    }
}

/// One ES256 and one RS256 key, created and retired together.
struct KeyGeneration {
    es256: Es256Key,
    rs256: Rs256Key,
}

impl KeyGeneration {
    fn generate() -> Result<Self, SandboxError> {
        Ok(Self { es256: Es256Key::generate(), rs256: Rs256Key::generate()? })
    }

    /// The stored generation under `prefix` ("" for the current one), or None when absent.
    fn load(conn: &Connection, prefix: &str) -> Result<Option<Self>, SandboxError> {
        let es256 = store::setting(conn, &format!("{prefix}es256_private_key"))?;
        let rs256 = store::setting(conn, &format!("{prefix}rs256_private_key"))?;
        match (es256, rs256) {
            (Some(es256), Some(rs256)) => {
                Ok(Some(Self { es256: Es256Key::decode(&es256)?, rs256: Rs256Key::decode(&rs256)? }))
            }
            _ => Ok(None),
        }
    }

    fn save(&self, conn: &Connection, prefix: &str) -> Result<(), SandboxError> {
        store::set_setting(conn, &format!("{prefix}es256_private_key"), &self.es256.encode())?;
        store::set_setting(conn, &format!("{prefix}rs256_private_key"), &self.rs256.encode()?)
    }

    fn jwks(&self) -> [Value; 2] {
        [self.es256.jwk(), self.rs256.jwk()]
    }
}

const PREVIOUS: &str = "previous_";

/// The keys ID tokens are signed with now, and the generation before them (still published).
pub struct SigningKeys {
    current: KeyGeneration,
    previous: Option<KeyGeneration>,
    /// What ID tokens are signed with; ES256 unless the operator chose RS256.
    id_token_algorithm: SigningAlgorithm,
}

impl SigningKeys {
    pub fn load_or_create(conn: &Connection) -> Result<Self, SandboxError> {
        let current = match KeyGeneration::load(conn, "")? {
            Some(current) => current,
            None => {
                // A file from before RS256 holds only an ES256 key: keep it (its tokens are out
                // there) and add the RSA key beside it.
                let es256 = match store::setting(conn, "es256_private_key")? {
                    Some(encoded) => Es256Key::decode(&encoded)?,
                    None => Es256Key::generate(),
                };
                let generation = KeyGeneration { es256, rs256: Rs256Key::generate()? };
                generation.save(conn, "")?;
                generation
            }
        };
        let previous = KeyGeneration::load(conn, PREVIOUS)?;
        Ok(Self { current, previous, id_token_algorithm: SigningAlgorithm::Es256 })
    }

    /// New keys for both algorithms, generated off any lock (RSA generation takes a while);
    /// install them with [`SigningKeys::install_rotation`].
    pub fn generate_rotation() -> Result<RotatedKeys, SandboxError> {
        Ok(RotatedKeys(KeyGeneration::generate()?))
    }

    /// Makes `next` current and the current keys previous, persisted in one transaction so a
    /// crash cannot leave the file with a key the JWKS never published.
    pub fn install_rotation(&mut self, conn: &Connection, next: RotatedKeys) -> Result<(), SandboxError> {
        let tx = conn.unchecked_transaction()?;
        self.current.save(&tx, PREVIOUS)?;
        next.0.save(&tx, "")?;
        tx.commit()?;
        self.previous = Some(std::mem::replace(&mut self.current, next.0));
        Ok(())
    }

    /// The current keys first (ES256, the default, leading), then the previous generation.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> =
            self.current.jwks().into_iter().chain(self.previous.iter().flat_map(KeyGeneration::jwks)).collect();
        json!({ "keys": keys })
    }

    /// The `kid` tokens signed with `algorithm` carry now.
    pub fn current_kid(&self, algorithm: SigningAlgorithm) -> &str {
        match algorithm {
            SigningAlgorithm::Es256 => &self.current.es256.kid,
            SigningAlgorithm::Rs256 => &self.current.rs256.kid,
        }
    }

    pub fn id_token_algorithm(&self) -> SigningAlgorithm {
        self.id_token_algorithm
    }

    pub fn set_id_token_algorithm(&mut self, algorithm: SigningAlgorithm) {
        self.id_token_algorithm = algorithm;
    }

    /// A JWT of `claims` signed with the current key of the ID-token algorithm.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with(self.id_token_algorithm, claims)
    }

    pub fn sign_with(&self, algorithm: SigningAlgorithm, claims: &Value) -> String {
        let header = json!({"alg": algorithm.as_str(), "typ": "JWT", "kid": self.current_kid(algorithm)});
        let signing_input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = match algorithm {
            SigningAlgorithm::Es256 => self.current.es256.sign_bytes(signing_input.as_bytes()),
            SigningAlgorithm::Rs256 => self.current.rs256.sign_bytes(signing_input.as_bytes()),
        };
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// The claims of a JWT one of the published keys signed, or None for anything else (an
    /// unknown or retired key, an `alg` that is not the key's own, a forged or malformed token).
    /// The key is chosen by `kid` and must match the header's `alg`, so an RSA public key can
    /// never be used as an HMAC secret or the like. Expiry is not checked: `id_token_hint` may
    /// be an expired ID token (OpenID Connect RP-Initiated Logout §2).
    pub fn verify(&self, jwt: &str) -> Option<Value> {
        let mut parts = jwt.split('.');
        let (header_part, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_part).ok()?).ok()?;
        let (alg, kid) = (header.get("alg")?.as_str()?, header.get("kid")?.as_str()?);
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let input = format!("{header_part}.{payload}");
        let verified = std::iter::once(&self.current).chain(self.previous.as_ref()).any(|generation| {
            (alg == "ES256"
                && generation.es256.kid == kid
                && generation.es256.verify_bytes(input.as_bytes(), &signature))
                || (alg == "RS256"
                    && generation.rs256.kid == kid
                    && generation.rs256.verify_bytes(input.as_bytes(), &signature))
        });
        if !verified {
            return None;
        }
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}

/// A freshly generated key generation waiting to be installed.
pub struct RotatedKeys(KeyGeneration);

fn coordinates(key: &VerifyingKey) -> (String, String) {
    let point = key.to_encoded_point(false);
    let x = point.x().map(|x| URL_SAFE_NO_PAD.encode(x)).unwrap_or_default();
    let y = point.y().map(|y| URL_SAFE_NO_PAD.encode(y)).unwrap_or_default();
    (x, y)
}

fn modulus_exponent(key: &rsa::RsaPublicKey) -> (String, String) {
    (URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()), URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()))
}

/// RFC 7638 JWK thumbprint, a stable key id that changes exactly when the key does.
fn ec_thumbprint(key: &VerifyingKey) -> String {
    let (x, y) = coordinates(key);
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// RFC 7638 thumbprint of an RSA key (members `e`, `kty`, `n` in that order).
fn rsa_thumbprint(key: &rsa::RsaPublicKey) -> String {
    let (n, e) = modulus_exponent(key);
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
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
        let key = SigningKeys::load_or_create(&conn).expect("key");
        let jwt = key.sign(&json!({"sub": "u1"}));
        assert_eq!(key.verify(&jwt).and_then(|c| c["sub"].as_str().map(str::to_owned)).as_deref(), Some("u1"));
        let mut parts: Vec<&str> = jwt.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"sub":"admin"}"#);
        parts[1] = &forged;
        assert!(key.verify(&parts.join(".")).is_none(), "a changed payload must not verify");
        let again = SigningKeys::load_or_create(&conn).expect("key reloads");
        assert_eq!(again.jwks(), key.jwks(), "the stored keys are reused, not regenerated");
    }

    #[test]
    fn rs256_tokens_verify_with_the_published_modulus_and_not_as_es256() {
        let conn = store::open(None).expect("in-memory db");
        let keys = SigningKeys::load_or_create(&conn).expect("keys");
        let jwt = keys.sign_with(SigningAlgorithm::Rs256, &json!({"sub": "u2"}));
        assert!(keys.verify(&jwt).is_some(), "an RS256 token of the current key verifies");
        // Check against the JWKS entry alone, as a relying party would.
        let jwks = keys.jwks();
        let jwk = jwks["keys"].as_array().and_then(|k| k.iter().find(|k| k["alg"] == "RS256")).expect("RS256 jwk");
        let number = |name: &str| {
            rsa::BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(jwk[name].as_str().expect("string")).expect("b64"))
        };
        let public = rsa::RsaPublicKey::new(number("n"), number("e")).expect("public key");
        let parts: Vec<&str> = jwt.split('.').collect();
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).expect("signature");
        let digest = Sha256::digest(format!("{}.{}", parts[0], parts[1]).as_bytes());
        public.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest, &signature).expect("PKCS#1 v1.5 over SHA-256");
        // The same signature relabelled ES256 must not verify (algorithm confusion).
        let relabelled = URL_SAFE_NO_PAD.encode(
            json!({"alg": "ES256", "typ": "JWT", "kid": keys.current_kid(SigningAlgorithm::Rs256)}).to_string(),
        );
        assert!(keys.verify(&format!("{relabelled}.{}.{}", parts[1], parts[2])).is_none());
    }

    #[test]
    fn rotation_keeps_one_previous_generation_and_persists_it() {
        let conn = store::open(None).expect("in-memory db");
        let mut keys = SigningKeys::load_or_create(&conn).expect("keys");
        let first = keys.sign(&json!({"sub": "before"}));
        let first_kid = keys.current_kid(SigningAlgorithm::Es256).to_owned();
        keys.install_rotation(&conn, SigningKeys::generate_rotation().expect("rotation")).expect("install");
        assert_ne!(keys.current_kid(SigningAlgorithm::Es256), first_kid, "new tokens carry a new kid");
        assert!(keys.verify(&first).is_some(), "a token of the previous key still verifies");
        assert_eq!(keys.jwks()["keys"].as_array().map(Vec::len), Some(4), "current and previous, both algorithms");
        let reloaded = SigningKeys::load_or_create(&conn).expect("reload");
        assert_eq!(reloaded.jwks(), keys.jwks(), "rotation is persisted, previous keys included");
        keys.install_rotation(&conn, SigningKeys::generate_rotation().expect("rotation")).expect("install");
        assert!(keys.verify(&first).is_none(), "a key two rotations old is retired");
    }

    #[test]
    fn a_file_from_before_rs256_keeps_its_es256_key_and_gains_an_rsa_key() {
        let conn = store::open(None).expect("in-memory db");
        let es256 = Es256Key::generate();
        store::set_setting(&conn, "es256_private_key", &es256.encode()).expect("old key stored");
        let keys = SigningKeys::load_or_create(&conn).expect("keys");
        assert_eq!(keys.current_kid(SigningAlgorithm::Es256), es256.kid, "the key tokens were signed with stays");
        assert!(store::setting(&conn, "rs256_private_key").expect("read").is_some(), "the RSA key is stored");
        let again = SigningKeys::load_or_create(&conn).expect("reload");
        assert_eq!(again.jwks(), keys.jwks(), "and reused from then on");
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
