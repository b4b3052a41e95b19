//! The cache at rest: encrypted with SQLCipher under a key in the real OS keyring (run inside a
//! D-Bus session with gnome-keyring, as `make test` does), locked after the profile's offline
//! age, and wiped by "forget this workspace".

use std::path::{Path, PathBuf};

use bailiwick_core::cache::{Cache, CacheKeyStore, CachedUser, IncrementalSync, KeyringCacheKeyStore, UserQuery};
use bailiwick_core::secret::CacheKey;
use bailiwick_core::{BuPath, Error, ErrorCode, Profile, Workspace};
use bailiwick_scim::User;
use chrono::{Duration, Utc};
use serde_json::json;

/// Names that must never be readable in the file.
const NAMES: [&str; 3] = ["zacharias.quenneville", "philippa.oyelaran", "ingeborg.taskinen"];

fn users() -> Vec<CachedUser> {
    NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let resource: User = serde_json::from_value(json!({
                "id": format!("u{i}"),
                "userName": name,
                "displayName": name.replace('.', " "),
                "emails": [{"value": format!("{name}@northwind.example"), "primary": true}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "EMEA/DE"}
            }))
            .expect("a valid user");
            CachedUser::new(&resource, BuPath::parse("EMEA/DE")).expect("serialises")
        })
        .collect()
}

/// The bytes of the cache and its WAL: everything SQLite wrote for it.
fn bytes_at_rest(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).expect("the cache file");
    for suffix in ["-wal", "-journal"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        bytes.extend(std::fs::read(PathBuf::from(side)).unwrap_or_default());
    }
    bytes
}

fn readable_names(bytes: &[u8]) -> Vec<&'static str> {
    NAMES.iter().copied().filter(|name| bytes.windows(name.len()).any(|w| w == name.as_bytes())).collect()
}

fn fill(cache: &mut Cache) {
    cache.replace_directory(users(), &[], Utc::now()).expect("stored");
}

#[test]
fn an_encrypted_cache_holds_no_readable_names_and_reopens_with_its_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cache.sqlite");
    let key = CacheKey::generate();
    {
        let mut cache = Cache::open_encrypted(&path, &key).expect("a new encrypted cache");
        fill(&mut cache);
        assert_eq!(readable_names(&bytes_at_rest(&path)), Vec::<&str>::new(), "while open (WAL included)");
    }
    assert_eq!(readable_names(&bytes_at_rest(&path)), Vec::<&str>::new(), "after closing");
    assert!(Cache::is_encrypted_file(&path).expect("readable"));

    let reopened = Cache::open_encrypted(&path, &key).expect("the same key opens it");
    assert_eq!(reopened.count_users(&UserQuery::default()).expect("count"), 3);
    let found = reopened.list_users(&UserQuery { search: Some("philippa".into()), ..UserQuery::default() });
    assert_eq!(found.expect("search").len(), 1, "search works on the decrypted data");

    // The same steps without encryption do leave the names readable: the check above can fail.
    let plain_path = dir.path().join("plain.sqlite");
    let mut plain = Cache::open(&plain_path).expect("plain cache");
    fill(&mut plain);
    drop(plain);
    assert_eq!(readable_names(&bytes_at_rest(&plain_path)).len(), 3);
}

#[test]
fn the_wrong_key_is_refused_with_a_clear_error_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cache.sqlite");
    let mut cache = Cache::open_encrypted(&path, &CacheKey::generate()).expect("created");
    fill(&mut cache);
    drop(cache);
    let before = bytes_at_rest(&path);

    let err = Cache::open_encrypted(&path, &CacheKey::generate()).expect_err("another key is refused");
    assert!(matches!(err, Error::CacheKeyRefused(_)), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("cannot be opened with the key") && message.contains("bailiwick forget"), "{message}");
    assert_eq!(err.code(), ErrorCode::Failure);
    assert!(Cache::open(&path).is_err(), "nor does it open without a key");
    assert_eq!(bytes_at_rest(&path), before, "refusing changed nothing");
}

#[test]
fn a_plaintext_cache_from_before_encryption_is_encrypted_in_place_with_its_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cache.sqlite");
    let mut plain = Cache::open(&path).expect("plain cache");
    fill(&mut plain);
    plain.meta_set("marker", "kept").expect("meta");
    drop(plain);
    assert!(!Cache::is_encrypted_file(&path).expect("readable"));

    let key = CacheKey::generate();
    let cache = Cache::open_encrypted(&path, &key).expect("encrypted in place");
    assert_eq!(cache.count_users(&UserQuery::default()).expect("count"), 3, "the users came along");
    assert_eq!(cache.meta_get("marker").expect("meta").as_deref(), Some("kept"));
    drop(cache);
    assert!(Cache::is_encrypted_file(&path).expect("readable"));
    assert_eq!(readable_names(&bytes_at_rest(&path)), Vec::<&str>::new());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("encrypting"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left: {leftovers:?}");
}

fn profile(max_age_hours: u32) -> Profile {
    let text = format!(
        r#"
name = "lock-test"
[oidc]
issuer = "http://127.0.0.1:9/unused"
client_id = "bailiwick-desktop"
[scim]
base_url = "http://127.0.0.1:9/unused/scim/v2"
[offline]
max_age_hours = {max_age_hours}
"#
    );
    Profile::from_toml(&text, "test").expect("valid profile")
}

fn account(test: &str) -> String {
    format!("{test}-{}-{}", std::process::id(), Utc::now().timestamp_nanos_opt().unwrap_or(0))
}

fn open(profile: Profile, data_dir: &Path, account: &str) -> Workspace {
    let tokens = bailiwick_core::auth::KeyringTokenStore::new("bailiwick-tests", account).expect("keyring");
    let keys = KeyringCacheKeyStore::new("bailiwick-tests", account).expect("keyring");
    Workspace::open_with(profile, data_dir, Box::new(tokens), Box::new(keys)).expect("workspace opens").offline_only()
}

/// The one workspace's cache under `data_dir` (`workspaces/<workspace key>/cache.sqlite`).
fn workspace_cache(data_dir: &Path) -> PathBuf {
    let workspaces = std::fs::read_dir(data_dir.join("workspaces")).expect("the workspace folder exists");
    let mut caches: Vec<PathBuf> =
        workspaces.filter_map(Result::ok).map(|e| e.path().join("cache.sqlite")).filter(|p| p.is_file()).collect();
    assert_eq!(caches.len(), 1, "one workspace: {caches:?}");
    caches.remove(0)
}

#[tokio::test]
async fn the_key_lives_in_the_keyring_the_cache_locks_after_the_offline_age_and_forget_wipes_both() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let account = account("lock");
    let keys = KeyringCacheKeyStore::new("bailiwick-tests", &account).expect("keyring");
    assert!(keys.load().expect("keyring read").is_none());

    let workspace = open(profile(24), data_dir.path(), &account);
    let key = keys.load().expect("keyring read").expect("a key was generated on first use and kept in the keyring");
    assert!(key.is_well_formed());
    assert!(workspace.status().expect("status").cache_encrypted);
    drop(workspace);

    // The IAM last confirmed the session 30 hours ago; the profile allows 24 hours offline.
    let path = workspace_cache(data_dir.path());
    {
        let mut cache = Cache::open_encrypted(&path, &key).expect("the keyring's key opens the workspace's cache");
        fill(&mut cache);
        cache.set_last_confirmed_at(Utc::now() - Duration::hours(30)).expect("meta");
    }
    let workspace = open(profile(24), data_dir.path(), &account);
    let status = workspace.status().expect("the status still answers, to say why");
    assert!(status.cache_locked);
    let err = workspace.list_users(&UserQuery::default()).expect_err("locked");
    assert!(matches!(err, Error::CacheLocked(_)), "{err:?}");
    assert_eq!(err.code(), ErrorCode::SignInNeeded);
    assert!(err.to_string().contains("sign in again"), "{err}");
    drop(workspace);

    // Within the allowed age, the same cache reads.
    let workspace = open(profile(48), data_dir.path(), &account);
    assert!(!workspace.status().expect("status").cache_locked);
    assert_eq!(workspace.list_users(&UserQuery::default()).expect("readable").total, 3);

    workspace.forget(false).await.expect("forgotten");
    assert!(!path.exists(), "the cache is gone");
    assert!(!path.parent().is_some_and(Path::exists), "with its folder");
    assert!(keys.load().expect("keyring read").is_none(), "the key is gone from the keyring");

    // A new start is a new, empty workspace with a new key.
    let workspace = open(profile(48), data_dir.path(), &account);
    assert_eq!(workspace.list_users(&UserQuery::default()).expect("empty").total, 0);
    let new_key = keys.load().expect("keyring read").expect("a new key");
    assert_ne!(new_key, key);
    workspace.forget(false).await.expect("cleaned up");
}

#[tokio::test]
async fn an_encrypted_cache_whose_key_is_gone_from_the_keyring_is_refused_not_replaced() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let account = account("lost-key");
    let keys = KeyringCacheKeyStore::new("bailiwick-tests", &account).expect("keyring");
    drop(open(profile(24), data_dir.path(), &account));
    let path = workspace_cache(data_dir.path());
    let before = bytes_at_rest(&path);
    keys.delete().expect("the key is lost");

    let tokens = bailiwick_core::auth::KeyringTokenStore::new("bailiwick-tests", &account).expect("keyring");
    let refused = Workspace::open_with(profile(24), data_dir.path(), Box::new(tokens), Box::new(keys));
    let err = refused.err().expect("refused");
    assert!(matches!(err, Error::CacheKeyRefused(_)), "{err:?}");
    assert!(err.to_string().contains("no longer in the OS keyring"), "{err}");
    assert_eq!(bytes_at_rest(&path), before, "the cache is left as it was");
    let keys = KeyringCacheKeyStore::new("bailiwick-tests", &account).expect("keyring");
    assert!(keys.load().expect("keyring read").is_none(), "no new key was made for the old file");
}

#[test]
fn search_still_finds_each_user_after_a_cache_with_removed_users_is_encrypted_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cache.sqlite");
    let mut plain = Cache::open(&path).expect("plain cache");
    fill(&mut plain);
    // The first user is deleted by an incremental sync: the rows left keep their rowids, with a gap.
    let live: std::collections::HashSet<String> = ["u1".to_owned(), "u2".to_owned()].into();
    let sync = IncrementalSync {
        upserts: &[],
        live_ids: Some(&live),
        gone: None,
        groups: &[],
        server_grants: None,
        scope_key: "EMEA",
        everyone_listed: None,
    };
    plain.apply_incremental_sync(&sync, Utc::now()).expect("applied");
    drop(plain);

    let cache = Cache::open_encrypted(&path, &CacheKey::generate()).expect("encrypted in place");
    for (id, name) in [("u1", NAMES[1]), ("u2", NAMES[2])] {
        let query =
            UserQuery { search: Some(name.split('.').next().unwrap_or(name).to_owned()), ..UserQuery::default() };
        let found: Vec<String> = cache.list_users(&query).expect("searches").into_iter().map(|u| u.id).collect();
        assert_eq!(found, [id], "searching {name} finds that user, and only them");
    }
}

/// Whether a bare SQLCipher connection opens `path` with `key` and the pragmas `format` (after
/// the key): tells the page format a cache was written in, independently of `Cache`.
fn opens_with(path: &Path, key: &CacheKey, format: &str) -> bool {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\"; {format}", key.expose())).expect("key");
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0)).is_ok()
}

/// The page format of new caches: 16 KiB pages, HMAC-SHA256.
const HMAC_SHA256_PAGES_16_KIB: &str = "PRAGMA cipher_page_size = 16384; PRAGMA cipher_hmac_algorithm = HMAC_SHA256; \
                                        PRAGMA cipher_kdf_algorithm = PBKDF2_HMAC_SHA256;";
/// SQLCipher 4's defaults (4 KiB pages, HMAC-SHA512), which caches were created with before.
const SQLCIPHER_4_DEFAULTS: &str = "";

#[test]
fn new_caches_have_16_kib_pages_with_hmac_sha256_created_or_encrypted_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = CacheKey::generate();
    let created = dir.path().join("created.sqlite");
    fill(&mut Cache::open_encrypted(&created, &key).expect("a new encrypted cache"));

    let converted = dir.path().join("converted.sqlite");
    fill(&mut Cache::open(&converted).expect("plain cache"));
    drop(Cache::open_encrypted(&converted, &key).expect("encrypted in place"));

    for path in [&created, &converted] {
        assert!(
            opens_with(path, &key, HMAC_SHA256_PAGES_16_KIB),
            "{} has 16 KiB pages and HMAC-SHA256",
            path.display()
        );
        assert!(!opens_with(path, &key, SQLCIPHER_4_DEFAULTS), "{} is not SQLCipher 4's default", path.display());
    }
}

#[test]
fn a_cache_written_with_sqlcipher_4_defaults_still_opens_keeps_its_format_and_refuses_another_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = CacheKey::generate();
    // A cache as earlier versions wrote it: the same schema and rows, encrypted with SQLCipher 4's
    // defaults.
    let plain = dir.path().join("plain.sqlite");
    let mut cache = Cache::open(&plain).expect("plain cache");
    fill(&mut cache);
    cache.meta_set("marker", "kept").expect("meta");
    drop(cache);
    let legacy = dir.path().join("legacy.sqlite");
    {
        let conn = rusqlite::Connection::open(&plain).expect("open");
        conn.execute(
            "ATTACH DATABASE ?1 AS legacy KEY ?2",
            rusqlite::params![legacy.to_string_lossy(), format!("x'{}'", key.expose())],
        )
        .expect("attach");
        conn.query_row("SELECT sqlcipher_export('legacy')", [], |_| Ok(())).expect("export");
        let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0)).expect("version");
        conn.execute_batch(&format!("PRAGMA legacy.user_version = {version}; DETACH DATABASE legacy;"))
            .expect("detach");
    }
    assert!(opens_with(&legacy, &key, SQLCIPHER_4_DEFAULTS) && !opens_with(&legacy, &key, HMAC_SHA256_PAGES_16_KIB));

    let before = bytes_at_rest(&legacy);
    let err = Cache::open_encrypted(&legacy, &CacheKey::generate()).expect_err("another key is refused");
    assert!(matches!(err, Error::CacheKeyRefused(_)), "{err:?}");
    assert_eq!(bytes_at_rest(&legacy), before, "refusing changed nothing");

    let mut cache = Cache::open_encrypted(&legacy, &key).expect("its key opens it");
    assert_eq!(cache.count_users(&UserQuery::default()).expect("count"), 3);
    assert_eq!(cache.meta_get("marker").expect("meta").as_deref(), Some("kept"));
    fill(&mut cache);
    drop(cache);
    assert!(opens_with(&legacy, &key, SQLCIPHER_4_DEFAULTS), "written to in its own format");
    assert_eq!(readable_names(&bytes_at_rest(&legacy)), Vec::<&str>::new());
}
