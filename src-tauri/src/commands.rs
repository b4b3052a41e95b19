//! The Tauri commands: each takes its input, calls one core function and maps the result.
//! Names are `verb_noun`, the same in ui/src/ipc/commands.ts.

use bailiwick_core::auth::{Browser, SystemBrowser};
use bailiwick_core::cache::{BusinessUnitCount, UserQuery, UserType};
use bailiwick_core::sync::{SyncOptions, SyncProgress, SyncReport};
use bailiwick_core::workspace::{UserPage, WorkspaceStatus};
use bailiwick_core::BuPath;
use serde::Deserialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::current_workspace::CurrentWorkspace;
use crate::freed_memory;
use crate::ipc_error::DesktopError;
use crate::last_workspace::WorkspaceOrigin;
use crate::off_runtime::run_blocking;
use crate::recent_workspaces::RecentWorkspace;
use crate::running_sync::RunningSync;
use crate::sign_in_browser::{SignInEvent, WindowReportingBrowser};

type Result<T> = std::result::Result<T, DesktopError>;

#[tauri::command]
pub async fn resume_workspace(current: State<'_, CurrentWorkspace>) -> Result<Option<WorkspaceStatus>> {
    match current.resume().await? {
        Some(workspace) => Ok(Some(workspace.status()?)),
        None => Ok(None),
    }
}

/// Restores the open workspace's session from the keyring, after `resume_workspace` put its cache
/// on screen. A session that cannot be restored (IAM unreachable, token refused) is not an error
/// here: the status says offline or signed out, and the cache stays on screen.
#[tauri::command]
pub async fn restore_session(current: State<'_, CurrentWorkspace>) -> Result<WorkspaceStatus> {
    let workspace = current.get().await?;
    match workspace.restore_session().await {
        Ok(Some(admin)) => tracing::info!(admin = %admin.subject, "session restored"),
        Ok(None) => tracing::info!("no stored session; showing the cache"),
        Err(error) => tracing::warn!(code = ?error.code(), %error, "session not restored; showing the cache"),
    }
    Ok(workspace.status()?)
}

#[tauri::command]
pub async fn open_demo_workspace(current: State<'_, CurrentWorkspace>) -> Result<WorkspaceStatus> {
    let workspace = current.open(WorkspaceOrigin::Demo).await?;
    Ok(workspace.status()?)
}

#[tauri::command]
pub async fn open_profile_workspace(
    current: State<'_, CurrentWorkspace>,
    path: std::path::PathBuf,
) -> Result<WorkspaceStatus> {
    let workspace = current.open(WorkspaceOrigin::Profile { path }).await?;
    Ok(workspace.status()?)
}

#[tauri::command]
pub async fn sign_in(current: State<'_, CurrentWorkspace>, events: Channel<SignInEvent>) -> Result<WorkspaceStatus> {
    let workspace = current.get().await?;
    workspace.sign_in(&WindowReportingBrowser::new(events)).await?;
    Ok(workspace.status()?)
}

#[tauri::command]
pub async fn sign_out(current: State<'_, CurrentWorkspace>) -> Result<()> {
    let workspace = current.get().await?;
    let end_session = workspace.sign_out().await?;
    current.close().await;
    // Ending the provider's browser session is a courtesy: the tokens are already revoked and gone.
    if let Some(url) = end_session {
        if let Err(error) = SystemBrowser::from_env().open(&url) {
            tracing::warn!(%error, "cannot open the provider's end-session page");
        }
    }
    Ok(())
}

/// Forgets the open workspace on this machine (Settings): signs out, deletes the cache with its
/// outbox and audit log, and the cache's key; refused while changes are queued unless
/// `discard_queued`.
#[tauri::command]
pub async fn forget_workspace(current: State<'_, CurrentWorkspace>, discard_queued: bool) -> Result<()> {
    let workspace = current.get().await?;
    workspace.forget(discard_queued).await?;
    current.close_forgotten().await;
    Ok(())
}

/// The workspaces opened on this machine, most recent first (the welcome screen).
#[tauri::command]
pub fn list_recent_workspaces(current: State<'_, CurrentWorkspace>) -> Vec<RecentWorkspace> {
    current.recent()
}

#[tauri::command]
pub async fn get_status(current: State<'_, CurrentWorkspace>) -> Result<Option<WorkspaceStatus>> {
    match current.find().await {
        Some(workspace) => Ok(Some(workspace.status()?)),
        None => Ok(None),
    }
}

#[tauri::command]
pub async fn sync_directory(
    current: State<'_, CurrentWorkspace>,
    running: State<'_, RunningSync>,
    progress: Channel<SyncProgress>,
) -> Result<SyncReport> {
    let workspace = current.get().await?;
    let mut report = |step: SyncProgress| {
        // A closed window only misses progress; the sync itself goes on.
        let _ = progress.send(step);
    };
    let cancel = running.begin();
    let synced = workspace.sync_cancellable(&SyncOptions::default(), &mut report, &cancel).await;
    running.finish();
    // Done or not, the sync's pages are freed, and its connection once the checkpoint after it
    // has run: that memory goes back to the system, not kept while the app idles.
    let settled = workspace.clone();
    drop(tauri::async_runtime::spawn_blocking(move || {
        settled.wait_for_checkpoint();
        freed_memory::return_free_pages();
    }));
    Ok(synced?)
}

/// The sync's Cancel button: the sync stops before it writes the cache, which stays as it was.
#[tauri::command]
pub fn cancel_sync(running: State<'_, RunningSync>) {
    running.cancel();
}

#[tauri::command]
pub async fn list_users(current: State<'_, CurrentWorkspace>, query: UserQueryInput) -> Result<UserPage> {
    let workspace = current.get().await?;
    let query = query.into_core()?;
    run_blocking(move || workspace.list_users(&query)).await
}

/// The BUs of the cached users, each with its own number of users (the BU filter's tree).
#[tauri::command]
pub async fn list_business_units(current: State<'_, CurrentWorkspace>) -> Result<Vec<BusinessUnitCount>> {
    let workspace = current.get().await?;
    run_blocking(move || workspace.business_units()).await
}

/// The users table's query as the UI sends it.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[ts(rename = "UserQuery")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserQueryInput {
    #[serde(default)]
    #[ts(optional)]
    search: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    bu: Option<String>,
    #[serde(default, rename = "type")]
    #[ts(optional)]
    user_type: Option<UserType>,
    #[serde(default)]
    #[ts(optional)]
    role: Option<String>,
    /// Only active (`true`) or only disabled (`false`) users.
    #[serde(default)]
    #[ts(optional)]
    active: Option<bool>,
    offset: u32,
    limit: u32,
}

/// The most rows one call returns: a screenful many times over, small enough to keep IPC
/// messages quick however large the directory is.
const MAX_PAGE: u32 = 1_000;

impl UserQueryInput {
    fn into_core(self) -> Result<UserQuery> {
        let bu = match self.bu.filter(|b| !b.trim().is_empty()) {
            Some(raw) => Some(BuPath::parse(&raw).ok_or(DesktopError::InvalidBu { value: raw })?),
            None => None,
        };
        Ok(UserQuery {
            search: self.search.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
            bu,
            user_type: self.user_type,
            role: self.role.filter(|r| !r.trim().is_empty()),
            active: self.active,
            limit: Some(self.limit.min(MAX_PAGE)),
            offset: self.offset,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(value: serde_json::Value) -> Result<UserQuery> {
        serde_json::from_value::<UserQueryInput>(value).expect("valid input").into_core()
    }

    #[test]
    fn ui_query_maps_to_the_core_query() {
        let query =
            parse(json!({"search": "  anna ", "bu": "/EMEA/DE/", "type": "partner", "offset": 200, "limit": 200}))
                .expect("valid query");
        assert_eq!(query.search.as_deref(), Some("anna"));
        assert_eq!(query.bu.as_ref().map(BuPath::as_str), Some("EMEA/DE"));
        assert_eq!(query.user_type, Some(UserType::Partner));
        assert_eq!((query.offset, query.limit), (200, Some(200)));
    }

    #[test]
    fn blank_filters_mean_no_filter_and_pages_are_capped() {
        let query = parse(json!({"search": "   ", "bu": "", "offset": 0, "limit": 1_000_000})).expect("valid query");
        assert_eq!(query.search, None);
        assert_eq!(query.bu, None);
        assert_eq!(query.limit, Some(MAX_PAGE), "a page never exceeds MAX_PAGE rows");
    }

    #[test]
    fn malformed_bu_is_a_usage_error() {
        let error = parse(json!({"bu": "EMEA//DE", "offset": 0, "limit": 10})).expect_err("refused");
        assert!(matches!(error, DesktopError::InvalidBu { .. }), "got {error:?}");
    }
}
