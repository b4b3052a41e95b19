//! Who may come to hold a role, enforced by the server whatever the client checked (the server
//! stays the authority): no escalation (the caller holds every capability the role confers),
//! partners only on roles open to them, and no separation-of-duties pair in one person.
//! Applied to new members of a role's group and to issued grants; taking a role away is never
//! held back by these rules, except from the caller themselves when the role confers
//! capabilities (self-lockout).

use axum::http::StatusCode;

use crate::directory::UserEntry;
use crate::scim_api::{Caller, ScimRefusal};
use crate::seed;

fn role_index(group_id: &str) -> Option<usize> {
    (0..seed::ROLES.len()).find(|&i| seed::role_group_id(i) == group_id)
}

/// Refuses giving `user` the role whose group is `group_id`, when a rule forbids it. Groups that
/// are not roles of the demo organisation carry no rules.
pub fn check_new_holder(caller: &Caller, group_id: &str, user: &UserEntry) -> Result<(), ScimRefusal> {
    let Some(role) = role_index(group_id) else { return Ok(()) };
    let name = seed::ROLES[role];
    let forbidden = |detail: String| ScimRefusal::new(StatusCode::FORBIDDEN, None, detail);
    let missing: Vec<&str> =
        seed::ROLE_CONFERS[role].iter().copied().filter(|c| !caller.admin.capabilities.contains(c)).collect();
    if !missing.is_empty() {
        return Err(forbidden(format!(
            "no escalation: {name} confers {}, which {} does not hold",
            missing.join(", "),
            caller.admin.user_name
        )));
    }
    if !seed::ROLE_POLICIES[role].partner_allowed && user.resource["userType"].as_str() == Some("Partner") {
        return Err(forbidden(format!("partnerAllowed is false for {name}: partners may not hold it")));
    }
    let held: Vec<usize> = user.resource["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["value"].as_str().and_then(role_index))
        .collect();
    for (a, b, reason) in seed::SEPARATION_OF_DUTIES {
        let other = if *a == role {
            *b
        } else if *b == role {
            *a
        } else {
            continue;
        };
        if held.contains(&other) {
            return Err(forbidden(format!(
                "separation of duties: {name} and {} may not be held together ({reason})",
                seed::ROLES[other]
            )));
        }
    }
    Ok(())
}

/// Refuses taking from the caller their own role whose group is `group_id`, when the role
/// confers capabilities: they could lose the power to give it back, with nobody signed in to
/// undo it (the client's `self-lockout` rule).
pub fn check_removed_holder(caller: &Caller, group_id: &str, user: &UserEntry) -> Result<(), ScimRefusal> {
    let Some(role) = role_index(group_id) else { return Ok(()) };
    let confers = seed::ROLE_CONFERS[role];
    let own = user.resource["userName"].as_str().is_some_and(|name| name.eq_ignore_ascii_case(caller.admin.user_name));
    if !own || confers.is_empty() {
        return Ok(());
    }
    Err(ScimRefusal::new(
        StatusCode::FORBIDDEN,
        None,
        format!(
            "self-lockout: {} may not remove their own role {}: it confers {}",
            caller.admin.user_name,
            seed::ROLES[role],
            confers.join(", ")
        ),
    ))
}

/// The member ids in `requested` that `current` lacks.
pub fn added_members<'a>(current: &[String], requested: &'a [String]) -> Vec<&'a str> {
    crate::directory::membership_difference(current, requested).0.into_iter().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_new_members_are_checked() {
        let current = vec!["a".to_owned(), "b".to_owned()];
        let requested = vec!["b".to_owned(), "c".to_owned()];
        assert_eq!(added_members(&current, &requested), ["c"]);
    }
}
