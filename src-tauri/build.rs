/// The app's own commands. Listing them makes Tauri generate `allow-<command>` permissions and
/// enforce the capability files for them too: a command no capability names cannot be called
/// from the webview, so src-tauri/capabilities/default.json is the complete list of what the
/// UI may do.
const COMMANDS: &[&str] = &[
    "resume_workspace",
    "restore_session",
    "open_demo_workspace",
    "open_profile_workspace",
    "sign_in",
    "sign_out",
    "forget_workspace",
    "list_recent_workspaces",
    "get_status",
    "sync_directory",
    "cancel_sync",
    "list_users",
    "list_business_units",
    "get_user",
    "list_roles",
    "set_user_active",
    "assign_role",
    "remove_role",
    "issue_grant",
    "extend_grant",
    "revoke_grant",
    "approve_grant",
    "reject_grant",
    "list_grants",
    "get_grant_mode",
    "list_outbox",
    "push_outbox",
    "list_conflicts",
    "resolve_conflict",
    "list_audit",
    "verify_audit",
    "export_audit",
    "list_server_audit",
    "import_csv",
    "change_selection",
    "list_findings",
    "fix_finding",
    "get_review",
    "start_review",
    "decide_review",
    "submit_review",
    "export_review",
];

fn main() {
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        // A build script reports failure by panicking; the message is what cargo shows.
        panic!("tauri-build failed: {error:#}");
    }
}
