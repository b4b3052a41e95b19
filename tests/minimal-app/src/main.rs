//! A window with one heading: Tauri, WebKitGTK and nothing of ours.

fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("minimal-tauri-app: {error}");
        std::process::exit(1);
    }
}
