//! The workspace the window shows, held in Tauri's managed state.
//!
//! At most one workspace is open at a time. Opening the demo starts the sandbox IAM inside this
//! process first (on loopback), and the sandbox lives exactly as long as its workspace: opening
//! another workspace or signing out stops it, so the demo port is free again.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError};

use bailiwick_core::cache::UserQuery;
use bailiwick_core::{ErrorCode, Profile, Workspace};
use bailiwick_sandbox::{Sandbox, SandboxConfig};
use tracing::{info, instrument, warn};

use crate::ipc_error::DesktopError;
use crate::last_workspace::{self, WorkspaceOrigin};
use crate::recent_workspaces;

/// The demo IAM's state (users, sessions, refresh tokens) survives restarts in this file, so
/// a demo session can be restored the next time the app starts.
const DEMO_IAM_FILE: &str = "demo-iam.sqlite";

/// Rows read ahead by `preload`: the users table's first page (`PAGE_SIZE` in UsersTable.tsx).
const WARM_UP_ROWS: u32 = 200;

pub struct CurrentWorkspace {
    data_dir: PathBuf,
    demo_port: u16,
    open: tokio::sync::Mutex<Option<OpenWorkspace>>,
    /// Why `preload` could not open the last workspace, until `resume` reports it: trying again
    /// at once would ask the admin a second time for what they just refused (the keyring's
    /// prompt, cancelled).
    preload_failure: std::sync::Mutex<Option<DesktopError>>,
}

struct OpenWorkspace {
    origin: WorkspaceOrigin,
    workspace: Arc<Workspace>,
    /// The in-process IAM of the demo workspace.
    demo_iam: Option<Sandbox>,
}

impl CurrentWorkspace {
    pub fn new(data_dir: PathBuf, demo_port: u16) -> Self {
        Self { data_dir, demo_port, open: tokio::sync::Mutex::new(None), preload_failure: std::sync::Mutex::new(None) }
    }

    /// The open workspace, or `NoWorkspace`.
    pub async fn get(&self) -> Result<Arc<Workspace>, DesktopError> {
        self.open.lock().await.as_ref().map(|o| o.workspace.clone()).ok_or(DesktopError::NoWorkspace)
    }

    pub async fn find(&self) -> Option<Arc<Workspace>> {
        self.open.lock().await.as_ref().map(|o| o.workspace.clone())
    }

    /// Opens the workspace of `origin` and remembers it for the next start. Opening the one
    /// already open returns it as it is (the UI may ask twice).
    #[instrument(skip(self))]
    pub async fn open(&self, origin: WorkspaceOrigin) -> Result<Arc<Workspace>, DesktopError> {
        let mut slot = self.open.lock().await;
        if let Some(current) = slot.as_ref().filter(|current| current.origin == origin) {
            return Ok(current.workspace.clone());
        }
        if let Some(previous) = slot.take() {
            previous.close().await;
        }
        let opened = match self.start(origin.clone()).await {
            Ok(opened) => opened,
            Err(DesktopError::Core(error)) if error.code() == ErrorCode::Usage => {
                // The profile file is gone or no longer valid: not a workspace to offer again.
                if let Err(io) = recent_workspaces::remove(&self.data_dir, &origin) {
                    warn!(error = %io, "cannot take the workspace off the recent ones");
                }
                return Err(DesktopError::Core(error));
            }
            Err(other) => return Err(other),
        };
        if let Err(error) = last_workspace::remember(&self.data_dir, &opened.origin) {
            // Not fatal: the app works, it just starts on the welcome screen next time.
            warn!(%error, "cannot remember the last workspace");
        }
        let name = &opened.workspace.profile().name;
        if let Err(error) = recent_workspaces::note(&self.data_dir, &opened.origin, name, chrono::Utc::now()) {
            warn!(%error, "cannot note the workspace among the recent ones");
        }
        let workspace = opened.workspace.clone();
        *slot = Some(opened);
        Ok(workspace)
    }

    /// Reopens the workspace of the last run, without restoring its session: that waits on the
    /// IAM, and the cached users are shown first (`restore_session` follows).
    #[instrument(skip(self))]
    pub async fn resume(&self) -> Result<Option<Arc<Workspace>>, DesktopError> {
        if let Some(workspace) = self.find().await {
            return Ok(Some(workspace));
        }
        let Some(origin) = last_workspace::recall(&self.data_dir) else {
            return Ok(None);
        };
        let preload_failure = self.preload_failure.lock().unwrap_or_else(PoisonError::into_inner).take();
        let opened = match preload_failure {
            Some(error) => Err(error),
            None => self.open(origin).await,
        };
        match opened {
            Ok(workspace) => Ok(Some(workspace)),
            Err(DesktopError::Core(error)) if error.code() == ErrorCode::Usage => {
                // The profile file is gone or no longer valid: do not try it again on every start.
                if let Err(io) = last_workspace::forget(&self.data_dir) {
                    warn!(error = %io, "cannot forget the last workspace");
                }
                Err(DesktopError::Core(error))
            }
            Err(other) => Err(other),
        }
    }

    /// Opens the last run's workspace while the window is still loading, and reads the first page
    /// of its users once, so that SQLite has decrypted those pages when the UI asks for them.
    /// WebKit takes about half a second to load the page on a small machine: opening the cache
    /// and reading its key from the keyring (~0.2 s) and the first page (~0.1 s) fit in that time.
    ///
    /// A failure is kept for `resume_workspace` to report when the UI asks (and to forget a
    /// profile that is gone, which this does not do behind the UI's back); the welcome screen
    /// then offers to open the workspace again.
    #[instrument(skip(self))]
    pub async fn preload(&self) {
        let Some(origin) = last_workspace::recall(&self.data_dir) else {
            return;
        };
        let workspace = {
            // Held until the failure is recorded: a `resume` waiting for it then sees the failure.
            let mut slot = self.open.lock().await;
            if slot.is_some() {
                return;
            }
            match self.start(origin).await {
                Ok(opened) => {
                    let workspace = opened.workspace.clone();
                    *slot = Some(opened);
                    workspace
                }
                Err(error) => {
                    warn!(%error, "the last workspace did not open ahead of the window");
                    *self.preload_failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
                    return;
                }
            }
        };
        let first_page = UserQuery { limit: Some(WARM_UP_ROWS), ..UserQuery::default() };
        let read = tokio::task::spawn_blocking(move || workspace.list_users(&first_page).map(|page| page.rows.len()));
        match read.await {
            Ok(Ok(rows)) => info!(rows, "first page of users read ahead of the window"),
            Ok(Err(error)) => info!(%error, "first page of users not read ahead (the window will say why)"),
            Err(error) => warn!(%error, "reading the first page ahead of the window stopped"),
        }
    }

    /// The workspaces opened on this machine, most recent first (the welcome screen).
    pub fn recent(&self) -> Vec<recent_workspaces::RecentWorkspace> {
        recent_workspaces::list(&self.data_dir)
    }

    /// Closes the open workspace, as `close`, and takes it off the recent ones: it was forgotten.
    pub async fn close_forgotten(&self) {
        let origin = self.open.lock().await.as_ref().map(|open| open.origin.clone());
        self.close().await;
        if let Some(origin) = origin {
            if let Err(error) = recent_workspaces::remove(&self.data_dir, &origin) {
                warn!(%error, "cannot take the forgotten workspace off the recent ones");
            }
        }
    }

    /// Closes the open workspace (stopping the demo IAM) and starts on the welcome screen next time.
    pub async fn close(&self) {
        if let Some(open) = self.open.lock().await.take() {
            open.close().await;
        }
        if let Err(error) = last_workspace::forget(&self.data_dir) {
            warn!(%error, "cannot forget the last workspace");
        }
    }

    async fn start(&self, origin: WorkspaceOrigin) -> Result<OpenWorkspace, DesktopError> {
        let (profile, demo_iam) = match &origin {
            WorkspaceOrigin::Demo => {
                let config = SandboxConfig {
                    port: self.demo_port,
                    data: Some(self.data_dir.join(DEMO_IAM_FILE)),
                    synthetic_users: 0,
                };
                let sandbox = Sandbox::start(config)
                    .await
                    .map_err(|e| DesktopError::DemoStart { port: self.demo_port, reason: e.to_string() })?;
                let profile = Profile::from_toml(&sandbox.profile_toml("demo"), "demo")?;
                (profile, Some(sandbox))
            }
            WorkspaceOrigin::Profile { path } => (Profile::load_file(path)?, None),
        };
        let workspace = Arc::new(Workspace::open(profile, &self.data_dir)?);
        info!(profile = %workspace.profile().name, "workspace open");
        Ok(OpenWorkspace { origin, workspace, demo_iam })
    }
}

impl OpenWorkspace {
    async fn close(self) {
        if let Some(sandbox) = self.demo_iam {
            sandbox.stop().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_the_preload_could_not_open_is_reported_by_resume_not_opened_a_second_time() {
        let dir = tempfile::tempdir().expect("a temporary data directory");
        let path = dir.path().join("emea.toml");
        let origin = WorkspaceOrigin::Profile { path: path.clone() };
        last_workspace::remember(dir.path(), &origin).expect("remembered");
        let current = CurrentWorkspace::new(dir.path().to_path_buf(), 0);
        tauri::async_runtime::block_on(async {
            current.preload().await;
            // Now it would open: a second try (a second keyring prompt, in the case this is for)
            // would succeed, so an error below comes from the preload's one try.
            std::fs::write(&path, include_str!("../../profiles/otds-example.toml")).expect("written");
            let Err(error) = current.resume().await else { panic!("resume must report the preload's failure") };
            assert!(error.to_string().contains("emea.toml"), "{error}");
            assert!(current.find().await.is_none(), "nothing opened behind the report");
            assert!(current.resume().await.expect("resumes").is_none(), "a profile that was gone is forgotten");
            // The admin opens it again from the welcome screen.
            let Ok(workspace) = current.open(origin.clone()).await else { panic!("the workspace opens when asked") };
            assert_eq!(workspace.profile().name, "otds-emea");
            drop(workspace);
            let recent = current.recent();
            assert_eq!(
                recent.iter().map(|r| (&r.origin, r.name.as_str())).collect::<Vec<_>>(),
                [(&origin, "otds-emea")]
            );

            // Gone again: opening it from the recent ones fails, and takes it off the list.
            current.close().await;
            std::fs::remove_file(&path).expect("removed");
            assert!(current.open(origin).await.is_err(), "a missing profile does not open");
            assert!(current.recent().is_empty(), "a profile that is gone is not offered again");
        });
    }
}
