//! CSV imports (issue 6): every row checked like a single change (cache facts, then policy),
//! reported, and, unless it is a dry run, recorded in the outbox. Rows already done or queued
//! are skipped, so running the same import again resumes it instead of doing anything twice.

use chrono::Utc;
use tracing::instrument;

use super::operations::refuse;
use super::Workspace;
use crate::bulk::{self, ImportReport, RowOutcome, RowReport};
use crate::cache::{Cache, OutboxState};
use crate::checks;
use crate::error::Error;
use crate::operation::Operation;

impl Workspace {
    /// Users to create, from CSV.
    #[instrument(skip_all, fields(dry_run))]
    pub fn import_users(&self, csv_text: &str, dry_run: bool) -> Result<ImportReport, Error> {
        let rows = bulk::parse_users(csv_text).map_err(Error::Usage)?;
        let mut report = ImportReport { dry_run, ..ImportReport::default() };
        for row in rows {
            let line = row.line;
            let new = match row.value {
                Ok(new) => new,
                Err(message) => {
                    report.add(invalid(line, String::new(), message));
                    continue;
                }
            };
            let subject = new.user_name.clone();
            let exists = {
                let cache = self.read_cache()?;
                cache.user(&new.user_name)?.is_some()
                    || queued(
                        &cache,
                        |op| matches!(op, Operation::CreateUser(n) if n.user_name.eq_ignore_ascii_case(&new.user_name)),
                    )?
            };
            if exists {
                report.add(skipped(line, subject, "the user exists or is queued for creation already"));
                continue;
            }
            report.add(self.record_row(line, subject, Operation::CreateUser(new), None, dry_run)?);
        }
        Ok(report)
    }

    /// Role assignments, from CSV.
    #[instrument(skip_all, fields(dry_run))]
    pub fn import_assignments(&self, csv_text: &str, dry_run: bool) -> Result<ImportReport, Error> {
        let rows = bulk::parse_assignments(csv_text).map_err(Error::Usage)?;
        let mut report = ImportReport { dry_run, ..ImportReport::default() };
        for row in rows {
            let line = row.line;
            let wanted = match row.value {
                Ok(a) => a,
                Err(message) => {
                    report.add(invalid(line, String::new(), message));
                    continue;
                }
            };
            let subject = format!("{} → {}", wanted.user, wanted.role);
            let (role, role_id) = match self.catalog_role(&wanted.role) {
                Ok(found) => found,
                Err(e) => {
                    report.add(invalid(line, subject, e.to_string()));
                    continue;
                }
            };
            let user = match self.user_ref(&wanted.user) {
                Ok(user) => user,
                Err(e) => {
                    report.add(invalid(line, subject, e.to_string()));
                    continue;
                }
            };
            let held = {
                let cache = self.read_cache()?;
                let member = match &user.id {
                    Some(id) => cache.is_member(&role_id, id)?,
                    None => false,
                };
                member
                    || queued(&cache, |op| {
                        matches!(op, Operation::AssignRole { user: u, role_id: r, .. }
                        if r == &role_id && u.user_name.eq_ignore_ascii_case(&user.user_name))
                    })?
            };
            if held {
                report.add(skipped(line, subject, "the user holds the role, or the assignment is queued already"));
                continue;
            }
            let op = Operation::AssignRole { user, role: role.name, role_id };
            report.add(self.record_row(line, subject, op, None, dry_run)?);
        }
        Ok(report)
    }

    /// One row of a bulk change: checked like a single change (cache facts, then policy),
    /// reported, and unless `dry_run` recorded in the outbox (with the ETag and resource it
    /// was decided on, when given). A refusal is recorded in the audit log.
    pub(super) fn record_row(
        &self,
        line: u64,
        subject: String,
        op: Operation,
        base: Option<(Option<String>, Option<serde_json::Value>)>,
        dry_run: bool,
    ) -> Result<RowReport, Error> {
        let admin = self.recording_admin()?;
        let catalog = self.profile.catalog();
        let now = Utc::now();
        let mut cache = self.read_cache()?;
        let facts = match checks::facts_of(&cache, &op, now) {
            Ok(facts) => facts,
            Err(e) => return Ok(invalid(line, subject, e.to_string())),
        };
        if let Err(refusal) = checks::check(&admin, &catalog, &op, &facts, now) {
            let message = refusal.to_string();
            if !dry_run {
                refuse(&mut cache, &admin, &op, refusal.clone(), now);
            }
            return Ok(RowReport {
                line,
                subject,
                outcome: RowOutcome::Refused,
                message,
                refusal: Some(refusal),
                change: None,
            });
        }
        if dry_run {
            return Ok(RowReport {
                line,
                subject,
                outcome: RowOutcome::Queued,
                message: format!("would queue {}", op.action()),
                refusal: None,
                change: None,
            });
        }
        let id = uuid::Uuid::new_v4().to_string();
        let (version, before) = base.unwrap_or_default();
        cache.enqueue(&id, &admin.display_name, &op, version.as_deref(), before, None, now)?;
        Ok(RowReport {
            line,
            subject,
            outcome: RowOutcome::Queued,
            message: format!("queued {}", op.action()),
            refusal: None,
            change: Some(id),
        })
    }
}

/// Whether a change matching `wanted` is still to be sent.
pub(super) fn queued(cache: &Cache, wanted: impl Fn(&Operation) -> bool) -> Result<bool, Error> {
    Ok(cache.outbox(&[OutboxState::Queued, OutboxState::Sending])?.iter().any(|e| wanted(&e.operation)))
}

pub(super) fn invalid(line: u64, subject: String, message: String) -> RowReport {
    RowReport { line, subject, outcome: RowOutcome::Invalid, message, refusal: None, change: None }
}

pub(super) fn skipped(line: u64, subject: String, message: &str) -> RowReport {
    RowReport { line, subject, outcome: RowOutcome::Skipped, message: message.to_owned(), refusal: None, change: None }
}
