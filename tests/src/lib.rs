//! Shared harness for the workspace-level tests: the built binaries, servers started on
//! loopback for the length of a test (stopped on drop), and a stand-in system browser.
//!
//! The binaries are built before these tests run (`make test` does it): a test cannot build
//! them itself while cargo holds the build lock.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub mod desktop;

/// The repository root (cargo runs integration tests from the package directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A binary of this workspace from the debug build.
pub fn binary(name: &str) -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"));
    let path = target.join("debug").join(name);
    assert!(
        path.is_file(),
        "{} is missing: build it first (`cargo build -p bailiwick-cli -p bailiwick-sandbox`, or `make test`)",
        path.display()
    );
    path
}

/// A child process that is stopped when dropped: SIGTERM first (so it can clean up and its
/// own children go with it), then SIGKILL if it lingers.
pub struct Server {
    child: Child,
    pub url: String,
    name: String,
}

impl Server {
    /// Spawns `command`, and waits (bounded) for a stdout line `listening on URL`.
    pub fn spawn(name: &str, mut command: Command, ready_within: Duration) -> Server {
        command.stdout(Stdio::piped()).stderr(Stdio::inherit()).stdin(Stdio::null());
        let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("{name}: no stdout"));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(url) = line.trim().strip_prefix("listening on ") {
                        let _ = tx.send(url.trim_end_matches('/').to_owned());
                        sent = true;
                    }
                }
                // Keep draining so the child never blocks on a full pipe.
            }
        });
        let url = match rx.recv_timeout(ready_within) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("{name} did not print `listening on URL` within {ready_within:?}")
            }
        };
        assert!(url.starts_with("http://127.0.0.1:"), "{name} must listen on loopback, said {url}");
        Server { child, url, name: name.to_owned() }
    }

    pub fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("{}: no port in {}", self.name, self.url))
    }

    /// The server's process id (benchmarks read its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server now (for tests of what happens when it is gone).
    pub fn stop(&mut self) {
        terminate(&mut self.child);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

/// Stops a child: SIGTERM, then SIGKILL after 5 s.
pub fn terminate(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    for _ in 0..50 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The sandbox IAM as a separate process on an ephemeral port, with the profile it wrote.
pub struct SandboxProcess {
    pub server: Server,
    pub profile: PathBuf,
    /// The SQLite file holding the sandbox's state: the server's ground truth, readable by
    /// tests without going through any client.
    pub state: PathBuf,
    _dir: tempfile::TempDir,
}

impl SandboxProcess {
    pub fn start() -> SandboxProcess {
        Self::start_with(&[])
    }

    /// Starts the sandbox with extra flags (`--users N`).
    pub fn start_with(extra: &[&str]) -> SandboxProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let profile = dir.path().join("sandbox.toml");
        let state = dir.path().join("iam.sqlite");
        let server = Self::spawn(0, &profile, &state, extra);
        assert!(profile.is_file(), "the sandbox must write its profile before saying it listens");
        SandboxProcess { server, profile, state, _dir: dir }
    }

    /// Starts the stopped sandbox again on the same port with the same state, so profiles,
    /// sessions and caches that point at it keep working.
    pub fn restart(&mut self) {
        self.server.stop();
        self.server = Self::spawn(self.server.port(), &self.profile, &self.state, &[]);
    }

    fn spawn(port: u16, profile: &std::path::Path, state: &std::path::Path, extra: &[&str]) -> Server {
        let mut command = Command::new(binary("bailiwick-sandbox"));
        command
            .args(["--port", &port.to_string(), "--write-profile"])
            .arg(profile)
            .arg("--data")
            .arg(state)
            .args(extra)
            // One log line per request would bury a failing test's own output.
            .env("RUST_LOG", "warn");
        Server::spawn("bailiwick-sandbox", command, Duration::from_secs(30))
    }
}

/// A stand-in system browser (tests/support/fake-browser.py) installed as `xdg-open` in a
/// directory that goes first on PATH, signing in as one user.
pub struct FakeBrowser {
    dir: tempfile::TempDir,
    pub user: String,
    pub password: String,
}

impl FakeBrowser {
    pub fn new(user: &str, password: &str) -> FakeBrowser {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = workspace_root().join("tests/support/fake-browser.py");
        let shim = dir.path().join("xdg-open");
        // It records the environment it was started with (what the app passed on), then browses.
        let environment = dir.path().join("browser.env");
        let shim_text = format!(
            "#!/bin/sh\n/usr/bin/env > '{}'\nexec python3 '{}' \"$@\"\n",
            environment.display(),
            script.display()
        );
        std::fs::write(&shim, shim_text).expect("write shim");
        make_executable(&shim);
        FakeBrowser { dir, user: user.to_owned(), password: password.to_owned() }
    }

    /// PATH with the shim first.
    pub fn path_env(&self) -> String {
        let rest = std::env::var("PATH").unwrap_or_default();
        format!("{}:{rest}", self.dir.path().display())
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("browser.log")
    }

    /// The names of the environment variables the browser was last started with (empty before).
    pub fn environment_names(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("browser.env"))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split_once('=').map(|(name, _)| name.to_owned()))
            .collect()
    }

    /// What the browser saw, one JSON object per page that ended its run.
    pub fn events(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.log_path())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Environment for a process that should use this browser.
    pub fn apply(&self, command: &mut Command) {
        command
            .env("PATH", self.path_env())
            .env_remove("BROWSER")
            .env("FAKE_BROWSER_USER", &self.user)
            .env("FAKE_BROWSER_PASSWORD", &self.password)
            .env("FAKE_BROWSER_LOG", self.log_path());
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) {}

/// Runs `bailiwick` with a data dir and profile, bounded in time.
pub struct Cli {
    pub data_dir: tempfile::TempDir,
    pub profile: String,
    pub browser: Option<FakeBrowser>,
    pub env: Vec<(String, String)>,
}

pub struct CliRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl CliRun {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }

    pub fn assert_code(&self, expected: i32, what: &str) -> &Self {
        assert_eq!(self.code, expected, "{what}: exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

impl Cli {
    pub fn new(profile: impl Into<String>) -> Cli {
        Cli {
            data_dir: tempfile::tempdir().expect("temp dir"),
            profile: profile.into(),
            browser: None,
            env: Vec::new(),
        }
    }

    pub fn with_env(mut self, key: &str, value: &str) -> Cli {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn with_browser(mut self, browser: FakeBrowser) -> Cli {
        self.browser = Some(browser);
        self
    }

    pub fn run(&self, args: &[&str]) -> CliRun {
        let output = run_bounded(self.command(args), Duration::from_secs(120));
        CliRun {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The command `run` runs, for tests that manage the process themselves (kill it midway).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary("bailiwick"));
        command
            .arg("--profile")
            .arg(&self.profile)
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .args(args)
            .env_remove("BAILIWICK_PROFILE")
            .env_remove("BAILIWICK_DATA_DIR")
            .stdin(Stdio::null())
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        match &self.browser {
            Some(b) => b.apply(&mut command),
            None => {
                // No browser at all: a test that forgot one must not open a real one.
                command.env("BROWSER", "/bin/false");
            }
        }
        command
    }
}

/// A loopback port that was free a moment ago (for servers that cannot report their own).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Runs a command to completion, killing it if it outlives `limit`.
pub fn run_bounded(mut command: Command, limit: Duration) -> Output {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = command.spawn().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => panic!("waiting for {command:?}: {e}"),
        Err(_) => {
            let _ = Command::new("kill").arg("-KILL").arg(id.to_string()).status();
            panic!("{command:?} did not finish within {limit:?}")
        }
    }
}

/// The user names in a `users list --json` output, sorted.
pub fn user_names(list: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("expected a JSON array, got {list}"))
        .iter()
        .map(|u| u["userName"].as_str().unwrap_or_else(|| panic!("user without userName: {u}")).to_owned())
        .collect();
    names.sort();
    names
}

/// The sandbox's seeded users as (userName, BU), read from the sandbox binary itself
/// (`--list-users`), not through our client, so a comparison cannot share a client bug.
pub fn seeded_users() -> Vec<(String, String)> {
    let mut command = Command::new(binary("bailiwick-sandbox"));
    command.arg("--list-users");
    let output = run_bounded(command, Duration::from_secs(60));
    assert!(output.status.success(), "bailiwick-sandbox --list-users failed");
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).expect("--list-users prints JSON");
    list.as_array()
        .expect("an array")
        .iter()
        .map(|u| {
            (u["userName"].as_str().unwrap_or_default().to_owned(), u["bu"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

/// The sorted user names among `users` whose BU one of `scopes` covers (whole segments).
pub fn in_scopes(users: &[(String, String)], scopes: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = users
        .iter()
        .filter(|(_, bu)| scopes.iter().any(|s| bu == s || bu.starts_with(&format!("{s}/"))))
        .map(|(name, _)| name.clone())
        .collect();
    names.sort();
    names
}
