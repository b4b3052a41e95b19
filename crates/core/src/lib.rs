//! bailiwick-core: the whole application without a UI.
//!
//! Hosts (the desktop shell in `src-tauri`, the `bailiwick` CLI) are thin: each command takes
//! its input, calls one function here and maps the result. This crate never depends on Tauri;
//! `tests/` checks that.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod cache;
pub mod checks;
pub mod directory;
pub mod error;
pub mod grant;
pub mod operation;
pub mod outbox;
pub mod policy;
pub mod profile;
pub mod review;
pub mod roles;
pub mod scope;
pub mod secret;
pub mod sync;
pub mod user_type;
pub mod workspace;

pub use admin::{AdminContext, Capability};
pub use error::{Error, ErrorCode};
pub use profile::Profile;
pub use scope::{BuPath, Scopes};
pub use workspace::Workspace;
