//! A signed-in session: who, and the tokens that act for them.
//!
//! Deliberately not `Serialize`: the tokens must not reach SQLite, a log or the webview. Hosts
//! send `admin` (an [`AdminContext`]) to the UI, never the session.

use chrono::{DateTime, Duration, Utc};

use crate::admin::AdminContext;
use crate::secret::{AccessToken, IdToken, RefreshToken};

/// Treat an access token as expired this long before the provider says, so that a request
/// does not start with a token that dies in flight (and clocks differ a little).
pub const EXPIRY_MARGIN: Duration = Duration::seconds(30);

#[derive(Debug, Clone)]
pub struct Session {
    pub admin: AdminContext,
    access_token: AccessToken,
    access_expires_at: Option<DateTime<Utc>>,
    refresh_token: Option<RefreshToken>,
    id_token: Option<IdToken>,
}

impl Session {
    pub fn new(
        admin: AdminContext,
        access_token: AccessToken,
        access_expires_at: Option<DateTime<Utc>>,
        refresh_token: Option<RefreshToken>,
        id_token: Option<IdToken>,
    ) -> Self {
        Self { admin, access_token, access_expires_at, refresh_token, id_token }
    }

    /// For the `Authorization: Bearer` header, and nothing else.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// When the access token expires; `None` when the provider did not say.
    pub fn access_expires_at(&self) -> Option<DateTime<Utc>> {
        self.access_expires_at
    }

    /// Whether to refresh before using the access token. Unknown expiry counts as valid:
    /// the resource server's 401 then decides.
    pub fn access_expired(&self, now: DateTime<Utc>) -> bool {
        self.access_expires_at.is_some_and(|at| now + EXPIRY_MARGIN >= at)
    }

    /// The refresh token to store in the OS keyring (rotated on every refresh).
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// The raw ID token, kept in memory only.
    pub fn id_token(&self) -> Option<&IdToken> {
        self.id_token.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::Scopes;

    fn session(expires_at: Option<DateTime<Utc>>) -> Session {
        let admin = AdminContext {
            subject: "s".into(),
            display_name: "s".into(),
            bu_scopes: Scopes::default(),
            capabilities: Vec::new(),
        };
        Session::new(admin, AccessToken::new("at"), expires_at, None, None)
    }

    #[test]
    fn access_token_counts_as_expired_shortly_before_its_expiry() {
        let now = Utc::now();
        assert!(!session(Some(now + Duration::minutes(5))).access_expired(now));
        assert!(session(Some(now + Duration::seconds(10))).access_expired(now), "inside the margin");
        assert!(session(Some(now - Duration::seconds(1))).access_expired(now));
        assert!(!session(None).access_expired(now), "unknown expiry: let the server decide");
    }
}
