//! Giving the system back the memory a sync freed (Linux, glibc).
//!
//! A full sync holds every page it fetched until it writes the cache: its peak is about 280 MiB
//! for 100,000 users and 1.8 GiB for a million (bench-sync). Freed, that memory stays with the
//! process: glibc keeps freed blocks in its heaps for later allocations and returns only what
//! lies at the top of a heap. bench-sync's process held 184 MiB after a sync of 100,000 users,
//! and 50 MiB once `malloc_trim` had returned the free pages. The app's process idled at 358 MiB
//! of PSS after its first sync of 100,000 users, 69 MiB after a start on the same cache
//! (scripts/measure-desktop.sh). The app then idles for hours, so after each sync, once the
//! checkpoint after it has closed the sync's connection, it has glibc return them. Windows and
//! macOS give freed memory back on their own terms; there, and with another C library, this
//! does nothing.
//!
//! The same goes for the pages the cache's reader keeps after the admin has read: a search or a
//! scroll through the table leaves up to 32 MiB of them, decrypted. Once nothing has read the
//! cache for [`IDLE`], the app frees them ([`release_while_idle`]); the next read takes its
//! pages from the file again, a few milliseconds.

use std::time::Duration;

use tauri::{AppHandle, Manager};
use tracing::warn;

use crate::current_workspace::CurrentWorkspace;

/// How long nothing must have read the cache before its reader's pages are freed.
const IDLE: Duration = Duration::from_secs(5);
/// How often the app looks.
const LOOK_EVERY: Duration = Duration::from_millis(2_500);

/// Returns the free pages of every heap to the system. It walks the heaps: run it on a blocking
/// thread.
pub fn return_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only walks glibc's own heaps, under their locks; with 0 it keeps no
    // padding at their tops.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// For as long as the app runs: frees the open workspace's reader pages once it has idled for
/// [`IDLE`], and returns them to the system.
pub async fn release_while_idle(app: AppHandle) {
    loop {
        tokio::time::sleep(LOOK_EVERY).await;
        let Some(workspace) = app.state::<CurrentWorkspace>().find().await else { continue };
        let released = tauri::async_runtime::spawn_blocking(move || {
            let freed = workspace.release_idle_memory(IDLE)?;
            if freed {
                return_free_pages();
            }
            Ok::<_, bailiwick_core::Error>(freed)
        })
        .await;
        if let Ok(Err(error)) = released {
            // The next read will say what is wrong with the cache; here it only stays in memory.
            warn!(%error, "cannot free the cache's pages");
        }
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// VmRSS of this process, in KiB.
    fn resident_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").expect("reads /proc/self/status");
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("has VmRSS");
        line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).expect("a number of KiB")
    }

    #[test]
    fn memory_freed_by_a_sync_goes_back_to_the_system() {
        // Blocks of 64 KiB, as a sync's decoded users and pages are: below glibc's threshold for
        // a mapping of their own, so they come from a heap and stay in it when freed.
        const BLOCK: usize = 64 * 1024;
        const MIB: u64 = 1024;
        let mut blocks: Vec<Vec<u8>> = (0..3_200).map(|_| vec![1u8; BLOCK]).collect();
        // The last block stays in use, above the freed ones: free alone cannot shrink the heap.
        let last = blocks.pop();
        drop(blocks);
        let freed = resident_kib();
        return_free_pages();
        let released = resident_kib();
        drop(last);
        assert!(
            freed.saturating_sub(released) >= 100 * MIB,
            "about 200 MiB freed below a block in use go back: resident {freed} KiB, then {released} KiB"
        );
    }
}
