//! Schema URNs of RFC 7643 / RFC 7644.

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// The SCIM media type (RFC 7644 §3.1). Servers must also accept `application/json`.
pub const MEDIA_TYPE: &str = "application/scim+json";

/// Bailiwick's own resource types (DESIGN.md's grant model), served by the sandbox.
pub const GRANT: &str = "urn:bailiwick:params:scim:schemas:core:2.0:Grant";
pub const AUDIT_EVENT: &str = "urn:bailiwick:params:scim:schemas:core:2.0:AuditEvent";
