//! The SCIM error message (RFC 7644 §3.12) and this crate's own error type.

use serde::{Deserialize, Serialize};

/// The JSON body of a SCIM error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimErrorBody {
    #[serde(default)]
    pub schemas: Vec<String>,
    /// HTTP status as a string, as RFC 7644 §3.12 specifies (some servers send a number).
    #[serde(deserialize_with = "status_from_string_or_number")]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ScimErrorBody {
    pub fn new(status: u16, scim_type: Option<&str>, detail: impl Into<String>) -> Self {
        Self {
            schemas: vec![crate::schema::ERROR.to_owned()],
            status: status.to_string(),
            scim_type: scim_type.map(str::to_owned),
            detail: Some(detail.into()),
        }
    }
}

fn status_from_string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Status {
        Text(String),
        Number(u16),
    }
    Ok(match Status::deserialize(d)? {
        Status::Text(s) => s,
        Status::Number(n) => n.to_string(),
    })
}

/// Errors of the protocol layer: what a parser of SCIM text can refuse.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ScimError {
    #[error("invalid filter at position {position}: {message}")]
    InvalidFilter { position: usize, message: String },
    #[error("invalid path {path:?}: {message}")]
    InvalidPath { path: String, message: String },
    #[error("invalid PATCH operation: {0}")]
    InvalidPatch(String),
    #[error("no target for the PATCH operation: {0}")]
    NoTarget(String),
}

impl ScimError {
    /// The `scimType` of RFC 7644 §3.12 a server answers this error with.
    pub fn scim_type(&self) -> &'static str {
        match self {
            ScimError::InvalidFilter { .. } => "invalidFilter",
            ScimError::InvalidPath { .. } => "invalidPath",
            ScimError::InvalidPatch(_) => "invalidValue",
            ScimError::NoTarget(_) => "noTarget",
        }
    }
}
