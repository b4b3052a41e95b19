//! Bailiwick's desktop shell. Everything the app does lives in bailiwick-core; this binary
//! wires the core to a window: managed state (the open workspace), thin commands, the data
//! directory, and the desktop plugins (one app per data directory, the window's size and place
//! remembered, notifications for the UI's expiry notices).

// Prevents an additional console window on Windows in release.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod current_workspace;
mod delegated_change;
#[cfg(unix)]
mod exit_on_signal;
mod freed_memory;
mod hygiene_commands;
#[cfg(test)]
mod ipc_bindings;
mod ipc_error;
mod last_workspace;
mod off_runtime;
mod operation_commands;
mod recent_workspaces;
mod review_commands;
mod running_sync;
mod sign_in_browser;
// The single-instance and window-state plugins exist for these three systems only (Cargo.toml).
#[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
mod single_instance;
#[cfg(target_os = "linux")]
mod webkit_env;
#[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
mod window_state;

use std::path::PathBuf;

use tauri::Manager;

use crate::current_workspace::CurrentWorkspace;

/// Where workspaces keep their caches; tests point it at a fresh directory.
const DATA_DIR_VAR: &str = "BAILIWICK_DATA_DIR";
/// Overrides the demo IAM's port, so parallel test runs do not clash on it.
const DEMO_PORT_VAR: &str = "BAILIWICK_DEMO_PORT";

fn main() {
    // Before any thread starts: each would get a heap of its own.
    freed_memory::one_heap();
    // First: it sets an environment variable, which is only sound before other threads start.
    #[cfg(target_os = "linux")]
    webkit_env::configure();

    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    #[cfg(target_os = "linux")]
    tracing::debug!(
        egl_kept_out = webkit_env::egl_kept_out(),
        "WebKitGTK's environment: OpenGL kept out of this process unless compositing is on"
    );

    // Resolved before the app is built: the single-instance lock and the window state are named
    // after it, and both plugins act before the setup hook (the lock before any window opens).
    let data_dir = match data_dir(std::env::var_os(DATA_DIR_VAR), bailiwick_core::profile::default_data_dir) {
        Ok(dir) => dir,
        Err(error) => {
            tracing::error!(%error, "the Bailiwick desktop app cannot start");
            std::process::exit(1);
        }
    };
    let context = tauri::generate_context!();

    let builder = tauri::Builder::default();
    // First, so that a second launch exits before anything else starts.
    #[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
    let builder = builder
        .plugin(single_instance::plugin(&context.config().identifier, &data_dir))
        .plugin(window_state::plugin(&data_dir));
    let result = builder
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| {
            let demo_port = demo_port(std::env::var(DEMO_PORT_VAR).ok())?;
            tracing::info!(data_dir = %data_dir.display(), demo_port, "starting");
            app.manage(CurrentWorkspace::new(data_dir, demo_port));
            app.manage(running_sync::RunningSync::default());
            // While WebKit starts and loads the page, open the last workspace and read its first
            // page of users: the UI's `resume_workspace` and `list_users` then find them ready.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move { handle.state::<CurrentWorkspace>().preload().await });
            #[cfg(unix)]
            exit_on_signal::exit_on_signals(app.handle());
            // While the admin reads nothing, the cache's pages go back to the system.
            tauri::async_runtime::spawn(freed_memory::release_while_idle(app.handle().clone()));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::resume_workspace,
            commands::restore_session,
            commands::open_demo_workspace,
            commands::open_profile_workspace,
            commands::sign_in,
            commands::sign_out,
            commands::forget_workspace,
            commands::list_recent_workspaces,
            commands::cancel_sync,
            commands::get_status,
            commands::sync_directory,
            commands::list_users,
            commands::list_business_units,
            operation_commands::get_user,
            operation_commands::list_roles,
            operation_commands::set_user_active,
            operation_commands::assign_role,
            operation_commands::remove_role,
            operation_commands::issue_grant,
            operation_commands::extend_grant,
            operation_commands::revoke_grant,
            operation_commands::approve_grant,
            operation_commands::reject_grant,
            operation_commands::list_grants,
            operation_commands::get_grant_mode,
            operation_commands::list_outbox,
            operation_commands::push_outbox,
            operation_commands::list_conflicts,
            operation_commands::resolve_conflict,
            operation_commands::list_audit,
            operation_commands::verify_audit,
            operation_commands::export_audit,
            operation_commands::list_server_audit,
            operation_commands::import_csv,
            operation_commands::change_selection,
            hygiene_commands::list_findings,
            hygiene_commands::fix_finding,
            review_commands::get_review,
            review_commands::start_review,
            review_commands::decide_review,
            review_commands::submit_review,
            review_commands::export_review,
        ])
        .run(context);
    if let Err(error) = result {
        tracing::error!(%error, "the Bailiwick desktop app stopped");
        std::process::exit(1);
    }
}

/// `$BAILIWICK_DATA_DIR` when set, else the OS's data directory for Bailiwick — the CLI's too
/// (`bailiwick_core::profile::default_data_dir`), so that both see the same workspaces.
fn data_dir<E: std::fmt::Display>(
    from_env: Option<std::ffi::OsString>,
    default_data_dir: impl FnOnce() -> Result<PathBuf, E>,
) -> Result<PathBuf, String> {
    match from_env.filter(|v| !v.is_empty()) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => default_data_dir().map_err(|error| format!("no data directory ({error}): set {DATA_DIR_VAR}")),
    }
}

/// The demo IAM's port: `$BAILIWICK_DEMO_PORT` when set (a wrong value is an error, not
/// silently the default), else the sandbox's fixed demo port.
fn demo_port(from_env: Option<String>) -> Result<u16, String> {
    match from_env.filter(|v| !v.trim().is_empty()) {
        None => Ok(bailiwick_sandbox::DEMO_PORT),
        Some(raw) => match raw.trim().parse::<u16>() {
            Ok(port) if port > 0 => Ok(port),
            _ => Err(format!("{DEMO_PORT_VAR}={raw:?} is not a port number (1-65535)")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_prefers_the_environment() {
        let os_dir = PathBuf::from("/home/a/.local/share/bailiwick");
        let os_default = || Ok::<_, String>(os_dir.clone());
        assert_eq!(data_dir(Some("/tmp/x".into()), os_default), Ok(PathBuf::from("/tmp/x")));
        assert_eq!(data_dir(Some("".into()), os_default), Ok(os_dir.clone()), "an empty variable is unset");
        assert_eq!(data_dir(None, os_default), Ok(os_dir.clone()));
        assert!(data_dir(None, || Err("no home directory")).is_err());
    }

    #[test]
    fn demo_port_override_is_validated() {
        assert_eq!(demo_port(None), Ok(bailiwick_sandbox::DEMO_PORT));
        assert_eq!(demo_port(Some("50123".into())), Ok(50123));
        assert!(demo_port(Some("0".into())).is_err());
        assert!(demo_port(Some("http".into())).is_err());
    }
}
