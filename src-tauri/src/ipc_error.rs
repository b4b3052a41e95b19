//! How failures cross IPC: always `{code, message, retryable}`, never a bare string, so the UI
//! branches on `code` (sign in again, show the offline notice) and shows `message` as detail.
//! `code` reuses the core's stable `ErrorCode`, the same one the CLI turns into exit codes.
//! A policy refusal also names its `rule`, so the window can show which rule said no.

use bailiwick_core::ErrorCode;
use serde::Serialize;

/// Everything a desktop command can fail with: the core's errors and the shell's own few.
#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    #[error(transparent)]
    Core(#[from] bailiwick_core::Error),

    #[error("no workspace is open; open the demo workspace or a profile first")]
    NoWorkspace,

    #[error("the demo IAM could not start on 127.0.0.1:{port}: {reason}")]
    DemoStart { port: u16, reason: String },

    #[error("{value:?} is not a business unit path (like EMEA/DE)")]
    InvalidBu { value: String },

    #[error("{field}: {value:?} is not a time (RFC 3339, like 2026-12-31T00:00:00Z)")]
    InvalidTime { field: &'static str, value: String },
}

/// The JSON shape the UI's `IpcError` reads (ui/src/ipc/commands.ts).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(rename = "IpcErrorPayload")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    pub retryable: bool,
    /// The policy rule that refused the action (`four-eyes`, `grant-length` …); only on
    /// client-side policy refusals.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, as = "Option<bailiwick_core::policy::Rule>")]
    pub rule: Option<&'static str>,
}

impl From<&DesktopError> for IpcError {
    fn from(error: &DesktopError) -> Self {
        // Exhaustive on purpose: a new variant must decide its code here, not fall into a default.
        let (code, retryable) = match error {
            DesktopError::Core(core) => (core.code(), core.retryable()),
            DesktopError::NoWorkspace => (ErrorCode::Usage, false),
            // Usually the port is taken (another Bailiwick runs the demo); trying later may work.
            DesktopError::DemoStart { .. } => (ErrorCode::Failure, true),
            DesktopError::InvalidBu { .. } | DesktopError::InvalidTime { .. } => (ErrorCode::Usage, false),
        };
        let rule = match error {
            DesktopError::Core(bailiwick_core::Error::Refused(refusal)) => Some(refusal.rule.as_str()),
            _ => None,
        };
        IpcError { code, message: error.to_string(), retryable, rule }
    }
}

/// Tauri serialises a command's error as its rejection value.
impl Serialize for DesktopError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        IpcError::from(self).serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn json_of(error: DesktopError) -> serde_json::Value {
        serde_json::to_value(&error).expect("an error always serialises")
    }

    #[test]
    fn rejection_is_code_message_retryable_and_nothing_else() {
        let value = json_of(DesktopError::Core(bailiwick_core::Error::SignInNeeded("the session ended".into())));
        assert_eq!(
            value,
            json!({"code": "sign-in-needed", "message": "sign-in needed: the session ended", "retryable": false}),
            "the UI reads exactly these three fields"
        );
    }

    #[test]
    fn offline_core_errors_stay_offline_and_retryable() {
        let error = bailiwick_core::Error::Offline {
            action: "sync".into(),
            host: "127.0.0.1".into(),
            reason: "connection refused".into(),
        };
        let value = json_of(DesktopError::Core(error));
        assert_eq!(value["code"], "offline");
        assert_eq!(value["retryable"], true, "the UI offers to retry when the IAM is back");
    }

    #[test]
    fn shell_errors_have_their_own_codes() {
        assert_eq!(json_of(DesktopError::NoWorkspace)["code"], "usage");
        let demo = json_of(DesktopError::DemoStart { port: 47474, reason: "address in use".into() });
        assert_eq!(demo["code"], "failure");
        assert!(
            demo["message"].as_str().is_some_and(|m| m.contains("47474") && m.contains("address in use")),
            "the message names the port and the cause: {demo}"
        );
        assert_eq!(json_of(DesktopError::InvalidBu { value: "EMEA//DE".into() })["code"], "usage");
        assert_eq!(json_of(DesktopError::InvalidTime { field: "validUntil", value: "soon".into() })["code"], "usage");
    }

    #[test]
    fn a_policy_refusal_names_its_rule_and_remedy() {
        let refusal = bailiwick_core::policy::Refusal {
            rule: bailiwick_core::policy::Rule::GrantLength,
            message: "Template Designer may be granted for 30 days at most".into(),
            remedy: "shorten the grant".into(),
        };
        let value = json_of(DesktopError::Core(bailiwick_core::Error::Refused(refusal)));
        assert_eq!(value["code"], "refused");
        assert_eq!(value["rule"], "grant-length", "the window shows the rule by name");
        let message = value["message"].as_str().unwrap_or_default();
        assert!(message.contains("30 days") && message.contains("shorten the grant"), "message and remedy: {value}");
    }
}
