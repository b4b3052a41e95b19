//! An access review on a plane (issue 8): with the sandbox stopped, review 500+ assignments,
//! revoke 50 across two sessions (progress kept); meanwhile 5 of those users change on the
//! server; once the sandbox is back, submitting applies 45 revocations and shows 5 conflicts —
//! nothing lost, nothing applied twice — and the report is exported.

use std::collections::BTreeSet;

use bailiwick_tests::{Cli, FakeBrowser, SandboxProcess};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

fn signed_in(sandbox: &SandboxProcess, user: &str) -> Cli {
    let cli = Cli::new(sandbox.profile.display().to_string()).with_browser(FakeBrowser::new(user, "demo"));
    cli.run(&["login"]).assert_code(0, &format!("login as {user}"));
    cli.run(&["sync"]).assert_code(0, &format!("sync as {user}"));
    cli
}

/// Whether the sandbox's state file (its ground truth) has `user` in the group `role`.
fn holds(state: &std::path::Path, user: &str, role: &str) -> bool {
    let conn = Connection::open_with_flags(state, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("the sandbox's state");
    conn.query_row(
        "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id JOIN groups g ON g.id = m.group_id
         WHERE u.user_name = ?1 AND g.display_name = ?2",
        [user, role],
        |r| r.get::<_, i64>(0),
    )
    .expect("query memberships")
        == 1
}

#[test]
fn an_offline_review_submits_45_revocations_and_shows_5_conflicts() {
    let mut sandbox = SandboxProcess::start_with(&["--users", "600"]);
    let ada = signed_in(&sandbox, "ada.emea");

    // More assignments: the synthetic users of EMEA get two roles each.
    let users = ada.run(&["users", "list", "--json"]).json();
    let bare: Vec<String> = users
        .as_array()
        .expect("array")
        .iter()
        .filter(|u| u["roles"].as_array().is_some_and(Vec::is_empty) && u["type"] == "employee")
        .filter_map(|u| u["userName"].as_str().map(str::to_owned))
        .collect();
    assert!(bare.len() >= 100, "the synthetic users give room for assignments, found {}", bare.len());
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("assignments.csv");
    let mut text = String::from("user,role\n");
    for user in &bare {
        text.push_str(&format!("{user},Exstream Content Author\n{user},Production Operator\n"));
    }
    std::fs::write(&csv, text).expect("write csv");
    ada.run(&["roles", "import", csv.to_str().expect("utf-8")]).assert_code(0, "roles import");
    ada.run(&["sync"]).assert_code(0, "sync after the import");

    // The plane: the IAM is unreachable from here on.
    sandbox.server.stop();
    let started = ada.run(&["review", "start", "--json"]);
    started.assert_code(0, "review start offline");
    let items = started.json();
    let items = items.as_array().expect("items");
    assert!(items.len() >= 500, "a review of at least 500 assignments, found {}", items.len());

    // 50 assignments of 50 different users, decided in two sittings.
    let mut seen = BTreeSet::new();
    let chosen: Vec<&Value> = items
        .iter()
        .filter(|i| i["kind"] == "assignment" && i["userName"] != "ada.emea")
        .filter(|i| seen.insert(i["userName"].as_str().unwrap_or_default().to_owned()))
        .take(50)
        .collect();
    assert_eq!(chosen.len(), 50);
    let numbers: Vec<String> = chosen.iter().map(|i| i["item"].to_string()).collect();
    ada.run(&["review", "decide", &numbers[..25].join(","), "revoke", "--note", "left the project"])
        .assert_code(0, "first sitting");
    // The app is closed and opened again: what was decided is still there.
    let midway = ada.run(&["review", "list", "--json"]).json();
    let decided = midway.as_array().expect("items").iter().filter(|i| i["decision"] == "revoke").count();
    assert_eq!(decided, 25, "progress is kept between sittings");
    ada.run(&["review", "decide", &numbers[25..].join(","), "revoke"]).assert_code(0, "second sitting");
    ada.run(&["review", "decide", "1", "keep"]).assert_code(0, "a keep decision");

    // Meanwhile, another admin changes 5 of those users on the server.
    sandbox.restart();
    let gina = signed_in(&sandbox, "gina.global");
    let changed: Vec<String> =
        chosen[..5].iter().map(|i| i["userName"].as_str().expect("userName").to_owned()).collect();
    for user in &changed {
        gina.run(&["users", "edit", user, "--given", "Changed"]).assert_code(0, "gina edits a user");
    }

    // Back on the ground.
    let submitted = ada.run(&["review", "submit", "--json"]);
    submitted.assert_code(0, "review submit");
    let submission = submitted.json();
    assert_eq!(submission["queued"], 50, "{submission}");
    assert_eq!(submission["push"]["applied"], 45, "{submission}");
    assert_eq!(submission["push"]["conflicts"], 5, "{submission}");
    let conflicts = ada.run(&["conflicts", "list", "--json"]).json();
    let in_conflict: BTreeSet<String> = conflicts
        .as_array()
        .expect("conflicts")
        .iter()
        .filter_map(|c| c["theirs"]["userName"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(in_conflict, changed.iter().cloned().collect(), "exactly the users changed on the server");

    // The server's own state: 45 memberships gone, the 5 changed users keep theirs.
    for item in &chosen {
        let user = item["userName"].as_str().expect("userName");
        let role = item["role"].as_str().expect("role");
        let expected = changed.iter().any(|c| c == user);
        assert_eq!(holds(&sandbox.state, user, role), expected, "{user} / {role}");
    }
    // Pushing again changes nothing: nothing is applied twice.
    let again = ada.run(&["outbox", "push", "--json"]).json();
    assert_eq!(again["applied"], 0, "{again}");

    let report_path = dir.path().join("review.csv");
    ada.run(&["review", "report", "--format", "csv", "--output", report_path.to_str().expect("utf-8")])
        .assert_code(0, "report");
    let report = std::fs::read_to_string(&report_path).expect("report written");
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), items.len() + 1, "a header and one line per item");
    assert_eq!(report.lines().filter(|l| l.contains(",revoke,") && l.ends_with(",applied")).count(), 45);
    assert_eq!(report.lines().filter(|l| l.contains(",revoke,") && l.ends_with(",conflict")).count(), 5);
    assert_eq!(report.lines().filter(|l| l.ends_with(",kept")).count(), 1);
    let json = ada.run(&["review", "report", "--format", "json"]).json();
    assert_eq!(json["items"].as_array().map(Vec::len), Some(items.len()));
    let log = ada.run(&["audit", "list", "--action", "review.submit", "--json"]).json();
    assert_eq!(log.as_array().map(Vec::len), Some(1), "the submission is in the audit log");
    ada.run(&["audit", "verify"]).assert_code(0, "the audit chain is intact");
}
