//! The demo workspace for the CLI: the sandbox IAM, started in this process.
//!
//! Each CLI invocation is short-lived, so the demo IAM keeps its state (signing key, users,
//! refresh tokens) in a SQLite file in the data dir and is started again by every command that
//! needs the network. When the port is already taken (the desktop app has the demo open), the
//! running IAM is used instead, through the profile it wrote last time.

use std::path::{Path, PathBuf};

use bailiwick_core::profile::{ProfileSpec, DEMO};
use bailiwick_core::{Error, Profile};
use bailiwick_sandbox::{Sandbox, SandboxConfig, DEMO_PORT};
use tracing::info;

/// The profile a command runs with, and the demo IAM it started, if any.
pub struct OpenedProfile {
    pub profile: Profile,
    sandbox: Option<Sandbox>,
}

impl OpenedProfile {
    pub async fn stop(self) {
        if let Some(sandbox) = self.sandbox {
            sandbox.stop().await;
        }
    }
}

pub async fn open_profile(spec: &str, data_dir: &Path, needs_network: bool) -> Result<OpenedProfile, Error> {
    match ProfileSpec::resolve(spec, data_dir)? {
        ProfileSpec::File(path) => Ok(OpenedProfile { profile: Profile::load_file(&path)?, sandbox: None }),
        ProfileSpec::Demo => open_demo(data_dir, needs_network).await,
    }
}

fn demo_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("demo-iam")
}

/// `BAILIWICK_DEMO_PORT` moves the demo IAM off its fixed port (parallel test runs).
fn demo_port() -> Result<u16, Error> {
    match std::env::var("BAILIWICK_DEMO_PORT") {
        Ok(text) => {
            text.parse().map_err(|_| Error::Usage(format!("BAILIWICK_DEMO_PORT={text:?} is not a port number")))
        }
        Err(_) => Ok(DEMO_PORT),
    }
}

async fn open_demo(data_dir: &Path, needs_network: bool) -> Result<OpenedProfile, Error> {
    let dir = demo_dir(data_dir);
    let profile_path = dir.join("profile.toml");
    if !needs_network && profile_path.is_file() {
        return Ok(OpenedProfile { profile: Profile::load_file(&profile_path)?, sandbox: None });
    }
    std::fs::create_dir_all(&dir)?;
    let config = SandboxConfig { port: demo_port()?, data: Some(dir.join("iam.sqlite")), synthetic_users: 0 };
    match Sandbox::start(config).await {
        Ok(sandbox) => {
            let text = sandbox.profile_toml(DEMO);
            std::fs::write(&profile_path, &text)?;
            info!(url = %sandbox.base_url(), "demo IAM started in-process");
            Ok(OpenedProfile { profile: Profile::from_toml(&text, DEMO)?, sandbox: Some(sandbox) })
        }
        // Most likely the desktop app (or another CLI) serves the demo already.
        Err(e) if profile_path.is_file() => {
            info!(error = %e, "demo IAM not started here; using the running one");
            Ok(OpenedProfile { profile: Profile::load_file(&profile_path)?, sandbox: None })
        }
        Err(e) => Err(Error::Usage(format!("cannot start the demo IAM: {e}"))),
    }
}
