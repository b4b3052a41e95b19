//! The workspace's audit log: list, verify, export (DESIGN.md, "Audit").

use super::Workspace;
use crate::audit::{AuditEntry, Verification};
use crate::cache::AuditQuery;
use crate::error::Error;
use crate::operation::Operation;

impl Workspace {
    pub fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, Error> {
        self.read_cache()?.audit_entries(query)
    }

    /// The newest `last` entries about the user `user_name` and their grants `grant_ids`
    /// (oldest first): the user detail's history.
    pub fn user_history(&self, user_name: &str, grant_ids: &[&str], last: usize) -> Result<Vec<AuditEntry>, Error> {
        let mut entries = self.audit(&AuditQuery::default())?;
        entries.retain(|entry| Operation::target_concerns(&entry.target, user_name, grant_ids));
        let skip = entries.len().saturating_sub(last);
        entries.drain(..skip);
        Ok(entries)
    }

    /// The directory's own audit events (newest `last`, oldest first), to show beside the local
    /// log; `Ok(None)` when the directory offers none.
    pub async fn server_audit(&self, last: u32) -> Result<Option<Vec<serde_json::Value>>, Error> {
        let (token, _) = self.access("reading the directory's audit events").await?;
        let events = self.scim_client().audit_events(&token, last).await;
        self.network(events)
    }

    /// Checks the hash chain; `Err(Error::Integrity)` names every break.
    pub fn verify_audit(&self) -> Result<Verification, Error> {
        let verification = self.read_cache()?.verify_audit()?;
        if verification.intact {
            Ok(verification)
        } else {
            Err(Error::Integrity(format!("the audit log was tampered with: {}", verification.problems.join("; "))))
        }
    }
}
