//! The changes an admin can make, as the outbox stores them (JSON in `outbox.operation`) and as
//! they become SCIM requests. Pure: building request bodies and deciding whether the server
//! already holds what an operation wants (after a crash, or when a 412 turns out to be our own
//! earlier attempt) need no I/O.

use bailiwick_scim::{schema, PatchOperation};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::scope::BuPath;
use crate::user_type::UserType;

/// A change to the directory, with everything needed to send it later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "op", rename_all = "kebab-case", rename_all_fields = "camelCase")]
pub enum Operation {
    CreateUser(NewUser),
    EditUser {
        user_id: String,
        user_name: String,
        changes: UserChanges,
    },
    SetUserActive {
        user_id: String,
        user_name: String,
        active: bool,
    },
    AssignRole {
        user: UserRef,
        role: String,
        role_id: String,
    },
    RemoveRole {
        user: UserRef,
        role: String,
        role_id: String,
    },
    /// Server mode only; ledger grants become `AssignRole` / `RemoveRole`.
    IssueGrant {
        user: UserRef,
        role: String,
        role_id: String,
        bu: BuPath,
        valid_from: DateTime<Utc>,
        valid_until: DateTime<Utc>,
        justification: String,
    },
    ExtendGrant {
        grant_id: String,
        role: String,
        valid_until: DateTime<Utc>,
    },
    RevokeGrant {
        grant_id: String,
        role: String,
    },
    ApproveGrant {
        grant_id: String,
        role: String,
    },
    RejectGrant {
        grant_id: String,
        role: String,
    },
}

/// A user an operation is about: by id once known; by userName when the user is created by
/// an earlier operation in the same outbox (the id is found when it is sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub id: Option<String>,
    pub user_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    pub user_name: String,
    pub bu: BuPath,
    pub user_type: UserType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub email: Option<String>,
}

/// What `users edit` changes; `None` leaves an attribute as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UserChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub bu: Option<BuPath>,
}

impl UserChanges {
    pub fn is_empty(&self) -> bool {
        *self == UserChanges::default()
    }
}

impl Operation {
    /// The audit and outbox name of the action.
    pub fn action(&self) -> &'static str {
        match self {
            Operation::CreateUser(_) => "user.create",
            Operation::EditUser { .. } => "user.edit",
            Operation::SetUserActive { active: true, .. } => "user.enable",
            Operation::SetUserActive { active: false, .. } => "user.disable",
            Operation::AssignRole { .. } => "role.assign",
            Operation::RemoveRole { .. } => "role.remove",
            Operation::IssueGrant { .. } => "grant.issue",
            Operation::ExtendGrant { .. } => "grant.extend",
            Operation::RevokeGrant { .. } => "grant.revoke",
            Operation::ApproveGrant { .. } => "grant.approve",
            Operation::RejectGrant { .. } => "grant.reject",
        }
    }

    /// What the operation is about, for people.
    pub fn target(&self) -> String {
        match self {
            Operation::CreateUser(u) => format!("user {}", u.user_name),
            Operation::EditUser { user_name, .. } | Operation::SetUserActive { user_name, .. } => {
                format!("user {user_name}")
            }
            Operation::AssignRole { user, role, .. } | Operation::RemoveRole { user, role, .. } => {
                format!("{role} of {}", user.user_name)
            }
            Operation::IssueGrant { user, role, bu, .. } => format!("grant of {role} in {bu} to {}", user.user_name),
            Operation::ExtendGrant { grant_id, role, .. }
            | Operation::RevokeGrant { grant_id, role }
            | Operation::ApproveGrant { grant_id, role }
            | Operation::RejectGrant { grant_id, role } => format!("grant {grant_id} ({role})"),
        }
    }

    /// Whether an audit entry's `target` (as [`Operation::target`] writes it, and the grant sweep
    /// with it) is about the user `user_name` or one of `grant_ids`, their grants: the user's
    /// history. Case-insensitive, as userNames are.
    pub fn target_concerns(target: &str, user_name: &str, grant_ids: &[&str]) -> bool {
        let target = target.to_lowercase();
        let names_user = target.ends_with(&format!(" {}", user_name.to_lowercase()));
        names_user || grant_ids.iter().any(|id| target.starts_with(&format!("grant {} (", id.to_lowercase())))
    }

    /// The SCIM resource type the operation writes to.
    pub fn resource_kind(&self) -> &'static str {
        match self {
            Operation::CreateUser(_) | Operation::EditUser { .. } | Operation::SetUserActive { .. } => "Users",
            Operation::AssignRole { .. } | Operation::RemoveRole { .. } => "Groups",
            _ => "Grants",
        }
    }
}

/// Splits a full attribute path (`urn:…:User:division`) into its schema URN and attribute;
/// a core attribute (`title`) has no URN.
pub fn split_attribute(path: &str) -> (Option<&str>, &str) {
    match path.rfind(':') {
        Some(i) if path.starts_with("urn:") => (Some(&path[..i]), &path[i + 1..]),
        _ => (None, path),
    }
}

/// The `POST /Users` body. `externalId` is the outbox entry's idempotency key: SCIM reserves
/// it for the provisioning client's own identifier, and it lets a replay find a user that a
/// lost first attempt already created.
pub fn create_user_body(user: &NewUser, bu_attribute: &str, idempotency_key: &str) -> Value {
    let display = match (&user.given_name, &user.family_name) {
        (Some(g), Some(f)) => format!("{g} {f}"),
        (Some(n), None) | (None, Some(n)) => n.clone(),
        (None, None) => user.user_name.clone(),
    };
    let mut body = json!({
        "schemas": [schema::USER],
        "externalId": idempotency_key,
        "userName": user.user_name,
        "displayName": display,
        "active": true,
        "userType": scim_user_type(user.user_type),
    });
    let mut name = serde_json::Map::new();
    if let Some(g) = &user.given_name {
        name.insert("givenName".into(), json!(g));
    }
    if let Some(f) = &user.family_name {
        name.insert("familyName".into(), json!(f));
    }
    if !name.is_empty() {
        body["name"] = Value::Object(name);
    }
    if let Some(email) = &user.email {
        body["emails"] = json!([{"value": email, "type": "work", "primary": true}]);
    }
    set_attribute(&mut body, bu_attribute, json!(user.bu.as_str()));
    body
}

/// Sets `path` (core or extension attribute) in a resource, adding the extension's schema.
fn set_attribute(resource: &mut Value, path: &str, value: Value) {
    match split_attribute(path) {
        (Some(urn), attribute) => {
            resource[urn][attribute] = value;
            if let Some(schemas) = resource["schemas"].as_array_mut() {
                if !schemas.iter().any(|s| s == urn) {
                    schemas.push(json!(urn));
                }
            }
        }
        (None, attribute) => resource[attribute] = value,
    }
}

fn scim_user_type(user_type: UserType) -> &'static str {
    match user_type {
        UserType::Employee | UserType::Other => "Employee",
        UserType::Partner => "Partner",
        UserType::Service => "Service",
    }
}

fn replace(path: &str, value: Value) -> PatchOperation {
    PatchOperation { op: "replace".into(), path: Some(path.into()), value: Some(value) }
}

/// The PATCH operations of a user edit. A new e-mail replaces the user's work address, or is
/// added as one when `has_work_email` is false (a filtered replace would have no target:
/// RFC 7644 §3.5.2.3 answers that with 400 `noTarget`).
pub fn edit_user_patch(changes: &UserChanges, bu_attribute: &str, has_work_email: bool) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    if let Some(g) = &changes.given_name {
        ops.push(replace("name.givenName", json!(g)));
    }
    if let Some(f) = &changes.family_name {
        ops.push(replace("name.familyName", json!(f)));
    }
    if let Some(d) = &changes.display_name {
        ops.push(replace("displayName", json!(d)));
    }
    if let Some(e) = &changes.email {
        if has_work_email {
            ops.push(replace("emails[type eq \"work\"].value", json!(e)));
        } else {
            let value = json!([{"value": e, "type": "work", "primary": true}]);
            ops.push(PatchOperation { op: "add".into(), path: Some("emails".into()), value: Some(value) });
        }
    }
    if let Some(bu) = &changes.bu {
        ops.push(replace(bu_attribute, json!(bu.as_str())));
    }
    ops
}

pub fn set_active_patch(active: bool) -> Vec<PatchOperation> {
    vec![replace("active", json!(active))]
}

pub fn add_member_patch(user_id: &str) -> Vec<PatchOperation> {
    vec![PatchOperation { op: "add".into(), path: Some("members".into()), value: Some(json!([{"value": user_id}])) }]
}

pub fn remove_member_patch(user_id: &str) -> Vec<PatchOperation> {
    let path = format!("members[value eq {}]", bailiwick_scim::filter::quote(user_id));
    vec![PatchOperation { op: "remove".into(), path: Some(path), value: None }]
}

/// The `POST /Grants` body (the sandbox's Grant schema), with the idempotency key.
pub fn issue_grant_body(op: &Operation, idempotency_key: &str) -> Option<Value> {
    let Operation::IssueGrant { user, role_id, bu, valid_from, valid_until, justification, .. } = op else {
        return None;
    };
    Some(json!({
        "schemas": [schema::GRANT],
        "externalId": idempotency_key,
        "user": {"value": user.id},
        "role": {"value": role_id},
        "bu": bu.as_str(),
        "validFrom": time(*valid_from),
        "validUntil": time(*valid_until),
        "justification": justification,
    }))
}

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc))
}

/// Whether the SCIM Group `group` lists the user `user_id` among its members.
pub fn group_has_member(group: &Value, user_id: &str) -> bool {
    group["members"].as_array().is_some_and(|m| m.iter().any(|x| x["value"].as_str() == Some(user_id)))
}

/// Whether `resource` (the server's current version of the operation's target) already is
/// what the operation wants. Then a replay or a 412 needs no new request: it is done.
pub fn satisfied_by(op: &Operation, resource: &Value, user_id: Option<&str>, bu_attribute: &str) -> bool {
    let member = |id: &str| group_has_member(resource, id);
    match op {
        Operation::CreateUser(_) => false,
        Operation::SetUserActive { active, .. } => resource["active"].as_bool().unwrap_or(true) == *active,
        Operation::EditUser { changes, .. } => {
            let text = |v: &Value| v.as_str().map(str::to_owned);
            let given =
                changes.given_name.as_ref().is_none_or(|g| text(&resource["name"]["givenName"]).as_ref() == Some(g));
            let family =
                changes.family_name.as_ref().is_none_or(|f| text(&resource["name"]["familyName"]).as_ref() == Some(f));
            let display =
                changes.display_name.as_ref().is_none_or(|d| text(&resource["displayName"]).as_ref() == Some(d));
            let email = changes.email.as_ref().is_none_or(|e| {
                resource["emails"].as_array().is_some_and(|list| list.iter().any(|x| x["value"].as_str() == Some(e)))
            });
            let bu = changes.bu.as_ref().is_none_or(|bu| {
                let (urn, attribute) = split_attribute(bu_attribute);
                let holder = urn.map_or(resource, |u| &resource[u]);
                holder[attribute].as_str().and_then(BuPath::parse).as_ref() == Some(bu)
            });
            given && family && display && email && bu
        }
        Operation::AssignRole { .. } => user_id.is_some_and(member),
        Operation::RemoveRole { .. } => user_id.is_some_and(|id| !member(id)),
        Operation::IssueGrant { .. } => false,
        Operation::ExtendGrant { valid_until, .. } => parse_time(&resource["validUntil"]) == Some(*valid_until),
        Operation::RevokeGrant { .. } => resource["status"].as_str() == Some("revoked"),
        Operation::ApproveGrant { .. } => resource["status"].as_str() == Some("active"),
        Operation::RejectGrant { .. } => resource["status"].as_str() == Some("rejected"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bu(text: &str) -> BuPath {
        BuPath::parse(text).expect("valid BU")
    }

    /// Every operation on `user` and on `grant`, as the outbox and the audit log name them.
    fn every_operation_on(user: &str, grant: &str) -> Vec<Operation> {
        let user_ref = || UserRef { id: Some("u1".into()), user_name: user.into() };
        let role = || "Compliance Reviewer".to_owned();
        let until = DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z").expect("time").with_timezone(&Utc);
        vec![
            Operation::CreateUser(NewUser {
                user_name: user.into(),
                bu: bu("EMEA/DE"),
                user_type: UserType::Partner,
                given_name: None,
                family_name: None,
                email: None,
            }),
            Operation::EditUser { user_id: "u1".into(), user_name: user.into(), changes: UserChanges::default() },
            Operation::SetUserActive { user_id: "u1".into(), user_name: user.into(), active: false },
            Operation::AssignRole { user: user_ref(), role: role(), role_id: "g1".into() },
            Operation::RemoveRole { user: user_ref(), role: role(), role_id: "g1".into() },
            Operation::IssueGrant {
                user: user_ref(),
                role: role(),
                role_id: "g1".into(),
                bu: bu("EMEA/DE"),
                valid_from: until,
                valid_until: until,
                justification: "audit".into(),
            },
            Operation::ExtendGrant { grant_id: grant.into(), role: role(), valid_until: until },
            Operation::RevokeGrant { grant_id: grant.into(), role: role() },
            Operation::ApproveGrant { grant_id: grant.into(), role: role() },
            Operation::RejectGrant { grant_id: grant.into(), role: role() },
        ]
    }

    #[test]
    fn a_users_history_is_every_operation_on_them_or_their_grants_and_nobody_elses() {
        for op in every_operation_on("Anna.Schmidt", "gr-7") {
            let target = op.target();
            assert!(Operation::target_concerns(&target, "anna.schmidt", &["gr-1", "GR-7"]), "{target}");
            assert!(!Operation::target_concerns(&target, "schmidt", &["gr-1"]), "another user: {target}");
            assert!(!Operation::target_concerns(&target, "anna.schmidt2", &["gr-70"]), "another user: {target}");
        }
        // The grant sweep writes a grant's target as its operations do.
        assert!(Operation::target_concerns("grant gr-7 (Compliance Reviewer)", "someone", &["gr-7"]));
        assert!(!Operation::target_concerns("grant gr-77 (Compliance Reviewer)", "someone", &["gr-7"]));
    }

    #[test]
    fn operations_round_trip_through_the_outbox_json() {
        let ops = vec![
            Operation::CreateUser(NewUser {
                user_name: "new.person".into(),
                bu: bu("EMEA/DE"),
                user_type: UserType::Partner,
                given_name: Some("New".into()),
                family_name: None,
                email: Some("new@example.com".into()),
            }),
            Operation::AssignRole {
                user: UserRef { id: None, user_name: "new.person".into() },
                role: "Template Designer".into(),
                role_id: "g1".into(),
            },
            Operation::ExtendGrant {
                grant_id: "x".into(),
                role: "R".into(),
                valid_until: DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z").expect("time").with_timezone(&Utc),
            },
        ];
        for op in ops {
            let text = serde_json::to_string(&op).expect("serialises");
            let back: Operation = serde_json::from_str(&text).expect("parses");
            assert_eq!(back, op, "{text}");
        }
    }

    #[test]
    fn create_user_body_puts_the_bu_where_the_profile_says() {
        let user = NewUser {
            user_name: "p.vendor".into(),
            bu: bu("EMEA/FR"),
            user_type: UserType::Partner,
            given_name: Some("Pat".into()),
            family_name: Some("Vendor".into()),
            email: None,
        };
        let ext = crate::profile::DEFAULT_BU_ATTRIBUTE;
        let body = create_user_body(&user, ext, "key-1");
        assert_eq!(body[schema::ENTERPRISE_USER]["division"], "EMEA/FR");
        assert!(body["schemas"].as_array().is_some_and(|s| s.iter().any(|x| x == schema::ENTERPRISE_USER)));
        assert_eq!(body["externalId"], "key-1");
        assert_eq!(body["userType"], "Partner");
        assert_eq!(body["displayName"], "Pat Vendor");
        let core = create_user_body(&user, "title", "key-2");
        assert_eq!(core["title"], "EMEA/FR");
        assert_eq!(core["schemas"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn satisfied_by_recognises_work_already_done() {
        let assign = Operation::AssignRole {
            user: UserRef { id: Some("u1".into()), user_name: "a".into() },
            role: "R".into(),
            role_id: "g".into(),
        };
        let group = json!({"members": [{"value": "u1"}]});
        let attr = crate::profile::DEFAULT_BU_ATTRIBUTE;
        assert!(satisfied_by(&assign, &group, Some("u1"), attr));
        assert!(!satisfied_by(&assign, &json!({"members": []}), Some("u1"), attr));
        let remove = Operation::RemoveRole {
            user: UserRef { id: Some("u1".into()), user_name: "a".into() },
            role: "R".into(),
            role_id: "g".into(),
        };
        assert!(!satisfied_by(&remove, &group, Some("u1"), attr));
        assert!(satisfied_by(&remove, &json!({}), Some("u1"), attr));
        let disable = Operation::SetUserActive { user_id: "u1".into(), user_name: "a".into(), active: false };
        assert!(satisfied_by(&disable, &json!({"active": false}), None, attr));
        assert!(!satisfied_by(&disable, &json!({"active": true}), None, attr));
        let edit = Operation::EditUser {
            user_id: "u1".into(),
            user_name: "a".into(),
            changes: UserChanges { bu: Some(bu("EMEA/UK")), ..UserChanges::default() },
        };
        assert!(satisfied_by(&edit, &json!({schema::ENTERPRISE_USER: {"division": "EMEA/UK"}}), None, attr));
        assert!(!satisfied_by(&edit, &json!({schema::ENTERPRISE_USER: {"division": "EMEA/DE"}}), None, attr));
    }

    #[test]
    fn a_new_email_is_added_when_there_is_no_work_address_to_replace() {
        let changes = UserChanges { email: Some("new@example.com".into()), ..UserChanges::default() };
        let attr = crate::profile::DEFAULT_BU_ATTRIBUTE;
        let replace = edit_user_patch(&changes, attr, true);
        assert_eq!(
            (replace[0].op.as_str(), replace[0].path.as_deref()),
            ("replace", Some("emails[type eq \"work\"].value"))
        );
        let add = edit_user_patch(&changes, attr, false);
        assert_eq!((add[0].op.as_str(), add[0].path.as_deref()), ("add", Some("emails")));
        assert_eq!(add[0].value, Some(json!([{"value": "new@example.com", "type": "work", "primary": true}])));
    }

    #[test]
    fn remove_member_quotes_the_id_in_the_value_path() {
        let ops = remove_member_patch("a\"b");
        assert_eq!(ops[0].path.as_deref(), Some("members[value eq \"a\\\"b\"]"));
    }
}
