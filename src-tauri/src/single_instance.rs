//! One running app per data directory. A second app on the same data directory would open the
//! same cache, outbox and audit log next to the first: two writers, two syncs racing, two
//! windows showing different states of one workspace. So a second launch hands over to the
//! running app, which comes to the front, and exits.
//!
//! Apps on *different* data directories are independent and must all run (the end-to-end tests
//! start several at once, each with its own `BAILIWICK_DATA_DIR`), so on Linux the lock — a
//! D-Bus name on the session bus — is named after the data directory, not only after the app.
//! Without a session bus the plugin logs a warning and the app runs unguarded, as it did before.
//!
//! On Windows and macOS the plugin names its lock after the app identifier alone (a named mutex,
//! a socket in /tmp) and offers no way to change it, so there one app runs per user, whatever
//! its data directory.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime};

/// The window tauri.conf.json creates: the one a second launch brings to the front.
const MAIN_WINDOW: &str = "main";

/// Hex digits of the data directory's hash in the lock name: 48 bits, so two data directories of
/// one user colliding is out of the question, while the name stays short enough to read in
/// `busctl --user list`.
const HASH_HEX_DIGITS: usize = 12;

/// The plugin that keeps this app the only one on `data_dir`, registered before any other plugin
/// so that a second launch exits before it opens a window or the workspace.
pub fn plugin<R: Runtime>(identifier: &str, data_dir: &Path) -> TauriPlugin<R> {
    let lock_name = lock_name(identifier, &canonical_data_dir(data_dir));
    tracing::debug!(%lock_name, "single-instance lock");
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(lock_name)
        .callback(|app, _args, _cwd| show_main_window(app))
        .build()
}

/// The D-Bus name (without the `.SingleInstance` the plugin appends) that the app on `data_dir`
/// holds: the app identifier, then `d` and the first hex digits of the SHA-256 of the directory's
/// path. The `d` keeps the element valid in D-Bus, where an element may not start with a digit.
/// SHA-256 rather than std's hasher, whose output may change between Rust releases: an app built
/// by another toolchain must still find the running one.
pub fn lock_name(identifier: &str, canonical_data_dir: &Path) -> String {
    let digest = Sha256::digest(canonical_data_dir.as_os_str().as_encoded_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("{identifier}.d{}", &hex[..HASH_HEX_DIGITS])
}

/// The one spelling of `data_dir` every launch agrees on: `./data`, `data/` and a symlink to it
/// must take the same lock. The directory is created first, because only an existing directory
/// can be canonicalised and the app creates it anyway; when that fails (no permission), the
/// absolute path is the best name left, and opening the workspace will report the real problem.
fn canonical_data_dir(data_dir: &Path) -> PathBuf {
    if let Err(error) = std::fs::create_dir_all(data_dir) {
        tracing::warn!(%error, data_dir = %data_dir.display(), "cannot create the data directory");
    }
    data_dir.canonicalize().or_else(|_| std::path::absolute(data_dir)).unwrap_or_else(|_| data_dir.to_path_buf())
}

/// Brings the running app's window to the front: shown, not minimised, focused. A window manager
/// may refuse focus to an app that did not get the last input; the window is raised all the same.
fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        tracing::warn!("a second launch asked for the main window, but it is gone");
        return;
    };
    tracing::info!("another launch on this data directory: showing this window instead");
    let shown = window.unminimize().and_then(|()| window.show()).and_then(|()| window.set_focus());
    if let Err(error) = shown {
        tracing::warn!(%error, "cannot bring the main window to the front");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The D-Bus specification's rules for a well-known bus name.
    fn is_valid_dbus_name(name: &str) -> bool {
        let elements: Vec<&str> = name.split('.').collect();
        name.len() <= 255
            && elements.len() >= 2
            && elements.iter().all(|element| {
                !element.is_empty()
                    && !element.starts_with(|c: char| c.is_ascii_digit())
                    && element.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            })
    }

    const IDENTIFIER: &str = "com.bailiwick.desktop";

    #[test]
    fn the_same_data_directory_gives_the_same_lock() {
        let dir = Path::new("/home/ada/.local/share/bailiwick");
        assert_eq!(lock_name(IDENTIFIER, dir), lock_name(IDENTIFIER, dir), "a second launch must find the first");
    }

    #[test]
    fn different_data_directories_give_different_locks() {
        let names: std::collections::HashSet<String> =
            ["/tmp/e2e-1", "/tmp/e2e-2", "/tmp/e2e-10", "/home/ada/.local/share/bailiwick"]
                .iter()
                .map(|dir| lock_name(IDENTIFIER, Path::new(dir)))
                .collect();
        assert_eq!(names.len(), 4, "apps on separate data directories must run side by side: {names:?}");
    }

    #[test]
    fn the_lock_is_a_valid_dbus_name_under_the_app_identifier() {
        for dir in ["/", "/tmp/.tmpAbC123", "/home/ada/Données/Bailiwick", "C:\\Users\\ada\\AppData\\Roaming"] {
            let name = lock_name(IDENTIFIER, Path::new(dir));
            let full = format!("{name}.SingleInstance");
            assert!(is_valid_dbus_name(&full), "{full} must be a valid D-Bus name, or the plugin refuses to start");
            assert!(name.starts_with("com.bailiwick.desktop.d"), "{name} keeps the app's identifier first");
            assert_eq!(name.len(), IDENTIFIER.len() + 2 + HASH_HEX_DIGITS, "{name}: identifier, .d, then the hash");
        }
    }

    #[test]
    fn the_lock_is_stable_across_builds() {
        // SHA-256 of "/tmp/x": if this changes, a new build no longer finds an older running app.
        assert_eq!(lock_name(IDENTIFIER, Path::new("/tmp/x")), "com.bailiwick.desktop.d2e56aa36f538");
    }

    #[test]
    fn every_spelling_of_a_data_directory_takes_the_same_lock() {
        let parent = tempfile::tempdir().expect("temp dir");
        let dir = parent.path().join("data");
        let plain = lock_name(IDENTIFIER, &canonical_data_dir(&dir));
        assert!(dir.is_dir(), "the directory is created so that it can be canonicalised");
        let dotted = parent.path().join(".").join("data").join("..").join("data");
        assert_eq!(lock_name(IDENTIFIER, &canonical_data_dir(&dotted)), plain, "`.` and `..` name the same directory");
        #[cfg(unix)]
        {
            let link = parent.path().join("link");
            std::os::unix::fs::symlink(&dir, &link).expect("symlink");
            assert_eq!(lock_name(IDENTIFIER, &canonical_data_dir(&link)), plain, "a symlink names its target");
        }
    }
}
