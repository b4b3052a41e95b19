//! Where the refresh token lives between runs: the OS keyring, and nowhere else.
//!
//! `keyring` talks to Windows Credential Manager, the macOS Keychain, or the Secret Service on
//! Linux. If none works the caller gets a clear error: there is deliberately no fallback to a
//! file. Calls block (D-Bus, XPC): from async code, run them on a blocking thread.

use keyring::Entry;

use crate::error::Error;
use crate::secret::RefreshToken;

/// Loads, saves and deletes one refresh token.
pub trait TokenStore: Send + Sync {
    /// `Ok(None)` when nothing is stored.
    fn load(&self) -> Result<Option<RefreshToken>, Error>;
    /// Replaces what is stored (a rotated token overwrites the old one in one operation).
    fn save(&self, token: &RefreshToken) -> Result<(), Error>;
    /// Deleting what is not there succeeds: signing out twice is not an error.
    fn delete(&self) -> Result<(), Error>;
}

/// A refresh token in the OS keyring, under (service, account).
pub struct KeyringTokenStore {
    entry: Entry,
    service: String,
    account: String,
}

impl KeyringTokenStore {
    /// `service` names the application (and build flavour); `account` the workspace, e.g. the
    /// profile's `workspace_key()`, so that two IAMs never share a token.
    pub fn new(service: &str, account: &str) -> Result<Self, Error> {
        let entry = Entry::new(service, account).map_err(|e| {
            Error::Keyring(format!("cannot address the keyring entry {service}/{account}: {}", describe(&e)))
        })?;
        Ok(Self { entry, service: service.to_owned(), account: account.to_owned() })
    }

    fn failed(&self, doing: &str, e: &keyring::Error) -> Error {
        Error::Keyring(format!("cannot {doing} the sign-in for {}/{}: {}", self.service, self.account, describe(e)))
    }
}

impl std::fmt::Debug for KeyringTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringTokenStore").field("service", &self.service).field("account", &self.account).finish()
    }
}

impl TokenStore for KeyringTokenStore {
    fn load(&self) -> Result<Option<RefreshToken>, Error> {
        match self.entry.get_password() {
            Ok(token) => Ok(Some(RefreshToken::new(token))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.failed("read", &e)),
        }
    }

    fn save(&self, token: &RefreshToken) -> Result<(), Error> {
        self.entry.set_password(token.expose()).map_err(|e| self.failed("store", &e))
    }

    fn delete(&self) -> Result<(), Error> {
        match self.entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.failed("delete", &e)),
        }
    }
}

/// A message for each failure, written here rather than taken from `keyring`'s `Display`,
/// because some variants carry the stored bytes (`BadEncoding`), i.e. the token.
fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::PlatformFailure(inner) => format!(
            "the OS keyring failed ({inner}); on Linux a Secret Service (GNOME Keyring, KWallet) must be running and unlocked"
        ),
        keyring::Error::NoStorageAccess(inner) => {
            format!("the OS keyring is locked or refuses access ({inner}); unlock it and try again")
        }
        keyring::Error::NoEntry => "nothing is stored".to_owned(),
        keyring::Error::BadEncoding(_) => "the stored value is not text; sign in again to replace it".to_owned(),
        keyring::Error::TooLong(attribute, limit) => format!("{attribute} is longer than the keyring allows ({limit})"),
        keyring::Error::Invalid(attribute, reason) => format!("{attribute} is invalid: {reason}"),
        keyring::Error::Ambiguous(found) => format!("{} entries match; remove the duplicates in the OS keyring", found.len()),
        other => format!("{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_encoding_message_does_not_carry_the_bytes() {
        let message = describe(&keyring::Error::BadEncoding(b"rt-secret-value".to_vec()));
        assert!(!message.contains("rt-secret"), "keyring bytes must not reach an error: {message}");
    }
}
