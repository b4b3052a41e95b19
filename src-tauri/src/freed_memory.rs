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
//! And the app's process uses one glibc heap, not one per thread that ever allocated ([`one_heap`]):
//! its threads (Tauri's runtime, the blocking pool the cache reads run on, GTK's) are idle nearly
//! all the time, and each heap of their own kept free pages and fragments that `malloc_trim`
//! cannot give back. With one heap the app's process idles 1.5–2 MiB smaller with 100,000
//! cached users, and its first sync of them takes as long (scripts/measure-desktop.sh).
//!
//! The same goes for the pages the cache's reader keeps after the admin has read: a search or a
//! scroll through the table leaves up to 32 MiB of them, decrypted. Once nothing has read the
//! cache for [`IDLE`], the app frees them ([`release_while_idle`]); the next read takes its
//! pages from the file again, a few milliseconds.

use std::time::Duration;

use tauri::{AppHandle, Manager};
use tracing::warn;

use crate::current_workspace::CurrentWorkspace;

/// How long nothing must have read the cache before its reader's pages are freed: longer than
/// the pauses of someone typing a search or scrolling, shorter than reading a screen of users.
/// Reading them again costs a few milliseconds.
const IDLE: Duration = Duration::from_secs(3);
/// How often the app looks (a lock tried and a clock read; nothing when the cache was not read).
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// Makes glibc keep one heap for the whole process. Call it first thing in `main`, before any
/// thread starts: the threads already running keep the heaps they have.
pub fn one_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` sets one of glibc's allocator parameters, under its own lock; M_ARENA_MAX
    // only limits how many heaps later threads may create.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

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

    /// How many heaps glibc keeps for this process (the `<heap nr=…>` elements of `malloc_info`).
    fn heaps() -> usize {
        let mut text: *mut libc::c_char = std::ptr::null_mut();
        let mut length: libc::size_t = 0;
        // SAFETY: open_memstream writes the buffer's address and length as the stream is
        // flushed; after fclose the buffer holds `length` bytes, ours to free.
        unsafe {
            let stream = libc::open_memstream(&mut text, &mut length);
            assert!(!stream.is_null(), "a memory stream");
            libc::malloc_info(0, stream);
            libc::fclose(stream);
            let xml = String::from_utf8_lossy(std::slice::from_raw_parts(text.cast::<u8>(), length)).into_owned();
            libc::free(text.cast());
            xml.matches("<heap nr=").count()
        }
    }

    #[test]
    fn threads_started_after_one_heap_make_no_heap_of_their_own() {
        one_heap();
        let before = heaps();
        // Eight threads allocating at the same time: without the limit, glibc gives those that
        // find every heap busy one of their own (up to eight per core).
        let all_allocating = std::sync::Arc::new(std::sync::Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let all_allocating = all_allocating.clone();
                std::thread::spawn(move || {
                    let block = std::hint::black_box(vec![1u8; 64 * 1024]);
                    all_allocating.wait();
                    drop(block);
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("the thread ends");
        }
        assert!(heaps() <= before, "no new heap: {before} before the threads, {} after", heaps());
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
