//! One change to a selection of users (the desktop's bulk select): each user checked like a
//! single change and reported row by row, the allowed ones recorded in the outbox together.
//! Users who need nothing (they hold the role, or are already disabled) or whose same change
//! is queued already are skipped, so running it again does nothing twice.

use serde::Deserialize;
use tracing::instrument;

use super::import::{invalid, queued, skipped};
use super::Workspace;
use crate::bulk::ImportReport;
use crate::error::Error;
use crate::operation::Operation;

/// The change made to every selected user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum SelectionChange {
    AssignRole { role: String },
    RemoveRole { role: String },
    SetActive { active: bool },
}

/// At most this many users in one selection change: a larger one is a CSV import's job.
pub const MAX_SELECTION: usize = 1_000;

impl Workspace {
    /// Makes `change` to each of `users` (ids or userNames); row N of the report is the Nth
    /// user. Nothing is recorded in a dry run.
    #[instrument(skip_all, fields(users = users.len(), dry_run))]
    pub fn change_selection(
        &self,
        users: &[String],
        change: &SelectionChange,
        dry_run: bool,
    ) -> Result<ImportReport, Error> {
        if users.is_empty() {
            return Err(Error::Usage("select at least one user".into()));
        }
        if users.len() > MAX_SELECTION {
            return Err(Error::Usage(format!(
                "{} users are selected; change at most {MAX_SELECTION} at once, or import a CSV",
                users.len()
            )));
        }
        // The role is the same for every row: an unknown one fails the whole change.
        let role = match change {
            SelectionChange::AssignRole { role } | SelectionChange::RemoveRole { role } => {
                Some(self.catalog_role(role)?)
            }
            SelectionChange::SetActive { .. } => None,
        };
        let mut report = ImportReport { dry_run, ..ImportReport::default() };
        for (line, user) in (1_u64..).zip(users) {
            let row = match self.cached_user(user) {
                Ok(row) => row,
                Err(e) => {
                    report.add(invalid(line, user.clone(), e.to_string()));
                    continue;
                }
            };
            let subject = row.user_name.clone();
            let cache = self.read_cache()?;
            let (op, needless) = match (change, &role) {
                (SelectionChange::AssignRole { .. }, Some((role, role_id))) => {
                    let held = cache.is_member(role_id, &row.id)?;
                    let op = Operation::AssignRole {
                        user: crate::operation::UserRef { id: Some(row.id.clone()), user_name: row.user_name.clone() },
                        role: role.name.clone(),
                        role_id: role_id.clone(),
                    };
                    (op, held.then_some("holds the role already"))
                }
                (SelectionChange::RemoveRole { .. }, Some((role, role_id))) => {
                    let held = cache.is_member(role_id, &row.id)?;
                    let op = Operation::RemoveRole {
                        user: crate::operation::UserRef { id: Some(row.id.clone()), user_name: row.user_name.clone() },
                        role: role.name.clone(),
                        role_id: role_id.clone(),
                    };
                    (op, (!held).then_some("does not hold the role"))
                }
                (SelectionChange::SetActive { active }, _) => {
                    let op = Operation::SetUserActive {
                        user_id: row.id.clone(),
                        user_name: row.user_name.clone(),
                        active: *active,
                    };
                    (
                        op,
                        (row.active == *active).then_some(if *active {
                            "is active already"
                        } else {
                            "is disabled already"
                        }),
                    )
                }
                (_, None) => continue,
            };
            if let Some(reason) = needless {
                report.add(skipped(line, subject, reason));
                continue;
            }
            if queued(&cache, |queued_op| queued_op == &op)? {
                report.add(skipped(line, subject, "the same change is queued already"));
                continue;
            }
            drop(cache);
            let base = match op {
                Operation::SetUserActive { .. } => Some(self.user_before(&row.id)?),
                _ => None,
            };
            report.add(self.record_row(line, subject, op, base, dry_run)?);
        }
        Ok(report)
    }
}
