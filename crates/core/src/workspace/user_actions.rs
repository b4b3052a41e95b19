//! What the signed-in admin may do to one user now, each action with the rule that forbids it.
//!
//! The user detail shows every action, the forbidden ones disabled with their rule and remedy,
//! so an admin learns before trying. The answers come from the same checks a change meets when
//! it is recorded (`checks::check` on the cache's facts); nothing is recorded or audited here.

use chrono::{TimeDelta, Utc};
use serde::Serialize;
use tracing::instrument;

use super::operations::ledger_cannot_hold_approval;
use super::Workspace;
use crate::checks;
use crate::error::Error;
use crate::grant::GrantMode;
use crate::operation::{Operation, UserRef};
use crate::policy::{Refusal, Rule};
use crate::scope::BuPath;

/// Whether one action is allowed, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    pub allowed: bool,
    /// Allowed, but the change waits for a second admin's approval (a grant of such a role).
    pub needs_approval: bool,
    /// The rule that forbids the action, with its message and remedy; `None` when allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub refusal: Option<Refusal>,
}

impl Permission {
    fn of(verdict: Result<crate::policy::Verdict, Refusal>) -> Self {
        match verdict {
            Ok(verdict) => Self { allowed: true, needs_approval: verdict.needs_approval, refusal: None },
            Err(refusal) => Self { allowed: false, needs_approval: false, refusal: Some(refusal) },
        }
    }
}

/// The actions on one role of the catalog for this user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RoleActions {
    pub role: String,
    /// The user holds the role by assignment.
    pub held: bool,
    /// Assign it (when not held).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub assign: Option<Permission>,
    /// Remove the assignment (when held).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub remove: Option<Permission>,
    /// Issue a time-bound grant of it, in the user's BU, starting now and as short as a day:
    /// the rules that depend on the chosen window are checked again in the grant form.
    pub issue_grant: Permission,
}

/// Everything the admin may do to a user, as the cache knows them now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UserActions {
    /// Disable an active user, or enable a disabled one.
    pub set_active: Permission,
    /// Edit the user's attributes (their BU staying where it is).
    pub edit: Permission,
    /// One entry per role of the profile's catalog, in catalog order.
    pub roles: Vec<RoleActions>,
}

impl Workspace {
    /// What the signed-in admin may do to `user` (id or userName) now.
    #[instrument(skip_all)]
    pub fn user_actions(&self, user: &str) -> Result<UserActions, Error> {
        let admin = self.recording_admin()?;
        let ledger = self.grant_mode()? == GrantMode::Ledger;
        let catalog = self.profile.catalog();
        let now = Utc::now();
        // Held to the end: one consistent view of the user (taken after the calls above, which
        // read the cache themselves).
        let cache = self.read_cache()?;
        let row = cache
            .user(user)?
            .ok_or_else(|| Error::NotFound(format!("no user {user} in your business units (as last synced)")))?;
        let facts = checks::Facts::User(checks::user_facts(&cache, &row, now)?);
        let check = |operation: &Operation| Permission::of(checks::check(&admin, &catalog, operation, &facts, now));
        let user_ref = UserRef { id: Some(row.id.clone()), user_name: row.user_name.clone() };

        let set_active = check(&Operation::SetUserActive {
            user_id: row.id.clone(),
            user_name: row.user_name.clone(),
            active: !row.active,
        });
        let edit = check(&Operation::EditUser {
            user_id: row.id.clone(),
            user_name: row.user_name.clone(),
            changes: Default::default(),
        });
        let mut roles = Vec::new();
        for role in &catalog.roles {
            let held = row.roles.iter().any(|r| r.eq_ignore_ascii_case(&role.name));
            // The group's id does not change what policy says; the role's name does.
            let role_id = String::new();
            let membership = |assign: bool| {
                let (user, role, role_id) = (user_ref.clone(), role.name.clone(), role_id.clone());
                let operation = if assign {
                    Operation::AssignRole { user, role, role_id }
                } else {
                    Operation::RemoveRole { user, role, role_id }
                };
                check(&operation)
            };
            let issue_grant = match row.bu.as_deref().and_then(BuPath::parse) {
                Some(bu) => {
                    let permission = check(&Operation::IssueGrant {
                        user: user_ref.clone(),
                        role: role.name.clone(),
                        role_id: role_id.clone(),
                        bu,
                        valid_from: now,
                        valid_until: now + TimeDelta::days(1),
                        justification: String::new(),
                    });
                    if ledger && permission.needs_approval {
                        Permission::of(Err(ledger_cannot_hold_approval(&role.name)))
                    } else {
                        permission
                    }
                }
                None => Permission {
                    allowed: false,
                    needs_approval: false,
                    refusal: Some(Refusal {
                        rule: Rule::Scope,
                        message: format!("{} has no business unit to grant in", row.user_name),
                        remedy: "set the user's business unit first".into(),
                    }),
                },
            };
            roles.push(RoleActions {
                role: role.name.clone(),
                held,
                assign: (!held).then(|| membership(true)),
                remove: held.then(|| membership(false)),
                issue_grant,
            });
        }
        Ok(UserActions { set_active, edit, roles })
    }
}
