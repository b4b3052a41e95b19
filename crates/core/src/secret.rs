//! Secrets as types.
//!
//! Tokens are wrapped in types with a redacted `Debug`, no `Display` and no `Serialize`, so that
//! a token cannot reach the SQLite file, a log line, an error message or the webview by accident:
//! trying is a compile error, not a review comment. The only way out is `expose()`, which is
//! greppable and used where the token goes on the wire or into the OS keyring.

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }
            /// The raw secret, for the wire or the keyring only.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_string!(
    /// An OAuth access token: kept in memory only, never persisted.
    AccessToken
);
secret_string!(
    /// An OAuth refresh token: kept in the OS keyring only.
    RefreshToken
);
secret_string!(
    /// A raw ID token (JWT). Validated, its claims read, then dropped; kept in memory only
    /// as the `id_token_hint` for ending the provider session.
    IdToken
);

secret_string!(
    /// The key of the encrypted cache: 32 random bytes as 64 hex digits, kept in the OS
    /// keyring only and handed to SQLCipher as a raw key (no passphrase derivation needed).
    CacheKey
);

impl CacheKey {
    pub fn generate() -> Self {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// 64 hex digits: what `generate` makes, and the only form that may reach a PRAGMA.
    pub fn is_well_formed(&self) -> bool {
        self.0.len() == 64 && self.0.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_secret() {
        let token = RefreshToken::new("rt-very-secret-value");
        let printed = format!("{token:?} {:?}", AccessToken::new("at-very-secret-value"));
        assert!(!printed.contains("very-secret"), "Debug leaked a token: {printed}");
        assert_eq!(token.expose(), "rt-very-secret-value");
    }

    #[test]
    fn cache_keys_are_random_and_well_formed() {
        let (a, b) = (CacheKey::generate(), CacheKey::generate());
        assert!(a.is_well_formed() && b.is_well_formed());
        assert_ne!(a, b);
        assert!(!format!("{a:?}").contains(a.expose()));
        assert!(!CacheKey::new("x'00'; DROP TABLE users; --").is_well_formed());
    }
}
