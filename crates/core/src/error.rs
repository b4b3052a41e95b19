//! The core's error type. Every variant is specific enough for the UI or the CLI to say what
//! happened and what to do; none carries a token (secrets are types without `Display`).

use serde::Serialize;

use crate::auth::SignInFailure;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("profile {origin}: {reason}")]
    Profile { origin: String, reason: String },

    #[error("no profile named {name:?} (looked for {path})")]
    ProfileNotFound { name: String, path: String },

    #[error("{0}")]
    Usage(String),

    #[error("{0}")]
    NotFound(String),

    #[error("sign-in needed: {0}")]
    SignInNeeded(String),

    #[error("sign-in failed: {0}")]
    SignIn(#[from] SignInFailure),

    #[error("OS keyring: {0}")]
    Keyring(String),

    #[error("{action} needs the network, and {host} cannot be reached: {reason}")]
    Offline { action: String, host: String, reason: String },

    #[error("{url} answered {status}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Http { url: String, status: u16, detail: Option<String> },

    #[error("{url} sent a malformed response: {reason}")]
    MalformedResponse { url: String, reason: String },

    #[error("the local cache is from a newer Bailiwick (schema {found}, this build knows up to {supported}); update Bailiwick")]
    CacheTooNew { found: i64, supported: i64 },

    #[error("the local cache: {0}")]
    Cache(#[from] rusqlite::Error),

    /// A migration left the cache inconsistent; it was rolled back and the file is unchanged.
    #[error("the local cache could not be upgraded to schema {version}: {detail}; the file is unchanged")]
    CacheMigration { version: i64, detail: String },

    /// The encrypted cache does not open with the key from the OS keyring.
    #[error("{0}")]
    CacheKeyRefused(String),

    /// The cache was used offline for longer than the profile allows: sign in again.
    #[error("{0}")]
    CacheLocked(String),

    #[error("{0}")]
    Io(#[from] std::io::Error),

    #[error("{0} was cancelled; nothing was changed")]
    Cancelled(String),

    /// Client-side policy refused the action; the refusal names its rule and a remedy.
    #[error("refused: {0}")]
    Refused(#[from] crate::policy::Refusal),

    /// The server holds a newer version than the change was based on.
    #[error("conflict: {0}")]
    Conflict(String),

    /// The server refused a change (403): it stays the authority, whatever the client allowed.
    #[error("{action} refused by the directory: {reason}")]
    ServerRefused { action: String, reason: String },

    /// A change failed for good (the server said no for another reason than policy).
    #[error("{action} failed: {reason}")]
    ChangeFailed { action: String, reason: String },

    /// Stored data does not check out (the audit chain, a cache file).
    #[error("integrity check failed: {0}")]
    Integrity(String),
}

/// What kind of failure, for exit codes (CLI) and `{code, …}` (IPC). Stable: hosts branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    Failure,
    Usage,
    SignInNeeded,
    Refused,
    Conflict,
    Offline,
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Profile { .. } | Error::ProfileNotFound { .. } | Error::Usage(_) => ErrorCode::Usage,
            Error::SignInNeeded(_) | Error::CacheLocked(_) => ErrorCode::SignInNeeded,
            Error::Http { status: 401, .. } => ErrorCode::SignInNeeded,
            Error::Http { status: 403, .. } => ErrorCode::Refused,
            Error::Http { status: 412, .. } => ErrorCode::Conflict,
            Error::Offline { .. } => ErrorCode::Offline,
            Error::Refused(_) | Error::ServerRefused { .. } => ErrorCode::Refused,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::SignIn(_)
            | Error::NotFound(_)
            | Error::Keyring(_)
            | Error::Http { .. }
            | Error::MalformedResponse { .. }
            | Error::CacheTooNew { .. }
            | Error::Cache(_)
            | Error::CacheMigration { .. }
            | Error::CacheKeyRefused(_)
            | Error::Io(_)
            | Error::Cancelled(_)
            | Error::ChangeFailed { .. }
            | Error::Integrity(_) => ErrorCode::Failure,
        }
    }

    /// Whether trying the same thing again later may succeed without the user changing anything.
    pub fn retryable(&self) -> bool {
        matches!(self, Error::Offline { .. })
            || matches!(self, Error::Http { status, .. } if *status >= 500 || *status == 429)
    }
}
