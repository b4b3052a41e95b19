//! Business units in SCIM: reading a user's BU from a configurable attribute, and the filter
//! that asks the server for the users inside an admin's scopes.

use bailiwick_scim::filter::quote;
use bailiwick_scim::User;
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

/// The raw value of `bu_attribute` in `user`, if it is a non-empty string.
///
/// `bu_attribute` is a SCIM attribute path: a core attribute (`title`, `name.familyName`) or
/// one qualified by its schema URN
/// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division`). The user is
/// looked up as JSON, so any attribute works, including extensions Bailiwick does not model.
/// Attribute names are matched case-insensitively, as RFC 7643 §2.1 requires.
pub fn bu_of(user: &User, bu_attribute: &str) -> Option<String> {
    match modelled_attribute(user, bu_attribute) {
        Some(value) => value.filter(|s| !s.trim().is_empty()).map(str::to_owned),
        // Turning a whole user into JSON costs more than decoding it (a sync reads every
        // user's BU): only for attributes `User` does not model.
        None => bu_in_json(&serde_json::to_value(user).ok()?, bu_attribute),
    }
}

/// A single-valued string attribute `User` models, read from its field: `Some(value)`, where
/// `value` is `None` when the user has none; `None` when the attribute is not one of those.
fn modelled_attribute<'u>(user: &'u User, bu_attribute: &str) -> Option<Option<&'u str>> {
    let (urn, attribute) = split_urn(bu_attribute).map_or((None, bu_attribute), |(urn, a)| (Some(urn), a));
    let is = |name: &str| attribute.eq_ignore_ascii_case(name);
    let field = |value: &'u Option<String>| Some(value.as_deref());
    match urn {
        Some(urn) if urn.eq_ignore_ascii_case(bailiwick_scim::schema::ENTERPRISE_USER) => {
            let Some(enterprise) = user.enterprise.as_ref() else {
                // No extension at all; an attribute it does not model would be absent too.
                return Some(None);
            };
            if is("division") {
                field(&enterprise.division)
            } else if is("department") {
                field(&enterprise.department)
            } else if is("organization") {
                field(&enterprise.organization)
            } else if is("costCenter") {
                field(&enterprise.cost_center)
            } else if is("employeeNumber") {
                field(&enterprise.employee_number)
            } else {
                None
            }
        }
        Some(urn) if !urn.eq_ignore_ascii_case(bailiwick_scim::schema::USER) => None,
        _ => {
            let name = user.name.as_ref();
            if is("title") {
                field(&user.title)
            } else if is("userType") {
                field(&user.user_type)
            } else if is("displayName") {
                field(&user.display_name)
            } else if is("externalId") {
                field(&user.external_id)
            } else if is("userName") {
                Some(Some(user.user_name.as_str()))
            } else if is("name.familyName") {
                Some(name.and_then(|n| n.family_name.as_deref()))
            } else if is("name.givenName") {
                Some(name.and_then(|n| n.given_name.as_deref()))
            } else if is("name.formatted") {
                Some(name.and_then(|n| n.formatted.as_deref()))
            } else {
                None
            }
        }
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
        let users = [
            user(serde_json::json!({
                "userName": "EMEA/DE/user",
                "externalId": "EMEA/ext",
                "displayName": "APAC/JP",
                "title": "AMER/US",
                "userType": "EMEA",
                "name": {"familyName": "APAC", "givenName": "EMEA/FR", "formatted": "AMER"},
                enterprise: {"division": "EMEA/DE", "department": "APAC/IN", "organization": "AMER",
                             "costCenter": " ", "employeeNumber": "EMEA/UK", "manager": {"value": "EMEA"}}
            })),
            user(serde_json::json!({"userName": "u", enterprise: {"department": "EMEA"}})),
            user(serde_json::json!({"userName": "u"})),
        ];
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
        );
        for attribute in attributes {
            for u in &users {
                let json = serde_json::to_value(u).expect("serialises");
                assert_eq!(bu_of(u, &attribute), bu_in_json(&json, &attribute), "{attribute} of {}", u.user_name);
            }
        }
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
