//! The workspace frees its reader's page cache once the admin has stopped reading (the desktop
//! app asks while it idles), and only then: a real, encrypted cache file, its key in the real
//! keyring (run inside a D-Bus session with gnome-keyring, as `make test` does).

use std::path::Path;
use std::time::Duration;

use bailiwick_core::cache::{Cache, CacheKeyStore, CachedUser, KeyringCacheKeyStore, UserQuery};
use bailiwick_core::{BuPath, Profile, Workspace};
use bailiwick_scim::User;
use chrono::Utc;
use serde_json::json;

const PROFILE: &str = r#"
name = "idle-test"
[oidc]
issuer = "http://127.0.0.1:9/unused"
client_id = "bailiwick-desktop"
[scim]
base_url = "http://127.0.0.1:9/unused/scim/v2"
"#;

fn open(data_dir: &Path, account: &str) -> Workspace {
    let profile = Profile::from_toml(PROFILE, "test").expect("valid profile");
    let tokens = bailiwick_core::auth::KeyringTokenStore::new("bailiwick-tests", account).expect("keyring");
    let keys = KeyringCacheKeyStore::new("bailiwick-tests", account).expect("keyring");
    Workspace::open_with(profile, data_dir, Box::new(tokens), Box::new(keys)).expect("workspace opens").offline_only()
}

fn users(n: usize) -> Vec<CachedUser> {
    (0..n)
        .map(|i| {
            let resource: User = serde_json::from_value(json!({
                "id": format!("u{i}"),
                "userName": format!("user{i:05}"),
                "emails": [{"value": format!("user{i:05}@northwind.example"), "primary": true}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "EMEA/DE"}
            }))
            .expect("a valid user");
            CachedUser::new(&resource, BuPath::parse("EMEA/DE")).expect("serialises")
        })
        .collect()
}

#[tokio::test]
async fn the_reader_is_freed_only_after_it_idled_and_reads_again_afterwards() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let account = format!("idle-{}-{}", std::process::id(), Utc::now().timestamp_nanos_opt().unwrap_or(0));
    let workspace = open(data_dir.path(), &account);
    let key = KeyringCacheKeyStore::new("bailiwick-tests", &account)
        .expect("keyring")
        .load()
        .expect("keyring read")
        .expect("the workspace generated its key");
    let dirs = std::fs::read_dir(data_dir.path().join("workspaces")).expect("workspace folder");
    let path = dirs.filter_map(Result::ok).map(|e| e.path().join("cache.sqlite")).find(|p| p.is_file());
    {
        let mut cache = Cache::open_encrypted(&path.expect("the cache file"), &key).expect("opens");
        cache.replace_directory(users(2_000), &[], Utc::now()).expect("stored");
    }

    assert!(!workspace.release_idle_memory(Duration::ZERO).expect("asked"), "nothing read yet: nothing to free");
    let search = UserQuery { search: Some("user01".into()), ..UserQuery::default() };
    let found = workspace.list_users(&search).expect("searched").total;
    assert_eq!(found, 1_000, "user01000 to user01999");

    assert!(!workspace.release_idle_memory(Duration::from_secs(3_600)).expect("asked"), "read a moment ago");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(workspace.release_idle_memory(Duration::from_millis(50)).expect("asked"), "idle long enough: freed");
    assert!(!workspace.release_idle_memory(Duration::ZERO).expect("asked"), "freed once until the next read");

    assert_eq!(workspace.list_users(&search).expect("searched again").total, found, "the next read is the same");
    assert!(workspace.release_idle_memory(Duration::ZERO).expect("asked"), "that read counts as use");
    workspace.forget(false).await.expect("cleaned up");
}
