//! The commands of joiner–mover–leaver hygiene (issue 8): list what access should not be there
//! any more, and apply a finding's one-step fix. The core records the fix's changes (each one
//! checked by policy); the command then sends the outbox like every change command, so an
//! unreachable directory leaves the fix queued instead of failing it.

use bailiwick_core::cache::OutboxEntry;
use bailiwick_core::workspace::Finding;
use serde::Serialize;
use tauri::State;

use crate::current_workspace::CurrentWorkspace;
use crate::delegated_change::push_unless_offline;
use crate::ipc_error::DesktopError;
use crate::off_runtime::run_blocking;

type Result<T> = std::result::Result<T, DesktopError>;

/// Every finding in the cache, by kind then user (read offline, from the last sync).
#[tauri::command]
pub async fn list_findings(current: State<'_, CurrentWorkspace>) -> Result<Vec<Finding>> {
    let workspace = current.get().await?;
    run_blocking(move || workspace.hygiene()).await
}

/// What fixing a finding did: its outbox entries as they stand after the push, and why they
/// were not sent when the directory could not be reached.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct FixOutcome {
    pub entries: Vec<OutboxEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub not_sent: Option<String>,
}

/// Records the fix of finding `id` and sends it. A policy refusal fails before the refused
/// change is queued (`code: "refused"` with its rule).
#[tauri::command]
pub async fn fix_finding(current: State<'_, CurrentWorkspace>, id: String) -> Result<FixOutcome> {
    let workspace = current.get().await?;
    let recorder = workspace.clone();
    let recorded = run_blocking(move || recorder.fix_finding(&id)).await?;
    let not_sent = push_unless_offline(workspace.clone()).await?.err();
    let entries = run_blocking(move || {
        let mut entries = Vec::with_capacity(recorded.len());
        for id in &recorded {
            entries.extend(workspace.outbox_entry(id)?);
        }
        Ok(entries)
    })
    .await?;
    Ok(FixOutcome { entries, not_sent })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offline_fix_says_why_it_was_not_sent() {
        let outcome = FixOutcome { entries: Vec::new(), not_sent: Some("sending changes needs the network".into()) };
        let value = serde_json::to_value(&outcome).expect("serialises");
        assert_eq!(value["notSent"], "sending changes needs the network");
        assert_eq!(value["entries"], serde_json::json!([]));
        let sent = serde_json::to_value(FixOutcome { entries: Vec::new(), not_sent: None }).expect("serialises");
        assert!(sent.get("notSent").is_none(), "absent, not null: {sent}");
    }
}
