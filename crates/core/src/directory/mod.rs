//! The directory: SCIM 2.0 (RFC 7643/7644) over HTTP, and how Bailiwick reads business units
//! out of SCIM resources.
//!
//! The client is deliberately tolerant of real servers: they cap `count` silently, omit
//! `Resources` on an empty page, answer `application/json` instead of `application/scim+json`,
//! and do not fill `User.groups` (memberships are derived from `Group.members` instead).
//! It is also defensive: a server that ignores `startIndex` would make a naive pager loop
//! forever, so paging stops with an error when a page brings nothing new.

mod bu;
mod client;
mod listed_json;
mod listing;
mod server_audit;
mod writes;

pub use bu::{bu_in_json, bu_str_in_json};
pub use bu::{bu_of, scope_filter, BuAttribute};
pub use client::{PageFetched, RetryPolicy, ScimClient, DEFAULT_PAGE_SIZE};
pub use client::{ServerFeatures, UserStub};
pub use listed_json::ListedJson;
pub use listing::{Keep, Kept};
pub use writes::Versioned;
