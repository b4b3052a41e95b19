//! Which workspace was open last, so the next start can go straight back to it.
//!
//! A small JSON file in the data directory. It names where the workspace came from, never
//! anything secret (the session lives in the OS keyring, the data in the workspace's cache).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const FILE_NAME: &str = "last-workspace.json";

/// Where a workspace's profile comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WorkspaceOrigin {
    /// The demo IAM, started in-process.
    Demo,
    /// A profile file an administrator was given.
    Profile {
        #[ts(type = "string")]
        path: PathBuf,
    },
}

pub fn remember(data_dir: &Path, origin: &WorkspaceOrigin) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(origin).map_err(std::io::Error::other)?;
    std::fs::create_dir_all(data_dir)?;
    // Write then rename, so a crash mid-write never leaves a half file that hides the last workspace.
    let temporary = data_dir.join(format!("{FILE_NAME}.tmp"));
    std::fs::write(&temporary, json)?;
    std::fs::rename(&temporary, data_dir.join(FILE_NAME))
}

/// The last workspace, if one was remembered and the file still makes sense.
pub fn recall(data_dir: &Path) -> Option<WorkspaceOrigin> {
    let bytes = std::fs::read(data_dir.join(FILE_NAME)).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(origin) => Some(origin),
        Err(error) => {
            // Written by a newer or older Bailiwick, or damaged: start from the welcome screen.
            tracing::warn!(%error, "ignoring an unreadable {FILE_NAME}");
            None
        }
    }
}

pub fn forget(data_dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(data_dir.join(FILE_NAME)) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_demo_and_profile_workspaces() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(recall(dir.path()), None, "nothing remembered in a fresh data dir");

        remember(dir.path(), &WorkspaceOrigin::Demo).expect("write");
        assert_eq!(recall(dir.path()), Some(WorkspaceOrigin::Demo));

        let profile = WorkspaceOrigin::Profile { path: "/etc/bailiwick/emea.toml".into() };
        remember(dir.path(), &profile).expect("overwrite");
        assert_eq!(recall(dir.path()), Some(profile));

        forget(dir.path()).expect("forget");
        assert_eq!(recall(dir.path()), None);
        forget(dir.path()).expect("forgetting twice is fine");
    }

    #[test]
    fn file_format_is_tagged_json() {
        let dir = tempfile::tempdir().expect("temp dir");
        remember(dir.path(), &WorkspaceOrigin::Profile { path: "/p.toml".into() }).expect("write");
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).expect("read");
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value, serde_json::json!({"kind": "profile", "path": "/p.toml"}));
    }

    #[test]
    fn damaged_file_means_no_last_workspace() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(FILE_NAME), b"{\"kind\":\"spaceship\"}").expect("write");
        assert_eq!(recall(dir.path()), None);
    }
}
