//! Business units in SCIM: reading a user's BU from a configurable attribute, and the filter
//! that asks the server for the users inside an admin's scopes.

use std::borrow::Cow;

use bailiwick_scim::filter::quote;
use bailiwick_scim::{User, UserSummary};
use serde_json::Value;

use crate::scope::Scopes;

/// The filter selecting the users inside `scopes`: for each scope path P,
/// `(attr eq "P" or attr sw "P/")`, joined with `or`. `sw "P/"` (not `sw "P"`) keeps matching
/// by whole segments: the scope `EMEA` must not select `EMEAX`.
///
/// `None` for empty scopes: there is nothing to ask for, and the caller must not mistake
/// "no filter" for "everything".
pub fn scope_filter(bu_attribute: &str, scopes: &Scopes) -> Option<String> {
    let clauses: Vec<String> = scopes
        .paths()
        .iter()
        .map(|path| {
            let exact = quote(path.as_str());
            let below = quote(&format!("{path}/"));
            format!("({bu_attribute} eq {exact} or {bu_attribute} sw {below})")
        })
        .collect();
    (!clauses.is_empty()).then(|| clauses.join(" or "))
}

/// The raw value of `bu_attribute` in `user`, if it is a non-empty string (see `BuAttribute`).
pub fn bu_of(user: &User, bu_attribute: &str) -> Option<String> {
    BuAttribute::new(bu_attribute).of_user(user)
}

/// Where users' BUs are read from: the profile's BU attribute, resolved once for a sync that
/// reads it from every user.
///
/// The attribute is a SCIM attribute path: a core attribute (`title`, `name.familyName`) or
/// one qualified by its schema URN
/// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division`). Any attribute
/// works, including extensions Bailiwick does not model, which are looked up in the user as
/// JSON. Attribute names are matched case-insensitively, as RFC 7643 §2.1 requires.
#[derive(Debug, Clone)]
pub struct BuAttribute {
    path: String,
    source: Source,
}

/// A single-valued string attribute `User` models, or the user's JSON for any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    EmployeeNumber,
    CostCenter,
    Organization,
    Division,
    Department,
    /// An attribute of the enterprise extension `User` does not model: absent without the
    /// extension, else looked up in the JSON.
    OtherEnterprise,
    Title,
    UserType,
    DisplayName,
    ExternalId,
    UserName,
    FamilyName,
    GivenName,
    FormattedName,
    Json,
}

impl BuAttribute {
    pub fn new(path: &str) -> Self {
        Self { path: path.to_owned(), source: source_of(path) }
    }

    /// The BU of a user read as a summary from `json` (the sync's way to read users).
    pub fn of_summary<'s>(&self, summary: &'s UserSummary<'_>, json: &str) -> Option<Cow<'s, str>> {
        self.read(summary, || serde_json::from_str(json).ok())
    }

    /// The BU of a decoded user.
    pub fn of_user(&self, user: &User) -> Option<String> {
        // Turning a whole user into JSON costs more than decoding it: only for attributes
        // `User` does not model.
        self.read(&UserSummary::of(user), || serde_json::to_value(user).ok()).map(Cow::into_owned)
    }

    /// The BU read from the summary's field when `User` models the attribute, else looked up
    /// in the whole user as JSON (`whole`).
    fn read<'s>(&self, user: &'s UserSummary<'_>, whole: impl FnOnce() -> Option<Value>) -> Option<Cow<'s, str>> {
        let enterprise = user.enterprise.as_ref();
        let value = match self.source {
            Source::EmployeeNumber => enterprise.and_then(|e| e.employee_number.as_deref()),
            Source::CostCenter => enterprise.and_then(|e| e.cost_center.as_deref()),
            Source::Organization => enterprise.and_then(|e| e.organization.as_deref()),
            Source::Division => enterprise.and_then(|e| e.division.as_deref()),
            Source::Department => enterprise.and_then(|e| e.department.as_deref()),
            Source::OtherEnterprise if enterprise.is_none() => None,
            Source::Title => user.title.as_deref(),
            Source::UserType => user.user_type.as_deref(),
            Source::DisplayName => user.display_name.as_deref(),
            Source::ExternalId => user.external_id.as_deref(),
            Source::UserName => Some(&*user.user_name),
            Source::FamilyName => user.family_name.as_deref(),
            Source::GivenName => user.given_name.as_deref(),
            Source::FormattedName => user.formatted_name.as_deref(),
            Source::OtherEnterprise | Source::Json => return bu_in_json(&whole()?, &self.path).map(Cow::Owned),
        };
        value.filter(|s| !s.trim().is_empty()).map(Cow::Borrowed)
    }
}

/// Where the attribute at `path` is read from.
fn source_of(path: &str) -> Source {
    let (urn, attribute) = split_urn(path).map_or((None, path), |(urn, a)| (Some(urn), a));
    let named = |names: &[(&str, Source)], otherwise: Source| {
        names.iter().find(|(name, _)| attribute.eq_ignore_ascii_case(name)).map_or(otherwise, |(_, source)| *source)
    };
    match urn {
        Some(urn) if urn.eq_ignore_ascii_case(bailiwick_scim::schema::ENTERPRISE_USER) => named(
            &[
                ("division", Source::Division),
                ("department", Source::Department),
                ("organization", Source::Organization),
                ("costCenter", Source::CostCenter),
                ("employeeNumber", Source::EmployeeNumber),
            ],
            Source::OtherEnterprise,
        ),
        Some(urn) if !urn.eq_ignore_ascii_case(bailiwick_scim::schema::USER) => Source::Json,
        _ => named(
            &[
                ("title", Source::Title),
                ("userType", Source::UserType),
                ("displayName", Source::DisplayName),
                ("externalId", Source::ExternalId),
                ("userName", Source::UserName),
                ("name.familyName", Source::FamilyName),
                ("name.givenName", Source::GivenName),
                ("name.formatted", Source::FormattedName),
            ],
            Source::Json,
        ),
    }
}

/// `bu_of` over a user as raw JSON (a partial resource from an `attributes=` listing).
pub fn bu_in_json(json: &Value, bu_attribute: &str) -> Option<String> {
    bu_str_in_json(json, bu_attribute).map(str::to_owned)
}

/// `bu_in_json`, borrowed from `json`.
pub fn bu_str_in_json<'j>(json: &'j Value, bu_attribute: &str) -> Option<&'j str> {
    let (container, attribute) = match split_urn(bu_attribute) {
        Some((urn, attribute)) if urn.eq_ignore_ascii_case(bailiwick_scim::schema::USER) => (json, attribute),
        Some((urn, attribute)) => (get_ignore_case(json, urn)?, attribute),
        None => (json, bu_attribute),
    };
    let value = attribute.split('.').try_fold(container, |node, name| get_ignore_case(node, name))?;
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s),
        _ => None,
    }
}

/// `urn:…:User:division` → (`urn:…:User`, `division`). The attribute is what follows the last
/// colon; a sub-attribute (`manager.value`) never contains one.
fn split_urn(path: &str) -> Option<(&str, &str)> {
    if !path.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
        return None;
    }
    path.rsplit_once(':')
}

fn get_ignore_case<'a>(node: &'a Value, name: &str) -> Option<&'a Value> {
    let object = node.as_object()?;
    object.get(name).or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::DEFAULT_BU_ATTRIBUTE;
    use crate::scope::BuPath;

    fn scopes(paths: &[&str]) -> Scopes {
        Scopes::new(paths.iter().map(|p| BuPath::parse(p).expect("valid path")).collect())
    }

    fn user(json: serde_json::Value) -> User {
        serde_json::from_value(json).expect("valid user")
    }

    #[test]
    fn scope_filter_matches_each_scope_and_its_subtree_by_whole_segments() {
        let filter = scope_filter("x:division", &scopes(&["EMEA", "APAC/IN"])).expect("non-empty scopes");
        assert_eq!(
            filter,
            r#"(x:division eq "APAC/IN" or x:division sw "APAC/IN/") or (x:division eq "EMEA" or x:division sw "EMEA/")"#
        );
    }

    #[test]
    fn scope_filter_is_none_without_scopes_and_escapes_quotes() {
        assert_eq!(scope_filter("division", &Scopes::default()), None);
        let filter = scope_filter("division", &scopes(&[r#"EM"EA\X"#])).expect("non-empty");
        assert_eq!(filter, r#"(division eq "EM\"EA\\X" or division sw "EM\"EA\\X/")"#);
    }

    #[test]
    fn scope_filter_parses_and_selects_whole_segment_subtrees_with_the_protocol_crate() {
        // The sandbox evaluates filters with bailiwick_scim::filter: what we send must parse there.
        let text = scope_filter(DEFAULT_BU_ATTRIBUTE, &scopes(&["EMEA", "APAC/IN"])).expect("non-empty");
        let filter = bailiwick_scim::filter::Filter::parse(&text).expect("the filter parses");
        let with_division = |d: &str| serde_json::json!({"userName": "u", DEFAULT_BU_ATTRIBUTE.rsplit_once(':').expect("urn").0: {"division": d}});
        for (division, selected) in [
            ("EMEA", true),
            ("EMEA/DE", true),
            ("APAC/IN/Pune", true),
            ("EMEAX", false),
            ("APAC", false),
            ("AMER/US", false),
        ] {
            assert_eq!(filter.matches(&with_division(division)), selected, "{division}");
        }
    }

    #[test]
    fn modelled_attributes_read_from_fields_agree_with_the_json_lookup() {
        let enterprise = bailiwick_scim::schema::ENTERPRISE_USER;
        let sent = [
            serde_json::json!({
                "userName": "EMEA/DE/user",
                "externalId": "EMEA/ext",
                "displayName": "APAC/JP",
                "title": "AMER/US",
                "userType": "EMEA",
                "name": {"familyName": "APAC", "givenName": "EMEA/FR", "formatted": "AMER"},
                enterprise: {"division": "EMEA/DE", "department": "APAC/IN", "organization": "AMER",
                             "costCenter": " ", "employeeNumber": "EMEA/UK", "manager": {"value": "EMEA"}},
                "x-Org": {"Unit": "AMER/CA"}
            }),
            serde_json::json!({"userName": "u", enterprise.to_lowercase(): {"DEPARTMENT": "EMEA"}}),
            serde_json::json!({"USERNAME": "u"}),
        ];
        let users = sent.clone().map(user);
        let attributes = [
            "title",
            "TITLE",
            "userType",
            "displayName",
            "externalId",
            "userName",
            "name.familyName",
            "name.GivenName",
            "name.formatted",
            "urn:ietf:params:scim:schemas:core:2.0:User:title",
            "division",
            "phoneNumbers",
        ]
        .map(str::to_owned)
        .into_iter()
        .chain(
            ["division", "Department", "organization", "costCenter", "employeeNumber", "manager.value", "missing"]
                .map(|a| format!("{enterprise}:{a}")),
        )
        .chain(["x-org.unit".to_owned()]);
        for attribute in attributes {
            for (u, sent) in users.iter().zip(&sent) {
                let json = serde_json::to_value(u).expect("serialises");
                let bu = bu_of(u, &attribute);
                assert_eq!(bu, bu_in_json(&json, &attribute), "{attribute} of {}", u.user_name);
                // The sync reads users as summaries of the JSON the server sent.
                let text = sent.to_string();
                let summary = UserSummary::decode(&text).expect("a valid user");
                let read = BuAttribute::new(&attribute).of_summary(&summary, &text).map(Cow::into_owned);
                assert_eq!(read, bu, "{attribute} of {text}");
            }
        }
        assert_eq!(bu_of(&users[0], "x-org.unit").as_deref(), Some("AMER/CA"), "an unmodelled attribute is looked up");
    }

    #[test]
    fn bu_is_read_from_the_enterprise_extension_by_full_path() {
        let u = user(serde_json::json!({
            "userName": "a",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "EMEA/DE"}
        }));
        assert_eq!(bu_of(&u, DEFAULT_BU_ATTRIBUTE).as_deref(), Some("EMEA/DE"));
        assert_eq!(bu_of(&u, &DEFAULT_BU_ATTRIBUTE.replace("division", "Division")).as_deref(), Some("EMEA/DE"));
        assert_eq!(bu_of(&u, "title"), None);
    }

    #[test]
    fn bu_is_read_from_core_and_unmodelled_attributes() {
        let u = user(serde_json::json!({
            "userName": "a",
            "title": "AMER/US",
            "name": {"familyName": "APAC"},
            "urn:example:ext:1.0:User": {"org": {"unit": "EMEA/FR"}},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "  "}
        }));
        assert_eq!(bu_of(&u, "title").as_deref(), Some("AMER/US"));
        assert_eq!(bu_of(&u, "urn:ietf:params:scim:schemas:core:2.0:User:title").as_deref(), Some("AMER/US"));
        assert_eq!(bu_of(&u, "name.familyName").as_deref(), Some("APAC"));
        assert_eq!(bu_of(&u, "urn:example:ext:1.0:User:org.unit").as_deref(), Some("EMEA/FR"));
        assert_eq!(bu_of(&u, DEFAULT_BU_ATTRIBUTE), None, "a blank BU is no BU");
    }
}
