//! The workspaces opened on this machine, most recent first, for the welcome screen.
//!
//! A small JSON file in the data directory, beside `last-workspace.json` (which says only which
//! one to reopen at start). It names where each workspace came from and its profile's name, never
//! anything secret. "Forget this workspace" takes its workspace off the list.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::last_workspace::WorkspaceOrigin;

const FILE_NAME: &str = "recent-workspaces.json";

/// How many workspaces the list keeps.
const KEPT: usize = 5;

/// A workspace opened on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct RecentWorkspace {
    #[serde(flatten)]
    pub origin: WorkspaceOrigin,
    /// The profile's name (`demo` for the demo workspace).
    pub name: String,
    #[ts(type = "string")]
    pub opened_at: DateTime<Utc>,
}

/// The list, most recent first; empty when there is none or the file makes no sense.
pub fn list(data_dir: &Path) -> Vec<RecentWorkspace> {
    let Ok(bytes) = std::fs::read(data_dir.join(FILE_NAME)) else { return Vec::new() };
    match serde_json::from_slice(&bytes) {
        Ok(recent) => recent,
        Err(error) => {
            // Written by another Bailiwick, or damaged: the list starts again.
            tracing::warn!(%error, "ignoring an unreadable {FILE_NAME}");
            Vec::new()
        }
    }
}

/// Puts `origin` at the top of the list (once), as opened at `at` under the profile name `name`.
pub fn note(data_dir: &Path, origin: &WorkspaceOrigin, name: &str, at: DateTime<Utc>) -> std::io::Result<()> {
    let mut recent = list(data_dir);
    recent.retain(|workspace| workspace.origin != *origin);
    recent.insert(0, RecentWorkspace { origin: origin.clone(), name: name.to_owned(), opened_at: at });
    recent.truncate(KEPT);
    write(data_dir, &recent)
}

/// Takes `origin` off the list.
pub fn remove(data_dir: &Path, origin: &WorkspaceOrigin) -> std::io::Result<()> {
    let mut recent = list(data_dir);
    let before = recent.len();
    recent.retain(|workspace| workspace.origin != *origin);
    if recent.len() == before {
        return Ok(());
    }
    write(data_dir, &recent)
}

fn write(data_dir: &Path, recent: &[RecentWorkspace]) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(recent).map_err(std::io::Error::other)?;
    std::fs::create_dir_all(data_dir)?;
    // Write then rename: a crash mid-write never leaves half a list.
    let temporary = data_dir.join(format!("{FILE_NAME}.tmp"));
    std::fs::write(&temporary, json)?;
    std::fs::rename(&temporary, data_dir.join(FILE_NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(path: &str) -> WorkspaceOrigin {
        WorkspaceOrigin::Profile { path: path.into() }
    }

    fn at(minute: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-11-28T10:{minute:02}:00Z")).expect("a time").with_timezone(&Utc)
    }

    fn origins(data_dir: &Path) -> Vec<WorkspaceOrigin> {
        list(data_dir).into_iter().map(|workspace| workspace.origin).collect()
    }

    #[test]
    fn the_list_is_most_recent_first_each_once_and_at_most_five() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(list(dir.path()).is_empty(), "nothing opened yet");
        note(dir.path(), &WorkspaceOrigin::Demo, "demo", at(0)).expect("noted");
        for (minute, path) in (1..).zip(["/a.toml", "/b.toml", "/c.toml"]) {
            note(dir.path(), &profile(path), "p", at(minute)).expect("noted");
        }
        note(dir.path(), &WorkspaceOrigin::Demo, "demo", at(9)).expect("noted again");
        assert_eq!(
            origins(dir.path()),
            [WorkspaceOrigin::Demo, profile("/c.toml"), profile("/b.toml"), profile("/a.toml")],
            "reopening moves it to the top, not in twice"
        );
        assert_eq!(list(dir.path())[0].opened_at, at(9));

        for (minute, path) in (10..).zip(["/d.toml", "/e.toml"]) {
            note(dir.path(), &profile(path), "p", at(minute)).expect("noted");
        }
        assert_eq!(
            origins(dir.path()),
            [profile("/e.toml"), profile("/d.toml"), WorkspaceOrigin::Demo, profile("/c.toml"), profile("/b.toml")],
            "the oldest goes"
        );
    }

    #[test]
    fn a_forgotten_workspace_leaves_the_list() {
        let dir = tempfile::tempdir().expect("temp dir");
        note(dir.path(), &profile("/a.toml"), "emea", at(0)).expect("noted");
        note(dir.path(), &WorkspaceOrigin::Demo, "demo", at(1)).expect("noted");
        remove(dir.path(), &profile("/a.toml")).expect("removed");
        assert_eq!(origins(dir.path()), [WorkspaceOrigin::Demo]);
        remove(dir.path(), &profile("/not-there.toml")).expect("removing what is not there is fine");
        assert_eq!(origins(dir.path()), [WorkspaceOrigin::Demo]);
    }

    #[test]
    fn the_file_is_a_json_list_and_a_damaged_one_is_an_empty_list() {
        let dir = tempfile::tempdir().expect("temp dir");
        note(dir.path(), &profile("/p.toml"), "emea", at(5)).expect("noted");
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).expect("read");
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            value,
            serde_json::json!([{"kind": "profile", "path": "/p.toml", "name": "emea", "openedAt": "2026-11-28T10:05:00Z"}])
        );
        std::fs::write(dir.path().join(FILE_NAME), b"{\"kind\":\"spaceship\"}").expect("write");
        assert!(list(dir.path()).is_empty());
        note(dir.path(), &WorkspaceOrigin::Demo, "demo", at(6)).expect("a damaged list starts again");
        assert_eq!(origins(dir.path()), [WorkspaceOrigin::Demo]);
    }
}
