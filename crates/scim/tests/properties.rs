//! Property tests: the filter parser and PATCH application never panic, and a parsed filter
//! prints back to text that parses to the same filter.

use bailiwick_scim::{apply_patch, AttrPath, CompValue, CompareOp, Filter, PatchOperation};
use proptest::prelude::*;
use serde_json::{json, Value};

fn attr_path() -> impl Strategy<Value = AttrPath> {
    let name = prop::sample::select(vec!["userName", "emails", "name", "active", "meta", "x_1", "groups"]);
    let sub = prop::option::of(prop::sample::select(vec!["value", "type", "givenName", "lastModified"]));
    let urn = prop::option::of(prop::sample::select(vec![
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:User",
    ]));
    (urn, name, sub).prop_map(|(urn, name, sub)| AttrPath {
        urn: urn.map(str::to_owned),
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        (-1_000_000i64..1_000_000).prop_map(|n| CompValue::Number(n.into())),
        ".{0,12}".prop_map(CompValue::String),
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ])
}

fn filter() -> impl Strategy<Value = Filter> {
    let leaf = prop_oneof![
        (attr_path(), compare_op(), comp_value()).prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
        attr_path().prop_map(Filter::Present),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
            inner.clone().prop_map(|f| Filter::Not(Box::new(f))),
            (attr_path(), inner).prop_filter_map("a value path names a plain attribute", |(path, f)| {
                let simple = !matches!(f, Filter::ValuePath { .. });
                (path.sub.is_none() && path.urn.is_none() && simple)
                    .then(|| Filter::ValuePath { path, filter: Box::new(f) })
            }),
        ]
    })
}

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "1", "userName": "anna", "active": true,
        "name": {"givenName": "Anna"},
        "emails": [{"value": "a@x", "type": "work"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "EMEA"}
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("(value|type|userName|emails|[a-z]{1,4})", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn parsing_arbitrary_text_never_panics(text in ".{0,80}") {
        let _ = Filter::parse(&text);
    }

    #[test]
    fn parsing_and_evaluating_filter_like_text_never_panics(text in r#"[a-zA-Z.:\[\]()" 0-9]{0,60}"#) {
        if let Ok(parsed) = Filter::parse(&text) {
            let _ = parsed.matches(&user());
        }
    }

    #[test]
    fn printing_then_parsing_gives_the_same_filter(f in filter()) {
        let printed = f.to_string();
        let parsed = Filter::parse(&printed);
        prop_assert_eq!(parsed, Ok(f), "printed as {}", printed);
    }

    #[test]
    fn patch_application_never_panics(
        op in prop::sample::select(vec!["add", "replace", "remove", "Replace", "bogus"]),
        path in prop::option::of(r#"[a-zA-Z.:\[\]" ]{0,40}|emails\[type eq "work"\]\.value|members\[value eq "1"\]"#),
        value in prop::option::of(json_value()),
        mut target in prop_oneof![Just(user()), json_value()],
    ) {
        let operation = PatchOperation { op: op.to_owned(), path, value };
        let _ = apply_patch(&mut target, &[operation]);
    }
}
