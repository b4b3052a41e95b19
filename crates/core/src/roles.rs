//! The role catalog: the roles a profile lets admins assign and grant, each with its policy,
//! and the pairs of roles nobody may hold together (DESIGN.md, "The model" and "Profiles").
//!
//! A role is a SCIM Group, named here by its `displayName`. Groups the catalog does not name
//! are shown but never assigned or granted through Bailiwick: central IT decides which groups
//! are roles, not whoever happens to be able to write to the directory.

use serde::{Deserialize, Serialize};

use crate::admin::Capability;

/// How much harm a role can do in the wrong hands; shown in the UI and used in review hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    Low,
    Medium,
    High,
}

impl Sensitivity {
    pub fn as_str(self) -> &'static str {
        match self {
            Sensitivity::Low => "low",
            Sensitivity::Medium => "medium",
            Sensitivity::High => "high",
        }
    }
}

/// One role of the catalog and what the organisation allows for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Role {
    /// The role's SCIM Group `displayName` (compared case-insensitively).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub description: Option<String>,
    #[serde(default = "default_sensitivity")]
    pub sensitivity: Sensitivity,
    /// Whether users of type `partner` may hold it at all.
    #[serde(default = "default_true")]
    pub partner_allowed: bool,
    /// The longest time-bound grant allowed, in days.
    #[serde(default = "default_max_grant_days")]
    pub max_grant_days: u32,
    /// Grants of this role wait for a second admin with `approve-grants` (four eyes).
    #[serde(default)]
    pub needs_approval: bool,
    /// Administrative capabilities holding this role confers (an Exstream administrator can
    /// manage users in Exstream). Only an admin who holds all of them may assign or grant the
    /// role: nobody hands out more power than they have (no escalation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confers: Vec<Capability>,
}

fn default_sensitivity() -> Sensitivity {
    Sensitivity::Low
}

fn default_true() -> bool {
    true
}

fn default_max_grant_days() -> u32 {
    90
}

/// Two roles one person must not hold together, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictingRoles {
    pub roles: [String; 2],
    pub reason: String,
}

/// The catalog as a profile declares it (`[[roles]]` and `[[separation_of_duties]]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleCatalog {
    pub roles: Vec<Role>,
    pub separation_of_duties: Vec<ConflictingRoles>,
}

impl RoleCatalog {
    /// The role named `name` (its group's displayName), in any case.
    pub fn role(&self, name: &str) -> Option<&Role> {
        let name = name.trim();
        self.roles.iter().find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// Every declared pair that `a` and `b` form (in either order).
    pub fn conflicts_between<'a>(&'a self, a: &str, b: &str) -> impl Iterator<Item = &'a ConflictingRoles> + 'a {
        let (a, b) = (a.trim().to_owned(), b.trim().to_owned());
        self.separation_of_duties.iter().filter(move |pair| {
            let [x, y] = &pair.roles;
            (x.eq_ignore_ascii_case(&a) && y.eq_ignore_ascii_case(&b))
                || (x.eq_ignore_ascii_case(&b) && y.eq_ignore_ascii_case(&a))
        })
    }

    /// Problems a profile author must fix: duplicate roles, pairs naming unknown roles or a
    /// role twice, grant limits of zero days.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (i, role) in self.roles.iter().enumerate() {
            if role.name.trim().is_empty() {
                problems.push(format!("roles[{i}] has an empty name"));
            }
            if self.roles[..i].iter().any(|r| r.name.eq_ignore_ascii_case(&role.name)) {
                problems.push(format!("role {:?} is declared twice", role.name));
            }
            if role.max_grant_days == 0 {
                problems.push(format!("role {:?}: max_grant_days must be at least 1", role.name));
            }
        }
        for pair in &self.separation_of_duties {
            let [a, b] = &pair.roles;
            if a.eq_ignore_ascii_case(b) {
                problems.push(format!("separation_of_duties pairs {a:?} with itself"));
            }
            for name in [a, b] {
                if self.role(name).is_none() {
                    problems.push(format!("separation_of_duties names {name:?}, which is not in the role catalog"));
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(name: &str) -> Role {
        Role {
            name: name.into(),
            description: None,
            sensitivity: Sensitivity::Low,
            partner_allowed: true,
            max_grant_days: 90,
            needs_approval: false,
            confers: Vec::new(),
        }
    }

    #[test]
    fn roles_are_found_in_any_case_and_pairs_in_any_order() {
        let catalog = RoleCatalog {
            roles: vec![role("Content Author"), role("Compliance Reviewer")],
            separation_of_duties: vec![ConflictingRoles {
                roles: ["Content Author".into(), "Compliance Reviewer".into()],
                reason: "authors may not approve their own content".into(),
            }],
        };
        assert_eq!(catalog.role(" content author ").map(|r| r.name.as_str()), Some("Content Author"));
        assert!(catalog.role("Content").is_none());
        assert_eq!(catalog.conflicts_between("compliance reviewer", "Content Author").count(), 1);
        assert_eq!(catalog.conflicts_between("Content Author", "Content Author").count(), 0);
        assert!(catalog.problems().is_empty());
    }

    #[test]
    fn catalog_problems_are_named() {
        let catalog = RoleCatalog {
            roles: vec![role("A"), role("a"), Role { max_grant_days: 0, ..role("B") }],
            separation_of_duties: vec![ConflictingRoles { roles: ["A".into(), "Z".into()], reason: "x".into() }],
        };
        let problems = catalog.problems().join("\n");
        assert!(problems.contains("\"a\" is declared twice"), "{problems}");
        assert!(problems.contains("max_grant_days"), "{problems}");
        assert!(problems.contains("\"Z\", which is not in the role catalog"), "{problems}");
    }
}
