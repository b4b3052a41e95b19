//! Where the refresh token (and the cache's key) live between runs: the OS keyring, and
//! nowhere else.
//!
//! `keyring` talks to Windows Credential Manager and the macOS Keychain. On Linux the Secret
//! Service is reached through the process's one kept connection ([`super::secret_service`]),
//! falling back to the kernel's keyutils (through `keyring`) where no Secret Service runs
//! (servers, minimal desktops). keyutils keeps the token in the session keyring, so it lasts as
//! long as the login session: a new sign-in after a reboot, which is the price of having no
//! daemon. If no store works the caller gets a clear error: there is deliberately no fallback to
//! a file. Calls block (D-Bus, XPC): from async code, run them on a blocking thread.

use keyring::Entry;

#[cfg(target_os = "linux")]
use super::secret_service::SecretServiceItem;

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

/// Which OS store holds the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyringBackend {
    /// Windows Credential Manager or the macOS Keychain.
    Native,
    /// The Secret Service over D-Bus (GNOME Keyring, KWallet).
    SecretService,
    /// The Linux kernel's keyutils, session keyring.
    KernelKeyutils,
}

/// What trying a store once told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreProbe {
    Works,
    /// Not running or not reachable: another store may be used instead.
    Unreachable(String),
    /// Running but locked or refusing: the user must act; falling back would put the token
    /// somewhere the next (unlocked) run would not look.
    Refused(String),
}

/// Linux: the Secret Service when it works; keyutils only when the Secret Service is absent;
/// otherwise an error naming both failures. Never a file.
pub fn choose_linux_backend(
    secret_service: StoreProbe,
    keyutils: impl FnOnce() -> StoreProbe,
) -> Result<KeyringBackend, String> {
    match secret_service {
        StoreProbe::Works => Ok(KeyringBackend::SecretService),
        StoreProbe::Refused(reason) => Err(format!(
            "the Secret Service is running but refuses access ({reason}); unlock the keyring and try again"
        )),
        StoreProbe::Unreachable(ss_reason) => match keyutils() {
            StoreProbe::Works => Ok(KeyringBackend::KernelKeyutils),
            StoreProbe::Unreachable(k_reason) | StoreProbe::Refused(k_reason) => Err(format!(
                "no OS keyring works: the Secret Service is unavailable ({ss_reason}) and the kernel keyutils \
                 failed ({k_reason}); start a Secret Service (GNOME Keyring, KWallet). Bailiwick never keeps \
                 the sign-in in a file"
            )),
        },
    }
}

/// One secret in the OS keyring, under (service, account): the refresh token of a workspace,
/// or the key of its cache. `what` names it in errors ("the sign-in", "the cache key").
pub struct KeyringSecret {
    store: Store,
    backend: KeyringBackend,
    service: String,
    account: String,
    what: &'static str,
}

impl KeyringSecret {
    /// On Linux this asks the stores once, to pick one (see [`choose_linux_backend`]).
    pub fn new(service: &str, account: &str, what: &'static str) -> Result<Self, Error> {
        let (store, backend) = open_store(service, account, what)?;
        tracing::debug!(?backend, what, "keyring store chosen");
        Ok(Self { store, backend, service: service.to_owned(), account: account.to_owned(), what })
    }

    pub fn backend(&self) -> KeyringBackend {
        self.backend
    }

    /// `Ok(None)` when nothing is stored.
    pub fn get(&self) -> Result<Option<String>, Error> {
        match self.store.get() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.failed("read", &e)),
        }
    }

    pub fn set(&self, value: &str) -> Result<(), Error> {
        self.store.set(value).map_err(|e| self.failed("store", &e))
    }

    /// Deleting what is not there succeeds.
    pub fn delete(&self) -> Result<(), Error> {
        match self.store.delete() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.failed("delete", &e)),
        }
    }

    fn failed(&self, doing: &str, e: &keyring::Error) -> Error {
        Error::Keyring(format!("cannot {doing} {} for {}/{}: {}", self.what, self.service, self.account, describe(e)))
    }
}

impl std::fmt::Debug for KeyringSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringSecret")
            .field("service", &self.service)
            .field("account", &self.account)
            .field("what", &self.what)
            .finish()
    }
}

/// Where one secret lives: on Linux the Secret Service through the process's one connection,
/// otherwise an entry of `keyring` (keyutils, Windows Credential Manager, macOS Keychain).
enum Store {
    #[cfg(target_os = "linux")]
    SecretService(SecretServiceItem),
    Entry(Entry),
}

impl Store {
    fn get(&self) -> keyring::Result<String> {
        match self {
            #[cfg(target_os = "linux")]
            Store::SecretService(item) => item.get(),
            Store::Entry(entry) => entry.get_password(),
        }
    }

    fn set(&self, value: &str) -> keyring::Result<()> {
        match self {
            #[cfg(target_os = "linux")]
            Store::SecretService(item) => item.set(value),
            Store::Entry(entry) => entry.set_password(value),
        }
    }

    fn delete(&self) -> keyring::Result<()> {
        match self {
            #[cfg(target_os = "linux")]
            Store::SecretService(item) => item.delete(),
            Store::Entry(entry) => entry.delete_credential(),
        }
    }
}

/// A refresh token in the OS keyring.
#[derive(Debug)]
pub struct KeyringTokenStore(KeyringSecret);

impl KeyringTokenStore {
    /// `service` names the application (and build flavour); `account` the workspace, e.g. the
    /// profile's `workspace_key()`, so that two IAMs never share a token.
    pub fn new(service: &str, account: &str) -> Result<Self, Error> {
        KeyringSecret::new(service, account, "the sign-in").map(Self)
    }

    pub fn backend(&self) -> KeyringBackend {
        self.0.backend()
    }
}

impl TokenStore for KeyringTokenStore {
    fn load(&self) -> Result<Option<RefreshToken>, Error> {
        Ok(self.0.get()?.map(RefreshToken::new))
    }

    fn save(&self, token: &RefreshToken) -> Result<(), Error> {
        self.0.set(token.expose())
    }

    fn delete(&self) -> Result<(), Error> {
        self.0.delete()
    }
}

#[cfg(target_os = "linux")]
fn open_store(service: &str, account: &str, what: &str) -> Result<(Store, KeyringBackend), Error> {
    use keyring::keyutils::KeyutilsCredential;

    let secret_service = SecretServiceItem::new(service, account);
    let ss_probe = match &secret_service {
        Ok(item) => probe(item.get()),
        Err(e) => StoreProbe::Unreachable(describe(e)),
    };
    let mut keyutils = None;
    let backend = choose_linux_backend(ss_probe, || {
        // Reading is not enough here: where the kernel gives the process no usable session
        // keyring (containers, some sandboxes), a read says "nothing stored" and only a write
        // fails. So a throwaway probe key is written, read and deleted.
        let probe_outcome = match KeyutilsCredential::new_with_target(None, &format!("{service}.probe"), account) {
            Ok(credential) => write_probe(&Entry::new_with_credential(Box::new(credential))),
            Err(e) => StoreProbe::Unreachable(describe(&e)),
        };
        match KeyutilsCredential::new_with_target(None, service, account) {
            Ok(credential) => {
                keyutils = Some(Entry::new_with_credential(Box::new(credential)));
                probe_outcome
            }
            Err(e) => StoreProbe::Unreachable(describe(&e)),
        }
    })
    .map_err(|reason| Error::Keyring(format!("cannot keep {what} for {service}/{account}: {reason}")))?;
    let store = match (backend, secret_service, keyutils) {
        (KeyringBackend::SecretService, Ok(item), _) => Store::SecretService(item),
        (KeyringBackend::KernelKeyutils, _, Some(entry)) => Store::Entry(entry),
        _ => return Err(Error::Keyring(format!("cannot address the keyring entry {service}/{account}"))),
    };
    Ok((store, backend))
}

#[cfg(not(target_os = "linux"))]
fn open_store(service: &str, account: &str, _what: &str) -> Result<(Store, KeyringBackend), Error> {
    let entry = Entry::new(service, account).map_err(|e| {
        Error::Keyring(format!("cannot address the keyring entry {service}/{account}: {}", describe(&e)))
    })?;
    Ok((Store::Entry(entry), KeyringBackend::Native))
}

/// What reading the entry once says about its store; the value read is dropped at once.
#[cfg(target_os = "linux")]
fn probe(read: keyring::Result<String>) -> StoreProbe {
    match read {
        // Something stored, nothing stored, or stored twice: either way the store answers.
        Ok(_)
        | Err(keyring::Error::NoEntry)
        | Err(keyring::Error::BadEncoding(_))
        | Err(keyring::Error::Ambiguous(_)) => StoreProbe::Works,
        Err(e @ keyring::Error::NoStorageAccess(_)) => StoreProbe::Refused(describe(&e)),
        Err(e) => StoreProbe::Unreachable(describe(&e)),
    }
}

#[cfg(target_os = "linux")]
fn write_probe(entry: &Entry) -> StoreProbe {
    let outcome =
        entry.set_password("probe").and_then(|()| entry.get_password()).and_then(|_| entry.delete_credential());
    match outcome {
        Ok(()) => StoreProbe::Works,
        Err(e) => StoreProbe::Unreachable(describe(&e)),
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

    fn unreachable(why: &str) -> StoreProbe {
        StoreProbe::Unreachable(why.into())
    }

    #[test]
    fn secret_service_is_preferred_and_keyutils_not_even_tried() {
        let chosen = choose_linux_backend(StoreProbe::Works, || panic!("keyutils must not be probed"));
        assert_eq!(chosen, Ok(KeyringBackend::SecretService));
    }

    #[test]
    fn keyutils_is_used_when_no_secret_service_runs() {
        let chosen = choose_linux_backend(unreachable("no D-Bus session"), || StoreProbe::Works);
        assert_eq!(chosen, Ok(KeyringBackend::KernelKeyutils));
    }

    #[test]
    fn a_locked_secret_service_is_an_error_not_a_fallback() {
        let err = choose_linux_backend(StoreProbe::Refused("locked".into()), || StoreProbe::Works)
            .expect_err("a locked keyring must be unlocked, not bypassed");
        assert!(err.contains("unlock"), "{err}");
    }

    #[test]
    fn no_working_store_is_a_clear_error_naming_both() {
        let err = choose_linux_backend(unreachable("no D-Bus session"), || unreachable("keyctl denied"))
            .expect_err("nothing works");
        assert!(err.contains("no D-Bus session") && err.contains("keyctl denied"), "{err}");
        assert!(err.contains("never keeps the sign-in in a file"), "{err}");
    }

    #[test]
    fn bad_encoding_message_does_not_carry_the_bytes() {
        let message = describe(&keyring::Error::BadEncoding(b"rt-secret-value".to_vec()));
        assert!(!message.contains("rt-secret"), "keyring bytes must not reach an error: {message}");
    }
}
