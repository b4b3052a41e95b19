//! Running the core's blocking calls (SQLite reads, recording a change) on a blocking thread,
//! so a slow disk never stalls the async runtime that serves the other commands and the IPC
//! channels.

use crate::ipc_error::DesktopError;

/// Runs `job` on Tauri's blocking pool and returns its result as a desktop result.
pub async fn run_blocking<T, F>(job: F) -> Result<T, DesktopError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, bailiwick_core::Error> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(job)
        .await
        // Only a panic inside `job` gets here; report it as the failure it is, not as a crash.
        .map_err(|e| DesktopError::Core(bailiwick_core::Error::Io(std::io::Error::other(e.to_string()))))?
        .map_err(DesktopError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_error_comes_back_as_a_desktop_error() {
        let result: Result<(), DesktopError> =
            tauri::async_runtime::block_on(run_blocking(|| Err(bailiwick_core::Error::Usage("bad input".into()))));
        assert!(matches!(result, Err(DesktopError::Core(bailiwick_core::Error::Usage(_)))), "got {result:?}");
    }
}
