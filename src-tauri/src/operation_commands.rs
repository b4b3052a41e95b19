//! The commands of delegated operations (users, roles, grants, the outbox, conflicts, the
//! audit log). Changes go through [`record_and_send`]; reads run the core's cache queries off
//! the async runtime. Names are `verb_noun`, the same in ui/src/ipc/commands.ts.

use bailiwick_core::audit::{self, AuditEntry};
use bailiwick_core::bulk::ImportReport;
use bailiwick_core::cache::{AuditQuery, Conflict, GrantQuery, OutboxEntry, OutboxState, UserRow};
use bailiwick_core::grant::{Grant, GrantMode, GrantStatus};
use bailiwick_core::outbox::PushReport;
use bailiwick_core::workspace::{GrantRequest, RoleView, SelectionChange, UserActions};
use bailiwick_core::{BuPath, Error};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tauri::State;

use crate::current_workspace::CurrentWorkspace;
use crate::delegated_change::{push_unless_offline, record_and_send, ChangeOutcome};
use crate::ipc_error::DesktopError;
use crate::off_runtime::run_blocking;

type Result<T> = std::result::Result<T, DesktopError>;

/// A user with the grants they hold and what the admin may do to them, for the user detail screen.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct UserDetail {
    pub user: UserRow,
    pub grants: Vec<Grant>,
    /// `None` until someone has signed in to the workspace (no admin to ask policy about).
    pub actions: Option<UserActions>,
    /// The newest entries of the audit log about the user and their grants, oldest first.
    pub history: Vec<AuditEntry>,
}

/// How many audit entries the user detail shows (the Audit screen has them all).
const HISTORY_ENTRIES: usize = 50;

#[tauri::command]
pub async fn get_user(current: State<'_, CurrentWorkspace>, user: String) -> Result<UserDetail> {
    let workspace = current.get().await?;
    run_blocking(move || {
        let row = workspace
            .user(&user)?
            .ok_or_else(|| Error::NotFound(format!("no user {user} in your business units (as last synced)")))?;
        let grants = workspace.grants(&GrantQuery { user_id: Some(row.id.clone()), ..GrantQuery::default() })?;
        let actions = match workspace.user_actions(&row.id) {
            Ok(actions) => Some(actions),
            Err(Error::SignInNeeded(_)) => None,
            Err(other) => return Err(other),
        };
        let grant_ids: Vec<&str> = grants.iter().map(|grant| grant.id.as_str()).collect();
        let history = workspace.user_history(&row.user_name, &grant_ids, HISTORY_ENTRIES)?;
        Ok(UserDetail { user: row, grants, actions, history })
    })
    .await
}

#[tauri::command]
pub async fn list_roles(current: State<'_, CurrentWorkspace>) -> Result<Vec<RoleView>> {
    let workspace = current.get().await?;
    run_blocking(move || workspace.roles()).await
}

#[tauri::command]
pub async fn set_user_active(
    current: State<'_, CurrentWorkspace>,
    user: String,
    active: bool,
) -> Result<ChangeOutcome> {
    record_and_send(current.get().await?, move |ws| ws.set_user_active(&user, active)).await
}

#[tauri::command]
pub async fn assign_role(current: State<'_, CurrentWorkspace>, user: String, role: String) -> Result<ChangeOutcome> {
    record_and_send(current.get().await?, move |ws| ws.assign_role(&user, &role)).await
}

#[tauri::command]
pub async fn remove_role(current: State<'_, CurrentWorkspace>, user: String, role: String) -> Result<ChangeOutcome> {
    record_and_send(current.get().await?, move |ws| ws.remove_role(&user, &role)).await
}

#[tauri::command]
pub async fn issue_grant(current: State<'_, CurrentWorkspace>, request: GrantRequestInput) -> Result<ChangeOutcome> {
    let request = request.into_core()?;
    record_and_send(current.get().await?, move |ws| ws.issue_grant(request)).await
}

#[tauri::command]
pub async fn extend_grant(
    current: State<'_, CurrentWorkspace>,
    id: String,
    valid_until: String,
) -> Result<ChangeOutcome> {
    let valid_until = rfc3339(&valid_until, "validUntil")?;
    record_and_send(current.get().await?, move |ws| ws.extend_grant(&id, valid_until)).await
}

#[tauri::command]
pub async fn revoke_grant(current: State<'_, CurrentWorkspace>, id: String) -> Result<ChangeOutcome> {
    record_and_send(current.get().await?, move |ws| ws.revoke_grant(&id)).await
}

#[tauri::command]
pub async fn approve_grant(current: State<'_, CurrentWorkspace>, id: String) -> Result<ChangeOutcome> {
    record_and_send(current.get().await?, move |ws| ws.approve_grant(&id)).await
}

#[tauri::command]
pub async fn reject_grant(current: State<'_, CurrentWorkspace>, id: String) -> Result<ChangeOutcome> {
    record_and_send(current.get().await?, move |ws| ws.reject_grant(&id)).await
}

#[tauri::command]
pub async fn list_grants(current: State<'_, CurrentWorkspace>, query: GrantQueryInput) -> Result<Vec<Grant>> {
    let workspace = current.get().await?;
    let query = query.into_core();
    run_blocking(move || workspace.grants(&query)).await
}

/// The grant mode and what it means for the admin (the same words as `bailiwick grants mode`).
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct GrantModeView {
    pub mode: GrantMode,
    pub explanation: &'static str,
}

#[tauri::command]
pub async fn get_grant_mode(current: State<'_, CurrentWorkspace>) -> Result<GrantModeView> {
    let workspace = current.get().await?;
    let mode = run_blocking(move || workspace.grant_mode()).await?;
    Ok(GrantModeView { mode, explanation: mode.explanation() })
}

/// The outbox entries that need the admin's eye: not sent yet, failed, or in conflict.
const OUTBOX_SHOWN: &[OutboxState] =
    &[OutboxState::Queued, OutboxState::Sending, OutboxState::Failed, OutboxState::Conflict];

#[tauri::command]
pub async fn list_outbox(current: State<'_, CurrentWorkspace>) -> Result<Vec<OutboxEntry>> {
    let workspace = current.get().await?;
    run_blocking(move || workspace.outbox(OUTBOX_SHOWN)).await
}

/// "Send now": unlike a change command, an unreachable directory is this command's error,
/// because sending was all the admin asked for.
#[tauri::command]
pub async fn push_outbox(current: State<'_, CurrentWorkspace>) -> Result<PushReport> {
    let workspace = current.get().await?;
    Ok(workspace.push().await?)
}

#[tauri::command]
pub async fn list_conflicts(current: State<'_, CurrentWorkspace>) -> Result<Vec<Conflict>> {
    let workspace = current.get().await?;
    run_blocking(move || workspace.conflicts(false)).await
}

/// What resolving a conflict did: keeping mine queues the change again and sends it.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ConflictResolution {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub push: Option<PushReport>,
    /// Why the re-queued change was not sent now (the directory cannot be reached).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub not_sent: Option<String>,
}

#[tauri::command]
pub async fn resolve_conflict(
    current: State<'_, CurrentWorkspace>,
    id: i64,
    keep_mine: bool,
) -> Result<ConflictResolution> {
    let workspace = current.get().await?;
    let resolver = workspace.clone();
    run_blocking(move || resolver.resolve_conflict(id, keep_mine)).await?;
    if !keep_mine {
        return Ok(ConflictResolution { push: None, not_sent: None });
    }
    Ok(match push_unless_offline(workspace).await? {
        Ok(report) => ConflictResolution { push: Some(report), not_sent: None },
        Err(reason) => ConflictResolution { push: None, not_sent: Some(reason) },
    })
}

#[tauri::command]
pub async fn list_audit(current: State<'_, CurrentWorkspace>, query: AuditQueryInput) -> Result<Vec<AuditEntry>> {
    let workspace = current.get().await?;
    let query = query.into_core();
    run_blocking(move || workspace.audit(&query)).await
}

/// The audit chain check as the window shows it: a broken chain is a result to show, not a
/// failed command.
#[derive(Debug, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditCheck {
    pub intact: bool,
    /// How many entries were checked; unknown when the chain is broken.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub entries: Option<u64>,
    pub problems: Vec<String>,
}

impl AuditCheck {
    fn from_core(result: std::result::Result<audit::Verification, Error>) -> Result<AuditCheck> {
        match result {
            Ok(v) => Ok(AuditCheck { intact: v.intact, entries: Some(v.entries), problems: v.problems }),
            Err(Error::Integrity(detail)) => Ok(AuditCheck { intact: false, entries: None, problems: vec![detail] }),
            Err(other) => Err(other.into()),
        }
    }
}

#[tauri::command]
pub async fn verify_audit(current: State<'_, CurrentWorkspace>) -> Result<AuditCheck> {
    let workspace = current.get().await?;
    let result = tauri::async_runtime::spawn_blocking(move || workspace.verify_audit())
        .await
        .map_err(|e| DesktopError::Core(Error::Io(std::io::Error::other(e.to_string()))))?;
    AuditCheck::from_core(result)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum AuditFormat {
    Csv,
    Json,
}

/// The audit entries matching `query` as CSV or JSON text; the window offers it as a download
/// (so the webview needs no filesystem access).
#[tauri::command]
pub async fn export_audit(
    current: State<'_, CurrentWorkspace>,
    query: AuditQueryInput,
    format: AuditFormat,
) -> Result<String> {
    let workspace = current.get().await?;
    let query = query.into_core();
    let entries = run_blocking(move || workspace.audit(&query)).await?;
    Ok(match format {
        AuditFormat::Csv => audit::to_csv(&entries),
        AuditFormat::Json => serde_json::to_string_pretty(&entries)
            .map_err(|e| DesktopError::Core(Error::Io(std::io::Error::other(e))))?,
    })
}

/// How many of the directory's newest audit events the Audit screen shows beside the local log.
const SERVER_AUDIT_SHOWN: u32 = 200;

/// The directory's own audit events (newest `last`, oldest first); `None` when the directory
/// keeps none. Needs the network: offline is this command's error, and the window says so.
#[tauri::command]
pub async fn list_server_audit(current: State<'_, CurrentWorkspace>, last: Option<u32>) -> Result<Option<Vec<Value>>> {
    let workspace = current.get().await?;
    Ok(workspace.server_audit(last.unwrap_or(SERVER_AUDIT_SHOWN)).await?)
}

/// Which CSV an import reads (the same two as `bailiwick import`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum ImportKind {
    Users,
    Assignments,
}

/// An import's report row by row, and, when it queued rows, what sending them did.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportOutcome {
    pub report: ImportReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub push: Option<PushReport>,
    /// Why the queued rows were not sent now (the directory cannot be reached).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub not_sent: Option<String>,
}

/// Checks (`dryRun`) or imports a CSV the window read from a file. Refused and invalid rows are
/// part of the report, not the command's error: the window shows them row by row. An import
/// that queued rows is sent at once, like any change.
#[tauri::command]
pub async fn import_csv(
    current: State<'_, CurrentWorkspace>,
    kind: ImportKind,
    text: String,
    dry_run: bool,
) -> Result<ImportOutcome> {
    let workspace = current.get().await?;
    let importer = workspace.clone();
    let report = run_blocking(move || match kind {
        ImportKind::Users => importer.import_users(&text, dry_run),
        ImportKind::Assignments => importer.import_assignments(&text, dry_run),
    })
    .await?;
    sent(workspace, report).await
}

/// One change to the users selected in the users table, reported user by user like an import
/// (row N is the Nth user); the queued changes are sent at once.
#[tauri::command]
pub async fn change_selection(
    current: State<'_, CurrentWorkspace>,
    users: Vec<String>,
    change: SelectionChange,
    dry_run: bool,
) -> Result<ImportOutcome> {
    let workspace = current.get().await?;
    let changer = workspace.clone();
    let report = run_blocking(move || changer.change_selection(&users, &change, dry_run)).await?;
    sent(workspace, report).await
}

/// `report` with, when it queued rows, what sending them did.
async fn sent(workspace: std::sync::Arc<bailiwick_core::Workspace>, report: ImportReport) -> Result<ImportOutcome> {
    if report.dry_run || report.queued == 0 {
        return Ok(ImportOutcome { report, push: None, not_sent: None });
    }
    Ok(match push_unless_offline(workspace).await? {
        Ok(push) => ImportOutcome { report, push: Some(push), not_sent: None },
        Err(reason) => ImportOutcome { report, push: None, not_sent: Some(reason) },
    })
}

/// The Issue grant form as the UI sends it; times are RFC 3339.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[ts(rename = "GrantRequest")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrantRequestInput {
    user: String,
    role: String,
    bu: String,
    valid_from: String,
    valid_until: String,
    justification: String,
}

impl GrantRequestInput {
    fn into_core(self) -> Result<GrantRequest> {
        Ok(GrantRequest {
            bu: BuPath::parse(&self.bu).ok_or(DesktopError::InvalidBu { value: self.bu.clone() })?,
            valid_from: rfc3339(&self.valid_from, "validFrom")?,
            valid_until: rfc3339(&self.valid_until, "validUntil")?,
            user: self.user.trim().to_owned(),
            role: self.role,
            justification: self.justification.trim().to_owned(),
        })
    }
}

/// A time from the UI. Its type is inferred from where it goes (the core's `DateTime<Utc>`),
/// so the shell needs no date library of its own: serde does the RFC 3339 parsing.
fn rfc3339<T: serde::de::DeserializeOwned>(text: &str, field: &'static str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_owned()))
        .map_err(|_| DesktopError::InvalidTime { field, value: text.to_owned() })
}

/// The grants list's filter as the UI sends it.
#[derive(Debug, Default, Deserialize, ts_rs::TS)]
#[ts(rename = "GrantQuery")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrantQueryInput {
    #[serde(default)]
    #[ts(optional)]
    status: Option<GrantStatus>,
    #[serde(default)]
    #[ts(optional)]
    expiring_within_days: Option<u32>,
    #[serde(default)]
    #[ts(optional)]
    user_id: Option<String>,
}

impl GrantQueryInput {
    fn into_core(self) -> GrantQuery {
        GrantQuery {
            status: self.status,
            expiring_within_days: self.expiring_within_days,
            user_id: self.user_id.filter(|u| !u.trim().is_empty()),
        }
    }
}

/// The audit table's filter as the UI sends it.
#[derive(Debug, Default, Deserialize, ts_rs::TS)]
#[ts(rename = "AuditQuery")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditQueryInput {
    #[serde(default)]
    #[ts(optional)]
    actor: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    action: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    target: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    last: Option<u32>,
}

impl AuditQueryInput {
    fn into_core(self) -> AuditQuery {
        let text = |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        AuditQuery {
            since: None,
            actor: text(self.actor),
            action: text(self.action),
            target: text(self.target),
            last: self.last,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn grant_request(value: serde_json::Value) -> Result<GrantRequest> {
        serde_json::from_value::<GrantRequestInput>(value).expect("valid input").into_core()
    }

    #[test]
    fn grant_form_maps_to_the_core_request() {
        let request = grant_request(json!({
            "user": " anna.schmidt ", "role": "Template Designer", "bu": "EMEA/DE",
            "validFrom": "2026-12-01T00:00:00Z", "validUntil": "2026-12-31T00:00:00+01:00", "justification": " print run "
        }))
        .expect("a valid request");
        assert_eq!(request.user, "anna.schmidt");
        assert_eq!(request.bu.as_str(), "EMEA/DE");
        assert_eq!(request.valid_from.to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert_eq!(request.valid_until.to_rfc3339(), "2026-12-30T23:00:00+00:00", "offsets are turned into UTC");
        assert_eq!(request.justification, "print run");
    }

    #[test]
    fn grant_form_with_a_bad_time_or_bu_is_a_usage_error() {
        let base = json!({
            "user": "anna", "role": "R", "bu": "EMEA", "validFrom": "2026-12-01T00:00:00Z",
            "validUntil": "next week", "justification": "x"
        });
        let error = grant_request(base.clone()).expect_err("refused");
        assert!(matches!(error, DesktopError::InvalidTime { field: "validUntil", .. }), "got {error:?}");
        let mut bad_bu = base;
        bad_bu["bu"] = json!("EMEA//DE");
        bad_bu["validUntil"] = json!("2026-12-02T00:00:00Z");
        assert!(matches!(grant_request(bad_bu), Err(DesktopError::InvalidBu { .. })));
    }

    #[test]
    fn grant_filter_reads_status_and_expiry() {
        let query: GrantQueryInput =
            serde_json::from_value(json!({"status": "pending", "expiringWithinDays": 7})).expect("valid filter");
        let query = query.into_core();
        assert_eq!(query.status, Some(GrantStatus::Pending));
        assert_eq!(query.expiring_within_days, Some(7));
        assert!(serde_json::from_value::<GrantQueryInput>(json!({"status": "paused"})).is_err(), "unknown status");
    }

    #[test]
    fn blank_audit_filters_mean_no_filter() {
        let query: AuditQueryInput =
            serde_json::from_value(json!({"actor": "  ", "target": " anna ", "last": 50})).expect("valid filter");
        let query = query.into_core();
        assert_eq!((query.actor, query.target.as_deref(), query.last), (None, Some("anna"), Some(50)));
    }

    #[test]
    fn import_kind_reads_the_two_csv_kinds() {
        assert_eq!(serde_json::from_value::<ImportKind>(json!("users")).expect("a kind"), ImportKind::Users);
        assert_eq!(
            serde_json::from_value::<ImportKind>(json!("assignments")).expect("a kind"),
            ImportKind::Assignments
        );
        assert!(serde_json::from_value::<ImportKind>(json!("grants")).is_err());
    }

    #[test]
    fn a_broken_audit_chain_is_a_result_not_an_error() {
        let broken = AuditCheck::from_core(Err(Error::Integrity("entry 3 was changed after it was written".into())))
            .expect("a broken chain is shown, not thrown");
        assert!(!broken.intact);
        assert_eq!(broken.problems, vec!["entry 3 was changed after it was written".to_owned()]);
        let unreadable = AuditCheck::from_core(Err(Error::Usage("no cache".into())));
        assert!(unreadable.is_err(), "other failures stay errors");
    }
}
