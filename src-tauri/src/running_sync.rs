//! The sync the window started, held so that its Cancel button can stop it.

use std::sync::{Mutex, PoisonError};

use bailiwick_core::sync::SyncCancel;

#[derive(Default)]
pub struct RunningSync(Mutex<Option<SyncCancel>>);

impl RunningSync {
    /// The cancel handle of a new sync.
    pub fn begin(&self) -> SyncCancel {
        let cancel = SyncCancel::new();
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(cancel.clone());
        cancel
    }

    /// Asks the running sync, if any, to stop; it ends with a `Cancelled` error and the cache
    /// as it was.
    pub fn cancel(&self) {
        if let Some(cancel) = self.0.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            cancel.cancel();
        }
    }

    pub fn finish(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}
