//! Joiner–mover–leaver hygiene (issue 8) and the directory's audit events beside the local
//! log (issue 6), end to end against the sandbox; the server's state read from its own file.

use bailiwick_tests::{Cli, FakeBrowser, SandboxProcess};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

fn roles_on_server(state: &std::path::Path, user: &str) -> i64 {
    let conn = Connection::open_with_flags(state, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("the sandbox's state");
    conn.query_row(
        "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.user_name = ?1",
        [user],
        |r| r.get(0),
    )
    .expect("count memberships")
}

fn active_on_server(state: &std::path::Path, user: &str) -> bool {
    let conn = Connection::open_with_flags(state, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("the sandbox's state");
    conn.query_row(
        "SELECT coalesce(json_extract(resource, '$.active'), 1) FROM users WHERE user_name = ?1",
        [user],
        |r| r.get::<_, i64>(0),
    )
    .expect("read the user")
        == 1
}

#[test]
fn a_partner_without_a_grant_is_disabled_and_then_cleaned_up_as_a_leaver() {
    let sandbox = SandboxProcess::start();
    let ada = Cli::new(sandbox.profile.display().to_string()).with_browser(FakeBrowser::new("ada.emea", "demo"));
    ada.run(&["login"]).assert_code(0, "login");
    ada.run(&["sync"]).assert_code(0, "sync");

    let partners = ada.run(&["hygiene", "list", "--kind", "partner-without-grant", "--json"]).json();
    let finding = &partners.as_array().expect("findings")[0];
    let partner = finding["user"].as_str().expect("user").to_owned();
    assert!(roles_on_server(&sandbox.state, &partner) > 0, "the partner holds roles on the server");
    let fixed = ada.run(&["hygiene", "fix", finding["id"].as_str().expect("id"), "--json"]);
    fixed.assert_code(0, "fix: disable the partner");
    assert!(!active_on_server(&sandbox.state, &partner), "the partner is disabled on the server");

    // Disabled but still holding roles: now a leaver, whose fix removes them.
    let leavers = ada.run(&["hygiene", "list", "--kind", "leaver", "--json"]).json();
    let leaver: &Value = leavers
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["user"] == partner.as_str())
        .unwrap_or_else(|| panic!("{partner} is listed as a leaver: {leavers}"));
    ada.run(&["hygiene", "fix", leaver["id"].as_str().expect("id")]).assert_code(0, "fix: remove the roles");
    assert_eq!(roles_on_server(&sandbox.state, &partner), 0, "the leaver's roles are gone from the server");
    let after = ada.run(&["hygiene", "list", "--kind", "leaver", "--json"]).json();
    assert!(after.as_array().expect("findings").iter().all(|f| f["user"] != partner.as_str()), "fixed for good");
    ada.run(&["hygiene", "fix", leaver["id"].as_str().expect("id")]).assert_code(1, "a fixed finding is gone");

    // The directory recorded the same changes in its own audit trail, readable beside ours.
    let events = ada.run(&["audit", "server", "--last", "20", "--json"]);
    events.assert_code(0, "audit server");
    let events = events.json();
    let about_partner: Vec<&Value> = events
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["target"]["display"] == partner.as_str() || e["action"] == "group.update")
        .collect();
    assert!(
        about_partner.iter().any(|e| e["action"] == "user.update" && e["actor"] == "ada.emea"),
        "the server audited the disable: {events}"
    );
}
