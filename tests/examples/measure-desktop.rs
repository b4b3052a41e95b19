//! Cold start and idle memory of the desktop app with 100,000 cached users (issue 7), printing
//! figures; not a test. Run `scripts/measure-desktop.sh`, which builds the optimised app and
//! gives it the display, D-Bus session and unlocked keyring it needs, or by hand inside those:
//!
//! ```sh
//! target/debug/examples/measure-desktop --app target/release/bailiwick-desktop [--users 100000]
//!     [--launches 5] [--idle-secs 10] [--drop-caches] [--baseline target/release/minimal-tauri-app]
//! ```
//!
//! First it starts `target/debug/bailiwick-sandbox --users N` and lets the app itself open the
//! sandbox's profile, sign in as gina.global (every region) through the stand-in browser and run
//! its first sync, as a new administrator would; then it stops the sandbox. So every measured
//! start is the restart of the end-to-end test "cached users, offline": the app resumes the last
//! workspace, fails to reach the IAM at once (loopback, connection refused) and shows the cache.
//!
//! Each launch is a WebDriver session (tauri-driver starts WebKitWebDriver, which starts the app).
//! Cold start is the time from the app process's start (`/proc/PID/stat` starttime) to the first
//! `[data-testid='user-row']` in the DOM, and to the animation frame after it (the first frame
//! that can show it). A MutationObserver installed by the first WebDriver poll timestamps the row
//! as React inserts it, so the figure does not depend on the poll interval; only when the row is
//! already there at the first poll is the poll's own time used (an upper bound, marked `poll`).
//! Idle memory is the sum of Pss (`/proc/PID/smaps_rollup`) over the app and every process
//! below it (WebKit's web and network processes, bubblewrap), read after the rows have been
//! shown for `--idle-secs`. Then, to see what the JavaScript engine's setup costs the admin, the
//! page times a jump through the table (the scroller set to a far row, until that row's user is
//! shown) and a search (a term typed, until the first row changes; it includes the UI's 200 ms
//! debounce), each five times, with no WebDriver in the timed part. As shipped (WebKit's
//! compositing and JavaScriptCore's JIT compilers off), with those compilers kept
//! (`BAILIWICK_WEBKIT_JIT=1`) and with compositing kept (`BAILIWICK_WEBKIT_COMPOSITING=1`);
//! `--modes shipped,jit,compositing` chooses which of the three, in which order.
//!
//! `--baseline PATH` then launches a minimal Tauri app (tests/minimal-app: one heading, the same
//! Tauri and WebKitGTK) as many times, with the WebKit settings the app ships with, and prints
//! its idle memory beside the app's, process by process: what WebKit costs any Tauri app on this
//! machine, and what is ours.
//!
//! To see where the memory and the time go: `MEASURE_SMAPS_DIR=DIR` copies each process's
//! `/proc/PID/smaps` there at the idle reading (which libraries and heaps hold the PSS), and
//! `MEASURE_JUMP_IPC=1` prints each jump's IPC calls with their start and end.
//!
//! Not measured: a start with a cold OS page cache unless `--drop-caches` asks for one before the
//! first launch of each mode (the priming run reads the binary, WebKit and the cache file, so
//! otherwise every measured start finds them in memory); a real GPU or compositor (Xvfb); the
//! memory of WebKitWebDriver and tauri-driver, which are not part of the app.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bailiwick_tests::desktop::{find_test_id, TauriDriver};
use bailiwick_tests::{binary, free_port, workspace_root, FakeBrowser, Server};
use fantoccini::{Client, Locator};

type Failure = Box<dyn std::error::Error>;

/// Administers every region, so the sync caches every synthetic user.
const ADMIN: &str = "gina.global";
/// The sandbox's password for its seeded administrators.
const PASSWORD: &str = "demo";
/// Pause between two WebDriver polls; each poll is also a round trip of a few milliseconds.
const POLL_INTERVAL: Duration = Duration::from_millis(15);
/// The app's first sync of 100,000 users; minutes only on a loaded machine.
const FIRST_SYNC_WITHIN: Duration = Duration::from_secs(20 * 60);
/// Rows shown after a start; seconds normally, generous for a loaded 2-core machine.
const FIRST_ROW_WITHIN: Duration = Duration::from_secs(120);

/// Run by the page through WebDriver: installs a MutationObserver that stamps the moment the
/// first user row is inserted and the animation frame after it, and returns that record once
/// there is one (`null` before), with the page's navigation start and DOMContentLoaded, which
/// split the start into its phases. Stamps are milliseconds of the wall clock this process reads too.
const FIRST_ROW_SCRIPT: &str = r#"
const selector = "[data-testid='user-row']";
const w = window;
const mark = (by) => {
  w.__measureFirstRow = { at: Date.now(), by, frame: null };
  requestAnimationFrame(() => { w.__measureFirstRow.frame = Date.now(); });
};
if (!w.__measureFirstRow) {
  if (document.querySelector(selector)) {
    mark("poll");
  } else if (!w.__measureObserver) {
    w.__measureObserver = new MutationObserver(() => {
      if (!w.__measureFirstRow && document.querySelector(selector)) {
        w.__measureObserver.disconnect();
        mark("observer");
      }
    });
    w.__measureObserver.observe(document, { childList: true, subtree: true });
  }
}
const record = w.__measureFirstRow;
if (!record) return null;
const navigation = performance.getEntriesByType("navigation")[0];
return {
  ...record,
  pageStart: performance.timeOrigin,
  domReady: navigation ? performance.timeOrigin + navigation.domContentLoadedEventEnd : null,
  // The UI's IPC calls (ui/src/ipc/commands.ts): [command, start, duration], ms after pageStart.
  ipc: performance.getEntriesByType("measure")
    .filter((m) => m.name.startsWith("ipc:") && m.startTime <= record.at - performance.timeOrigin)
    .map((m) => [m.name.slice(4), m.startTime, m.duration]),
};
"#;

/// Run by the page through WebDriver (asynchronously): scrolls the users table to row
/// `arguments[0]` and times until that row shows its user, then types the first letters of that
/// user's name into the search and times until the first row shows another user, then clears the
/// search. Resolves with `[jump ms, search ms]`, or an error text after 10 s.
const INTERACTION_SCRIPT: &str = r#"
const [target, done] = [arguments[0], arguments[arguments.length - 1]];
const scroller = document.querySelector("[data-testid='users-scroll']");
const input = document.querySelector("[data-testid='user-search']");
if (!scroller || !input) { done("no users table"); return; }
const rowAt = (index) => document.querySelector(`[data-testid='user-row'][aria-rowindex='${index + 2}']`);
const firstName = () => document.querySelector("[data-testid='user-row']")?.dataset.userName;
const until = (ready) => new Promise((resolve, reject) => {
  const check = () => { const value = ready(); if (value) { observer.disconnect(); clearTimeout(timer); resolve(value); } };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { childList: true, subtree: true, attributes: true });
  const timer = setTimeout(() => { observer.disconnect(); reject(new Error("timed out")); }, 10000);
  check();
});
const type = (text) => {
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, text);
  input.dispatchEvent(new Event("input", { bubbles: true }));
};
(async () => {
  const top = rowAt(0)?.dataset.userName;
  const jumpStart = performance.now();
  scroller.scrollTop = target * 36;
  const row = await until(() => rowAt(target));
  const jump = performance.now() - jumpStart;
  const calls = performance.getEntriesByType("measure")
    .filter((m) => m.name.startsWith("ipc:") && m.startTime >= jumpStart)
    .map((m) => `${m.name.slice(4)} +${Math.round(m.startTime - jumpStart)}..${Math.round(m.startTime + m.duration - jumpStart)}`);
  const before = firstName();
  const term = row.dataset.userName.slice(0, 5);
  const searchStart = performance.now();
  type(term);
  await until(() => { const name = firstName(); return name && name !== before; });
  const search = performance.now() - searchStart;
  type("");
  scroller.scrollTop = 0;
  await until(() => rowAt(0)?.dataset.userName === top);
  done([jump, search, calls.join(", ")]);
})().catch((error) => done(String(error)));
"#;

/// Rows the interaction timings jump to (the cache holds at least 100,000 by default).
const JUMP_TARGETS: [u64; 5] = [10_000, 30_000, 50_000, 70_000, 90_000];

struct Options {
    users: u64,
    launches: usize,
    idle: Duration,
    app: PathBuf,
    /// Drop the OS page cache before the first launch of each mode, so that one start reads the
    /// binary, WebKit and the cache from disk, as the first start after a boot does. Needs root,
    /// and slows everything else on the machine for a moment: off unless asked for.
    drop_caches: bool,
    /// The modes measured, in order (`--modes shipped,jit,compositing`, the default).
    modes: Vec<Mode>,
    /// A minimal Tauri app measured after the modes, for comparison (`--baseline PATH`).
    baseline: Option<PathBuf>,
}

fn options() -> Result<Options, Failure> {
    let mut options = Options {
        users: 100_000,
        launches: 5,
        idle: Duration::from_secs(10),
        app: workspace_root().join("target/release/bailiwick-desktop"),
        drop_caches: false,
        modes: vec![Mode::AsShipped, Mode::JitKept, Mode::CompositingKept],
        baseline: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--drop-caches" {
            options.drop_caches = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--users" => options.users = value.parse()?,
            "--launches" => options.launches = value.parse()?,
            "--idle-secs" => options.idle = Duration::from_secs(value.parse()?),
            "--app" => options.app = std::path::absolute(value)?,
            "--modes" => options.modes = value.split(',').map(Mode::parse).collect::<Result<_, _>>()?,
            "--baseline" => options.baseline = Some(std::path::absolute(value)?),
            other => {
                return Err(format!(
                "unknown option {other} (--users, --launches, --idle-secs, --app, --modes, --baseline, --drop-caches)"
            )
                .into())
            }
        }
    }
    if options.launches == 0 {
        return Err("--launches must be at least 1".into());
    }
    for binary in std::iter::once(&options.app).chain(&options.baseline) {
        if !binary.is_file() {
            return Err(format!("no binary at {}: build it (scripts/measure-desktop.sh does)", binary.display()).into());
        }
    }
    Ok(options)
}

/// How the app's WebKit is set up for a series of launches (src-tauri/src/webkit_env.rs).
#[derive(Clone, Copy)]
enum Mode {
    /// Compositing and JavaScriptCore's JIT compilers off.
    AsShipped,
    /// JavaScriptCore's JIT compilers kept (`BAILIWICK_WEBKIT_JIT=1`).
    JitKept,
    /// WebKit's compositing kept (`BAILIWICK_WEBKIT_COMPOSITING=1`).
    CompositingKept,
}

impl Mode {
    fn parse(name: &str) -> Result<Self, Failure> {
        match name.trim() {
            "shipped" => Ok(Mode::AsShipped),
            "jit" => Ok(Mode::JitKept),
            "compositing" => Ok(Mode::CompositingKept),
            other => Err(format!("unknown mode {other:?} (shipped, jit, compositing)").into()),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Mode::AsShipped => "as shipped (compositing and JIT off)",
            Mode::JitKept => "BAILIWICK_WEBKIT_JIT=1 (JIT kept)",
            Mode::CompositingKept => "BAILIWICK_WEBKIT_COMPOSITING=1 (WebKit's compositing)",
        }
    }

    /// Our variable that keeps a WebKit feature, if this mode keeps one.
    fn keeps(self) -> Option<&'static str> {
        match self {
            Mode::AsShipped => None,
            Mode::JitKept => Some("BAILIWICK_WEBKIT_JIT"),
            Mode::CompositingKept => Some("BAILIWICK_WEBKIT_COMPOSITING"),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let options = options()?;
    let clock = ProcessClock::new()?;
    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().join("data");
    let profile = dir.path().join("sandbox.toml");
    println!("app: {}", options.app.display());

    let seeding = Instant::now();
    let mut sandbox = start_sandbox(options.users, &profile, &dir.path().join("iam.sqlite"));
    println!("sandbox seeded with {} synthetic users in {:.1} s", options.users, seeding.elapsed().as_secs_f64());
    let browser = FakeBrowser::new(ADMIN, PASSWORD);
    {
        let driver = start_driver(&data_dir, &browser, Mode::AsShipped);
        let syncing = Instant::now();
        let cached = first_sync_through_the_app(&driver, &options, &profile, &data_dir).await?;
        println!(
            "priming run: the app signed in as {ADMIN} and cached {cached} users in {:.1} s",
            syncing.elapsed().as_secs_f64()
        );
    }
    // Offline from here: each start reads the cache only, with no network time in the figures.
    sandbox.stop();

    let mut series = Vec::new();
    for &mode in &options.modes {
        println!("\n{}:", mode.label());
        let driver = start_driver(&data_dir, &browser, mode);
        let mut launches = Vec::new();
        for number in 1..=options.launches {
            if number == 1 && options.drop_caches {
                drop_page_cache()?;
            }
            let launch = measure_launch(&driver, &options, &data_dir, &clock).await?;
            if launch.shown_users < options.users {
                return Err(format!(
                    "launch {number} shows {} users, expected the cached {}",
                    launch.shown_users, options.users
                )
                .into());
            }
            launch.print(number);
            launches.push(launch);
        }
        series.push((mode, launches));
    }
    print_summary(&options, &series);
    if let Some(baseline) = &options.baseline {
        let launches = measure_baseline(baseline, &options, &data_dir, &clock).await?;
        let ours = series.iter().find(|(mode, _)| matches!(mode, Mode::AsShipped)).or(series.first());
        print_baseline_comparison(ours, &launches);
    }
    Ok(())
}

/// Writes back dirty pages, then empties the page cache (Linux, root only).
fn drop_page_cache() -> Result<(), Failure> {
    Command::new("sync").status()?;
    std::fs::write("/proc/sys/vm/drop_caches", "3")
        .map_err(|e| format!("cannot drop the page cache (--drop-caches needs root): {e}"))?;
    Ok(())
}

/// `bailiwick-sandbox --users N` on an ephemeral port, with a profile file for the app and its
/// state in a file (seeding 100,000 users takes seconds, more on a busy machine).
fn start_sandbox(users: u64, profile: &Path, state: &Path) -> Server {
    let mut command = Command::new(binary("bailiwick-sandbox"));
    command
        .args(["--port", "0", "--users", &users.to_string(), "--write-profile"])
        .arg(profile)
        .arg("--data")
        .arg(state)
        .env("RUST_LOG", "warn");
    Server::spawn("bailiwick-sandbox", command, Duration::from_secs(600))
}

/// The variables that choose how the app's WebKit is set up (src-tauri/src/webkit_env.rs): each
/// mode sets its own, none is inherited from the shell that runs the measurement.
const WEBKIT_VARIABLES: [&str; 8] = [
    "BAILIWICK_WEBKIT_COMPOSITING",
    "BAILIWICK_WEBKIT_JIT",
    "BAILIWICK_WEBKIT_JS_HEAP",
    "WEBKIT_DISABLE_COMPOSITING_MODE",
    "JSC_useJIT",
    "JSC_largeHeapSize",
    "GDK_GL",
    "__EGL_VENDOR_LIBRARY_FILENAMES",
];

/// tauri-driver whose apps use `data_dir` and sign in through `browser`, with English text (the
/// priming run finds its fields by test id, but the app follows the system language).
fn start_driver(data_dir: &Path, browser: &FakeBrowser, mode: Mode) -> TauriDriver {
    let demo_port = free_port();
    TauriDriver::start(|command| {
        browser.apply(command);
        command
            .env("BAILIWICK_DATA_DIR", data_dir)
            .env("BAILIWICK_DEMO_PORT", demo_port.to_string())
            .env("LANG", "C.UTF-8")
            .env("LANGUAGE", "en_US")
            // The app's info lines for every start would bury the figures.
            .env("RUST_LOG", "warn");
        for var in WEBKIT_VARIABLES {
            command.env_remove(var);
        }
        if let Some(keep) = mode.keeps() {
            command.env(keep, "1");
        }
    })
}

/// The first run of a new administrator: the profile opened on the welcome screen, sign-in and
/// first sync without another click. Returns the users the table counts once the sync is done.
async fn first_sync_through_the_app(
    driver: &TauriDriver,
    options: &Options,
    profile: &Path,
    data_dir: &Path,
) -> Result<u64, Failure> {
    let client = driver.session(&options.app).await;
    let app = AppProcess::find(&options.app, data_dir, Duration::from_secs(30)).await?;
    let path = find_test_id(&client, "profile-path", Duration::from_secs(30)).await;
    path.send_keys(&profile.display().to_string()).await?;
    find_test_id(&client, "open-profile", Duration::from_secs(5)).await.click().await?;

    let deadline = Instant::now() + FIRST_SYNC_WITHIN;
    let mut reported = Instant::now();
    let cached = loop {
        if webdriver(client.find(Locator::Css("[data-testid='sync-error']"))).await.is_ok() {
            return Err("the app's first sync failed (sync-error shown)".into());
        }
        let shown = shown_users(&client).await;
        let syncing = webdriver(client.find(Locator::Css("[data-testid='cancel-sync']"))).await.is_ok();
        if !syncing && shown >= options.users {
            break shown;
        }
        if Instant::now() > deadline {
            return Err(
                format!("the first sync did not cache {} users within {FIRST_SYNC_WITHIN:?}", options.users).into()
            );
        }
        if reported.elapsed() > Duration::from_secs(15) {
            println!("  first sync running: the table counts {shown} users so far");
            reported = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    // What an admin's app holds while it idles after a sync, which freed every page it fetched.
    tokio::time::sleep(options.idle).await;
    let memory = idle_memory(app.pid);
    println!(
        "  idle {} s after that sync, online: PSS {:.1} MiB",
        options.idle.as_secs(),
        mib(memory.iter().map(|p| p.pss_kib).sum())
    );
    print_memory(&memory);
    let _ = webdriver(client.close()).await;
    app.wait_for_exit(Duration::from_secs(30)).await;
    Ok(cached)
}

/// One start of the app on the cached workspace, timed and weighed.
struct Launch {
    /// App process start → first user row in the DOM.
    to_row: Duration,
    /// App process start → the animation frame after that row.
    to_frame: Option<Duration>,
    /// App process start → the webview starts loading the UI.
    to_page_start: Option<Duration>,
    /// App process start → DOMContentLoaded.
    to_dom_ready: Option<Duration>,
    /// WebDriver's new-session request → first user row (includes WebKitWebDriver's own start).
    request_to_row: Duration,
    /// How the row was seen: "observer" (exact) or "poll" (upper bound).
    seen_by: String,
    /// The UI's IPC calls started before the row: (command, start after exec, duration).
    ipc: Vec<(String, Duration, Duration)>,
    poll_round_trip: Duration,
    shown_users: u64,
    offline: bool,
    memory: Vec<ProcessMemory>,
    /// The machine's 1-minute load average at the start: other work on the cores slows a start.
    load: Option<f64>,
    /// Jumps through the table and searches, timed in the page after the idle memory was read.
    interactions: Interactions,
}

/// Medians of INTERACTION_SCRIPT's timings over JUMP_TARGETS.
#[derive(Default)]
struct Interactions {
    jump: Duration,
    search: Duration,
}

impl Launch {
    fn pss_kib(&self) -> u64 {
        self.memory.iter().map(|p| p.pss_kib).sum()
    }

    fn rss_kib(&self) -> u64 {
        self.memory.iter().map(|p| p.rss_kib).sum()
    }

    fn print(&self, number: usize) {
        let frame = self.to_frame.map_or("-".to_owned(), |f| format!("{:.0} ms", millis(f)));
        let page_start = self.to_page_start.map_or("-".to_owned(), |f| format!("{:.0} ms", millis(f)));
        let dom_ready = self.to_dom_ready.map_or("-".to_owned(), |f| format!("{:.0} ms", millis(f)));
        println!(
            "  launch {number}: first row {:.0} ms after exec ({}, polls took {:.0} ms), next frame {frame}, {:.0} ms \
             after the session request (page load started {page_start}, DOMContentLoaded {dom_ready}); {} users \
             shown{}; idle PSS {:.1} MiB (RSS {:.1} MiB); load {}; then a jump through the table {:.0} ms, a \
             search {:.0} ms (medians)",
            millis(self.to_row),
            self.seen_by,
            millis(self.poll_round_trip),
            millis(self.request_to_row),
            self.shown_users,
            if self.offline { ", offline" } else { ", NOT offline" },
            mib(self.pss_kib()),
            mib(self.rss_kib()),
            self.load.map_or("?".to_owned(), |l| format!("{l:.2}")),
            millis(self.interactions.jump),
            millis(self.interactions.search),
        );
        if !self.ipc.is_empty() {
            let calls: Vec<String> = self
                .ipc
                .iter()
                .map(|(command, start, took)| format!("{command} {:.0}+{:.0} ms", millis(*start), millis(*took)))
                .collect();
            println!("      IPC before the row (start after exec + duration): {}", calls.join(", "));
        }
        print_memory(&self.memory);
    }
}

/// One line per process: its PSS and what it is made of.
fn print_memory(memory: &[ProcessMemory]) {
    for process in memory {
        println!(
            "      {:>7} {:<22} PSS {:>7.1} MiB (anonymous {:>6.1}, files {:>6.1}, shared memory {:>5.1})  RSS {:>7.1} MiB",
            process.pid,
            process.name,
            mib(process.pss_kib),
            mib(process.pss_anon_kib),
            mib(process.pss_file_kib),
            mib(process.pss_shmem_kib),
            mib(process.rss_kib)
        );
    }
}

/// Each process's idle memory: `/proc/PID/smaps` kept when MEASURE_SMAPS_DIR names a directory,
/// and the PSS read. The app comes first (`process_tree` lists the root first).
fn idle_memory(root: u32) -> Vec<ProcessMemory> {
    let tree = process_tree(root);
    if let Some(dir) = std::env::var_os("MEASURE_SMAPS_DIR") {
        for pid in &tree {
            let _ = std::fs::copy(format!("/proc/{pid}/smaps"), Path::new(&dir).join(format!("{pid}.smaps")));
        }
    }
    tree.into_iter().filter_map(ProcessMemory::read).collect()
}

async fn measure_launch(
    driver: &TauriDriver,
    options: &Options,
    data_dir: &Path,
    clock: &ProcessClock,
) -> Result<Launch, Failure> {
    let load = load_average();
    let requested = SystemTime::now();
    let client = driver.session(&options.app).await;
    let app = AppProcess::find(&options.app, data_dir, Duration::from_secs(30)).await?;
    let started = clock.start_time(app.pid)?;
    let first_row = wait_for_first_row(&client).await?;

    tokio::time::sleep(options.idle).await;
    let memory = idle_memory(app.pid);
    let shown_users = shown_users(&client).await;
    let interactions = interact(&client, options.users).await?;
    let offline = webdriver(client.find(Locator::Css("[data-testid='offline-badge']"))).await.is_ok();
    let _ = webdriver(client.close()).await;
    app.wait_for_exit(Duration::from_secs(30)).await;

    let since = |from: SystemTime, to: SystemTime| to.duration_since(from).unwrap_or_default();
    Ok(Launch {
        to_row: since(started, first_row.at),
        to_frame: first_row.frame.map(|frame| since(started, frame)),
        to_page_start: first_row.page_start.map(|at| since(started, at)),
        to_dom_ready: first_row.dom_ready.map(|at| since(started, at)),
        request_to_row: since(requested, first_row.at),
        // Shifted from the page's start to the process's, as every other figure here.
        ipc: first_row
            .ipc
            .into_iter()
            .map(|(command, start, took)| {
                let page_start = first_row.page_start.map_or(Duration::ZERO, |at| since(started, at));
                (command, page_start + start, took)
            })
            .collect(),
        seen_by: first_row.seen_by,
        poll_round_trip: first_row.poll_round_trip,
        shown_users,
        offline,
        memory,
        load,
        interactions,
    })
}

/// Run by the minimal app's page: its heading is in the HTML, so it is shown once the document
/// is parsed. Returns DOMContentLoaded's end in wall-clock milliseconds, or null before.
const BASELINE_SHOWN_SCRIPT: &str = r#"
const navigation = performance.getEntriesByType("navigation")[0];
if (!document.querySelector("[data-testid='minimal-app']") || !navigation?.domContentLoadedEventEnd) return null;
return performance.timeOrigin + navigation.domContentLoadedEventEnd;
"#;

/// One start of the minimal Tauri app.
struct BaselineLaunch {
    /// App process start → DOMContentLoaded (its one heading parsed).
    to_dom_ready: Duration,
    memory: Vec<ProcessMemory>,
}

/// Starts the minimal Tauri app `options.launches` times with the WebKit settings the app ships
/// with, and reads its memory after the same idle time as the app's.
async fn measure_baseline(
    app: &Path,
    options: &Options,
    data_dir: &Path,
    clock: &ProcessClock,
) -> Result<Vec<BaselineLaunch>, Failure> {
    println!(
        "
minimal Tauri app ({}), with the WebKit settings the app ships with:",
        app.display()
    );
    let driver = TauriDriver::start(|command| {
        // The minimal app reads no variable of ours: BAILIWICK_DATA_DIR only tells its process
        // from others' (AppProcess::find).
        command.env("BAILIWICK_DATA_DIR", data_dir).env("LANG", "C.UTF-8").env("RUST_LOG", "warn");
        for var in WEBKIT_VARIABLES {
            command.env_remove(var);
        }
        // What webkit_env::configure sets in the app; the minimal app has no such code.
        command.env("WEBKIT_DISABLE_COMPOSITING_MODE", "1").env("JSC_useJIT", "0").env("JSC_largeHeapSize", "4194304");
    });
    let mut launches = Vec::new();
    for number in 1..=options.launches {
        let client = driver.session(app).await;
        let process = AppProcess::find(app, data_dir, Duration::from_secs(30)).await?;
        let started = clock.start_time(process.pid)?;
        let deadline = Instant::now() + FIRST_ROW_WITHIN;
        let dom_ready = loop {
            let answer = webdriver(client.execute(BASELINE_SHOWN_SCRIPT, vec![])).await.unwrap_or_default();
            if let Some(ms) = answer.as_f64() {
                break UNIX_EPOCH + Duration::from_secs_f64(ms / 1000.0);
            }
            if Instant::now() > deadline {
                return Err(format!("the minimal app showed nothing within {FIRST_ROW_WITHIN:?}").into());
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        };
        tokio::time::sleep(options.idle).await;
        let memory = idle_memory(process.pid);
        let _ = webdriver(client.close()).await;
        process.wait_for_exit(Duration::from_secs(30)).await;
        let launch = BaselineLaunch { to_dom_ready: dom_ready.duration_since(started).unwrap_or_default(), memory };
        println!(
            "  launch {number}: DOMContentLoaded {:.0} ms after exec; idle PSS {:.1} MiB",
            millis(launch.to_dom_ready),
            mib(launch.memory.iter().map(|p| p.pss_kib).sum())
        );
        print_memory(&launch.memory);
        launches.push(launch);
    }
    Ok(launches)
}

/// The processes an app's idle memory is split into for the comparison.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ProcessRole {
    /// The app's own process (the first of `idle_memory`).
    App,
    Web,
    Network,
    /// Anything else below the app (a sandbox helper, a D-Bus proxy).
    Other,
}

impl ProcessRole {
    const ALL: [ProcessRole; 4] = [ProcessRole::App, ProcessRole::Web, ProcessRole::Network, ProcessRole::Other];

    fn label(self) -> &'static str {
        match self {
            ProcessRole::App => "the app's process",
            ProcessRole::Web => "WebKitWebProcess",
            ProcessRole::Network => "WebKitNetworkProcess",
            ProcessRole::Other => "others",
        }
    }

    fn of(index: usize, process: &ProcessMemory) -> ProcessRole {
        // /proc/PID/comm holds the first 15 bytes of the name.
        match process.name.as_str() {
            _ if index == 0 => ProcessRole::App,
            "WebKitWebProces" => ProcessRole::Web,
            "WebKitNetworkPr" => ProcessRole::Network,
            _ => ProcessRole::Other,
        }
    }

    /// The PSS of this role's processes in one launch.
    fn pss_kib(self, memory: &[ProcessMemory]) -> u64 {
        let mine = memory.iter().enumerate().filter(|(index, process)| ProcessRole::of(*index, process) == self);
        mine.map(|(_, process)| process.pss_kib).sum()
    }
}

/// The app's idle PSS beside the minimal app's, process by process (medians over the launches):
/// the difference is what Bailiwick itself holds.
fn print_baseline_comparison(ours: Option<&(Mode, Vec<Launch>)>, baseline: &[BaselineLaunch]) {
    let Some((mode, launches)) = ours else { return };
    let ours_of =
        |pss: &dyn Fn(&[ProcessMemory]) -> u64| median(&launches.iter().map(|l| pss(&l.memory)).collect::<Vec<_>>());
    let baseline_of =
        |pss: &dyn Fn(&[ProcessMemory]) -> u64| median(&baseline.iter().map(|l| pss(&l.memory)).collect::<Vec<_>>());
    println!(
        "
Idle PSS, medians: Bailiwick {} against the minimal Tauri app",
        mode.label()
    );
    println!("| process | Bailiwick | minimal Tauri app | difference |");
    println!("|---|---|---|---|");
    let row = |label: &str, ours: u64, minimal: u64| {
        println!("| {label} | {:.1} MiB | {:.1} MiB | {:+.1} MiB |", mib(ours), mib(minimal), mib(ours) - mib(minimal));
    };
    for role in ProcessRole::ALL {
        let pss = move |memory: &[ProcessMemory]| role.pss_kib(memory);
        let (ours, minimal) = (ours_of(&pss), baseline_of(&pss));
        if ours + minimal > 0 {
            row(role.label(), ours, minimal);
        }
    }
    let total = |memory: &[ProcessMemory]| memory.iter().map(|p| p.pss_kib).sum::<u64>();
    row("total", ours_of(&total), baseline_of(&total));
    let dom_ready: Vec<Duration> = baseline.iter().map(|l| l.to_dom_ready).collect();
    println!("The minimal app's DOMContentLoaded, median: {:.0} ms after exec", millis(median(&dom_ready)));
}

/// Runs INTERACTION_SCRIPT for each of JUMP_TARGETS below `users`.
async fn interact(client: &Client, users: u64) -> Result<Interactions, Failure> {
    let (mut jumps, mut searches) = (Vec::new(), Vec::new());
    for target in JUMP_TARGETS.into_iter().filter(|row| *row < users) {
        let answer = webdriver(client.execute_async(INTERACTION_SCRIPT, vec![target.into()])).await?;
        let ms = |i: usize| answer.get(i).and_then(serde_json::Value::as_f64);
        let (Some(jump), Some(search)) = (ms(0), ms(1)) else {
            return Err(format!("timing a jump to row {target} and a search failed: {answer}").into());
        };
        if std::env::var_os("MEASURE_JUMP_IPC").is_some() {
            println!(
                "      jump to {target}: {jump:.0} ms; IPC {}",
                answer.get(2).and_then(|c| c.as_str()).unwrap_or("")
            );
        }
        jumps.push(Duration::from_secs_f64(jump / 1000.0));
        searches.push(Duration::from_secs_f64(search / 1000.0));
    }
    Ok(Interactions { jump: median(&jumps), search: median(&searches) })
}

struct FirstRow {
    at: SystemTime,
    frame: Option<SystemTime>,
    /// The page's navigation start (`performance.timeOrigin`): the webview begins loading the UI.
    page_start: Option<SystemTime>,
    /// DOMContentLoaded ended: the UI's script has run (React then asks the core for the rows).
    dom_ready: Option<SystemTime>,
    seen_by: String,
    /// The UI's IPC calls started before the row: (command, start after page_start, duration).
    ipc: Vec<(String, Duration, Duration)>,
    /// The median time one poll took (the resolution when the row was seen by a poll).
    poll_round_trip: Duration,
}

/// Polls FIRST_ROW_SCRIPT until the page has stamped the first row, then waits briefly for the
/// frame stamp (a hidden window may never run animation frames; the row time stands alone then).
async fn wait_for_first_row(client: &Client) -> Result<FirstRow, Failure> {
    let deadline = Instant::now() + FIRST_ROW_WITHIN;
    let mut row_seen: Option<Instant> = None;
    let mut round_trips = Vec::new();
    loop {
        let polled = Instant::now();
        let record = webdriver(client.execute(FIRST_ROW_SCRIPT, vec![])).await.unwrap_or(serde_json::Value::Null);
        round_trips.push(polled.elapsed());
        let stamp = |key: &str| {
            record[key].as_f64().filter(|ms| *ms > 0.0).map(|ms| UNIX_EPOCH + Duration::from_secs_f64(ms / 1000.0))
        };
        if let Some(at) = stamp("at") {
            let frame = stamp("frame");
            let waited_for_frame = row_seen.get_or_insert_with(Instant::now).elapsed();
            if frame.is_some() || waited_for_frame > Duration::from_secs(2) {
                let seen_by = record["by"].as_str().unwrap_or("?").to_owned();
                return Ok(FirstRow {
                    at,
                    frame,
                    page_start: stamp("pageStart"),
                    dom_ready: stamp("domReady"),
                    seen_by,
                    ipc: ipc_calls(&record["ipc"]),
                    poll_round_trip: median(&round_trips),
                });
            }
        }
        if Instant::now() > deadline {
            return Err(format!("no [data-testid='user-row'] within {FIRST_ROW_WITHIN:?}").into());
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The `ipc` list of FIRST_ROW_SCRIPT's record; entries that are not [name, start, duration] are skipped.
fn ipc_calls(list: &serde_json::Value) -> Vec<(String, Duration, Duration)> {
    let ms = |v: &serde_json::Value| Duration::from_secs_f64(v.as_f64().unwrap_or(0.0).max(0.0) / 1000.0);
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|call| Some((call.get(0)?.as_str()?.to_owned(), ms(call.get(1)?), ms(call.get(2)?))))
        .collect()
}

/// The users the table says it holds (its `aria-rowcount`), 0 while there is no table.
async fn shown_users(client: &Client) -> u64 {
    let Ok(table) = webdriver(client.find(Locator::Css("[data-testid='users-table']"))).await else {
        return 0;
    };
    let count = webdriver(table.attr("aria-rowcount")).await.ok().flatten();
    count.and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// A WebDriver call bounded in time: a wedged driver must not hang the measurement.
async fn webdriver<T>(
    call: impl std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(Duration::from_secs(30), call).await {
        Ok(result) => Ok(result?),
        Err(_) => Err("a WebDriver call did not answer within 30 s".into()),
    }
}

/// The app process WebKitWebDriver started for a session. Dropping it stops the app if it is
/// still running, so a failed measurement leaves no app behind.
struct AppProcess {
    pid: u32,
}

impl AppProcess {
    /// The one process running `app` with our data directory (other apps may run on this
    /// machine, e.g. end-to-end tests, each with its own data directory).
    async fn find(app: &Path, data_dir: &Path, within: Duration) -> Result<AppProcess, Failure> {
        let app_name = app.file_name().ok_or("the app path has no file name")?;
        let wanted_env = format!("BAILIWICK_DATA_DIR={}", data_dir.display()).into_bytes();
        let deadline = Instant::now() + within;
        loop {
            let found: Vec<u32> = all_pids()
                .into_iter()
                .filter(|pid| {
                    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
                    // A rebuilt binary shows as "NAME (deleted)": compare the name's start.
                    let exe_name = exe.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    exe_name.starts_with(&*app_name.to_string_lossy())
                        && std::fs::read(format!("/proc/{pid}/environ"))
                            .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == wanted_env.as_slice()))
                })
                .collect();
            match found.as_slice() {
                [pid] => return Ok(AppProcess { pid: *pid }),
                [] if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
                [] => return Err(format!("no app process on {} within {within:?}", data_dir.display()).into()),
                several => return Err(format!("several apps on one data directory: {several:?}").into()),
            }
        }
    }

    fn running(&self) -> bool {
        Path::new(&format!("/proc/{}", self.pid)).exists()
            && std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
                .ok()
                .and_then(|stat| stat_fields(&stat).first().map(|state| *state != "Z"))
                .unwrap_or(false)
    }

    /// Waits for the app to quit after its session closed; the next start would otherwise hand
    /// over to it (one app per data directory) and exit. SIGTERM when it lingers.
    async fn wait_for_exit(self, within: Duration) {
        let deadline = Instant::now() + within;
        while self.running() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if self.running() {
            println!("  the app {} did not quit within {within:?} after its session closed; stopping it", self.pid);
        }
        // Drop stops it if it is still there.
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        if !self.running() {
            return;
        }
        let _ = Command::new("kill").arg("-TERM").arg(self.pid.to_string()).status();
        for _ in 0..50 {
            if !self.running() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").arg("-KILL").arg(self.pid.to_string()).status();
    }
}

/// Turns a process's start (in clock ticks since boot) into wall-clock time.
struct ProcessClock {
    ticks_per_second: f64,
}

impl ProcessClock {
    fn new() -> Result<ProcessClock, Failure> {
        let output = Command::new("getconf").arg("CLK_TCK").output()?;
        let ticks_per_second: f64 = String::from_utf8_lossy(&output.stdout).trim().parse()?;
        Ok(ProcessClock { ticks_per_second })
    }

    /// The process's start as wall-clock time. Through `/proc/uptime` (the same boot clock as
    /// starttime, in hundredths of a second) rather than `/proc/stat`'s btime, which is whole
    /// seconds and would put up to a second of error into a sub-second figure.
    fn start_time(&self, pid: u32) -> Result<SystemTime, Failure> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // Field 22 of stat; the fields after the command name start at field 3.
        let start_ticks: f64 = stat_fields(&stat).get(19).ok_or("a short /proc/PID/stat")?.parse()?;
        let uptime = std::fs::read_to_string("/proc/uptime")?;
        let now = SystemTime::now();
        let uptime: f64 = uptime.split_whitespace().next().ok_or("an empty /proc/uptime")?.parse()?;
        let age = (uptime - start_ticks / self.ticks_per_second).max(0.0);
        Ok(now - Duration::from_secs_f64(age))
    }
}

/// The fields of `/proc/PID/stat` after the command name, which may itself hold spaces and
/// parentheses: everything after its closing parenthesis (field 3, the state, comes first).
fn stat_fields(stat: &str) -> Vec<&str> {
    stat.rfind(')').map(|end| stat[end + 1..].split_whitespace().collect()).unwrap_or_default()
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|entries| entries.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default()
}

/// `root` and every process below it.
fn process_tree(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for pid in all_pids() {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        if let Some(parent) = stat_fields(&stat).get(1).and_then(|p| p.parse::<u32>().ok()) {
            children.entry(parent).or_default().push(pid);
        }
    }
    let mut tree = vec![root];
    let mut next = 0;
    while let Some(pid) = tree.get(next).copied() {
        tree.extend(children.get(&pid).into_iter().flatten());
        next += 1;
    }
    tree
}

struct ProcessMemory {
    pid: u32,
    name: String,
    pss_kib: u64,
    /// The parts of the PSS: the heap and stacks, mapped files (libraries), shared memory.
    pss_anon_kib: u64,
    pss_file_kib: u64,
    pss_shmem_kib: u64,
    rss_kib: u64,
}

impl ProcessMemory {
    /// `None` when the process is gone or its memory cannot be read.
    fn read(pid: u32) -> Option<ProcessMemory> {
        let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
        let field = |name: &str| {
            rollup.lines().find_map(|line| line.strip_prefix(name)?.split_whitespace().next()?.parse::<u64>().ok())
        };
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_owned();
        Some(ProcessMemory {
            pid,
            name,
            pss_kib: field("Pss:")?,
            pss_anon_kib: field("Pss_Anon:").unwrap_or(0),
            pss_file_kib: field("Pss_File:").unwrap_or(0),
            pss_shmem_kib: field("Pss_Shmem:").unwrap_or(0),
            rss_kib: field("Rss:")?,
        })
    }
}

/// The 1-minute load average (`/proc/loadavg`).
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

fn print_summary(options: &Options, series: &[(Mode, Vec<Launch>)]) {
    println!(
        "\nSummary: {} cached users, offline, {} launches per mode (the first right after the priming run, {}), \
         poll every {} ms plus a WebDriver round trip, rows stamped by a MutationObserver; idle = {} s after the \
         first row",
        options.users,
        options.launches,
        if options.drop_caches {
            "with the OS page cache dropped before it; warm for the others"
        } else {
            "the OS page cache warm for all"
        },
        POLL_INTERVAL.as_millis(),
        options.idle.as_secs()
    );
    println!(
        "| mode | first row, 1st launch | first row, median | min – max | next frame, median | page load start, \
         median | DOMContentLoaded, median | idle PSS median | idle RSS median | jump, median | search, median | load |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (mode, launches) in series {
        let rows: Vec<Duration> = launches.iter().map(|l| l.to_row).collect();
        let pss: Vec<u64> = launches.iter().map(Launch::pss_kib).collect();
        let rss: Vec<u64> = launches.iter().map(Launch::rss_kib).collect();
        let loads: Vec<f64> = launches.iter().filter_map(|l| l.load).collect();
        let jumps: Vec<Duration> = launches.iter().map(|l| l.interactions.jump).collect();
        let searches: Vec<Duration> = launches.iter().map(|l| l.interactions.search).collect();
        println!(
            "| {} | {:.0} ms | {:.0} ms | {:.0} – {:.0} ms | {} | {} | {} | {:.1} MiB | {:.1} MiB | {:.0} ms | {:.0} ms | {:.1} – {:.1} |",
            mode.label(),
            rows.first().map_or(0.0, |d| millis(*d)),
            millis(median(&rows)),
            rows.iter().min().map_or(0.0, |d| millis(*d)),
            rows.iter().max().map_or(0.0, |d| millis(*d)),
            median_of(launches, |l| l.to_frame),
            median_of(launches, |l| l.to_page_start),
            median_of(launches, |l| l.to_dom_ready),
            mib(median(&pss)),
            mib(median(&rss)),
            millis(median(&jumps)),
            millis(median(&searches)),
            loads.iter().copied().fold(f64::INFINITY, f64::min),
            loads.iter().copied().fold(0.0, f64::max),
        );
    }
}

/// The median of a phase that every launch recorded, else "-".
fn median_of(launches: &[Launch], phase: impl Fn(&Launch) -> Option<Duration>) -> String {
    let times: Vec<Duration> = launches.iter().filter_map(phase).collect();
    if times.len() == launches.len() {
        format!("{:.0} ms", millis(median(&times)))
    } else {
        "-".to_owned()
    }
}

/// The middle value (the upper middle of an even count).
fn median<T: Ord + Copy + Default>(values: &[T]) -> T {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
