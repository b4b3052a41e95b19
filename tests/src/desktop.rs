//! The desktop app under WebDriver: tauri-driver (which starts WebKitWebDriver, which starts the
//! app) on loopback ports, and a fantoccini session on it. RECIPES.md, "Desktop end-to-end
//! tests", says why each step is the way it is.
//!
//! Needs a display (run under `xvfb-run -a`), `tauri-driver` (`cargo install tauri-driver
//! --locked`), `WebKitWebDriver` (Debian: webkit2gtk-driver), and the app built with its UI
//! embedded and copied to `target/e2e/` (`make e2e-app`, see [`app_binary`]).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::{free_port, terminate, workspace_root};

/// The release-like app binary the e2e tests drive. Plain `cargo build` makes a dev-mode app
/// that loads the Vite dev server (a blank window here), and other cargo commands overwrite
/// target/debug, so the e2e binary is built with the UI embedded and kept in its own copy:
/// `npm run build && cargo build -p bailiwick-desktop --features custom-protocol &&
/// cp target/debug/bailiwick-desktop target/e2e/`.
pub fn app_binary() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"));
    let path = target.join("e2e").join("bailiwick-desktop");
    assert!(
        path.is_file(),
        "{} is missing: build it with `npm run build && cargo build -p bailiwick-desktop --features custom-protocol` \
         and copy target/debug/bailiwick-desktop there (`make test` does this)",
        path.display()
    );
    path
}

/// `tauri-driver` from PATH, else from cargo's bin directory (where `cargo install` puts it).
fn tauri_driver_program() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("tauri-driver")).find(|c| c.is_file()))
        .unwrap_or_default();
    let in_cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin").join("tauri-driver"))
        .filter(|p| p.is_file());
    on_path
        .or(in_cargo_home)
        .unwrap_or_else(|| panic!("tauri-driver is not installed: `cargo install tauri-driver --locked`"))
}

/// A running tauri-driver, stopped with SIGTERM on drop: SIGKILL would orphan WebKitWebDriver,
/// which keeps the test's output pipe open and hangs the run.
pub struct TauriDriver {
    child: Child,
    pub port: u16,
}

impl TauriDriver {
    /// Starts tauri-driver; `configure` sets the environment the app inherits (data dir,
    /// a stand-in browser on PATH, ...). Waits until both its ports accept connections.
    pub fn start(configure: impl FnOnce(&mut Command)) -> TauriDriver {
        let (port, native_port) = (free_port(), free_port());
        let mut command = Command::new(tauri_driver_program());
        command
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        configure(&mut command);
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot start tauri-driver: {e}"));
        let mut driver = TauriDriver { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        for p in [port, native_port] {
            while TcpStream::connect(("127.0.0.1", p)).is_err() {
                if let Ok(Some(status)) = driver.child.try_wait() {
                    panic!("tauri-driver exited ({status}) before listening on {p}");
                }
                assert!(Instant::now() < deadline, "tauri-driver did not listen on {p} within 30 s");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        driver
    }

    /// A WebDriver session on a new instance of the app at `application`.
    pub async fn session(&self, application: &Path) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("tauri:options".into(), serde_json::json!({ "application": application }));
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        let url = format!("http://127.0.0.1:{}", self.port);
        let connect = builder.connect(&url);
        tokio::time::timeout(Duration::from_secs(60), connect)
            .await
            .expect("the WebDriver session opens within 60 s")
            .unwrap_or_else(|e| panic!("cannot open a WebDriver session on the app: {e}"))
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

/// The element with `data-testid` = `test_id`, waiting up to `within` for React to render it.
pub async fn find_test_id(client: &Client, test_id: &str, within: Duration) -> Element {
    client
        .wait()
        .at_most(within)
        .every(Duration::from_millis(100))
        .for_element(Locator::Css(&format!("[data-testid='{test_id}']")))
        .await
        .unwrap_or_else(|e| panic!("no [data-testid={test_id}] within {within:?}: {e}"))
}

/// Polls `probe` until it returns `Some`, for at most `within`; `what` names the wait in the panic.
pub async fn eventually<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Saves a PNG of the window under tests/artifacts/, after two animation frames so the last
/// React commit is painted.
pub async fn save_screenshot(client: &Client, name: &str) -> PathBuf {
    let frames = "const done = arguments[arguments.length - 1]; \
                  requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
    let _ = client.execute_async(frames, vec![]).await;
    let png = client.screenshot().await.unwrap_or_else(|e| panic!("screenshot failed: {e}"));
    let dir = workspace_root().join("tests").join("artifacts");
    std::fs::create_dir_all(&dir).expect("create tests/artifacts");
    let path = dir.join(name);
    std::fs::write(&path, png).expect("write the screenshot");
    path
}
