//! The admin context: who is signed in, which BUs they administer, and what they may do there.
//! Read from ID token (or userinfo) claims whose names the profile configures.

use serde::{Deserialize, Serialize};

use crate::scope::Scopes;

/// What an admin may do inside their scopes (DESIGN.md, "The model").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    ManageUsers,
    ManageRoles,
    IssueGrants,
    ApproveGrants,
    Review,
    Audit,
}

impl Capability {
    pub const ALL: [Capability; 6] = [
        Capability::ManageUsers,
        Capability::ManageRoles,
        Capability::IssueGrants,
        Capability::ApproveGrants,
        Capability::Review,
        Capability::Audit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Capability::ManageUsers => "manage-users",
            Capability::ManageRoles => "manage-roles",
            Capability::IssueGrants => "issue-grants",
            Capability::ApproveGrants => "approve-grants",
            Capability::Review => "review",
            Capability::Audit => "audit",
        }
    }

    /// Unknown names are ignored by the caller (a newer IAM may send more), never guessed.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AdminContext {
    /// The `sub` claim.
    pub subject: String,
    /// `preferred_username`, else `name`, else the subject.
    pub display_name: String,
    pub bu_scopes: Scopes,
    pub capabilities: Vec<Capability>,
}

impl AdminContext {
    pub fn can(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }
}
