//! Crash safety of the sync (issue 5): `bailiwick sync --full` processes are killed (SIGKILL)
//! at random moments against a sandbox of 3,000 extra users, while the directory changes
//! between rounds. After each kill the cache opens, `users list` works and shows either the
//! state before that sync or the complete new one, never a mix; the next sync completes. The
//! kills are timed by a first sync's own pace (a page, the write): fixed delays let the syncs of
//! a fast machine finish before the kill.
//!
//! "The new state" is the server's own listing for the same admin, read over SCIM by the
//! tests' own client (tests/common), not through Bailiwick.
//!
//! Kills land from the first page of users on. A kill earlier, while the process refreshes its
//! token, can lose the rotated refresh token (the sandbox then revokes the grant as reused and
//! the next sync needs a sign-in): a token-store question, outside what this test checks.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{ChildStderr, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bailiwick_tests::{user_names, Cli, SandboxProcess};
use common::{Directory, ENTERPRISE};
use rand::{Rng, SeedableRng};
use serde_json::json;

const ROUNDS: usize = 12;
/// Users created on the server before each round, so each sync has a new state to write.
const CREATED_PER_ROUND: usize = 25;

/// The sandbox profile's `page_size`: users arrive in pages of this many.
const PAGE_SIZE: usize = 500;

/// One message per progress line the sync prints on stderr (`users: …`, `groups: …`,
/// `saving …`), `true` for the one announcing the write; the channel closes when the
/// process's stderr does.
fn progress_lines(stderr: ChildStderr) -> mpsc::Receiver<bool> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let line = line.trim_start_matches(['\r', ' ']);
            let saving = line.starts_with("saving");
            let progress = saving || ["users:", "groups:", "grants:"].iter().any(|p| line.starts_with(p));
            if progress && tx.send(saving).is_err() {
                break;
            }
        }
    });
    rx
}

/// How long a full sync's steps take on this machine: a page (the time between two progress
/// lines) and the write (from the line announcing it to the process's exit). Kills are placed
/// by these, so that they land midway on a fast machine as on a slow one.
struct SyncPace {
    page: Duration,
    write: Duration,
}

/// Runs one `sync --full` to completion and times its steps.
fn measure_pace(cli: &Cli) -> SyncPace {
    let started = Instant::now();
    let mut child = cli.command(&["sync", "--full"]).stderr(Stdio::piped()).spawn().expect("spawn a sync");
    let progress = progress_lines(child.stderr.take().expect("the sync's stderr"));
    let mut lines = Vec::new();
    // The channel closes with the process's stderr; the timeout only bounds a hung sync.
    while let Ok(saving) = progress.recv_timeout(Duration::from_secs(60)) {
        lines.push((started.elapsed(), saving));
    }
    let status = child.wait().expect("wait for the sync");
    let ended = started.elapsed();
    assert!(status.success(), "the timed sync completes: {status}");
    let first = lines.first().map(|(at, _)| *at).expect("the sync printed its progress");
    let saving = lines.iter().find(|(_, saving)| *saving).map(|(at, _)| *at).expect("the sync announced its write");
    let steps = u32::try_from(lines.len().saturating_sub(1).max(1)).unwrap_or(u32::MAX);
    let pace = SyncPace {
        page: ((saving - first) / steps).max(Duration::from_millis(1)),
        write: (ended - saving).max(Duration::from_millis(1)),
    };
    eprintln!("a full sync here: {:?} a page, {:?} the write (then the exit)", pace.page, pace.write);
    pace
}

/// Every userName `token` may see on the server, paging through the listing.
fn server_user_names(directory: &Directory, token: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut start = 1;
    loop {
        let page = directory.get(token, &format!("/Users?attributes=userName&startIndex={start}&count=1000"));
        assert_eq!(page.status, 200, "listing users: {}", page.body);
        let resources = page.body["Resources"].as_array().cloned().unwrap_or_default();
        if resources.is_empty() {
            break;
        }
        start += resources.len();
        names.extend(resources.iter().filter_map(|u| u["userName"].as_str().map(str::to_owned)));
        if start as u64 > page.body["totalResults"].as_u64().unwrap_or(0) {
            break;
        }
    }
    names
}

/// The userNames the cache shows; the command must succeed, however the last sync ended.
fn cached_user_names(cli: &Cli, what: &str) -> BTreeSet<String> {
    let listed = cli.run(&["users", "list", "--json"]);
    listed.assert_code(0, what);
    user_names(&listed.json()).into_iter().collect()
}

#[test]
fn a_killed_sync_leaves_the_old_or_the_new_cache_and_the_next_sync_completes() {
    let sandbox = SandboxProcess::start_with(&["--users", "3000"]);
    let directory = Directory::of(&sandbox);
    let (ada, gina) = (directory.token("ada.emea"), directory.token("gina.global"));
    let cli = common::signed_in(&sandbox, "ada.emea");

    cli.run(&["sync", "--full", "--json"]).assert_code(0, "the first sync");
    let mut previous = cached_user_names(&cli, "users list after the first sync");
    assert_eq!(previous, server_user_names(&directory, &ada), "the first sync caches the server's listing");
    assert!(previous.len() > 1_000, "a sync of this size takes long enough to be cut: {}", previous.len());
    let pace = measure_pace(&cli);

    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5EED_CAFE);
    let bus = ["EMEA/DE", "EMEA/FR", "EMEA/UK", "EMEA/NL"];
    let (mut killed, mut old_seen, mut new_seen) = (0, 0, 0);
    for round in 0..ROUNDS {
        for i in 0..CREATED_PER_ROUND {
            let user_name = format!("crash.sync.r{round:02}.u{i:02}");
            let body = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
                "userName": user_name,
                "name": {"givenName": "Crash", "familyName": format!("Round {round}")},
                "userType": "Employee",
                ENTERPRISE: {"division": bus[i % bus.len()]}
            });
            let created = directory.post(&gina, "/Users", &body);
            assert_eq!(created.status, 201, "creating {user_name}: {}", created.body);
        }
        let next = server_user_names(&directory, &ada);
        assert_ne!(next, previous, "round {round}: the server changed, so old and new states differ");

        // The kill is placed by the sync's own progress lines (one per page of users, one for
        // the groups, one before the write), plus a little: anywhere from the first page to
        // after the write. Not before the first page: the process is then still refreshing its
        // token, and a kill there is a sign-in matter (see the module comment), not a sync one.
        let mut child = cli.command(&["sync", "--full"]).stderr(Stdio::piped()).spawn().expect("spawn a sync");
        let progress = progress_lines(child.stderr.take().expect("the sync's stderr"));
        let lines = previous.len().div_ceil(PAGE_SIZE) + 3;
        // Every other round, on average, aims at the write itself: the moment that matters.
        // The kill comes somewhere within the write's measured time, or a little after it (a
        // few hundred milliseconds for ~1,500 users in a debug build on a slow machine, tens on
        // a fast one), else within a page's time after the chosen progress line.
        let at_write = rng.gen_bool(0.5);
        let trigger = if at_write { lines } else { rng.gen_range(1..=lines) };
        let extra = if at_write {
            pace.write.mul_f64(rng.gen_range(0.0..1.25))
        } else {
            pace.page.mul_f64(rng.gen_range(0.0..1.0))
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = 0;
        while seen < trigger && Instant::now() < deadline {
            match progress.recv_timeout(Duration::from_millis(20)) {
                Ok(true) => seen = trigger,
                Ok(false) => seen += 1,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        std::thread::sleep(extra);
        let finished = child.try_wait().expect("poll the sync").is_some();
        if !finished {
            child.kill().expect("SIGKILL the sync");
            killed += 1;
        }
        let _ = child.wait();

        let now = cached_user_names(&cli, &format!("round {round}: users list after the kill"));
        if now == previous {
            old_seen += 1;
        } else if now == next {
            new_seen += 1;
        } else {
            let (gained, lost) = (now.difference(&previous).count(), previous.difference(&now).count());
            panic!(
                "round {round}: the cache holds {} users, neither the {} before the sync nor the {} after \
                 ({gained} gained, {lost} lost): a partial sync is visible",
                now.len(),
                previous.len(),
                next.len()
            );
        }
        eprintln!(
            "round {round}: {} after progress line {seen} of {lines} and {extra:?}; the cache shows the {} state",
            if finished { "finished" } else { "killed" },
            if now == next { "new" } else { "old" }
        );
        previous = now;
    }
    assert!(killed >= ROUNDS / 3, "many rounds must die midway, or the test proves nothing ({killed} killed)");
    assert!(old_seen > 0, "some kills must land before the write, or the old state was never checked");

    let last = cli.run(&["sync", "--full", "--json"]);
    last.assert_code(0, "the sync after the kills completes");
    let server = server_user_names(&directory, &ada);
    assert_eq!(cached_user_names(&cli, "users list after the last sync"), server, "the cache is the server's listing");
    cli.run(&["sync", "--json"]).assert_code(0, "a sync without --full completes too");
    assert_eq!(cached_user_names(&cli, "users list after an incremental sync"), server);
    let search = cli.run(&["users", "list", "--search", "crash.sync", "--json"]);
    search.assert_code(0, "search after the kills");
    assert_eq!(user_names(&search.json()).len(), ROUNDS * CREATED_PER_ROUND, "the search index holds every new user");
    eprintln!("{killed} of {ROUNDS} syncs killed; {old_seen} left the old state, {new_seen} the new one");
}
