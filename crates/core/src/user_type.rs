//! What kind of identity a user is (DESIGN.md, "The model"): SCIM's `userType` is free text;
//! Bailiwick knows employees, partners and service accounts.

use serde::{Deserialize, Serialize};

/// Bailiwick's kinds of identity (DESIGN.md, "The model"); SCIM's `userType` is free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum UserType {
    Employee,
    Partner,
    Service,
    /// A `userType` Bailiwick does not know, or none.
    Other,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Employee => "employee",
            UserType::Partner => "partner",
            UserType::Service => "service",
            UserType::Other => "other",
        }
    }

    /// `employee`, `partner`, `service` or `other`, in any case (a CLI `--type` value).
    pub fn parse(text: &str) -> Option<Self> {
        [UserType::Employee, UserType::Partner, UserType::Service, UserType::Other]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// SCIM `userType` (`Employee`, `Partner`, `Service`); anything else is `Other`.
    pub fn from_scim(user_type: Option<&str>) -> Self {
        user_type.and_then(Self::parse).unwrap_or(UserType::Other)
    }
}

impl std::fmt::Display for UserType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::str::FromStr for UserType {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text).ok_or_else(|| format!("unknown user type {text:?} (employee, partner, service, other)"))
    }
}
