//! What the CLI prints: JSON on stdout with `--json`, readable text otherwise; messages,
//! progress and errors on stderr. Exit codes come from `ErrorCode`.

use std::process::ExitCode;

use bailiwick_core::audit::AuditEntry;
use bailiwick_core::auth::{Browser, SystemBrowser};
use bailiwick_core::bulk::RowReport;
use bailiwick_core::cache::{Conflict, OutboxEntry, UserRow};
use bailiwick_core::grant::Grant;
use bailiwick_core::review::ReviewItem;
use bailiwick_core::sync::{Fetching, SyncProgress};
use bailiwick_core::workspace::WorkspaceStatus;
use bailiwick_core::workspace::{Finding, Permission, RoleView, UserActions};
use bailiwick_core::{AdminContext, Error, ErrorCode};
use serde::Serialize;

pub struct Output {
    json: bool,
    /// The command already printed its JSON document (a report that also fails the command):
    /// an error then goes to stderr only, so stdout stays one JSON document.
    reported: std::sync::atomic::AtomicBool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Self { json, reported: std::sync::atomic::AtomicBool::new(false) }
    }

    /// Says the JSON document on stdout is complete; a following error goes to stderr only.
    pub fn mark_reported(&self) {
        self.reported.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn message(&self, text: &str) {
        eprintln!("{text}");
    }

    pub fn progress(&self, progress: &SyncProgress) {
        let line = match progress {
            SyncProgress::Users(f) => format!("users: {}", fetching_text(f)),
            SyncProgress::Groups(f) => format!("groups: {}", fetching_text(f)),
            SyncProgress::Grants(f) => format!("grants: {}", fetching_text(f)),
            SyncProgress::UserIds(f) => format!("user ids, to find removed users: {}", fetching_text(f)),
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
        if self.json && !self.reported.load(std::sync::atomic::Ordering::Relaxed) {
            let body = serde_json::json!({ "error": { "code": code, "message": error.to_string(), "retryable": error.retryable() } });
            println!("{body}");
        }
        ExitCode::from(exit_code(code))
    }
}

/// Writes `text` to stdout as it is (an export), whatever `--json` says.
pub fn print_raw(text: &str) -> Result<(), Error> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io(e)),
        _ => Ok(()),
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

pub fn user_actions_text(user: &str, actions: &UserActions) -> String {
    let line = |name: &str, permission: &Permission| match &permission.refusal {
        None if permission.needs_approval => format!("  {name:<40} allowed, waits for a second admin's approval\n"),
        None => format!("  {name:<40} allowed\n"),
        Some(refusal) => format!("  {name:<40} refused ({}): {}. {}\n", refusal.rule, refusal.message, refusal.remedy),
    };
    let mut text = format!("What you may do to {user}:\n");
    text.push_str(&line("disable or enable", &actions.set_active));
    text.push_str(&line("edit", &actions.edit));
    for role in &actions.roles {
        if let Some(assign) = &role.assign {
            text.push_str(&line(&format!("assign {}", role.role), assign));
        }
        if let Some(remove) = &role.remove {
            text.push_str(&line(&format!("remove {}", role.role), remove));
        }
        text.push_str(&line(&format!("grant {}", role.role), &role.issue_grant));
    }
    text.trim_end().to_owned()
}

pub fn roles_text(roles: &[RoleView]) -> String {
    let mut text = format!(
        "{:<26} {:<11} {:<9} {:<10} {:<9} {}\n",
        "ROLE", "SENSITIVITY", "PARTNERS", "MAX DAYS", "APPROVAL", "HOLDERS"
    );
    for r in roles {
        text.push_str(&format!(
            "{:<26} {:<11} {:<9} {:<10} {:<9} {}\n",
            r.role.name,
            r.role.sensitivity.as_str(),
            if r.role.partner_allowed { "yes" } else { "no" },
            r.role.max_grant_days,
            if r.role.needs_approval { "yes" } else { "no" },
            if r.group_id.is_some() { r.holders.to_string() } else { "(no such group)".into() },
        ));
    }
    text.push_str(&format!("{} roles", roles.len()));
    text
}

pub fn grants_text(grants: &[Grant]) -> String {
    let time = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let mut text =
        format!("{:<36} {:<22} {:<24} {:<9} {:<9} {:<20} {}\n", "ID", "USER", "ROLE", "BU", "STATUS", "FROM", "UNTIL");
    for g in grants {
        text.push_str(&format!(
            "{:<36} {:<22} {:<24} {:<9} {:<9} {:<20} {}\n",
            g.id,
            g.user,
            g.role,
            g.bu.as_str(),
            g.status,
            time(g.valid_from),
            time(g.valid_until)
        ));
    }
    text.push_str(&format!("{} grants", grants.len()));
    text
}

pub fn outbox_text(entries: &[OutboxEntry]) -> String {
    let mut text = format!("{:<36} {:<9} {:<14} {}\n", "ID", "STATE", "ACTION", "TARGET");
    for e in entries {
        text.push_str(&format!("{:<36} {:<9} {:<14} {}\n", e.id, e.state.as_str(), e.action, e.target));
        if let Some(error) = &e.last_error {
            text.push_str(&format!("{:<36} {error}\n", ""));
        }
    }
    text.push_str(&format!("{} changes", entries.len()));
    text
}

pub fn conflicts_text(conflicts: &[Conflict]) -> String {
    let mut text = String::new();
    for c in conflicts {
        text.push_str(&format!(
            "conflict {}: {} {}\n  yours:  based on version {}\n  theirs: version {}\n",
            c.id,
            c.action,
            c.target,
            c.base_version.as_deref().unwrap_or("-"),
            c.theirs_version.as_deref().unwrap_or("-"),
        ));
    }
    text.push_str(&format!(
        "{} open conflicts (resolve with `bailiwick conflicts resolve ID --keep-mine|--take-theirs`)",
        conflicts.len()
    ));
    text
}

pub fn audit_text(entries: &[AuditEntry]) -> String {
    let mut text = String::new();
    for e in entries {
        text.push_str(&format!(
            "{:>5} {} {:<16} {:<14} {:<9} {}{}\n",
            e.seq,
            e.at.format("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.action,
            e.outcome,
            e.target,
            e.rule.as_deref().map(|r| format!(" [rule {r}]")).unwrap_or_default(),
        ));
    }
    text.push_str(&format!("{} entries", entries.len()));
    text
}

pub fn import_text(rows: &[RowReport]) -> String {
    let mut text = String::new();
    for r in rows {
        text.push_str(&format!(
            "line {:>5}  {:<8} {:<40} {}\n",
            r.line,
            format!("{:?}", r.outcome).to_lowercase(),
            r.subject,
            r.message
        ));
    }
    text.push_str(&format!("{} rows", rows.len()));
    text
}

pub fn review_text(items: &[ReviewItem]) -> String {
    let mut text = format!(
        "{:>5} {:<10} {:<24} {:<26} {:<8} {:<9} {}\n",
        "ITEM", "KIND", "USER", "ROLE", "DECISION", "OUTCOME", "HINTS"
    );
    for i in items {
        let hints: Vec<&str> = i.hints.iter().map(|h| h.as_str()).collect();
        text.push_str(&format!(
            "{:>5} {:<10} {:<24} {:<26} {:<8} {:<9} {}\n",
            i.item,
            format!("{:?}", i.kind).to_lowercase(),
            i.user_name,
            i.role,
            i.decision.map(|d| d.as_str()).unwrap_or("-"),
            i.outcome.as_deref().unwrap_or("-"),
            hints.join(" ")
        ));
    }
    text.push_str(&format!("{} items", items.len()));
    text
}

pub fn hygiene_text(findings: &[Finding]) -> String {
    let mut text = String::new();
    for f in findings {
        text.push_str(&format!("{}\n  {}: {}\n  fix: {}\n", f.id, f.user, f.detail, f.fix));
    }
    text.push_str(&format!("{} findings (apply one with `bailiwick hygiene fix ID`)", findings.len()));
    text
}

pub fn server_audit_text(events: &[serde_json::Value]) -> String {
    let mut text = String::new();
    for e in events {
        text.push_str(&format!(
            "{} {:<16} {:<14} {} {}\n",
            e["time"].as_str().or(e["meta"]["created"].as_str()).unwrap_or("-"),
            e["actor"].as_str().unwrap_or("-"),
            e["action"].as_str().unwrap_or("-"),
            e["target"]["display"].as_str().or(e["target"]["value"].as_str()).unwrap_or("-"),
            e["outcome"].as_str().unwrap_or(""),
        ));
    }
    text.push_str(&format!("{} events from the directory", events.len()));
    text
}

/// "1500 of 100282 (3 pages, 2345/s, about 41 s left)"; "1500 so far (3 pages, 2345/s)" when
/// the server does not say how many there are.
fn fetching_text(f: &Fetching) -> String {
    let pace = match (f.remaining_seconds, f.total) {
        (Some(left), Some(total)) if f.fetched < total => format!(", {:.0}/s, about {left} s left", f.per_second),
        _ => format!(", {:.0}/s", f.per_second),
    };
    let pages = if f.pages == 1 { "1 page".to_owned() } else { format!("{} pages", f.pages) };
    match f.total {
        Some(total) => format!("{} of {total} ({pages}{pace})", f.fetched),
        None => format!("{} so far ({pages}{pace})", f.fetched),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetching(total: Option<u64>, remaining_seconds: Option<u64>) -> Fetching {
        Fetching { fetched: 1_500, total, pages: 3, per_second: 2_345.0, remaining_seconds }
    }

    #[test]
    fn a_listing_says_how_far_it_has_come_and_guesses_nothing_without_a_total() {
        assert_eq!(
            fetching_text(&fetching(Some(100_282), Some(41))),
            "1500 of 100282 (3 pages, 2345/s, about 41 s left)"
        );
        assert_eq!(fetching_text(&fetching(None, None)), "1500 so far (3 pages, 2345/s)");
    }
}
