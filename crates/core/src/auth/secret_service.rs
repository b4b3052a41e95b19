//! The Secret Service (GNOME Keyring, KWallet) through one D-Bus connection per process.
//!
//! `keyring`'s own Secret Service backend connects to D-Bus and opens an encrypted session for
//! every call, two for a write: about seven for a CLI command that signs in. gnome-keyring now
//! and then loses track of a client during `OpenSession` and aborts (a failed assertion, then a
//! fatal GLib error), and with it go all the secrets of the desktop session; the more sessions,
//! the sooner. Here the process opens one connection with one session on first use and keeps it.
//! Storing, reading and deleting a secret also takes 3.8 ms instead of 22 (`bench-keyring`).
//!
//! The items are the ones `keyring` writes (its attributes and label, see
//! [`SsCredential::new_with_target`]), so what an earlier build stored is found, and the other way
//! round.
//!
//! A kept connection can go stale: the daemon restarts (a crash, a new login), and the session it
//! knew is gone. A call that fails on a connection opened by an earlier call is therefore tried
//! once more on a new connection; a call that fails on a new connection is not.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use dbus_secret_service::{EncryptionType, Item, SecretService};
use keyring::secret_service::SsCredential;

/// The process's connection, opened by the first call. The lock also keeps calls one at a time,
/// as a single D-Bus connection needs.
static CONNECTION: Mutex<Option<SecretService>> = Mutex::new(None);

/// One secret, addressed by the attributes `keyring` gives it.
#[derive(Debug, Clone)]
pub struct SecretServiceItem {
    credential: SsCredential,
}

impl SecretServiceItem {
    pub fn new(service: &str, account: &str) -> Result<Self, keyring::Error> {
        Ok(Self { credential: SsCredential::new_with_target(None, service, account)? })
    }

    /// The attributes an item is found by: all of `keyring`'s but `application`.
    fn search_attributes(&self) -> HashMap<&str, &str> {
        self.credential
            .attributes
            .iter()
            .filter(|(name, _)| matches!(name.as_str(), "service" | "username" | "target"))
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect()
    }

    fn all_attributes(&self) -> HashMap<&str, &str> {
        self.credential.attributes.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect()
    }

    /// The stored text; [`keyring::Error::NoEntry`] when nothing is stored.
    pub fn get(&self) -> Result<String, keyring::Error> {
        with_connection(|service| {
            let item = self.unique_item(service)?.ok_or(keyring::Error::NoEntry)?;
            let bytes = item.get_secret().map_err(decoded)?;
            String::from_utf8(bytes).map_err(|e| keyring::Error::BadEncoding(e.into_bytes()))
        })
    }

    /// Replaces the stored text, or stores it in the default collection.
    pub fn set(&self, value: &str) -> Result<(), keyring::Error> {
        with_connection(|service| match self.unique_item(service)? {
            Some(item) => item.set_secret(value.as_bytes(), "text/plain").map_err(decoded),
            None => {
                let collection = service.get_default_collection().map_err(decoded)?;
                if collection.is_locked().map_err(decoded)? {
                    collection.unlock().map_err(decoded)?;
                }
                collection
                    .create_item(
                        &self.credential.label,
                        self.all_attributes(),
                        value.as_bytes(),
                        true, // replace an item with the same attributes
                        "text/plain",
                    )
                    .map(drop)
                    .map_err(decoded)
            }
        })
    }

    /// [`keyring::Error::NoEntry`] when nothing is stored.
    pub fn delete(&self) -> Result<(), keyring::Error> {
        with_connection(|service| {
            let item = self.unique_item(service)?.ok_or(keyring::Error::NoEntry)?;
            item.delete().map_err(decoded)
        })
    }

    /// The one item stored under these attributes, unlocked; `None` when there is none, an
    /// error naming them all when there are several.
    fn unique_item<'a>(&self, service: &'a SecretService) -> Result<Option<Item<'a>>, keyring::Error> {
        let found = service.search_items(self.search_attributes()).map_err(decoded)?;
        let locked = !found.locked.is_empty();
        let mut items: Vec<Item<'a>> = found.unlocked.into_iter().chain(found.locked).collect();
        if items.len() > 1 {
            let mut credentials: Vec<Box<keyring::credential::Credential>> = Vec::with_capacity(items.len());
            for item in &items {
                credentials.push(Box::new(SsCredential::new_from_item(item)?));
            }
            return Err(keyring::Error::Ambiguous(credentials));
        }
        let Some(item) = items.pop() else { return Ok(None) };
        if locked {
            // The Secret Service asks the user to unlock it (a prompt of its own).
            item.unlock().map_err(decoded)?;
        }
        Ok(Some(item))
    }
}

/// Runs `call` on the process's connection, opening it first if need be; see the module's
/// comment for the one retry.
fn with_connection<T>(call: impl Fn(&SecretService) -> Result<T, keyring::Error>) -> Result<T, keyring::Error> {
    let mut slot = connection();
    if let Some(service) = slot.as_ref() {
        match call(service) {
            Err(keyring::Error::PlatformFailure(e)) => {
                tracing::debug!(error = %e, "the kept Secret Service connection failed; trying a new one");
                *slot = None;
            }
            outcome => return outcome,
        }
    }
    let service = SecretService::connect(EncryptionType::Dh).map_err(decoded)?;
    let outcome = call(&service);
    *slot = Some(service);
    outcome
}

fn connection() -> MutexGuard<'static, Option<SecretService>> {
    CONNECTION.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The same classification as `keyring`'s: locked, not found or a dismissed prompt means the
/// store refuses access; anything else is a failure of the store.
fn decoded(e: dbus_secret_service::Error) -> keyring::Error {
    match e {
        dbus_secret_service::Error::Locked
        | dbus_secret_service::Error::NoResult
        | dbus_secret_service::Error::Prompt => keyring::Error::NoStorageAccess(Box::new(e)),
        other => keyring::Error::PlatformFailure(Box::new(other)),
    }
}
