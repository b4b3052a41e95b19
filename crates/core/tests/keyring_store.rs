//! The refresh token in a real OS keyring (Secret Service on Linux).
//!
//! Needs a running, unlocked Secret Service. Headless, that is (RECIPES.md, "The OS keyring in
//! tests"):
//!
//! ```sh
//! dbus-run-session -- sh -c 'export RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup} \
//!   CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}; export HOME=$(mktemp -d); \
//!   echo -n pw | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null; \
//!   cargo test -p bailiwick-core --test keyring_store'
//! ```
//! (`HOME` moves to a temporary directory so the test keyring is throwaway; rustup and cargo
//! must then be told where they live.) `make test` runs the whole suite that way.

use bailiwick_core::auth::{KeyringTokenStore, TokenStore};
use bailiwick_core::secret::RefreshToken;

const HOW_TO_RUN: &str = "this test needs an unlocked Secret Service: run it inside `dbus-run-session` \
with `gnome-keyring-daemon --unlock --components=secrets` started (see the comment at the top of \
crates/core/tests/keyring_store.rs, or run `make test`)";

#[test]
fn refresh_token_is_stored_replaced_and_deleted() {
    // A fresh account per run, so that runs (and a developer's real entries) never collide.
    let account =
        format!("keyring-test-{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0));
    let store = KeyringTokenStore::new("bailiwick-tests", &account).expect("a keyring entry can be addressed");

    let nothing = store.load().unwrap_or_else(|e| panic!("{e}\n{HOW_TO_RUN}"));
    assert!(nothing.is_none(), "a new account has no token");

    let first = RefreshToken::new("rt-first-value");
    store.save(&first).unwrap_or_else(|e| panic!("{e}\n{HOW_TO_RUN}"));
    assert_eq!(store.load().expect("load").as_ref(), Some(&first), "what was saved is loaded");

    // Rotation: the new token replaces the old one.
    let rotated = RefreshToken::new("rt-rotated-value");
    store.save(&rotated).expect("save the rotated token");
    let reopened = KeyringTokenStore::new("bailiwick-tests", &account).expect("entry");
    assert_eq!(reopened.load().expect("load").as_ref(), Some(&rotated), "another handle sees the rotated token");

    store.delete().expect("delete");
    assert!(store.load().expect("load after delete").is_none(), "deleted means gone");
    store.delete().expect("deleting twice is not an error (signing out twice)");
}

/// Bailiwick talks to the Secret Service itself (one kept connection), but the items are the
/// ones the `keyring` crate writes, which earlier builds used: a token stored before an update is
/// found after it, and the other way round.
#[cfg(target_os = "linux")]
#[test]
fn items_are_shared_with_what_the_keyring_crate_writes() {
    use bailiwick_core::auth::KeyringSecret;
    use keyring::secret_service::SsCredential;

    let account =
        format!("keyring-compat-{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0));
    let theirs = keyring::Entry::new_with_credential(Box::new(
        SsCredential::new_with_target(None, "bailiwick-tests", &account).expect("a keyring credential"),
    ));
    let ours =
        KeyringSecret::new("bailiwick-tests", &account, "the sign-in").expect("a keyring entry can be addressed");

    theirs.set_password("stored-by-an-earlier-build").unwrap_or_else(|e| panic!("{e}\n{HOW_TO_RUN}"));
    assert_eq!(ours.get().expect("read").as_deref(), Some("stored-by-an-earlier-build"));

    ours.set("rotated-by-this-build").expect("store");
    assert_eq!(theirs.get_password().expect("the keyring crate reads it"), "rotated-by-this-build");
    let found = SsCredential::new_with_target(None, "bailiwick-tests", &account)
        .expect("a keyring credential")
        .get_all_passwords()
        .expect("search");
    assert_eq!(found, vec!["rotated-by-this-build".to_owned()], "replaced in place, not stored twice");

    ours.delete().expect("delete");
    assert!(matches!(theirs.get_password(), Err(keyring::Error::NoEntry)), "deleted for the keyring crate too");
}
