//! Policy checks of an [`Operation`] against what the cache knows: the facts the pure rules of
//! [`crate::policy`] need (the user's BU, type and roles; the grant's window and requester),
//! gathered once here for both moments a change is checked: when it is made, and again just
//! before it is sent (the admin's scopes may have changed while offline).

use chrono::{DateTime, Utc};

use crate::admin::AdminContext;
use crate::cache::{Cache, UserRow};
use crate::error::Error;
use crate::grant::Grant;
use crate::operation::{Operation, UserRef};
use crate::policy::{self, Action, GrantFacts, Refusal, Subject, Verdict};
use crate::roles::RoleCatalog;
use crate::scope::BuPath;
use crate::user_type::UserType;

/// A user as the policy sees them: BU, type, and every role held or being granted.
#[derive(Debug, Clone)]
pub struct UserFacts {
    pub user_name: String,
    pub bu: Option<BuPath>,
    pub user_type: UserType,
    pub roles: Vec<String>,
}

impl UserFacts {
    fn subject(&self) -> Subject<'_> {
        Subject { user_name: &self.user_name, bu: self.bu.as_ref(), user_type: self.user_type, roles: &self.roles }
    }
}

/// What a check needs that only the cache (or a queued change) knows.
pub enum Facts {
    None,
    User(UserFacts),
    Grant(Box<Grant>, UserFacts),
}

/// The facts of `user` from the cache: its row, memberships and open grants.
pub fn user_facts(cache: &Cache, user: &UserRow, now: DateTime<Utc>) -> Result<UserFacts, Error> {
    let mut roles = user.roles.clone();
    let query = crate::cache::GrantQuery { user_id: Some(user.id.clone()), ..Default::default() };
    for grant in cache.list_grants(&query, now)? {
        if grant.status.is_open() && !roles.iter().any(|r| r.eq_ignore_ascii_case(&grant.role)) {
            roles.push(grant.role);
        }
    }
    Ok(UserFacts {
        user_name: user.user_name.clone(),
        bu: user.bu.as_deref().and_then(BuPath::parse),
        user_type: user.user_type,
        roles,
    })
}

/// The user an operation refers to, from the cache; a user only queued for creation is found
/// among the outbox's pending `CreateUser` changes.
pub fn find_user(cache: &Cache, user: &UserRef, now: DateTime<Utc>) -> Result<Option<UserFacts>, Error> {
    let row = match &user.id {
        Some(id) => cache.user(id)?,
        None => cache.user(&user.user_name)?,
    };
    if let Some(row) = row {
        return Ok(Some(user_facts(cache, &row, now)?));
    }
    for entry in cache.outbox(&[crate::cache::OutboxState::Queued, crate::cache::OutboxState::Sending])? {
        if let Operation::CreateUser(new) = &entry.operation {
            if new.user_name.eq_ignore_ascii_case(&user.user_name) {
                return Ok(Some(UserFacts {
                    user_name: new.user_name.clone(),
                    bu: Some(new.bu.clone()),
                    user_type: new.user_type,
                    roles: Vec::new(),
                }));
            }
        }
    }
    Ok(None)
}

/// The facts `operation` is checked against, read from the cache.
pub fn facts_of(cache: &Cache, operation: &Operation, now: DateTime<Utc>) -> Result<Facts, Error> {
    let user_by_id =
        |id: &str, name: &str| find_user(cache, &UserRef { id: Some(id.to_owned()), user_name: name.to_owned() }, now);
    let facts = match operation {
        Operation::CreateUser(_) => Facts::None,
        Operation::EditUser { user_id, user_name, .. } | Operation::SetUserActive { user_id, user_name, .. } => {
            match user_by_id(user_id, user_name)? {
                Some(u) => Facts::User(u),
                None => return Err(Error::NotFound(format!("no user {user_name} in the cache; run `bailiwick sync`"))),
            }
        }
        Operation::AssignRole { user, .. }
        | Operation::RemoveRole { user, .. }
        | Operation::IssueGrant { user, .. } => match find_user(cache, user, now)? {
            Some(u) => Facts::User(u),
            None => {
                return Err(Error::NotFound(format!("no user {} in the cache; run `bailiwick sync`", user.user_name)))
            }
        },
        Operation::ExtendGrant { grant_id, .. }
        | Operation::RevokeGrant { grant_id, .. }
        | Operation::ApproveGrant { grant_id, .. }
        | Operation::RejectGrant { grant_id, .. } => {
            let grant = cache
                .grant(grant_id)?
                .ok_or_else(|| Error::NotFound(format!("no grant {grant_id} in the cache; run `bailiwick sync`")))?;
            let user = user_by_id(&grant.user_id, &grant.user)?.unwrap_or_else(|| {
                // The grant's user is outside the cache (another BU's partner): the grant's own
                // BU is what scope is checked on.
                UserFacts { user_name: grant.user.clone(), bu: None, user_type: UserType::Other, roles: Vec::new() }
            });
            Facts::Grant(Box::new(grant), user)
        }
    };
    Ok(facts)
}

/// Checks `operation` by `admin` at `now` against `facts`.
pub fn check(
    admin: &AdminContext,
    catalog: &RoleCatalog,
    operation: &Operation,
    facts: &Facts,
    now: DateTime<Utc>,
) -> Result<Verdict, Refusal> {
    let action = match (operation, facts) {
        (Operation::CreateUser(new), _) => Action::CreateUser { bu: &new.bu },
        (Operation::EditUser { changes, .. }, Facts::User(u)) => {
            Action::EditUser { user: u.subject(), new_bu: changes.bu.as_ref() }
        }
        (Operation::SetUserActive { active, .. }, Facts::User(u)) => {
            Action::SetUserActive { user: u.subject(), active: *active }
        }
        (Operation::AssignRole { role, .. }, Facts::User(u)) => Action::AssignRole { user: u.subject(), role },
        (Operation::RemoveRole { role, .. }, Facts::User(u)) => Action::RemoveRole { user: u.subject(), role },
        (Operation::IssueGrant { role, bu, valid_from, valid_until, .. }, Facts::User(u)) => {
            Action::IssueGrant { user: u.subject(), role, bu, from: *valid_from, until: *valid_until }
        }
        (op, Facts::Grant(grant, user)) => {
            let facts = GrantFacts {
                role: &grant.role,
                bu: &grant.bu,
                user: user.subject(),
                requester: &grant.requester,
                status: grant.status,
                valid_from: grant.valid_from,
                valid_until: grant.valid_until,
            };
            match op {
                Operation::ExtendGrant { valid_until, .. } => Action::ExtendGrant { grant: facts, until: *valid_until },
                Operation::RevokeGrant { .. } => Action::RevokeGrant { grant: facts },
                Operation::ApproveGrant { .. } => Action::ApproveGrant { grant: facts },
                _ => Action::RejectGrant { grant: facts },
            }
        }
        // A user operation without its user's facts cannot be checked; facts_of never builds one.
        (_, _) => {
            return Err(Refusal {
                rule: policy::Rule::Scope,
                message: format!("{} is about a user the cache does not know", operation.target()),
                remedy: "sync, then try again".into(),
            })
        }
    };
    policy::check(admin, catalog, &action, now)
}
