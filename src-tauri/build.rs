/// The app's own commands. Listing them makes Tauri generate `allow-<command>` permissions and
/// enforce the capability files for them too: a command no capability names cannot be called
/// from the webview, so src-tauri/capabilities/default.json is the complete list of what the
/// UI may do.
const COMMANDS: &[&str] = &[
    "resume_workspace",
    "open_demo_workspace",
    "open_profile_workspace",
    "sign_in",
    "sign_out",
    "get_status",
    "sync_directory",
    "list_users",
];

fn main() {
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        // A build script reports failure by panicking; the message is what cargo shows.
        panic!("tauri-build failed: {error:#}");
    }
}
