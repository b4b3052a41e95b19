//! The one place that turns "record a change" into what the window shows: record it in the
//! outbox (policy checked, no network), send the outbox at once, then read back what became of
//! the change. Every change command goes through [`record_and_send`], so they all treat an
//! unreachable directory the same way: the change stays queued, which is not an error.

use std::sync::Arc;

use bailiwick_core::cache::{OutboxEntry, OutboxState};
use bailiwick_core::grant::Grant;
use bailiwick_core::outbox::PushReport;
use bailiwick_core::workspace::Recorded;
use bailiwick_core::{ErrorCode, Workspace};
use serde::Serialize;

use crate::ipc_error::DesktopError;
use crate::off_runtime::run_blocking;

/// What became of a change, for the window to say: done, failed (its `lastError` and `rule`),
/// in conflict, or still queued (`notSent` says why when the directory was unreachable).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ChangeOutcome {
    /// The outbox entry as it stands after the push.
    pub entry: OutboxEntry,
    /// Why the change was not sent now (the directory cannot be reached); it waits in the
    /// outbox and the next push sends it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub not_sent: Option<String>,
    /// An issued grant waits for a second admin's approval (four eyes).
    pub needs_approval: bool,
    /// The grant a ledger-mode change recorded, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ledger_grant: Option<Grant>,
}

/// Records a change with `record` (a core method such as `assign_role`), pushes the outbox and
/// returns the change's entry as it stands afterwards.
///
/// A policy refusal fails here, before anything is queued (`code: "refused"` with its rule).
/// A push that fails for another reason than the network (the session ended) is an error too,
/// as in the CLI; the change stays queued and the outbox screen shows it.
pub async fn record_and_send<F>(workspace: Arc<Workspace>, record: F) -> Result<ChangeOutcome, DesktopError>
where
    F: FnOnce(&Workspace) -> Result<Recorded, bailiwick_core::Error> + Send + 'static,
{
    let recorder = workspace.clone();
    let Recorded { entry, needs_approval, ledger_grant } = run_blocking(move || record(&recorder)).await?;
    // Ledger-only changes (a grant whose window starts later) are complete once recorded.
    if entry.state == OutboxState::Done {
        return Ok(ChangeOutcome { entry, not_sent: None, needs_approval, ledger_grant });
    }
    let not_sent = push_unless_offline(workspace.clone()).await?.err();
    let id = entry.id.clone();
    let after = run_blocking(move || workspace.outbox_entry(&id)).await?;
    Ok(ChangeOutcome { entry: after.unwrap_or(entry), not_sent, needs_approval, ledger_grant })
}

/// Sends the outbox. `Ok(Err(reason))`: the directory cannot be reached, so what is queued
/// stays queued; any other failure is the command's error.
pub async fn push_unless_offline(workspace: Arc<Workspace>) -> Result<Result<PushReport, String>, DesktopError> {
    match workspace.push().await {
        Ok(report) => Ok(Ok(report)),
        Err(error) if error.code() == ErrorCode::Offline => Ok(Err(error.to_string())),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use bailiwick_core::operation::Operation;
    use serde_json::json;

    use super::*;

    #[test]
    fn outcome_of_an_offline_change_is_the_queued_entry_and_the_reason() {
        let entry = OutboxEntry {
            seq: 4,
            id: "op-1".into(),
            // The shell has no date library: serde parses the time into the core's type.
            created_at: serde_json::from_value(json!("2026-11-27T10:00:00Z")).expect("a time"),
            actor: "Ada Lovelace".into(),
            action: "role.assign".into(),
            target: "Template Designer of anna.schmidt".into(),
            operation: serde_json::from_value::<Operation>(json!({
                "op": "revoke-grant", "grantId": "g1", "role": "Template Designer"
            }))
            .expect("an operation"),
            base_version: None,
            state: OutboxState::Queued,
            attempts: 0,
            next_attempt_at: None,
            last_error: None,
            rule: None,
            result: None,
        };
        let outcome = ChangeOutcome {
            entry,
            not_sent: Some("sending changes needs the network".into()),
            needs_approval: false,
            ledger_grant: None,
        };
        let value = serde_json::to_value(&outcome).expect("serialises");
        assert_eq!(value["entry"]["state"], "queued", "the UI says 'queued, will be sent' from this");
        assert_eq!(value["entry"]["lastError"], serde_json::Value::Null);
        assert_eq!(value["notSent"], "sending changes needs the network");
        assert_eq!(value["needsApproval"], false);
        assert!(value.get("ledgerGrant").is_none(), "absent, not null: {value}");
    }
}
