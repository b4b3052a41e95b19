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

/// A user as directories send them: every modelled attribute, no escapes.
fn usual_user() -> Value {
    json!({
        "schemas": [schema::USER, schema::ENTERPRISE_USER],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "nw-1042",
        "userName": "anna.schmidt@northwind.example",
        "name": {"formatted": "Anna Schmidt", "familyName": "Schmidt", "givenName": "Anna", "honorificPrefix": "Dr."},
        "displayName": "Anna Schmidt",
        "title": "Compliance reviewer",
        "userType": "Employee",
        "active": true,
        "emails": [
            {"value": "anna@home.example", "type": "home"},
            {"value": "anna.schmidt@northwind.example", "type": "work", "primary": true}
        ],
        "phoneNumbers": [{"value": "+49 30 1234", "type": "work"}],
        "groups": [{"value": "g1", "$ref": "https://idp.example/scim/v2/Groups/g1", "display": "Authors", "type": "direct"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "1042", "costCenter": "4130", "organization": "Northwind",
            "division": "EMEA/DE", "department": "Communications", "manager": {"value": "m1", "displayName": "Max"}
        },
        "meta": {
            "resourceType": "User", "created": "2026-01-02T03:04:05Z", "lastModified": "2026-11-01T10:00:00.123Z",
            "location": "https://idp.example/scim/v2/Users/2819c223", "version": "W/\"3694e05e9dff590\""
        },
        "x-seats": 3,
        "x-flags": [true, false, null, -7]
    })
}

fn raw(text: &str) -> Box<RawValue> {
    RawValue::from_string(text.to_owned()).expect("valid JSON")
}

#[test]
fn the_usual_user_is_read_directly_and_as_serde_reads_it() {
    for json in [usual_user().to_string(), serde_json::to_string_pretty(&usual_user()).expect("serialises")] {
        let direct = direct::summary(&json).expect("the usual user is read directly, not left to serde");
        assert_eq!(direct, UserSummary::decode(&json).expect("a valid user"));
        assert_eq!(direct.email.as_deref(), Some("anna.schmidt@northwind.example"), "the primary e-mail");
        assert!(matches!(direct.user_name, Cow::Borrowed(_)), "borrowed from the JSON");
        assert_eq!(direct.version.as_deref(), Some("W/\"3694e05e9dff590\""), "unescaped");
        assert!(matches!(direct.version, Some(Cow::Owned(_))), "an escaped text is a copy");
        assert_eq!(UserSummary::decode_raw(&raw(&json)).expect("a valid user"), direct);
    }
}

#[test]
fn a_user_escaped_as_some_servers_escape_it_is_read_directly() {
    // Every character outside ASCII, and the quotes of the version, as `\u` escapes.
    let mut user = usual_user();
    user["name"]["familyName"] = json!("Müller");
    let json = user.to_string().replace('ü', "\\u00fc").replace("\\\"", "\\u0022");
    assert!(json.contains("M\\u00fcller") && json.contains("W/\\u00223694e05e9dff590\\u0022"), "{json}");
    let direct = direct::summary(&json).expect("read directly, not left to serde");
    assert_eq!(direct, UserSummary::decode(&json).expect("a valid user"));
    assert_eq!(
        (direct.family_name.as_deref(), direct.version.as_deref()),
        (Some("Müller"), Some("W/\"3694e05e9dff590\""))
    );
}

#[test]
fn what_serde_must_decide_is_left_to_it() {
    let usual = usual_user();
    let with = |attribute: &str, value: Value| {
        let mut user = usual.clone();
        user[attribute] = value;
        user.to_string()
    };
    for json in [
        with("displayName", json!("Anna LONE")).replace("LONE", "\\ud800"),
        with("x-seats", json!("LONE")).replace("LONE", "\\udc00 x"),
        with("x-seats", json!(1.5)),
        with("x-seats", json!(12345678901234567890u64)),
        with("x-flags", (0..40).fold(json!(1), |inner, _| json!([inner]))),
        with("meta", json!({"lastModified": "2026-11-01T10:00:00+01:00"})),
        with("name", json!(["a", "b"])),
        r#"{"userName": "a", "userName": "b"}"#.to_owned(),
        r#"{"userName": "a", "x": 1, "x": 2}"#.to_owned(),
        r#"{"userName": "a", "emails": [{"type": "work"}]}"#.to_owned(),
        r#"{"userName": "a", "groups": [{"display": "no value"}]}"#.to_owned(),
        r#"{"userName": "a", "active": "yes"}"#.to_owned(),
        r#"{"id": "u1"}"#.to_owned(),
        r#"["not", "a", "user"]"#.to_owned(),
    ] {
        assert!(direct::summary(&json).is_none(), "left to serde: {json}");
        let raw_json = raw(&json);
        match (UserSummary::decode_raw(&raw_json), UserSummary::decode(&json)) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{json}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{json}"),
            (a, b) => panic!("{json}: {a:?} against {b:?}"),
        }
    }
}

#[test]
fn raw_values_hold_no_control_characters_in_strings() {
    // The direct reader finds a string's end by its quote alone: it relies on this.
    for text in ["\"a\u{1}b\"", "{\"userName\": \"a\nb\"}", "{\"a\u{1f}\": 1}"] {
        assert!(RawValue::from_string(text.to_owned()).is_err(), "{text:?}");
    }
}

/// Values as directories send them, and some the direct reader leaves to serde.
fn usual_value() -> impl Strategy<Value = Value> {
    usual_scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::vec((inner_name(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Scalars, strings with escapes and timestamps of every shape among them.
fn usual_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON numbers", |f| f.is_finite()).prop_map(Value::from),
        "[a-zé \"\\\\/\n\u{1}]{0,6}".prop_map(Value::String),
        prop_oneof![
            Just("2026-11-01T10:00:00Z"),
            Just("2026-11-01T10:00:00.5Z"),
            Just("2026-02-30T10:00:00Z"),
            Just("2026-11-01T10:00:00+02:00"),
            Just("2016-12-31T23:59:60Z"),
        ]
        .prop_map(Value::from),
    ]
}

/// A user, attributes possibly twice, in any spelling and of any type.
fn usual_user_text() -> impl Strategy<Value = String> {
    let attribute = (attribute_name(), prop_oneof![3 => usual_value(), 1 => emails()]);
    (proptest::collection::vec(attribute, 0..8), any::<bool>(), any::<bool>()).prop_map(
        |(attributes, named, pretty)| {
            let mut fields: Vec<String> =
                attributes.iter().map(|(name, value)| format!("{}: {value}", Value::from(name.as_str()))).collect();
            if named {
                fields.push(r#""userName": "anna""#.to_owned());
            }
            let separator = if pretty { ",\n  " } else { "," };
            format!("{{{}}}", fields.join(separator))
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Whatever the direct reader reads, serde reads the same; where it gives up, `decode_raw`
    /// says what serde says.
    #[test]
    fn the_direct_reader_agrees_with_serde(text in usual_user_text(), ascii_only in any::<bool>()) {
        // As servers that escape every character outside ASCII send it.
        let text = if ascii_only { text.replace('é', "\\u00e9") } else { text };
        let serde_read = UserSummary::decode(&text);
        if let Some(direct) = direct::summary(&text) {
            prop_assert_eq!(Some(&direct), serde_read.as_ref().ok(), "{}", text);
        }
        match (UserSummary::decode_raw(&raw(&text)), serde_read) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => prop_assert!(false, "{:?} against {:?} for {}", a, b, text),
        }
    }

    /// The usual user with one attribute replaced by anything: still what serde reads.
    #[test]
    fn the_direct_reader_agrees_with_serde_on_a_usual_user_changed(name in attribute_name(), value in usual_value()) {
        let mut user = usual_user();
        if let Some(object) = user.as_object_mut() {
            let existing = object.keys().find(|k| k.eq_ignore_ascii_case(&name)).cloned();
            object.remove(existing.as_deref().unwrap_or(""));
            object.insert(name, value);
        }
        let text = user.to_string();
        let serde_read = UserSummary::decode(&text);
        if let Some(direct) = direct::summary(&text) {
            prop_assert_eq!(Some(&direct), serde_read.as_ref().ok(), "{}", text);
        }
    }

    /// The usual user with one attribute inside `name`, `meta`, the extension, an e-mail or a
    /// group replaced by anything: still what serde reads.
    #[test]
    fn the_direct_reader_agrees_with_serde_inside_the_usual_user(
        path in proptest::sample::select(vec![
            "/name", "/meta", "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "/emails/1", "/groups/0",
        ]),
        name in inner_name(),
        value in prop_oneof![usual_scalar(), usual_value()],
    ) {
        let mut user = usual_user();
        if let Some(object) = user.pointer_mut(path).and_then(Value::as_object_mut) {
            object.insert(name, value);
        }
        let text = user.to_string();
        let serde_read = UserSummary::decode(&text);
        if let Some(direct) = direct::summary(&text) {
            prop_assert_eq!(Some(&direct), serde_read.as_ref().ok(), "{}", text);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The usual user's text with a few bytes changed: whatever serde_json still accepts as
    /// JSON, `decode_raw` reads without panicking, as serde reads it.
    #[test]
    fn a_damaged_user_is_read_as_serde_reads_it(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), "[\\[\\]{}\",:0-9a-z\\\\ .eE+-]{0,2}"), 1..4),
    ) {
        let mut text = usual_user().to_string();
        for (at, insert) in edits {
            let mut at = at.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let end = (at + 1).min(text.len());
            let end = if text.is_char_boundary(end) { end } else { at };
            text.replace_range(at..end, &insert);
        }
        if let Ok(raw) = RawValue::from_string(text.clone()) {
            match (UserSummary::decode_raw(&raw), UserSummary::decode(&text)) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                (a, b) => prop_assert!(false, "{:?} against {:?} for {}", a, b, text),
            }
        }
    }
}
