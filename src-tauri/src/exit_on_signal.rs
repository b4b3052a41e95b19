//! The app ends as if its window were closed when the system asks it to stop (Unix): SIGTERM at
//! logout or shutdown, SIGHUP when its terminal goes, SIGINT (Ctrl+C where it was started from
//! a shell). Tauri's exit then runs as usual: the window's size and place are saved for the next
//! start (`window_state`), the demo IAM stops. Without this, the default action of each signal
//! ends the process on the spot, and the window reopens as it was before.

use tauri::{AppHandle, Runtime};
use tokio::signal::unix::{signal, SignalKind};
use tracing::{info, warn};

/// For each of the signals, a task on Tauri's runtime that exits the app when it arrives.
pub fn exit_on_signals<R: Runtime>(app: &AppHandle<R>) {
    for (kind, name) in
        [(SignalKind::terminate(), "SIGTERM"), (SignalKind::hangup(), "SIGHUP"), (SignalKind::interrupt(), "SIGINT")]
    {
        let app = app.clone();
        // Registered inside the runtime, whose driver delivers the signal.
        tauri::async_runtime::spawn(async move {
            let mut stream = match signal(kind) {
                Ok(stream) => stream,
                // The signal keeps its default action: the process ends without saving its state.
                Err(error) => return warn!(%error, signal = name, "cannot listen for the signal"),
            };
            if stream.recv().await.is_some() {
                info!(signal = name, "asked to stop: exiting as if the window were closed");
                app.exit(0);
            }
        });
    }
}
