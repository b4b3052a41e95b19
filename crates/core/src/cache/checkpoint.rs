//! A sync's WAL checkpoint, run after the sync has reported instead of inside its commit.
//!
//! A commit leaves its pages in the WAL; SQLite copies them into the database file (a
//! checkpoint) once the WAL holds more than 1,000 pages, inside the commit that crossed the
//! line. After a full sync of 100,000 users that is 150 MB copied and synced to disk: 0.3 s of
//! the sync's commit, which nobody needs to wait for. Readers find the new pages in the WAL
//! until they are copied, and a process killed during a checkpoint leaves them there for the
//! next one (SQLite's own guarantee). So a sync's writer defers it, and runs it on a thread of
//! its own once the sync has reported.

use std::thread::JoinHandle;

use super::Cache;
use crate::error::Error;

impl Cache {
    /// This connection's commits leave the WAL's checkpoint to `checkpoint` (other
    /// connections' commits still run it once the WAL has grown past 1,000 pages).
    pub fn defer_checkpoints(&self) -> Result<(), Error> {
        self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        Ok(())
    }

    /// Copies into the database file every page of the WAL that no reader still needs
    /// (`PASSIVE`: it waits for neither readers nor writers; what a reader holds back is copied
    /// by a later checkpoint).
    pub fn checkpoint(&self) -> Result<(), Error> {
        let (busy, in_wal, copied): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        tracing::debug!(busy, in_wal, copied, "checkpoint");
        Ok(())
    }
}

/// `Cache::checkpoint` on a thread of its own, with the connection that deferred it; waited
/// for when dropped, so a process that exits leaves no WAL behind it.
#[derive(Debug)]
pub struct BackgroundCheckpoint {
    thread: Option<JoinHandle<()>>,
}

impl BackgroundCheckpoint {
    /// Starts checkpointing with `cache`, which is closed afterwards. Without a thread to run
    /// it on, `cache` is closed at once, and the next commit of another connection runs it.
    pub fn start(cache: Cache) -> Self {
        let run = move || {
            let _span = tracing::info_span!("checkpoint after the sync").entered();
            if let Err(error) = cache.checkpoint() {
                // The next checkpoint copies what this one did not: nothing is lost.
                tracing::warn!(%error, "the checkpoint after the sync failed");
            }
        };
        let thread = std::thread::Builder::new().name("bailiwick-checkpoint".to_owned()).spawn(run);
        if let Err(error) = &thread {
            tracing::debug!(%error, "no thread for the checkpoint: the next commit runs it");
        }
        BackgroundCheckpoint { thread: thread.ok() }
    }

    /// Waits until the checkpoint has finished.
    pub fn wait(mut self) {
        self.join();
    }

    fn join(&mut self) {
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::warn!("the checkpoint's thread panicked");
            }
        }
    }
}

impl Drop for BackgroundCheckpoint {
    fn drop(&mut self) {
        self.join();
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::Utc;

    use super::*;
    use crate::cache::{CachedUser, UserQuery};

    /// `n` users of about 4 KiB each: enough pages that a commit would checkpoint them itself.
    fn large_users(n: usize) -> Vec<CachedUser> {
        (0..n)
            .map(|i| {
                let json = serde_json::json!({"id": format!("u{i}"), "userName": format!("user{i}"), "title": "x".repeat(4096)});
                CachedUser::decode(json.to_string().into(), |_, _| None).expect("a user")
            })
            .collect()
    }

    fn file_len(path: &Path) -> u64 {
        std::fs::metadata(path).expect("the cache file").len()
    }

    /// Bytes of the database as its latest commit left it, wherever its pages are.
    fn database_len(cache: &Cache) -> u64 {
        let pages: u64 = cache.conn.query_row("PRAGMA page_count", [], |row| row.get(0)).expect("counts");
        let page_size: u64 = cache.conn.query_row("PRAGMA page_size", [], |row| row.get(0)).expect("reads");
        pages * page_size
    }

    #[test]
    fn a_deferred_checkpoint_leaves_the_sync_to_readers_in_the_wal_until_it_runs_in_the_background() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cache.sqlite");
        let mut writer = Cache::open(&path).expect("opens");
        writer.defer_checkpoints().expect("defers");
        let reader = Cache::open(&path).expect("opens a reader");
        writer.replace_directory(large_users(2_000), &[], Utc::now()).expect("writes");

        assert!(file_len(&path) < database_len(&reader), "the commit left its pages in the WAL");
        assert_eq!(reader.count_users(&UserQuery::default()).expect("counts"), 2_000, "readers see them there");

        BackgroundCheckpoint::start(writer).wait();
        assert!(file_len(&path) >= database_len(&reader), "the checkpoint copied them into the file");
        assert_eq!(reader.count_users(&UserQuery::default()).expect("counts"), 2_000);
    }
}
