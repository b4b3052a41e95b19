//! SCIM 2.0 protocol types shared by the directory client (bailiwick-core) and the sandbox.
//!
//! Deliberately free of I/O: a resource, a filter or a list response means the same thing on
//! both sides of the wire, so both sides parse and print it with the same code. The sandbox
//! never depends on the core; this crate is the only thing they share.

pub mod attributes;
mod decode;
pub mod error;
pub mod filter;
pub mod list;
pub mod patch;
pub mod resource;
pub mod schema;
mod summary;
mod timestamp;

pub use attributes::select_attributes;
pub use decode::{AttributeName, Text};
pub use error::{ScimError, ScimErrorBody};
pub use filter::{quote, values_at, AttrPath, CompValue, CompareOp, Filter};
pub use list::{CursorListResponse, ListResponse};
pub use patch::{apply_patch, PatchOp, PatchOperation, PatchPath, PatchRequest};
pub use resource::{Email, EnterpriseUser, Group, Member, Meta, Name, User, UserGroup};
pub use summary::{EnterpriseSummary, UserSummary};
