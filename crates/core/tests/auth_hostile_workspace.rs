//! The Workspace facade against the test provider (tests/hostile/mod.rs, honest mode, with
//! its minimal SCIM directory) and the real OS keyring: no token ever reaches the data
//! directory, and a 401 from the directory costs one refresh and one retry.
//!
//! Needs an unlocked Secret Service, as crates/core/tests/keyring_store.rs explains
//! (`make test` runs the suite inside `dbus-run-session` with gnome-keyring).

mod hostile;

use std::path::Path;

use bailiwick_core::auth::{KeyringTokenStore, SignInFailure};
use bailiwick_core::cache::KeyringCacheKeyStore;
use bailiwick_core::workspace::Workspace;
use bailiwick_core::Error;
use hostile::{Attack, HostileProvider, ScriptedBrowser, SIGN_IN_TIMEOUT};

fn keyring_account(test: &str) -> String {
    format!("{test}-{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0))
}

fn keyring_store(account: &str) -> Box<KeyringTokenStore> {
    Box::new(KeyringTokenStore::new("bailiwick-tests", account).expect("a keyring entry can be addressed"))
}

fn cache_keys(account: &str) -> Box<KeyringCacheKeyStore> {
    Box::new(KeyringCacheKeyStore::new("bailiwick-tests", account).expect("a keyring entry can be addressed"))
}

/// Every file under `dir` (SQLite, its WAL and journal, anything else), with the first token
/// found in it.
fn files_holding_a_token(dir: &Path, tokens: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read dir") {
                pending.push(entry.expect("dir entry").path());
            }
            continue;
        }
        let bytes = std::fs::read(&path).expect("read file");
        for token in tokens {
            if bytes.windows(token.len()).any(|w| w == token.as_bytes()) {
                found.push(format!("{} holds a token starting {:.6}", path.display(), token));
                break;
            }
        }
    }
    found
}

#[test]
fn the_scan_finds_a_token_planted_in_a_nested_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
    std::fs::write(dir.path().join("a/b/cache.sqlite-wal"), b"\x00\x01rt-planted-secret\x02").expect("write");
    let found = files_holding_a_token(dir.path(), &["rt-planted-secret".to_owned()]);
    assert_eq!(found.len(), 1, "{found:?}");
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries.filter_map(Result::ok).map(|e| if e.path().is_dir() { count_files(&e.path()) } else { 1 }).sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn no_token_is_at_rest_after_sign_in_refresh_sync_and_sign_out() {
    let provider = HostileProvider::start(Attack::None).await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let account = keyring_account("at-rest");
    // Unencrypted, so that a token written to the cache would show in the scan below.
    let mut profile = provider.profile();
    profile.offline.encrypt_cache = false;
    let workspace =
        Workspace::open_with(profile.clone(), data_dir.path(), keyring_store(&account), cache_keys(&account))
            .expect("workspace opens");
    workspace.sign_in_within(&ScriptedBrowser, SIGN_IN_TIMEOUT).await.expect("sign-in");
    let report = workspace.sync(&mut |_| {}).await.expect("sync");
    assert_eq!(report.users, 1, "the sync really wrote the directory");

    // Starting again restores the session from the keyring without a browser: a refresh
    // (with rotation) whose tokens must not land on disk either.
    drop(workspace);
    let workspace = Workspace::open_with(profile, data_dir.path(), keyring_store(&account), cache_keys(&account))
        .expect("workspace reopens");
    workspace.restore_session().await.expect("restore").expect("the keyring holds the refresh token");
    // And a 401 from the directory: one more refresh.
    provider.refuse_scim(1);
    workspace.sync(&mut |_| {}).await.expect("sync after one refresh");
    workspace.sign_out().await.expect("sign-out");

    let tokens = provider.issued_tokens();
    assert!(tokens.len() >= 9, "three sign-ins/refreshes, three tokens each: {}", tokens.len());
    assert!(count_files(data_dir.path()) > 0, "the scan has files to look at");
    let leaks = files_holding_a_token(data_dir.path(), &tokens);
    assert!(leaks.is_empty(), "tokens at rest: {leaks:#?}");
    assert!(!provider.revoked_tokens().is_empty(), "sign-out revoked at the provider");
}

#[tokio::test]
async fn a_401_from_the_directory_refreshes_once_and_retries_once() {
    let provider = HostileProvider::start(Attack::None).await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let retry = keyring_account("retry");
    let workspace =
        Workspace::open_with(provider.profile(), data_dir.path(), keyring_store(&retry), cache_keys(&retry))
            .expect("workspace opens");
    workspace.sign_in_within(&ScriptedBrowser, SIGN_IN_TIMEOUT).await.expect("sign-in");

    provider.refuse_scim(1);
    let report = workspace.sync(&mut |_| {}).await.expect("one 401 is absorbed by a refresh");
    assert_eq!(report.users, 1);
    let bearers = provider.scim_bearers();
    assert_ne!(bearers[0], bearers[1], "the retry uses the refreshed access token");
    let refreshes = provider.requests().iter().filter(|r| *r == "POST /token").count();
    assert_eq!(refreshes, 2, "the code exchange and exactly one refresh");

    // Refused again after the refresh: the 401 is the answer, no loop.
    provider.refuse_scim(2);
    let before = provider.scim_bearers().len();
    let err = workspace.sync(&mut |_| {}).await.expect_err("two 401s in a row fail the sync");
    assert!(matches!(err, Error::Http { status: 401, .. }), "got {err:?}");
    assert_eq!(provider.scim_bearers().len() - before, 2, "one attempt and one retry");
    workspace.sign_out().await.expect("sign-out");
}

#[tokio::test]
async fn a_refresh_for_another_subject_is_refused_and_forgotten() {
    let provider = HostileProvider::start(Attack::None).await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let account = keyring_account("subject-changed");
    let workspace =
        Workspace::open_with(provider.profile(), data_dir.path(), keyring_store(&account), cache_keys(&account))
            .expect("workspace opens");
    workspace.sign_in_within(&ScriptedBrowser, SIGN_IN_TIMEOUT).await.expect("an honest sign-in");
    drop(workspace);

    provider.set_attack(Attack::SubjectChangedOnRefresh);
    let workspace =
        Workspace::open_with(provider.profile(), data_dir.path(), keyring_store(&account), cache_keys(&account))
            .expect("workspace reopens");
    let err = workspace.restore_session().await.expect_err("another subject must not take over the session");
    assert!(
        matches!(err, Error::SignIn(SignInFailure::SubjectChanged { ref expected, ref found }) if expected == "ada" && found == "mallory"),
        "got {err:?}"
    );
    assert!(!workspace.status().expect("status").signed_in, "the refused refresh token is gone from the keyring");
}
