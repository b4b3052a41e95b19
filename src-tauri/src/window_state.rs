//! The main window reopens where the admin left it: its size, its position and whether it was
//! maximised. Deliberately not its visibility (a window saved while hidden would reopen hidden,
//! and the end-to-end tests drive a window that must be shown), nor fullscreen or decorations,
//! which the app never changes.
//!
//! The state is kept in the data directory, next to the workspaces it goes with, rather than in
//! the plugin's default place (one file in the app's config directory): apps on separate data
//! directories — the end-to-end tests run several at once — then neither share nor overwrite
//! one file. The plugin still creates the app's config directory when it saves, empty.

use std::path::Path;

use tauri::plugin::TauriPlugin;
use tauri::Runtime;
use tauri_plugin_window_state::StateFlags;

/// The file in the data directory the window's state is saved to when the app exits.
const STATE_FILE: &str = "window-state.json";

/// What is remembered of each window.
fn remembered() -> StateFlags {
    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED
}

/// The plugin that restores the window when it opens and saves its state when the app exits.
pub fn plugin<R: Runtime>(data_dir: &Path) -> TauriPlugin<R> {
    let builder = tauri_plugin_window_state::Builder::new().with_state_flags(remembered());
    // The plugin joins its "file name" to the app's config directory, and joining an absolute
    // path replaces what it is joined to (`Path::join`): so an absolute path puts the file here.
    let builder = match state_file(data_dir) {
        Some(file) => builder.with_filename(file),
        None => {
            let data_dir = data_dir.display();
            tracing::warn!(%data_dir, "data directory not UTF-8: the window state goes to the config directory");
            builder
        }
    };
    builder.build()
}

/// `<data dir>/window-state.json` as an absolute path, for the plugin's file name; `None` when
/// the path cannot be written as UTF-8 (the plugin takes a `String`).
fn state_file(data_dir: &Path) -> Option<String> {
    let dir = std::path::absolute(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    dir.join(STATE_FILE).into_os_string().into_string().ok()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// Where the plugin puts the file, given its config directory: the plugin's own join.
    fn where_the_plugin_writes(config_dir: &Path, file_name: &str) -> PathBuf {
        config_dir.join(file_name)
    }

    #[test]
    fn the_state_file_lives_in_the_data_directory_not_the_config_directory() {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let file = state_file(data_dir.path()).expect("a UTF-8 temp path");
        assert_eq!(
            where_the_plugin_writes(Path::new("/home/ada/.config/com.bailiwick.desktop"), &file),
            data_dir.path().join(STATE_FILE),
            "an absolute file name replaces the plugin's config directory"
        );
    }

    #[test]
    fn a_relative_data_directory_still_gives_an_absolute_state_file() {
        let file = PathBuf::from(state_file(Path::new("relative/data")).expect("UTF-8"));
        assert!(file.is_absolute(), "{} would land in the config directory", file.display());
        assert!(file.ends_with("relative/data/window-state.json"), "{}", file.display());
    }

    #[test]
    fn visibility_is_not_remembered() {
        let flags = remembered();
        assert!(flags.contains(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED));
        assert!(!flags.contains(StateFlags::VISIBLE), "a window saved hidden must not reopen hidden");
        assert!(!flags.intersects(StateFlags::FULLSCREEN | StateFlags::DECORATIONS));
    }
}
