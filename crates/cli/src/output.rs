//! What the CLI prints: JSON on stdout with `--json`, readable text otherwise; messages,
//! progress and errors on stderr. Exit codes come from `ErrorCode`.

use std::process::ExitCode;

use bailiwick_core::auth::{Browser, SystemBrowser};
use bailiwick_core::cache::UserRow;
use bailiwick_core::sync::SyncProgress;
use bailiwick_core::workspace::WorkspaceStatus;
use bailiwick_core::{AdminContext, Error, ErrorCode};
use serde::Serialize;

pub struct Output {
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    pub fn message(&self, text: &str) {
        eprintln!("{text}");
    }

    pub fn progress(&self, progress: &SyncProgress) {
        let line = match progress {
            SyncProgress::Users { fetched, total } => format!("users: {fetched} of {total}"),
            SyncProgress::Groups { fetched, total } => format!("groups: {fetched} of {total}"),
            SyncProgress::Saving => "saving to the local cache".to_owned(),
        };
        eprintln!("  {line}");
    }

    /// Prints `value` as JSON with `--json`, else as the text `render` makes of it.
    pub fn value<T: Serialize>(&self, value: &T, render: impl Fn(&T) -> String) -> Result<(), Error> {
        if self.json {
            let text = serde_json::to_string_pretty(value)
                .map_err(|e| Error::Io(std::io::Error::other(format!("cannot print JSON: {e}"))))?;
            print_stdout(&text)
        } else {
            let text = render(value);
            if text.is_empty() {
                return Ok(());
            }
            print_stdout(&text)
        }
    }

    /// Reports `error` on stderr (and as JSON on stdout with `--json`) and picks the exit code.
    pub fn fail(&self, error: &Error) -> ExitCode {
        let code = error.code();
        eprintln!("error: {error}");
        if self.json {
            let body = serde_json::json!({ "error": { "code": code, "message": error.to_string(), "retryable": error.retryable() } });
            println!("{body}");
        }
        ExitCode::from(exit_code(code))
    }
}

/// Writes a line to stdout. A closed pipe (`bailiwick users list | head`) is not an error: the
/// reader has all it wanted.
fn print_stdout(text: &str) -> Result<(), Error> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io(e)),
        _ => Ok(()),
    }
}

pub fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::Failure => 1,
        ErrorCode::Usage => 2,
        ErrorCode::SignInNeeded => 3,
        ErrorCode::Refused => 4,
        ErrorCode::Conflict => 5,
        ErrorCode::Offline => 6,
    }
}

/// The system browser, with the address also printed so it can be opened by hand (a remote
/// shell, a browser that did not start).
pub struct AnnouncingBrowser;

impl Browser for AnnouncingBrowser {
    fn open(&self, url: &url::Url) -> Result<(), Error> {
        eprintln!("Opening your browser to sign in. If nothing opens, visit:\n  {url}");
        SystemBrowser::from_env().open(url)
    }
}

/// `whoami --json`: the admin context (the same fields `login --json` prints) and the
/// workspace it belongs to.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Whoami<'a> {
    #[serde(flatten)]
    pub admin: &'a AdminContext,
    pub profile: &'a str,
    pub issuer: &'a str,
    pub last_sync_at: Option<chrono::DateTime<chrono::Utc>>,
    pub cached_users: u64,
    pub offline: bool,
}

impl<'a> Whoami<'a> {
    /// `None` unless someone signed in and the keyring still holds their session.
    pub fn from_status(status: &'a WorkspaceStatus) -> Option<Self> {
        let admin = status.admin.as_ref().filter(|_| status.signed_in)?;
        Some(Whoami {
            admin,
            profile: &status.profile_name,
            issuer: &status.issuer,
            last_sync_at: status.last_sync_at,
            cached_users: status.cached_users,
            offline: status.offline,
        })
    }
}

pub fn admin_text(admin: &AdminContext) -> String {
    let scopes: Vec<&str> = admin.bu_scopes.paths().iter().map(|p| p.as_str()).collect();
    let caps: Vec<&str> = admin.capabilities.iter().map(|c| c.as_str()).collect();
    format!(
        "{} ({})\n  business units: {}\n  capabilities:   {}",
        admin.display_name,
        admin.subject,
        scopes.join(", "),
        caps.join(", ")
    )
}

pub fn status_text(status: &WorkspaceStatus) -> String {
    let mut text = status.admin.as_ref().map(admin_text).unwrap_or_default();
    text.push_str(&format!("\n  workspace:      {} ({})", status.profile_name, status.issuer));
    let synced = status.last_sync_at.map(|t| t.to_rfc3339()).unwrap_or_else(|| "never".into());
    text.push_str(&format!("\n  cache:          {} users, synced {}", status.cached_users, synced));
    text
}

pub fn users_text(rows: &[UserRow]) -> String {
    let mut text = format!("{:<28} {:<30} {:<14} {:<9} {}\n", "USER NAME", "NAME", "BU", "TYPE", "ACTIVE");
    for r in rows {
        text.push_str(&format!(
            "{:<28} {:<30} {:<14} {:<9} {}\n",
            r.user_name,
            r.display_name,
            r.bu.as_deref().unwrap_or("-"),
            r.user_type,
            if r.active { "yes" } else { "no" }
        ));
    }
    text.push_str(&format!("{} users", rows.len()));
    text
}
