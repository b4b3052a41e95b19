//! Client-side policy: whether an admin may take an action, and if not, why and what would allow it
//! (DESIGN.md, "The model", Policy).
//!
//! The IAM server stays the authority and enforces the same rules (the sandbox mirrors them in
//! `grants.rs` and `scim_write.rs`). Bailiwick checks them as well, before a change is queued in the
//! outbox and again just before it is sent, so an admin learns at once that a change cannot succeed,
//! with the rule and a remedy, instead of from a 403 minutes later.
//!
//! Everything here is a pure function of its arguments: no I/O, no clock (`now` is passed in), so the
//! rules are tested by tables of cases. Rules are checked in a fixed order and the first refusal wins,
//! so the same action always gets the same answer.
//!
//! Taking access away (removing a role, revoking a grant, disabling a user) is never blocked by
//! separation of duties, grant length or partner rules: those rules limit what a user may come to
//! hold, and refusing a removal would only keep a violation in place.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use crate::admin::{AdminContext, Capability};
use crate::grant::GrantStatus;
use crate::roles::{ConflictingRoles, Role, RoleCatalog};
use crate::scope::BuPath;
use crate::user_type::UserType;

/// The rule a refusal comes from; its kebab-case name is what the UI, the CLI and the audit log show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    Scope,
    Capability,
    NoEscalation,
    SeparationOfDuties,
    GrantLength,
    GrantWindow,
    PartnerAllowed,
    FourEyes,
    RoleCatalog,
    GrantState,
    SelfLockout,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Scope => "scope",
            Rule::Capability => "capability",
            Rule::NoEscalation => "no-escalation",
            Rule::SeparationOfDuties => "separation-of-duties",
            Rule::GrantLength => "grant-length",
            Rule::GrantWindow => "grant-window",
            Rule::PartnerAllowed => "partner-allowed",
            Rule::FourEyes => "four-eyes",
            Rule::RoleCatalog => "role-catalog",
            Rule::GrantState => "grant-state",
            Rule::SelfLockout => "self-lockout",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an action is not allowed and what would make it allowed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
#[error("{message} (rule {rule}). {remedy}")]
pub struct Refusal {
    pub rule: Rule,
    pub message: String,
    pub remedy: String,
}

impl Refusal {
    fn new(rule: Rule, message: impl Into<String>, remedy: impl Into<String>) -> Self {
        Self { rule, message: message.into(), remedy: remedy.into() }
    }
}

/// The user an action is about, as the cache knows them.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub user_name: &'a str,
    /// `None`: no BU known, which puts the user outside every scope.
    pub bu: Option<&'a BuPath>,
    pub user_type: UserType,
    /// Roles held now: assignments plus open (pending or active) grants.
    pub roles: &'a [String],
}

/// A grant an action is about.
#[derive(Debug, Clone, Copy)]
pub struct GrantFacts<'a> {
    pub role: &'a str,
    pub bu: &'a BuPath,
    pub user: Subject<'a>,
    pub requester: &'a str,
    pub status: GrantStatus,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
}

/// Something an admin asks Bailiwick to do.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    CreateUser { bu: &'a BuPath },
    EditUser { user: Subject<'a>, new_bu: Option<&'a BuPath> },
    SetUserActive { user: Subject<'a>, active: bool },
    AssignRole { user: Subject<'a>, role: &'a str },
    RemoveRole { user: Subject<'a>, role: &'a str },
    IssueGrant { user: Subject<'a>, role: &'a str, bu: &'a BuPath, from: DateTime<Utc>, until: DateTime<Utc> },
    ExtendGrant { grant: GrantFacts<'a>, until: DateTime<Utc> },
    RevokeGrant { grant: GrantFacts<'a> },
    ApproveGrant { grant: GrantFacts<'a> },
    RejectGrant { grant: GrantFacts<'a> },
}

impl Action<'_> {
    /// The capability the action needs; the same names the server checks.
    pub fn capability(&self) -> Capability {
        match self {
            Action::CreateUser { .. } | Action::EditUser { .. } | Action::SetUserActive { .. } => {
                Capability::ManageUsers
            }
            Action::AssignRole { .. } | Action::RemoveRole { .. } => Capability::ManageRoles,
            Action::IssueGrant { .. } | Action::ExtendGrant { .. } | Action::RevokeGrant { .. } => {
                Capability::IssueGrants
            }
            Action::ApproveGrant { .. } | Action::RejectGrant { .. } => Capability::ApproveGrants,
        }
    }

    /// The action's name as the audit log records it.
    pub fn name(&self) -> &'static str {
        match self {
            Action::CreateUser { .. } => "user.create",
            Action::EditUser { .. } => "user.edit",
            Action::SetUserActive { active: false, .. } => "user.disable",
            Action::SetUserActive { active: true, .. } => "user.enable",
            Action::AssignRole { .. } => "role.assign",
            Action::RemoveRole { .. } => "role.remove",
            Action::IssueGrant { .. } => "grant.issue",
            Action::ExtendGrant { .. } => "grant.extend",
            Action::RevokeGrant { .. } => "grant.revoke",
            Action::ApproveGrant { .. } => "grant.approve",
            Action::RejectGrant { .. } => "grant.reject",
        }
    }

    /// The role the action hands out or manages, which must be in the catalog. Revoking and
    /// rejecting only take access away or refuse it, so they work even for a role the catalog
    /// no longer names.
    fn catalog_role(&self) -> Option<&str> {
        match self {
            Action::AssignRole { role, .. } | Action::RemoveRole { role, .. } | Action::IssueGrant { role, .. } => {
                Some(role)
            }
            Action::ExtendGrant { grant, .. } | Action::ApproveGrant { grant } => Some(grant.role),
            _ => None,
        }
    }

    /// Whether the action gives someone a role (or more time with it), which is what escalation,
    /// partner and separation-of-duties rules are about.
    fn confers_role(&self) -> bool {
        matches!(
            self,
            Action::AssignRole { .. }
                | Action::IssueGrant { .. }
                | Action::ExtendGrant { .. }
                | Action::ApproveGrant { .. }
        )
    }
}

/// What an allowed action leads to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    /// The action is an issued grant of a role that needs approval: it will wait, pending, for a
    /// second admin with `approve-grants`.
    pub needs_approval: bool,
}

/// Checks every rule for `action` by `admin` at `now`. The first refusal wins, in this order:
/// capability, scope, role-catalog, no-escalation, grant-state, four-eyes, self-lockout,
/// partner-allowed, grant-window, grant-length, separation-of-duties.
pub fn check(
    admin: &AdminContext,
    catalog: &RoleCatalog,
    action: &Action<'_>,
    now: DateTime<Utc>,
) -> Result<Verdict, Refusal> {
    check_capability(admin, action)?;
    check_scope(admin, action)?;
    let role = match action.catalog_role() {
        Some(name) => Some(catalog_role(catalog, name)?),
        None => None,
    };
    if let Some(role) = role.filter(|_| action.confers_role()) {
        check_no_escalation(admin, role)?;
    }
    check_grant_state(action, now)?;
    check_four_eyes(admin, action)?;
    check_self_lockout(admin, role, action)?;
    if let Some(role) = role {
        check_partner_allowed(role, action)?;
    }
    check_grant_window(action, now)?;
    if let Some(role) = role {
        check_grant_length(role, action)?;
        check_separation_of_duties(catalog, role, action)?;
    }
    Ok(Verdict {
        needs_approval: matches!(action, Action::IssueGrant { .. }) && role.is_some_and(|r| r.needs_approval),
    })
}

/// Separation-of-duties pairs among roles a user already holds (reported for existing access, e.g.
/// in reviews and the user detail). Each declared pair at most once, in catalog order.
pub fn separation_conflicts<'c>(catalog: &'c RoleCatalog, roles: &[String]) -> Vec<&'c ConflictingRoles> {
    let holds = |name: &str| roles.iter().any(|r| r.trim().eq_ignore_ascii_case(name.trim()));
    catalog
        .separation_of_duties
        .iter()
        // A pair of a role with itself is a profile mistake (`RoleCatalog::problems`), not a conflict.
        .filter(|pair| !pair.roles[0].trim().eq_ignore_ascii_case(pair.roles[1].trim()))
        .filter(|pair| holds(&pair.roles[0]) && holds(&pair.roles[1]))
        .collect()
}

fn check_capability(admin: &AdminContext, action: &Action<'_>) -> Result<(), Refusal> {
    let capability = action.capability();
    if admin.can(capability) {
        return Ok(());
    }
    Err(Refusal::new(
        Rule::Capability,
        format!(
            "{} needs the {} capability, which {} does not hold",
            action.name(),
            capability.as_str(),
            admin.display_name
        ),
        format!("Central IT grants capabilities: ask them for {} in your business units.", capability.as_str()),
    ))
}

/// The BUs an action touches, each with what it is, for the message.
fn business_units<'a>(action: &Action<'a>) -> Vec<(String, Option<&'a BuPath>)> {
    let user_bu = |user: &Subject<'a>| (format!("user {}", user.user_name), user.bu);
    match action {
        Action::CreateUser { bu } => vec![("the new user".to_owned(), Some(*bu))],
        Action::EditUser { user, new_bu } => {
            let mut bus = vec![user_bu(user)];
            if let Some(new_bu) = new_bu {
                bus.push(("the new business unit".to_owned(), Some(*new_bu)));
            }
            bus
        }
        Action::SetUserActive { user, .. } | Action::AssignRole { user, .. } | Action::RemoveRole { user, .. } => {
            vec![user_bu(user)]
        }
        Action::IssueGrant { user, bu, .. } => vec![user_bu(user), ("the grant".to_owned(), Some(*bu))],
        // As on the server, a grant is governed by its own BU: the user may since have moved, and
        // whoever administers the grant's BU must still be able to end it.
        Action::ExtendGrant { grant, .. }
        | Action::RevokeGrant { grant }
        | Action::ApproveGrant { grant }
        | Action::RejectGrant { grant } => vec![(format!("the grant of {}", grant.role), Some(grant.bu))],
    }
}

fn check_scope(admin: &AdminContext, action: &Action<'_>) -> Result<(), Refusal> {
    let scopes = if admin.bu_scopes.is_empty() {
        "none".to_owned()
    } else {
        admin.bu_scopes.paths().iter().map(BuPath::as_str).collect::<Vec<_>>().join(", ")
    };
    for (what, bu) in business_units(action) {
        match bu {
            Some(bu) if admin.bu_scopes.covers(bu) => {}
            Some(bu) => {
                return Err(Refusal::new(
                    Rule::Scope,
                    format!("{what} is in {bu}, outside your business units ({scopes})"),
                    format!("Only an admin whose scopes cover {bu} may do this; central IT assigns scopes."),
                ))
            }
            None => {
                return Err(Refusal::new(
                    Rule::Scope,
                    format!("{what} has no business unit, so it is outside your business units ({scopes})"),
                    "Have the user's business unit set in the directory by an admin who may, then sync.",
                ))
            }
        }
    }
    Ok(())
}

fn catalog_role<'c>(catalog: &'c RoleCatalog, name: &str) -> Result<&'c Role, Refusal> {
    catalog.role(name).ok_or_else(|| {
        Refusal::new(
            Rule::RoleCatalog,
            format!("{name:?} is not a role of the profile's role catalog, and Bailiwick manages only catalog roles"),
            "Pick a role from the catalog, or ask central IT to add this group to the profile's role catalog.",
        )
    })
}

fn check_no_escalation(admin: &AdminContext, role: &Role) -> Result<(), Refusal> {
    let missing: Vec<&str> = role.confers.iter().filter(|c| !admin.can(**c)).map(|c| c.as_str()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Refusal::new(
        Rule::NoEscalation,
        format!(
            "{} confers {}, which {} does not hold: nobody hands out more power than they have",
            role.name,
            missing.join(", "),
            admin.display_name
        ),
        format!(
            "Ask an admin who holds {} to do this, or central IT to grant you those capabilities.",
            missing.join(", ")
        ),
    ))
}

/// The status a grant has at `now`: an active grant past its end is expired even before a sync
/// or a sweep has told the cache (the same reading as `Grant::status_at`).
fn status_at(grant: &GrantFacts<'_>, now: DateTime<Utc>) -> GrantStatus {
    match grant.status {
        GrantStatus::Active if now >= grant.valid_until => GrantStatus::Expired,
        other => other,
    }
}

fn check_grant_state(action: &Action<'_>, now: DateTime<Utc>) -> Result<(), Refusal> {
    let (grant, allowed, verb): (&GrantFacts<'_>, &[GrantStatus], &str) = match action {
        Action::ApproveGrant { grant } => (grant, &[GrantStatus::Pending], "approved"),
        Action::RejectGrant { grant } => (grant, &[GrantStatus::Pending], "rejected"),
        Action::ExtendGrant { grant, .. } => (grant, &[GrantStatus::Pending, GrantStatus::Active], "extended"),
        Action::RevokeGrant { grant } => (grant, &[GrantStatus::Pending, GrantStatus::Active], "revoked"),
        _ => return Ok(()),
    };
    let status = status_at(grant, now);
    if allowed.contains(&status) {
        return Ok(());
    }
    let allowed = allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or ");
    Err(Refusal::new(
        Rule::GrantState,
        format!(
            "the grant of {} to {} is {status}; only a {allowed} grant can be {verb}",
            grant.role, grant.user.user_name
        ),
        "Sync to see the grant's current state; to give the access again, issue a new grant.",
    ))
}

fn check_four_eyes(admin: &AdminContext, action: &Action<'_>) -> Result<(), Refusal> {
    let grant = match action {
        Action::ApproveGrant { grant } | Action::RejectGrant { grant } => grant,
        _ => return Ok(()),
    };
    if !is_admin(admin, grant.requester) {
        return Ok(());
    }
    Err(Refusal::new(
        Rule::FourEyes,
        format!("{} requested this grant of {}, so may not approve or reject it", grant.requester, grant.role),
        "Another admin with approve-grants in this business unit must decide on it (four eyes).",
    ))
}

/// Whether `name` (a userName or a requester) is the admin: their display name or subject.
fn is_admin(admin: &AdminContext, name: &str) -> bool {
    let name = name.trim();
    name.eq_ignore_ascii_case(admin.display_name.trim()) || name.eq_ignore_ascii_case(admin.subject.trim())
}

/// An admin may not lock themselves out mid-change, with nobody signed in to undo it: disable
/// their own account, or take from themselves a role that confers capabilities (the power to
/// give it back may be among them).
fn check_self_lockout(admin: &AdminContext, role: Option<&Role>, action: &Action<'_>) -> Result<(), Refusal> {
    match action {
        Action::SetUserActive { user, active: false } if is_admin(admin, user.user_name) => Err(Refusal::new(
            Rule::SelfLockout,
            format!("{} may not disable their own account", admin.display_name),
            "Another admin of your business unit can disable it, if it must be.",
        )),
        Action::RemoveRole { user, .. } if is_admin(admin, user.user_name) => match role {
            Some(role) if !role.confers.is_empty() => {
                let confers: Vec<&str> = role.confers.iter().map(|c| c.as_str()).collect();
                Err(Refusal::new(
                    Rule::SelfLockout,
                    format!(
                        "{} may not remove their own role {}: it confers {}, which they would lose",
                        admin.display_name,
                        role.name,
                        confers.join(", ")
                    ),
                    "Another admin of your business unit can remove it, if it must go.",
                ))
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

fn check_partner_allowed(role: &Role, action: &Action<'_>) -> Result<(), Refusal> {
    let user = match action {
        Action::AssignRole { user, .. } | Action::IssueGrant { user, .. } => user,
        _ => return Ok(()),
    };
    if user.user_type != UserType::Partner || role.partner_allowed {
        return Ok(());
    }
    Err(Refusal::new(
        Rule::PartnerAllowed,
        format!("{} is a partner and partners may not hold {}", user.user_name, role.name),
        format!("Choose a role partners may hold; central IT decides which roles allow partners ({}).", role.name),
    ))
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The grant window the action asks for: its start and its (new) end.
fn requested_window(action: &Action<'_>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    match action {
        Action::IssueGrant { from, until, .. } => Some((*from, *until)),
        Action::ExtendGrant { grant, until } => Some((grant.valid_from, *until)),
        _ => None,
    }
}

fn check_grant_window(action: &Action<'_>, now: DateTime<Utc>) -> Result<(), Refusal> {
    let Some((from, until)) = requested_window(action) else {
        return Ok(());
    };
    let problem = if until <= from {
        format!("the grant would end ({}) before it starts ({})", rfc3339(until), rfc3339(from))
    } else if until <= now {
        format!("the grant would end ({}) in the past (now is {})", rfc3339(until), rfc3339(now))
    } else {
        return Ok(());
    };
    Err(Refusal::new(
        Rule::GrantWindow,
        problem,
        format!("Choose an end after both {} and now.", rfc3339(from.max(now))),
    ))
}

fn check_grant_length(role: &Role, action: &Action<'_>) -> Result<(), Refusal> {
    let Some((from, until)) = requested_window(action) else {
        return Ok(());
    };
    // A limit too large for chrono to represent is no limit at all.
    let Some(latest) = TimeDelta::try_days(i64::from(role.max_grant_days)).and_then(|max| from.checked_add_signed(max))
    else {
        return Ok(());
    };
    if until <= latest {
        return Ok(());
    }
    Err(Refusal::new(
        Rule::GrantLength,
        format!(
            "a grant of {} may last at most {} days, and this one would end {}",
            role.name,
            role.max_grant_days,
            rfc3339(until)
        ),
        format!("End it at {} or earlier; a longer need is a new grant later or an assignment.", rfc3339(latest)),
    ))
}

fn check_separation_of_duties(catalog: &RoleCatalog, role: &Role, action: &Action<'_>) -> Result<(), Refusal> {
    let user = match action {
        Action::AssignRole { user, .. } | Action::IssueGrant { user, .. } => user,
        Action::ApproveGrant { grant } => &grant.user,
        _ => return Ok(()),
    };
    let conflicts: Vec<(&str, &ConflictingRoles)> = user
        .roles
        .iter()
        .map(|held| held.trim())
        .filter(|held| !held.eq_ignore_ascii_case(role.name.trim()))
        .flat_map(|held| catalog.conflicts_between(&role.name, held).map(move |pair| (held, pair)))
        .collect();
    if conflicts.is_empty() {
        return Ok(());
    }
    let reasons: Vec<String> =
        conflicts.iter().map(|(held, pair)| format!("{} conflicts with {held}: {}", role.name, pair.reason)).collect();
    let others: Vec<&str> = conflicts.iter().map(|(held, _)| *held).collect();
    Err(Refusal::new(
        Rule::SeparationOfDuties,
        format!("{} already holds a role that conflicts with {} ({})", user.user_name, role.name, reasons.join("; ")),
        format!("Remove {} from {} first, then try again.", others.join(" and "), user.user_name),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::Scopes;

    fn bu(path: &str) -> BuPath {
        BuPath::parse(path).expect("a valid test path")
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("a valid test time").with_timezone(&Utc)
    }

    fn role(name: &str, max_grant_days: u32) -> Role {
        Role {
            name: name.into(),
            description: None,
            sensitivity: crate::roles::Sensitivity::Low,
            partner_allowed: true,
            max_grant_days,
            needs_approval: false,
            confers: Vec::new(),
        }
    }

    /// Viewer (90 days), Content Author (30 days), Compliance Reviewer (30 days, no partners,
    /// needs approval, conflicts with Content Author), User Admin (7 days, confers manage-users).
    fn catalog() -> RoleCatalog {
        RoleCatalog {
            roles: vec![
                role("Viewer", 90),
                role("Content Author", 30),
                Role { partner_allowed: false, needs_approval: true, ..role("Compliance Reviewer", 30) },
                Role { confers: vec![Capability::ManageUsers], ..role("User Admin", 7) },
            ],
            separation_of_duties: vec![ConflictingRoles {
                roles: ["Content Author".into(), "Compliance Reviewer".into()],
                reason: "authors may not approve their own content".into(),
            }],
        }
    }

    fn admin(subject: &str, name: &str, scopes: &[&str], capabilities: &[Capability]) -> AdminContext {
        AdminContext {
            subject: subject.into(),
            display_name: name.into(),
            bu_scopes: Scopes::new(scopes.iter().map(|s| bu(s)).collect()),
            capabilities: capabilities.to_vec(),
        }
    }

    fn subject<'a>(name: &'a str, bu: Option<&'a BuPath>, user_type: UserType, roles: &'a [String]) -> Subject<'a> {
        Subject { user_name: name, bu, user_type, roles }
    }

    fn names(roles: &[&str]) -> Vec<String> {
        roles.iter().map(|r| (*r).to_owned()).collect()
    }

    const NOW: &str = "2026-03-01T12:00:00Z";

    /// Every case of the table, built over the values it borrows.
    struct Fixtures {
        emea: BuPath,
        emea_de: BuPath,
        emea_fr: BuPath,
        emeax: BuPath,
        amer: BuPath,
        none: Vec<String>,
        viewer: Vec<String>,
        author: Vec<String>,
        reviewer: Vec<String>,
        both: Vec<String>,
        ada: AdminContext,
        limited: AdminContext,
        approver_only: AdminContext,
        nobody: AdminContext,
    }

    fn fixtures() -> Fixtures {
        Fixtures {
            emea: bu("EMEA"),
            emea_de: bu("EMEA/DE"),
            emea_fr: bu("EMEA/FR"),
            emeax: bu("EMEAX"),
            amer: bu("AMER/US"),
            none: Vec::new(),
            viewer: names(&["Viewer"]),
            author: names(&["content author"]),
            reviewer: names(&["Compliance Reviewer"]),
            both: names(&["Content Author", "Compliance Reviewer"]),
            ada: admin("sub-ada", "ada", &["EMEA"], &Capability::ALL),
            limited: admin("sub-lee", "lee", &["EMEA/DE"], &[Capability::ManageRoles, Capability::IssueGrants]),
            approver_only: admin("sub-pat", "pat", &["EMEA"], &[Capability::ApproveGrants]),
            nobody: admin("sub-nil", "nil", &["EMEA"], &[]),
        }
    }

    type Case<'a> = (&'static str, &'a AdminContext, Action<'a>, Result<bool, Rule>);

    fn cases(f: &Fixtures) -> Vec<Case<'_>> {
        let now = at(NOW);
        let day = TimeDelta::days(1);
        let days = TimeDelta::days;
        let second = TimeDelta::seconds(1);
        let emp = |roles| subject("eve", Some(&f.emea_de), UserType::Employee, roles);
        let partner = |roles| subject("pia", Some(&f.emea_de), UserType::Partner, roles);
        let grant = |role, status, requester, user| GrantFacts {
            role,
            bu: &f.emea_de,
            user,
            requester,
            status,
            valid_from: now - day,
            valid_until: now + days(10),
        };
        let issue = |user, role, from, until| Action::IssueGrant { user, role, bu: &f.emea_de, from, until };
        use GrantStatus::{Active, Expired, Pending, Rejected, Revoked};
        use Rule::*;
        vec![
            // capability
            ("create user without manage-users", &f.limited, Action::CreateUser { bu: &f.emea_de }, Err(Capability)),
            ("create user with manage-users", &f.ada, Action::CreateUser { bu: &f.emea_de }, Ok(false)),
            (
                "disable user without manage-users",
                &f.nobody,
                Action::SetUserActive { user: emp(&f.none), active: false },
                Err(Capability),
            ),
            (
                "assign role without manage-roles",
                &f.nobody,
                Action::AssignRole { user: emp(&f.none), role: "Viewer" },
                Err(Capability),
            ),
            (
                "assign role with manage-roles",
                &f.limited,
                Action::AssignRole { user: emp(&f.none), role: "Viewer" },
                Ok(false),
            ),
            (
                "approve without approve-grants",
                &f.limited,
                Action::ApproveGrant { grant: grant("Viewer", Pending, "bob", emp(&f.none)) },
                Err(Capability),
            ),
            (
                "revoke with approve-grants only",
                &f.approver_only,
                Action::RevokeGrant { grant: grant("Viewer", Active, "bob", emp(&f.none)) },
                Err(Capability),
            ),
            (
                "approve with approve-grants only",
                &f.approver_only,
                Action::ApproveGrant { grant: grant("Viewer", Pending, "bob", emp(&f.none)) },
                Ok(false),
            ),
            // scope
            ("create user in EMEA under scope EMEA", &f.ada, Action::CreateUser { bu: &f.emea }, Ok(false)),
            ("create user in EMEAX under scope EMEA", &f.ada, Action::CreateUser { bu: &f.emeax }, Err(Scope)),
            (
                "edit user without a BU",
                &f.ada,
                Action::EditUser { user: subject("ned", None, UserType::Employee, &f.none), new_bu: None },
                Err(Scope),
            ),
            (
                "edit user moving them out of scope",
                &f.ada,
                Action::EditUser { user: emp(&f.none), new_bu: Some(&f.amer) },
                Err(Scope),
            ),
            (
                "edit user moving them within scope",
                &f.ada,
                Action::EditUser { user: emp(&f.none), new_bu: Some(&f.emea_fr) },
                Ok(false),
            ),
            (
                "assign role to a user in a sibling BU of the scope",
                &f.limited,
                Action::AssignRole {
                    user: subject("fay", Some(&f.emea_fr), UserType::Employee, &f.none),
                    role: "Viewer",
                },
                Err(Scope),
            ),
            (
                "issue grant in a BU outside scope to a user inside",
                &f.ada,
                Action::IssueGrant { user: emp(&f.none), role: "Viewer", bu: &f.amer, from: now, until: now + day },
                Err(Scope),
            ),
            (
                "revoke a grant whose BU is outside scope",
                &f.ada,
                Action::RevokeGrant {
                    grant: GrantFacts { bu: &f.emeax, ..grant("Viewer", Active, "bob", emp(&f.none)) },
                },
                Err(Scope),
            ),
            // role-catalog
            (
                "assign a role in another case",
                &f.ada,
                Action::AssignRole { user: emp(&f.none), role: "viewer" },
                Ok(false),
            ),
            (
                "assign a role outside the catalog",
                &f.ada,
                Action::AssignRole { user: emp(&f.none), role: "Domain Admins" },
                Err(RoleCatalog),
            ),
            (
                "remove a role outside the catalog",
                &f.ada,
                Action::RemoveRole { user: emp(&f.none), role: "Domain Admins" },
                Err(RoleCatalog),
            ),
            ("remove a catalog role", &f.ada, Action::RemoveRole { user: emp(&f.viewer), role: "Viewer" }, Ok(false)),
            (
                "revoke a grant of a role the catalog dropped",
                &f.ada,
                Action::RevokeGrant { grant: grant("Old Role", Active, "bob", emp(&f.none)) },
                Ok(false),
            ),
            // no-escalation
            (
                "assign a role conferring a capability the admin lacks",
                &f.limited,
                Action::AssignRole { user: emp(&f.none), role: "User Admin" },
                Err(NoEscalation),
            ),
            (
                "assign a role conferring a capability the admin holds",
                &f.ada,
                Action::AssignRole { user: emp(&f.none), role: "User Admin" },
                Ok(false),
            ),
            (
                "issue a grant conferring a capability the admin lacks",
                &f.limited,
                issue(emp(&f.none), "User Admin", now, now + day),
                Err(NoEscalation),
            ),
            (
                "extend a grant conferring a capability the admin lacks",
                &f.limited,
                Action::ExtendGrant { grant: grant("User Admin", Active, "bob", emp(&f.none)), until: now + days(2) },
                Err(NoEscalation),
            ),
            (
                "approve a grant conferring a capability the admin lacks",
                &f.approver_only,
                Action::ApproveGrant { grant: grant("User Admin", Pending, "bob", emp(&f.none)) },
                Err(NoEscalation),
            ),
            (
                "remove a role conferring a capability the admin lacks",
                &f.limited,
                Action::RemoveRole { user: emp(&f.none), role: "User Admin" },
                Ok(false),
            ),
            // grant-state
            (
                "approve a pending grant",
                &f.ada,
                Action::ApproveGrant { grant: grant("Viewer", Pending, "bob", emp(&f.none)) },
                Ok(false),
            ),
            (
                "approve an active grant",
                &f.ada,
                Action::ApproveGrant { grant: grant("Viewer", Active, "bob", emp(&f.none)) },
                Err(GrantState),
            ),
            (
                "reject a rejected grant",
                &f.ada,
                Action::RejectGrant { grant: grant("Viewer", Rejected, "bob", emp(&f.none)) },
                Err(GrantState),
            ),
            (
                "revoke an active grant",
                &f.ada,
                Action::RevokeGrant { grant: grant("Viewer", Active, "bob", emp(&f.none)) },
                Ok(false),
            ),
            (
                "revoke a pending grant",
                &f.ada,
                Action::RevokeGrant { grant: grant("Viewer", Pending, "bob", emp(&f.none)) },
                Ok(false),
            ),
            (
                "revoke an expired grant",
                &f.ada,
                Action::RevokeGrant { grant: grant("Viewer", Expired, "bob", emp(&f.none)) },
                Err(GrantState),
            ),
            (
                "revoke an active grant that ended exactly now",
                &f.ada,
                Action::RevokeGrant {
                    grant: GrantFacts { valid_until: now, ..grant("Viewer", Active, "bob", emp(&f.none)) },
                },
                Err(GrantState),
            ),
            (
                "revoke an active grant ending one second from now",
                &f.ada,
                Action::RevokeGrant {
                    grant: GrantFacts { valid_until: now + second, ..grant("Viewer", Active, "bob", emp(&f.none)) },
                },
                Ok(false),
            ),
            (
                "extend a revoked grant",
                &f.ada,
                Action::ExtendGrant { grant: grant("Viewer", Revoked, "bob", emp(&f.none)), until: now + days(20) },
                Err(GrantState),
            ),
            // self-lockout
            (
                "disable one's own account (userName, other case)",
                &f.ada,
                Action::SetUserActive {
                    user: subject("ADA", Some(&f.emea_de), UserType::Employee, &f.none),
                    active: false,
                },
                Err(SelfLockout),
            ),
            (
                "remove one's own role that confers a capability",
                &f.ada,
                Action::RemoveRole {
                    user: subject("Ada", Some(&f.emea_de), UserType::Employee, &f.none),
                    role: "user admin",
                },
                Err(SelfLockout),
            ),
            (
                "remove one's own role that confers nothing",
                &f.ada,
                Action::RemoveRole {
                    user: subject("ada", Some(&f.emea_de), UserType::Employee, &f.viewer),
                    role: "Viewer",
                },
                Ok(false),
            ),
            (
                "remove someone else's role that confers a capability",
                &f.ada,
                Action::RemoveRole {
                    user: subject("bob", Some(&f.emea_de), UserType::Employee, &f.none),
                    role: "User Admin",
                },
                Ok(false),
            ),
            (
                "enable one's own account",
                &f.ada,
                Action::SetUserActive {
                    user: subject("ada", Some(&f.emea_de), UserType::Employee, &f.none),
                    active: true,
                },
                Ok(false),
            ),
            ("disable another user", &f.ada, Action::SetUserActive { user: emp(&f.none), active: false }, Ok(false)),
            // four-eyes
            (
                "approve a grant the admin requested (display name, other case)",
                &f.ada,
                Action::ApproveGrant { grant: grant("Viewer", Pending, "ADA", emp(&f.none)) },
                Err(FourEyes),
            ),
            (
                "approve a grant the admin requested (subject)",
                &f.ada,
                Action::ApproveGrant { grant: grant("Viewer", Pending, "sub-ada", emp(&f.none)) },
                Err(FourEyes),
            ),
            (
                "reject a grant the admin requested",
                &f.ada,
                Action::RejectGrant { grant: grant("Viewer", Pending, "ada", emp(&f.none)) },
                Err(FourEyes),
            ),
            (
                "reject a grant another admin requested",
                &f.ada,
                Action::RejectGrant { grant: grant("Viewer", Pending, "adam", emp(&f.none)) },
                Ok(false),
            ),
            (
                "revoke a grant the admin requested",
                &f.ada,
                Action::RevokeGrant { grant: grant("Viewer", Active, "ada", emp(&f.none)) },
                Ok(false),
            ),
            // partner-allowed
            (
                "assign a partner a role partners may not hold",
                &f.ada,
                Action::AssignRole { user: partner(&f.none), role: "Compliance Reviewer" },
                Err(PartnerAllowed),
            ),
            (
                "assign an employee a role partners may not hold",
                &f.ada,
                Action::AssignRole { user: emp(&f.none), role: "Compliance Reviewer" },
                Ok(false),
            ),
            (
                "grant a partner a role partners may not hold",
                &f.ada,
                issue(partner(&f.none), "Compliance Reviewer", now, now + day),
                Err(PartnerAllowed),
            ),
            (
                "grant a partner a role partners may hold",
                &f.ada,
                issue(partner(&f.none), "Viewer", now, now + day),
                Ok(false),
            ),
            (
                "remove from a partner a role partners may not hold",
                &f.ada,
                Action::RemoveRole { user: partner(&f.reviewer), role: "Compliance Reviewer" },
                Ok(false),
            ),
            // grant-window
            (
                "issue a grant ending when it starts",
                &f.ada,
                issue(emp(&f.none), "Viewer", now + day, now + day),
                Err(GrantWindow),
            ),
            (
                "issue a grant ending one second after it starts",
                &f.ada,
                issue(emp(&f.none), "Viewer", now + day, now + day + second),
                Ok(false),
            ),
            (
                "issue a backdated grant ending now",
                &f.ada,
                issue(emp(&f.none), "Viewer", now - day, now),
                Err(GrantWindow),
            ),
            (
                "issue a backdated grant ending one second from now",
                &f.ada,
                issue(emp(&f.none), "Viewer", now - day, now + second),
                Ok(false),
            ),
            (
                "extend a grant to end now",
                &f.ada,
                Action::ExtendGrant { grant: grant("Viewer", Active, "bob", emp(&f.none)), until: now },
                Err(GrantWindow),
            ),
            (
                "extend a future grant to end before it starts",
                &f.ada,
                Action::ExtendGrant {
                    grant: GrantFacts { valid_from: now + days(5), ..grant("Viewer", Pending, "bob", emp(&f.none)) },
                    until: now + days(4),
                },
                Err(GrantWindow),
            ),
            (
                "shorten a grant to end one second from now",
                &f.ada,
                Action::ExtendGrant { grant: grant("Viewer", Active, "bob", emp(&f.none)), until: now + second },
                Ok(false),
            ),
            // grant-length
            (
                "issue a grant of exactly max_grant_days",
                &f.ada,
                issue(emp(&f.none), "Content Author", now, now + days(30)),
                Ok(false),
            ),
            (
                "issue a grant one second over max_grant_days",
                &f.ada,
                issue(emp(&f.none), "Content Author", now, now + days(30) + second),
                Err(GrantLength),
            ),
            (
                "extend a grant to exactly max_grant_days from its start",
                &f.ada,
                Action::ExtendGrant {
                    grant: grant("Content Author", Active, "bob", emp(&f.none)),
                    until: now - day + days(30),
                },
                Ok(false),
            ),
            (
                "extend a grant one second past max_grant_days from its start",
                &f.ada,
                Action::ExtendGrant {
                    grant: grant("Content Author", Active, "bob", emp(&f.none)),
                    until: now - day + days(30) + second,
                },
                Err(GrantLength),
            ),
            // separation-of-duties
            (
                "assign a role conflicting with one held (other case)",
                &f.ada,
                Action::AssignRole { user: emp(&f.author), role: "Compliance Reviewer" },
                Err(SeparationOfDuties),
            ),
            (
                "assign a role conflicting with none held",
                &f.ada,
                Action::AssignRole { user: emp(&f.viewer), role: "Compliance Reviewer" },
                Ok(false),
            ),
            (
                "grant a role conflicting with one held",
                &f.ada,
                issue(emp(&f.reviewer), "Content Author", now, now + day),
                Err(SeparationOfDuties),
            ),
            (
                "approve a grant conflicting with a role held",
                &f.ada,
                Action::ApproveGrant { grant: grant("Compliance Reviewer", Pending, "bob", emp(&f.author)) },
                Err(SeparationOfDuties),
            ),
            (
                "approve a grant whose own role is among those held",
                &f.ada,
                Action::ApproveGrant { grant: grant("Compliance Reviewer", Pending, "bob", emp(&f.reviewer)) },
                Ok(false),
            ),
            (
                "remove one of two conflicting roles",
                &f.ada,
                Action::RemoveRole { user: emp(&f.both), role: "Content Author" },
                Ok(false),
            ),
            (
                "revoke a grant of a user holding conflicting roles",
                &f.ada,
                Action::RevokeGrant { grant: grant("Content Author", Active, "bob", emp(&f.both)) },
                Ok(false),
            ),
            (
                "disable a user holding conflicting roles",
                &f.ada,
                Action::SetUserActive { user: emp(&f.both), active: false },
                Ok(false),
            ),
            // what an allowed action leads to
            (
                "issue a grant of a role needing approval",
                &f.ada,
                issue(emp(&f.none), "Compliance Reviewer", now, now + day),
                Ok(true),
            ),
            (
                "assign a role needing approval directly",
                &f.ada,
                Action::AssignRole { user: emp(&f.none), role: "Compliance Reviewer" },
                Ok(false),
            ),
            // the order in which rules are checked
            (
                "no capability outranks four eyes",
                &f.limited,
                Action::ApproveGrant { grant: grant("Viewer", Pending, "lee", emp(&f.none)) },
                Err(Capability),
            ),
            (
                "scope outranks role catalog",
                &f.ada,
                Action::AssignRole { user: subject("al", Some(&f.amer), UserType::Employee, &f.none), role: "Nope" },
                Err(Scope),
            ),
            (
                "grant state outranks four eyes",
                &f.ada,
                Action::ApproveGrant { grant: grant("Viewer", Active, "ada", emp(&f.none)) },
                Err(GrantState),
            ),
            (
                "partner outranks separation of duties",
                &f.ada,
                Action::AssignRole { user: partner(&f.author), role: "Compliance Reviewer" },
                Err(PartnerAllowed),
            ),
            (
                "grant length outranks separation of duties",
                &f.ada,
                issue(emp(&f.reviewer), "Content Author", now, now + days(31)),
                Err(GrantLength),
            ),
        ]
    }

    #[test]
    fn every_case_gets_the_expected_verdict_or_rule() {
        let f = fixtures();
        let catalog = catalog();
        let mut failures = Vec::new();
        for (name, admin, action, expected) in cases(&f) {
            let got = check(admin, &catalog, &action, at(NOW)).map(|v| v.needs_approval).map_err(|r| r.rule);
            if got != expected {
                failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "cases with the wrong outcome:\n{}", failures.join("\n"));
    }

    #[test]
    fn every_rule_refuses_a_case_and_allows_a_neighbour() {
        let f = fixtures();
        let refused: Vec<Rule> = cases(&f).into_iter().filter_map(|(_, _, _, expected)| expected.err()).collect();
        let all = [
            Rule::Scope,
            Rule::Capability,
            Rule::NoEscalation,
            Rule::SeparationOfDuties,
            Rule::GrantLength,
            Rule::GrantWindow,
            Rule::PartnerAllowed,
            Rule::FourEyes,
            Rule::RoleCatalog,
            Rule::GrantState,
        ];
        for rule in all {
            assert!(refused.contains(&rule), "the table has no case refused by {rule}");
        }
        let allowed = cases(&f).into_iter().filter(|(_, _, _, expected)| expected.is_ok()).count();
        assert!(allowed >= all.len(), "each rule needs an allowed neighbour; only {allowed} allowed cases");
    }

    #[test]
    fn every_refusal_names_its_rule_and_a_remedy() {
        let f = fixtures();
        let catalog = catalog();
        for (name, admin, action, _) in cases(&f) {
            let Err(refusal) = check(admin, &catalog, &action, at(NOW)) else {
                continue;
            };
            assert!(!refusal.message.trim().is_empty(), "{name}: a refusal must say what is wrong");
            assert!(!refusal.remedy.trim().is_empty(), "{name}: a refusal must say what would allow it");
            let shown = refusal.to_string();
            assert!(
                shown.contains(&format!("(rule {})", refusal.rule.as_str())),
                "{name}: the displayed refusal must name its rule: {shown}"
            );
            let json = serde_json::to_value(&refusal).expect("a refusal serializes");
            assert_eq!(json["rule"], refusal.rule.as_str(), "{name}: the JSON rule is the kebab-case name");
        }
    }

    #[test]
    fn refusals_carry_the_facts_an_admin_needs() {
        let f = fixtures();
        let catalog = catalog();
        let now = at(NOW);
        let refuse = |admin: &AdminContext, action: Action<'_>| {
            check(admin, &catalog, &action, now).expect_err("the case is refused")
        };

        let scope = refuse(&f.ada, Action::CreateUser { bu: &f.emeax });
        assert!(scope.message.contains("EMEAX") && scope.message.contains("(EMEA)"), "BU and scopes: {scope}");

        let escalation = refuse(
            &f.limited,
            Action::AssignRole {
                user: subject("eve", Some(&f.emea_de), UserType::Employee, &f.none),
                role: "User Admin",
            },
        );
        assert!(escalation.message.contains("manage-users"), "the missing capability is named: {escalation}");

        let capability = refuse(&f.nobody, Action::CreateUser { bu: &f.emea_de });
        assert!(
            capability.remedy.contains("manage-users") && capability.remedy.contains("Central IT"),
            "who grants which capability: {capability}"
        );

        let length = refuse(
            &f.ada,
            Action::IssueGrant {
                user: subject("eve", Some(&f.emea_de), UserType::Employee, &f.none),
                role: "Content Author",
                bu: &f.emea_de,
                from: now,
                until: now + TimeDelta::days(40),
            },
        );
        assert!(length.message.contains("30 days"), "the maximum is named: {length}");
        assert!(length.remedy.contains("2026-03-31T12:00:00Z"), "the latest allowed end, RFC 3339: {length}");

        let sod = refuse(
            &f.ada,
            Action::AssignRole {
                user: subject("eve", Some(&f.emea_de), UserType::Employee, &f.author),
                role: "Compliance Reviewer",
            },
        );
        assert!(
            sod.message.contains("Compliance Reviewer")
                && sod.message.contains("content author")
                && sod.message.contains("authors may not approve their own content"),
            "both roles and the reason: {sod}"
        );
        assert!(sod.remedy.contains("Remove content author"), "remove the other role first: {sod}");

        let state = refuse(
            &f.ada,
            Action::ApproveGrant {
                grant: GrantFacts {
                    role: "Viewer",
                    bu: &f.emea_de,
                    user: subject("eve", Some(&f.emea_de), UserType::Employee, &f.none),
                    requester: "bob",
                    status: GrantStatus::Revoked,
                    valid_from: now,
                    valid_until: now + TimeDelta::days(1),
                },
            },
        );
        assert!(state.message.contains("is revoked"), "the current status is said: {state}");
    }

    #[test]
    fn actions_are_named_and_need_the_servers_capabilities() {
        let f = fixtures();
        let user = subject("eve", Some(&f.emea_de), UserType::Employee, &f.none);
        let named = [
            (Action::CreateUser { bu: &f.emea }, "user.create", Capability::ManageUsers),
            (Action::EditUser { user, new_bu: None }, "user.edit", Capability::ManageUsers),
            (Action::SetUserActive { user, active: false }, "user.disable", Capability::ManageUsers),
            (Action::SetUserActive { user, active: true }, "user.enable", Capability::ManageUsers),
            (Action::AssignRole { user, role: "Viewer" }, "role.assign", Capability::ManageRoles),
            (Action::RemoveRole { user, role: "Viewer" }, "role.remove", Capability::ManageRoles),
        ];
        for (action, name, capability) in named {
            assert_eq!(action.name(), name);
            assert_eq!(action.capability(), capability, "{name}");
        }
        let grant_names: Vec<(&str, Capability)> = cases(&f)
            .iter()
            .filter(|(_, _, action, _)| action.name().starts_with("grant."))
            .map(|(_, _, action, _)| (action.name(), action.capability()))
            .collect();
        for (name, capability) in grant_names {
            let expected = if name == "grant.approve" || name == "grant.reject" {
                Capability::ApproveGrants
            } else {
                Capability::IssueGrants
            };
            assert_eq!(capability, expected, "{name}");
        }
    }

    #[test]
    fn separation_conflicts_reports_each_held_pair_once() {
        let mut catalog = catalog();
        catalog.separation_of_duties.push(ConflictingRoles {
            roles: ["Viewer".into(), "User Admin".into()],
            reason: "viewers do not administer".into(),
        });
        let reasons = |roles: &[&str]| -> Vec<String> {
            separation_conflicts(&catalog, &names(roles)).into_iter().map(|pair| pair.reason.clone()).collect()
        };
        assert_eq!(
            reasons(&["Compliance Reviewer", "content author", "Content Author", "Viewer"]),
            ["authors may not approve their own content"],
            "one pair, reported once even when a role appears twice"
        );
        assert_eq!(
            reasons(&["Content Author", "Compliance Reviewer", "Viewer", "User Admin"]),
            ["authors may not approve their own content", "viewers do not administer"],
            "every held pair, in catalog order"
        );
        assert!(reasons(&["Content Author", "Viewer"]).is_empty(), "no pair held, nothing reported");
        assert!(reasons(&[]).is_empty(), "no roles, nothing reported");
    }
}
