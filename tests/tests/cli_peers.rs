//! The same sign-in and sync as `cli_sandbox.rs`, against independent peers instead of our own
//! sandbox, which could share our mistakes: npm `oidc-provider` (OpenID Certified) for sign-in
//! and PyPI `scim2-server` for the directory, its bearer check replaced by a userinfo call to
//! that provider (tests/peers/scim2-server/serve_with_oidc.py). Both run on loopback.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use bailiwick_tests::{user_names, workspace_root, Cli, FakeBrowser, Server};
use serde_json::json;

const SEED_TOKEN: &str = "seed-token-for-tests-only";

fn oidc_provider(account: &str) -> Server {
    let dir = workspace_root().join("tests/peers/oidc-provider");
    assert!(dir.join("node_modules/oidc-provider").is_dir(), "npm oidc-provider is not installed: run `make peers`");
    let mut command = Command::new("node");
    command.arg("server.mjs").arg("0").current_dir(&dir).env("OIDC_PEER_ACCOUNT", account);
    Server::spawn("oidc-provider", command, Duration::from_secs(30))
}

fn scim2_server(userinfo: &str) -> Server {
    let python: PathBuf = workspace_root().join("tests/peers/.venv/bin/python");
    assert!(python.is_file(), "the peers' Python venv is missing: run `make peers`");
    let mut command = Command::new(python);
    command.arg(workspace_root().join("tests/peers/scim2-server/serve_with_oidc.py")).args([
        "--port",
        "0",
        "--userinfo-url",
        userinfo,
        "--static-token",
        SEED_TOKEN,
    ]);
    Server::spawn("scim2-server", command, Duration::from_secs(30))
}

/// Users in EMEA/DE, EMEA/FR, AMER/US, APAC/IN and EMEAX/Lab (which `EMEA` must not cover),
/// and one role group with members from every region. Returns (userName, BU) pairs.
async fn seed(scim: &str) -> Vec<(String, String)> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let bus = ["EMEA/DE", "EMEA/FR", "AMER/US", "APAC/IN", "EMEAX/Lab"];
    let mut users = Vec::new();
    let mut ids = Vec::new();
    for i in 0..15 {
        let bu = bus[i % bus.len()];
        let user_name = format!("peer{i:02}.{}", bu.replace('/', "-").to_lowercase());
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName": user_name,
            "displayName": format!("Peer User {i:02}"),
            "userType": if i % 4 == 0 { "Partner" } else { "Employee" },
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": bu}
        });
        let created: serde_json::Value = http
            .post(format!("{scim}/v2/Users"))
            .bearer_auth(SEED_TOKEN)
            .header("Content-Type", "application/scim+json")
            .json(&body)
            .send()
            .await
            .expect("POST reaches scim2-server")
            .error_for_status()
            .expect("scim2-server creates the user")
            .json()
            .await
            .expect("created user is JSON");
        ids.push(created["id"].as_str().expect("server assigns an id").to_owned());
        users.push((user_name, bu.to_owned()));
    }
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Exstream Content Author",
        "members": ids.iter().map(|id| json!({"value": id, "type": "User"})).collect::<Vec<_>>()
    });
    http.post(format!("{scim}/v2/Groups"))
        .bearer_auth(SEED_TOKEN)
        .header("Content-Type", "application/scim+json")
        .json(&group)
        .send()
        .await
        .expect("POST reaches scim2-server")
        .error_for_status()
        .expect("scim2-server creates the group");
    users
}

fn profile(dir: &std::path::Path, issuer: &str, scim: &str) -> PathBuf {
    let path = dir.join("peers.toml");
    let text = format!(
        r#"name = "peers"
[oidc]
issuer = "{issuer}"
client_id = "bailiwick-desktop"
scopes = ["openid", "profile", "email", "offline_access"]
[scim]
base_url = "{scim}/v2"
page_size = 4
"#
    );
    std::fs::write(&path, text).expect("write profile");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_oidc_provider_and_sync_from_scim2_server() {
    let provider = oidc_provider("ada.emea");
    // oidc-provider serves userinfo at /me.
    let scim = scim2_server(&format!("{}/me", provider.url));
    let seeded = seed(&scim.url).await;
    let expected: BTreeSet<String> =
        seeded.iter().filter(|(_, bu)| bu == "EMEA" || bu.starts_with("EMEA/")).map(|(name, _)| name.clone()).collect();
    assert!(expected.len() >= 5, "the seed puts users in EMEA");

    let profile_dir = tempfile::tempdir().expect("temp dir");
    let profile = profile(profile_dir.path(), &provider.url, &scim.url);
    let cli = Cli::new(profile.display().to_string()).with_browser(FakeBrowser::new("ada.emea", "unused"));

    let results = tokio::task::spawn_blocking(move || {
        let login = cli.run(&["login", "--json", "--timeout", "30"]);
        let sync = cli.run(&["sync", "--json"]);
        let list = cli.run(&["users", "list", "--json"]);
        let partners = cli.run(&["users", "list", "--type", "partner", "--json"]);
        (login, sync, list, partners)
    })
    .await
    .expect("CLI runs");
    let (login, sync, list, partners) = results;

    login.assert_code(0, "login through oidc-provider");
    assert_eq!(login.json()["buScopes"], json!(["EMEA"]), "the admin context comes from oidc-provider's claims");
    sync.assert_code(0, "sync from scim2-server");
    list.assert_code(0, "users list");
    let listed: BTreeSet<String> = user_names(&list.json()).into_iter().collect();
    assert_eq!(listed, expected, "exactly scim2-server's users inside EMEA (not EMEAX, not AMER, not APAC)");
    let partner_names = user_names(&partners.json());
    assert!(
        !partner_names.is_empty() && partner_names.iter().all(|n| expected.contains(n)),
        "type filter works on peer data"
    );
}
