//! The admin context, read from claims whose names the profile configures.
//!
//! IAMs disagree on how they send a multi-valued claim: most send a JSON array, some (and
//! many attribute mappers) one space-separated string, like OAuth's `scope`. Both are read.
//! A missing BU-scope claim is an error (a silently empty context would hide a wrong claim
//! name in the profile); a missing capabilities claim means none, since IAMs commonly omit
//! empty multi-valued claims and "nothing" is the safe reading.

use serde_json::{Map, Value};

use super::SignInFailure;
use crate::admin::{AdminContext, Capability};
use crate::profile::ClaimNames;
use crate::scope::{BuPath, Scopes};

/// Claims as the ID token or userinfo delivered them.
pub struct IdentityClaims<'a> {
    pub subject: &'a str,
    pub preferred_username: Option<&'a str>,
    pub name: Option<&'a str>,
    /// Every claim of the document, by name (custom ones included).
    pub all: &'a Map<String, Value>,
}

impl IdentityClaims<'_> {
    /// True when both admin-context claims are present, so userinfo need not be asked.
    pub fn has_admin_claims(&self, names: &ClaimNames) -> bool {
        self.all.contains_key(&names.bu_scopes) && self.all.contains_key(&names.capabilities)
    }

    pub fn admin_context(&self, names: &ClaimNames) -> Result<AdminContext, SignInFailure> {
        let scopes = match self.all.get(&names.bu_scopes) {
            Some(value) => string_values(&names.bu_scopes, value)?
                .into_iter()
                .map(|raw| {
                    BuPath::parse(&raw).ok_or_else(|| SignInFailure::ClaimMalformed {
                        claim: names.bu_scopes.clone(),
                        reason: format!("{raw:?} is not a business-unit path"),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => return Err(SignInFailure::ClaimMissing { claim: names.bu_scopes.clone() }),
        };
        let mut capabilities = Vec::new();
        match self.all.get(&names.capabilities) {
            Some(value) => {
                for raw in string_values(&names.capabilities, value)? {
                    match Capability::parse(&raw) {
                        Some(capability) if !capabilities.contains(&capability) => capabilities.push(capability),
                        Some(_) => {}
                        // A newer IAM may grant more than this build knows; never guess.
                        None => tracing::debug!(capability = %raw, "ignoring an unknown capability"),
                    }
                }
            }
            None => tracing::warn!(claim = %names.capabilities, "no capabilities claim; the admin gets none"),
        }
        capabilities.sort();
        let display_name =
            self.preferred_username.or(self.name).filter(|n| !n.trim().is_empty()).unwrap_or(self.subject).to_owned();
        Ok(AdminContext {
            subject: self.subject.to_owned(),
            display_name,
            bu_scopes: Scopes::new(scopes),
            capabilities,
        })
    }
}

/// A JSON array of strings, or one space-separated string.
fn string_values(claim: &str, value: &Value) -> Result<Vec<String>, SignInFailure> {
    let malformed = |reason: &str| SignInFailure::ClaimMalformed { claim: claim.to_owned(), reason: reason.to_owned() };
    match value {
        Value::String(s) => Ok(s.split_whitespace().map(str::to_owned).collect()),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str().map(str::to_owned).ok_or_else(|| malformed("the list holds a value that is not a string"))
            })
            .collect(),
        Value::Null => Ok(Vec::new()),
        _ => Err(malformed("expected a list of strings or a space-separated string")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn context(all: Value) -> Result<AdminContext, SignInFailure> {
        let map = all.as_object().cloned().expect("test claims are an object");
        IdentityClaims { subject: "sub-1", preferred_username: Some("ada.emea"), name: None, all: &map }
            .admin_context(&ClaimNames::default())
    }

    #[test]
    fn json_arrays_are_read() {
        let admin = context(json!({"bu_scopes": ["EMEA", "APAC/IN"], "capabilities": ["review", "manage-users"]}))
            .expect("arrays are valid");
        let scopes: Vec<&str> = admin.bu_scopes.paths().iter().map(|p| p.as_str()).collect();
        assert_eq!(scopes, ["APAC/IN", "EMEA"]);
        assert_eq!(admin.capabilities, [Capability::ManageUsers, Capability::Review]);
        assert_eq!(admin.display_name, "ada.emea");
        assert_eq!(admin.subject, "sub-1");
    }

    #[test]
    fn space_separated_strings_are_read() {
        let admin = context(json!({"bu_scopes": "EMEA  AMER/US", "capabilities": "issue-grants audit"}))
            .expect("strings are valid");
        assert_eq!(admin.bu_scopes.paths().len(), 2);
        assert!(admin.can(Capability::IssueGrants) && admin.can(Capability::Audit));
        assert!(!admin.can(Capability::ManageUsers), "only what the claim names");
    }

    #[test]
    fn custom_claim_names_from_the_profile_are_used() {
        let names = ClaimNames { bu_scopes: "otds_bu".into(), capabilities: "otds_caps".into() };
        let map = json!({"otds_bu": ["EMEA"], "otds_caps": ["review"], "bu_scopes": ["AMER"]});
        let map = map.as_object().expect("object");
        let claims = IdentityClaims { subject: "s", preferred_username: None, name: Some("Ada"), all: map };
        assert!(claims.has_admin_claims(&names));
        let admin = claims.admin_context(&names).expect("valid");
        assert_eq!(admin.bu_scopes.paths()[0].as_str(), "EMEA", "reads the configured claim, not the default");
        assert_eq!(admin.display_name, "Ada");
    }

    #[test]
    fn missing_bu_scopes_is_an_error_naming_the_claim() {
        let err = context(json!({"capabilities": ["review"]})).expect_err("no scopes claim");
        assert!(matches!(&err, SignInFailure::ClaimMissing { claim } if claim == "bu_scopes"), "got {err:?}");
    }

    #[test]
    fn missing_capabilities_means_none() {
        let admin = context(json!({"bu_scopes": ["EMEA"]})).expect("capabilities may be omitted");
        assert!(admin.capabilities.is_empty());
        let map = json!({"bu_scopes": ["EMEA"]});
        let claims = IdentityClaims {
            subject: "s",
            preferred_username: None,
            name: None,
            all: map.as_object().expect("object"),
        };
        assert!(!claims.has_admin_claims(&ClaimNames::default()), "incomplete claims send us to userinfo");
    }

    #[test]
    fn malformed_values_are_refused() {
        for bad in [
            json!({"bu_scopes": 7, "capabilities": []}),
            json!({"bu_scopes": ["EMEA", 1], "capabilities": []}),
            json!({"bu_scopes": ["EMEA//DE"], "capabilities": []}),
        ] {
            let err = context(bad.clone()).expect_err("malformed claim");
            assert!(matches!(err, SignInFailure::ClaimMalformed { .. }), "{bad}: {err:?}");
        }
    }

    #[test]
    fn unknown_capabilities_are_ignored_not_guessed() {
        let admin =
            context(json!({"bu_scopes": ["EMEA"], "capabilities": ["review", "delete-everything"]})).expect("valid");
        assert_eq!(admin.capabilities, [Capability::Review]);
    }
}
