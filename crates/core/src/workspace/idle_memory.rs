//! What the workspace keeps in memory only while the admin works.

use std::time::Duration;

use tracing::debug;

use super::Workspace;
use crate::error::Error;

impl Workspace {
    /// Frees the reader's page cache once nothing has read the cache for `idle`: the pages a
    /// search or a scroll through the table left there (up to 32 MiB; decrypted, for an
    /// encrypted cache). The next read takes its pages from the file again, a few milliseconds
    /// for a page of rows. `true` when it freed them, so that the host can hand the memory back
    /// to the system; `false` when the reader was in use, or recently, or is already empty.
    pub fn release_idle_memory(&self, idle: Duration) -> Result<bool, Error> {
        // A query holds the reader: it is not idle.
        let Ok(reader) = self.reader.try_lock() else { return Ok(false) };
        let mut used = self.reader_used.lock().unwrap_or_else(|p| p.into_inner());
        if !used.is_some_and(|at| at.elapsed() >= idle) {
            return Ok(false);
        }
        let freed = reader.release_page_cache()?;
        *used = None;
        debug!(freed_bytes = freed, "reader's page cache freed after {idle:?} idle");
        Ok(true)
    }
}
