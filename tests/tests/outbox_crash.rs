//! Crash safety of the outbox (issue 6): 1,000 changes are queued offline, then replayed by
//! `bailiwick outbox push` processes killed (SIGKILL) at random moments, ten rounds, before a
//! last push runs to the end. Nothing may be lost and nothing applied twice, as the sandbox's
//! own state file says (read with SQLite directly, not through any client).
//!
//! Each kill comes right after a random number of further changes reached the server (polled in
//! its state file), not after a random time: the moment a change is applied but perhaps not yet
//! recorded as done is the one that matters, and on a fast machine a push with a time limit
//! finished the whole outbox within a few rounds.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bailiwick_tests::{Cli, FakeBrowser, SandboxProcess};
use rand::{Rng, SeedableRng};
use rusqlite::{Connection, OpenFlags};

const CREATED: usize = 700;
const ASSIGNED: usize = 300;
const ROUNDS: usize = 10;
const ROLE: &str = "Template Designer";

/// The queued users the server holds.
const CREATED_ON_SERVER: &str = "SELECT count(*) FROM users WHERE user_name LIKE 'crash.user%'";
/// The queued role assignments the server holds.
const ASSIGNED_ON_SERVER: &str = "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
     JOIN groups g ON g.id = m.group_id WHERE g.display_name = ?1 AND u.user_name LIKE 'crash.user%'";

/// How many of the queued changes have reached the server.
fn applied_on_server(conn: &Connection) -> usize {
    let created: i64 = conn.query_row(CREATED_ON_SERVER, [], |r| r.get(0)).expect("count users");
    let assigned: i64 = conn.query_row(ASSIGNED_ON_SERVER, [ROLE], |r| r.get(0)).expect("count members");
    usize::try_from(created + assigned).expect("a count")
}

fn server_state(path: &std::path::Path) -> Connection {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("the sandbox's state file");
    conn.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
    conn
}

#[test]
fn a_killed_push_loses_nothing_and_applies_nothing_twice() {
    let sandbox = SandboxProcess::start();
    let cli = Cli::new(sandbox.profile.display().to_string()).with_browser(FakeBrowser::new("ada.emea", "demo"));
    cli.run(&["login"]).assert_code(0, "login");
    cli.run(&["sync"]).assert_code(0, "sync");

    // 700 new users and 300 role assignments to some of them, queued without the network.
    let dir = tempfile::tempdir().expect("temp dir");
    let users_csv = dir.path().join("users.csv");
    let mut text = String::from("userName,bu,type,givenName,familyName\n");
    let bus = ["EMEA/DE", "EMEA/FR", "EMEA/UK", "EMEA/NL"];
    for i in 0..CREATED {
        text.push_str(&format!("crash.user{i:04},{},employee,Crash,User {i:04}\n", bus[i % bus.len()]));
    }
    std::fs::write(&users_csv, text).expect("write users.csv");
    let roles_csv = dir.path().join("roles.csv");
    let mut text = String::from("user,role\n");
    for i in 0..ASSIGNED {
        text.push_str(&format!("crash.user{:04},{ROLE}\n", i * 2));
    }
    std::fs::write(&roles_csv, text).expect("write roles.csv");
    let users = cli.run(&["--offline", "users", "import", users_csv.to_str().expect("utf-8"), "--json"]);
    users.assert_code(0, "users import, offline");
    let roles = cli.run(&["--offline", "roles", "import", roles_csv.to_str().expect("utf-8"), "--json"]);
    roles.assert_code(0, "roles import, offline");
    let queued = cli.run(&["outbox", "list", "--json"]).json();
    assert_eq!(queued.as_array().map(Vec::len), Some(CREATED + ASSIGNED), "1,000 changes wait in the outbox");

    // Ten pushes, each killed at a random moment (a fixed seed: a failure can be replayed):
    // once a random share of what is left, leaving some for the rounds after, reached the server.
    let mut rng = rand::rngs::StdRng::seed_from_u64(0xB0B0_CAFE);
    let state = server_state(&sandbox.state);
    let mut killed_with_work_left = 0;
    for round in 0..ROUNDS {
        let before = applied_on_server(&state);
        let share = ((CREATED + ASSIGNED - before) / (ROUNDS - round + 1)).max(1);
        let target = before + rng.gen_range(1..=share);
        let mut child = cli.command(&["outbox", "push"]).spawn().expect("spawn a push");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) && applied_on_server(&state) < target {
            if child.try_wait().expect("poll the push").is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let finished = child.try_wait().expect("poll the push").is_some();
        if !finished {
            child.kill().expect("SIGKILL the push");
            killed_with_work_left += 1;
        }
        let _ = child.wait();
        eprintln!(
            "round {round}: {} after {:?}, with {} of {} changes on the server (aimed at {target})",
            if finished { "finished" } else { "killed" },
            started.elapsed(),
            applied_on_server(&state),
            CREATED + ASSIGNED
        );
    }
    assert!(killed_with_work_left >= ROUNDS / 2, "most rounds must die midway, or the test proves nothing");

    let last = cli.run(&["outbox", "push", "--json"]);
    last.assert_code(0, "the last push completes");
    let all = cli.run(&["outbox", "list", "--all", "--json"]).json();
    let states: BTreeMap<String, usize> = all.as_array().expect("array").iter().fold(BTreeMap::new(), |mut m, e| {
        *m.entry(e["state"].as_str().unwrap_or("?").to_owned()).or_default() += 1;
        m
    });
    assert_eq!(states, BTreeMap::from([("done".to_owned(), CREATED + ASSIGNED)]), "every change done: {states:?}");

    // The server's state: each user exists once, with the change's idempotency key; each
    // assignment holds; each creation was performed once (the sandbox audits every write).
    let conn = server_state(&sandbox.state);
    let created: i64 = conn.query_row(CREATED_ON_SERVER, [], |r| r.get(0)).expect("count users");
    assert_eq!(created, CREATED as i64, "every queued user exists on the server, none twice");
    let without_key: i64 = conn
        .query_row(
            "SELECT count(*) FROM users WHERE user_name LIKE 'crash.user%' AND json_extract(resource, '$.externalId') IS NULL",
            [],
            |r| r.get(0),
        )
        .expect("count keys");
    assert_eq!(without_key, 0, "each user carries its change's idempotency key");
    let members: i64 = conn.query_row(ASSIGNED_ON_SERVER, [ROLE], |r| r.get(0)).expect("count members");
    assert_eq!(members, ASSIGNED as i64, "every queued assignment holds");
    let creations: Vec<(String, i64)> = {
        let mut statement = conn
            .prepare(
                "SELECT json_extract(resource, '$.target.display') AS name, count(*) FROM audit_events
                 WHERE json_extract(resource, '$.action') = 'user.create' AND name LIKE 'crash.user%'
                 GROUP BY name HAVING count(*) <> 1",
            )
            .expect("query audit events");
        let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("rows");
        rows.collect::<Result<_, _>>().expect("read rows")
    };
    assert!(creations.is_empty(), "users created more than once: {creations:?}");

    // The local audit log recorded each change once as queued and once as applied, intact.
    cli.run(&["audit", "verify"]).assert_code(0, "the audit chain survived the kills");
    let log = cli.run(&["audit", "list", "--json"]).json();
    let applied = log.as_array().expect("array").iter().filter(|e| e["outcome"] == "applied").count();
    assert_eq!(applied, CREATED + ASSIGNED, "one applied entry per change");
}
