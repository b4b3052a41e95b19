use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::*;

#[test]
fn a_summary_holds_the_listed_attributes_borrowed_from_the_json() {
    let json = json!({
        "schemas": [schema::USER, schema::ENTERPRISE_USER],
        "id": "u1",
        "externalId": "nw-1",
        "UserName": "anna",
        "displayName": "Anna Schmidt",
        "name": {"formatted": "Anna Schmidt", "givenName": "Anna", "familyName": "Schmidt"},
        "title": "Author",
        "userType": "Employee",
        "active": false,
        "emails": [{"value": "a@old.example"}, {"value": "anna@x.example", "primary": true}],
        "groups": [{"value": "g1", "display": "Authors"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"Division": "EMEA/DE", "manager": {"value": "m"}},
        "meta": {"version": "W/\"3\"", "lastModified": "2026-11-01T10:00:00Z", "resourceType": "User"},
        "phoneNumbers": [{"value": "+49 1"}],
    })
    .to_string();
    let summary = UserSummary::decode(&json).expect("a valid user");
    assert!(matches!(summary.user_name, Cow::Borrowed("anna")), "no escapes: borrowed, {:?}", summary.user_name);
    assert_eq!(summary.email.as_deref(), Some("anna@x.example"), "the primary e-mail, not the first");
    assert_eq!(summary.enterprise.as_ref().and_then(|e| e.division.as_deref()), Some("EMEA/DE"));
    assert_eq!(summary.version.as_deref(), Some("W/\"3\""), "an escaped value is read unescaped");
    assert_eq!(summary.last_modified.map(|t| t.to_rfc3339()).as_deref(), Some("2026-11-01T10:00:00+00:00"));
    assert_eq!((summary.active, summary.given_name.as_deref()), (Some(false), Some("Anna")));
    let user: User = serde_json::from_str(&json).expect("a valid user");
    assert_eq!(summary, UserSummary::of(&user));
}

#[test]
fn what_a_user_refuses_the_summary_refuses() {
    for (json, reason) in [
        (r#"{"id": "u1"}"#, "missing field `userName`"),
        (r#"{"userName": "a", "UserName": "b"}"#, "duplicate field `userName`"),
        (r#"{"userName": "a", "nickName": 1, "nickName": 2}"#, "duplicate attribute `nickName`"),
        (r#"{"userName": "a", "groups": [{"display": "no value"}]}"#, "missing field `value`"),
        (r#"{"userName": "a", "schemas": [1]}"#, "invalid type"),
        (r#"{"userName": "a", "meta": {"created": "yesterday"}}"#, "input contains invalid characters"),
        (
            r#"{"userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"costCenter": 7}}"#,
            "invalid type",
        ),
    ] {
        let refused = UserSummary::decode(json).expect_err(json).to_string();
        let user_refused = serde_json::from_str::<User>(json).expect_err(json).to_string();
        assert!(refused.contains(reason), "{json}: {refused}");
        assert_eq!(refused, user_refused, "the same reason as `User` gives");
    }
}

#[test]
fn a_value_nested_deeper_than_json_values_may_be_is_refused_as_a_user_refuses_it() {
    let deep = format!(r#"{{"userName": "a", "x": {}{}}}"#, "[".repeat(200), "]".repeat(200));
    assert!(serde_json::from_str::<User>(&deep).is_err(), "serde_json's nesting limit");
    assert!(UserSummary::decode(&deep).is_err(), "the summary must not accept what User refuses");
}

/// Attribute names `User` models, in the spellings a server might use, and a few it does not.
fn attribute_name() -> impl Strategy<Value = String> {
    let names = [
        "schemas",
        "id",
        "externalId",
        "userName",
        "name",
        "displayName",
        "title",
        "userType",
        "active",
        "emails",
        "groups",
        schema::ENTERPRISE_USER,
        "meta",
        "phoneNumbers",
        "nickName",
    ];
    (proptest::sample::select(names.to_vec()), any::<u8>()).prop_map(|(name, case)| match case % 4 {
        0 => name.to_ascii_uppercase(),
        1 => name.to_ascii_lowercase(),
        _ => name.to_owned(),
    })
}

/// Names inside the objects `User` models (`name`, `emails`, `meta`, the extension, …).
fn inner_name() -> impl Strategy<Value = String> {
    let names = [
        "value",
        "primary",
        "type",
        "display",
        "$ref",
        "formatted",
        "givenName",
        "familyName",
        "division",
        "costCenter",
        "version",
        "lastModified",
        "created",
        "location",
        "resourceType",
    ];
    (proptest::sample::select(names.to_vec()), any::<bool>()).prop_map(|(name, upper)| {
        if upper {
            name.to_ascii_uppercase()
        } else {
            name.to_owned()
        }
    })
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[a-z\"\\\\é]{0,6}".prop_map(Value::String),
        Just(json!("2026-11-01T10:00:00Z")),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::vec((inner_name(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A list of e-mails, some primary: which one a summary picks must be the one `User` picks.
fn emails() -> impl Strategy<Value = Value> {
    proptest::collection::vec(("[a-c]{1,2}", proptest::option::of(any::<bool>())), 0..4).prop_map(|emails| {
        emails
            .into_iter()
            .map(|(value, primary)| match primary {
                Some(primary) => json!({"value": value, "primary": primary}),
                None => json!({"value": value}),
            })
            .collect()
    })
}

/// A JSON object as text, with attributes possibly given twice (which a `Map` cannot hold).
fn user_text() -> impl Strategy<Value = String> {
    (proptest::collection::vec((attribute_name(), prop_oneof![3 => value(), 1 => emails()]), 0..8), any::<bool>())
        .prop_map(|(attributes, named)| {
            let mut fields: Vec<String> =
                attributes.iter().map(|(name, value)| format!("{}: {value}", Value::from(name.as_str()))).collect();
            if named {
                fields.push(r#""userName": "anna""#.to_owned());
            }
            format!("{{{}}}", fields.join(", "))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// The summary accepts exactly the JSON a `User` accepts, and says what the `User` says.
    #[test]
    fn the_summary_agrees_with_the_user(text in user_text()) {
        let user = serde_json::from_str::<User>(&text);
        let summary = UserSummary::decode(&text);
        match (&user, &summary) {
            (Ok(user), Ok(summary)) => prop_assert_eq!(summary, &UserSummary::of(user)),
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            _ => prop_assert!(false, "User {:?} but summary {:?} for {}", user.is_ok(), summary.is_ok(), text),
        }
    }
}
