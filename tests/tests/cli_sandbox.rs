//! The headless contract end to end: `bailiwick` against the sandbox IAM in its own process,
//! signing in through a stand-in system browser (a fake `xdg-open` first on PATH), keeping the
//! refresh token in the real OS keyring (Secret Service; `make test` runs inside
//! `dbus-run-session` with gnome-keyring unlocked).

use bailiwick_tests::{free_port, in_scopes, seeded_users, user_names, Cli, FakeBrowser, SandboxProcess};

fn signed_in(sandbox: &SandboxProcess, user: &str) -> Cli {
    let cli = Cli::new(sandbox.profile.display().to_string()).with_browser(FakeBrowser::new(user, "demo"));
    cli.run(&["login", "--json"]).assert_code(0, &format!("login as {user}"));
    cli
}

#[test]
fn an_admin_sees_exactly_the_users_of_their_business_units() {
    let sandbox = SandboxProcess::start();
    let seeded = seeded_users();
    assert!(seeded.len() >= 200, "the demo organisation has at least 200 users, found {}", seeded.len());

    let ada = signed_in(&sandbox, "ada.emea");
    let who = ada.run(&["whoami", "--json"]);
    who.assert_code(0, "whoami after login");
    let who = who.json();
    assert_eq!(who["buScopes"], serde_json::json!(["EMEA"]), "ada administers EMEA");
    assert_eq!(who["displayName"], "ada.emea");
    assert!(who["capabilities"].as_array().is_some_and(|c| c.iter().any(|c| c == "approve-grants")));

    let sync = ada.run(&["sync", "--json"]);
    sync.assert_code(0, "sync");
    let expected = in_scopes(&seeded, &["EMEA"]);
    assert_eq!(sync.json()["users"].as_u64(), Some(expected.len() as u64), "sync reports the count it cached");
    // The sync's WAL checkpoint runs after it has reported, on a thread the CLI waits for
    // before it exits: nothing is left in a WAL.
    let workspaces = ada.data_dir.path().join("workspaces");
    let wal_left: Vec<_> = std::fs::read_dir(&workspaces)
        .expect("the workspaces folder")
        .flatten()
        .map(|workspace| workspace.path().join("cache.sqlite-wal"))
        .filter(|wal| std::fs::metadata(wal).is_ok_and(|m| m.len() > 0))
        .collect();
    assert!(wal_left.is_empty(), "pages left in {wal_left:?}");

    let listed = ada.run(&["users", "list", "--json"]);
    listed.assert_code(0, "users list");
    let list = listed.json();
    assert_eq!(user_names(&list), expected, "exactly the sandbox's EMEA users, nothing outside EMEA");
    for user in list.as_array().expect("array") {
        for field in ["id", "userName", "displayName", "bu", "type", "active"] {
            assert!(user.get(field).is_some(), "contract field {field} missing in {user}");
        }
    }

    let ravi = signed_in(&sandbox, "ravi.apac");
    ravi.run(&["sync"]).assert_code(0, "ravi's sync");
    let ravi_list = ravi.run(&["users", "list", "--json"]);
    let ravi_names = user_names(&ravi_list.json());
    assert_eq!(ravi_names, in_scopes(&seeded, &["APAC/IN"]), "ravi sees APAC/IN only");
    assert!(!ravi_names.is_empty(), "APAC/IN has users");
    assert!(ravi_names.iter().all(|n| !expected.contains(n)), "no EMEA user reaches ravi's cache");
}

#[test]
fn search_and_bu_filters_narrow_the_cached_list() {
    let sandbox = SandboxProcess::start();
    let ada = signed_in(&sandbox, "ada.emea");
    ada.run(&["sync"]).assert_code(0, "sync");
    let seeded = seeded_users();

    let de = user_names(&ada.run(&["users", "list", "--bu", "EMEA/DE", "--json"]).json());
    assert_eq!(de, in_scopes(&seeded, &["EMEA/DE"]), "--bu narrows to the BU subtree");

    let anna = ada.run(&["users", "list", "--search", "anna.schmidt", "--json"]).json();
    assert_eq!(user_names(&anna), vec!["anna.schmidt".to_owned()], "search finds a known EMEA/DE user");

    let offline = ada.run(&["--offline", "users", "list", "--json"]);
    offline.assert_code(0, "the cache is readable offline");
    assert_eq!(user_names(&offline.json()).len(), in_scopes(&seeded, &["EMEA"]).len());
}

#[test]
fn commands_that_need_a_session_exit_3_before_login_and_6_offline() {
    let sandbox = SandboxProcess::start();
    let cli = Cli::new(sandbox.profile.display().to_string());
    cli.run(&["whoami"]).assert_code(3, "whoami without a session");
    cli.run(&["sync"]).assert_code(3, "sync without a session");
    cli.run(&["--offline", "sync"]).assert_code(6, "sync with --offline needs the network");
    let json = cli.run(&["sync", "--json"]);
    json.assert_code(3, "sync --json without a session");
    assert_eq!(json.json()["error"]["code"], "sign-in-needed", "errors are typed in --json mode");
}

#[test]
fn a_wrong_password_signs_nobody_in() {
    let sandbox = SandboxProcess::start();
    let browser = FakeBrowser::new("ada.emea", "not-the-password");
    let log = browser.log_path();
    let cli = Cli::new(sandbox.profile.display().to_string()).with_browser(browser);
    let login = cli.run(&["login", "--timeout", "8"]);
    assert_ne!(login.code, 0, "login must not succeed with a wrong password\n{}", login.stderr);
    let events = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(events.contains("sign-in-refused"), "the sign-in page refused the password; browser saw: {events}");
    cli.run(&["whoami"]).assert_code(3, "still not signed in");
}

#[test]
fn logout_ends_the_session() {
    let sandbox = SandboxProcess::start();
    let ada = signed_in(&sandbox, "ada.emea");
    ada.run(&["logout"]).assert_code(0, "logout");
    ada.run(&["whoami"]).assert_code(3, "whoami after logout");
    ada.run(&["sync"]).assert_code(3, "sync after logout needs a new sign-in");
}

#[test]
fn the_built_in_demo_profile_serves_the_iam_from_the_cli_itself() {
    // No sandbox process: `--profile demo` starts the demo IAM inside each command that needs
    // the network, with its state in the data dir, so a sign-in outlives the process.
    let port = free_port().to_string();
    let cli = Cli::new("demo")
        .with_browser(FakeBrowser::new("cora.compliance", "demo"))
        .with_env("BAILIWICK_DEMO_PORT", &port);
    let login = cli.run(&["login", "--json", "--timeout", "30"]);
    login.assert_code(0, "login to the built-in demo");
    assert_eq!(login.json()["capabilities"], serde_json::json!(["review", "audit"]), "cora is read-only");
    cli.run(&["sync"]).assert_code(0, "sync restores the session from the keyring in a new process");
    let listed = user_names(&cli.run(&["users", "list", "--json"]).json());
    assert_eq!(listed, in_scopes(&seeded_users(), &["EMEA"]), "cora reviews EMEA");
    assert!(cli.data_dir.path().join("demo-iam/profile.toml").is_file(), "the demo keeps its profile in the data dir");
}
