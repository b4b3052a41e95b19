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
/// one role group with members from every region, and an empty "Template Designer" group.
/// Returns (userName, BU) pairs.
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
    let empty = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Template Designer"});
    http.post(format!("{scim}/v2/Groups"))
        .bearer_auth(SEED_TOKEN)
        .header("Content-Type", "application/scim+json")
        .json(&empty)
        .send()
        .await
        .expect("POST reaches scim2-server")
        .error_for_status()
        .expect("scim2-server creates the empty group");
    users
}

/// The userNames of a group's members, read straight from scim2-server (not through Bailiwick).
async fn members_of(scim: &str, group: &str) -> BTreeSet<String> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let get = |path: String| {
        let http = http.clone();
        async move {
            http.get(format!("{scim}/v2/{path}"))
                .bearer_auth(SEED_TOKEN)
                .send()
                .await
                .expect("GET reaches scim2-server")
                .error_for_status()
                .expect("scim2-server answers")
                .json::<serde_json::Value>()
                .await
                .expect("JSON")
        }
    };
    let groups = get(format!("Groups?filter=displayName%20eq%20%22{}%22", group.replace(' ', "%20"))).await;
    let group = &groups["Resources"][0];
    let mut names = BTreeSet::new();
    for member in group["members"].as_array().into_iter().flatten() {
        let id = member["value"].as_str().expect("member id");
        let user = get(format!("Users/{id}")).await;
        names.insert(user["userName"].as_str().expect("userName").to_owned());
    }
    names
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

[[roles]]
name = "Template Designer"
partner_allowed = true
max_grant_days = 30

[[roles]]
name = "Exstream Content Author"
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

/// Ledger mode (issue 6): scim2-server offers no Grant resource type, so a grant is a plain
/// membership plus Bailiwick's own ledger, and `grants sweep` removes it when it has expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_mode_grants_a_membership_and_the_sweep_removes_it_when_it_expires() {
    let provider = oidc_provider("ada.emea");
    let scim = scim2_server(&format!("{}/me", provider.url));
    let seeded = seed(&scim.url).await;
    let (grantee, _) = seeded.iter().find(|(_, bu)| bu == "EMEA/DE").expect("an EMEA/DE user").clone();
    assert!(members_of(&scim.url, "Template Designer").await.is_empty(), "the role starts without members");

    let profile_dir = tempfile::tempdir().expect("temp dir");
    let profile = profile(profile_dir.path(), &provider.url, &scim.url);
    let cli = std::sync::Arc::new(
        Cli::new(profile.display().to_string()).with_browser(FakeBrowser::new("ada.emea", "unused")),
    );
    let user = grantee.clone();
    let (login, sync, mode, issued) = tokio::task::spawn_blocking({
        let cli = cli.clone();
        move || {
            let login = cli.run(&["login", "--timeout", "30"]);
            let sync = cli.run(&["sync"]);
            let mode = cli.run(&["grants", "mode", "--json"]);
            let issued = cli.run(&[
                "grants",
                "issue",
                &user,
                "Template Designer",
                "--bu",
                "EMEA/DE",
                "--until",
                "+4s",
                "--reason",
                "print vendor onboarding",
                "--json",
            ]);
            (login, sync, mode, issued)
        }
    })
    .await
    .expect("CLI runs");
    login.assert_code(0, "login");
    sync.assert_code(0, "sync");
    mode.assert_code(0, "grants mode");
    assert_eq!(mode.json()["mode"], "ledger", "scim2-server has no Grant resource type");
    issued.assert_code(0, "grants issue in ledger mode");
    let grant = issued.json();
    assert_eq!(grant["mode"], "ledger");
    assert_eq!(grant["status"], "active");
    assert_eq!(grant["change"]["state"], "done", "the membership was sent at once: {grant}");
    let grant_id = grant["id"].as_str().expect("grant id").to_owned();
    assert_eq!(
        members_of(&scim.url, "Template Designer").await,
        BTreeSet::from([grantee.clone()]),
        "the grant's membership is on the server"
    );

    // Before the end nothing is swept; after it, the sweep removes the membership.
    let early = tokio::task::spawn_blocking({
        let cli = cli.clone();
        move || cli.run(&["grants", "sweep", "--json"])
    })
    .await
    .expect("CLI runs");
    early.assert_code(0, "an early sweep");
    assert_eq!(early.json()["expired"], 0, "nothing has ended yet");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (swept, listed) = tokio::task::spawn_blocking(move || {
        let swept = cli.run(&["grants", "sweep", "--json"]);
        let listed = cli.run(&["grants", "list", "--status", "expired", "--json"]);
        (swept, listed)
    })
    .await
    .expect("CLI runs");
    swept.assert_code(0, "the sweep after the end");
    let swept = swept.json();
    assert_eq!(swept["expired"], 1, "{swept}");
    assert_eq!(swept["push"]["applied"], 1, "the removal was sent: {swept}");
    assert!(
        members_of(&scim.url, "Template Designer").await.is_empty(),
        "the expired membership is gone from the server"
    );
    listed.assert_code(0, "grants list");
    let listed = listed.json();
    let expired: Vec<&str> = listed.as_array().expect("array").iter().filter_map(|g| g["id"].as_str()).collect();
    assert_eq!(expired, [grant_id.as_str()], "the ledger shows the grant as expired");
}
