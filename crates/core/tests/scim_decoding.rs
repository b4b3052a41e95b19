//! Decoding whatever a SCIM server sends: arbitrary JSON, JSON shaped like SCIM with every
//! value of the wrong type somewhere, and arbitrary bytes are fed to the decoders the client
//! and the sync use (User, Group, ListResponse<User>, the id-only listing, the error body, the
//! grant reader, the BU reader, the listed user as the sync caches it). A decoder may refuse, never panic; and what decodes can be
//! read further (BU, e-mail) and written back as JSON, as the cache does.

use bailiwick_core::cache::CachedUser;
use bailiwick_core::directory::{bu_in_json, bu_of, UserStub};
use bailiwick_core::grant::Grant;
use bailiwick_core::profile::DEFAULT_BU_ATTRIBUTE;
use bailiwick_scim::{Group, ListResponse, ScimErrorBody, User};
use proptest::prelude::*;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Keys that SCIM resources, list responses, errors and grants use, so generated objects reach
/// past the first missing field.
const KEYS: &[&str] = &[
    "id",
    "userName",
    "displayName",
    "name",
    "givenName",
    "familyName",
    "formatted",
    "emails",
    "value",
    "primary",
    "type",
    "display",
    "$ref",
    "active",
    "userType",
    "meta",
    "version",
    "lastModified",
    "created",
    "location",
    "resourceType",
    "members",
    "groups",
    "schemas",
    "totalResults",
    "startIndex",
    "itemsPerPage",
    "Resources",
    "status",
    "scimType",
    "detail",
    "user",
    "role",
    "bu",
    "validFrom",
    "validUntil",
    "justification",
    "requester",
    "approver",
    "externalId",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "division",
    "",
    "ÜSERNAME",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON numbers are finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        // Strings a decoder might try to parse further: dates, paths, statuses.
        prop_oneof![
            Just("2024-05-13T04:42:34Z"),
            Just("2024-02-30T25:61:00Z"),
            Just("EMEA/DE"),
            Just("/"),
            Just("active"),
            Just("W/\"3\""),
            Just("404"),
            Just("User"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ]
}

/// Arbitrary JSON whose object keys are mostly SCIM's own.
fn scim_like_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![4 => proptest::sample::select(KEYS).prop_map(str::to_owned), 1 => ".{0,8}"];
    leaf().prop_recursive(5, 96, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..10)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// Feeds `value` to every decoder; panics only if one of them does.
fn decode_everything(value: &Value) {
    if let Ok(user) = serde_json::from_value::<User>(value.clone()) {
        exercise_user(&user);
    }
    if let Ok(group) = serde_json::from_value::<Group>(value.clone()) {
        assert!(serde_json::to_string(&group).is_ok(), "a decoded group serialises again");
    }
    if let Ok(list) = serde_json::from_value::<ListResponse<User>>(value.clone()) {
        list.resources.iter().for_each(exercise_user);
    }
    let _ = serde_json::from_value::<ListResponse<Group>>(value.clone());
    let _ = serde_json::from_value::<ListResponse<Value>>(value.clone());
    if let Ok(stubs) = serde_json::from_value::<ListResponse<UserStub>>(value.clone()) {
        for stub in stubs.resources {
            let _ = bu_in_json(&Value::Object(stub.rest), DEFAULT_BU_ATTRIBUTE);
        }
    }
    let _ = serde_json::from_value::<ScimErrorBody>(value.clone());
    let _ = Grant::from_scim(value);
    for attribute in [DEFAULT_BU_ATTRIBUTE, "title", "name.familyName", "urn:x:y:org.unit", "", ".", "urn:"] {
        let _ = bu_in_json(value, attribute);
    }
}

/// What the sync and the cache do with a decoded user.
fn exercise_user(user: &User) {
    let _ = bu_of(user, DEFAULT_BU_ATTRIBUTE);
    let _ = user.primary_email();
    assert!(serde_json::to_string(user).is_ok(), "a decoded user serialises again (the cache stores it)");
}

fn decode_bytes(bytes: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        decode_everything(&value);
    }
    // The sync's reader of a listed user (its summary read directly where it can be), on any
    // text serde_json accepts as JSON, as a page's users are: it says what serde says.
    if let Ok(raw) = serde_json::from_slice::<Box<RawValue>>(bytes) {
        let listed = CachedUser::decode_listed(raw.clone().into(), |_, _| None);
        let decoded = CachedUser::decode(raw.get().into(), |_, _| None);
        match (listed, decoded) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "the listed user is cached as its text decodes"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (a, b) => panic!("{a:?} against {b:?}"),
        }
    }
    let _ = serde_json::from_slice::<User>(bytes);
    let _ = serde_json::from_slice::<Group>(bytes);
    let _ = serde_json::from_slice::<ListResponse<User>>(bytes);
    let _ = serde_json::from_slice::<ListResponse<UserStub>>(bytes);
    let _ = serde_json::from_slice::<ScimErrorBody>(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_scim_shaped_json_never_panics_a_decoder(value in scim_like_json()) {
        decode_everything(&value);
    }

    #[test]
    fn a_list_response_with_arbitrary_resources_never_panics_a_decoder(
        resources in prop::collection::vec(scim_like_json(), 0..8),
        total in prop_oneof![Just(Value::Null), any::<u64>().prop_map(Value::from), ".{0,4}".prop_map(Value::String)],
    ) {
        let list = serde_json::json!({"totalResults": total, "Resources": resources});
        decode_everything(&list);
    }

    #[test]
    fn arbitrary_bytes_never_panic_a_decoder(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_bytes(&bytes);
    }

    #[test]
    fn truncated_and_mangled_scim_json_never_panics_a_decoder(value in scim_like_json(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let text = value.to_string().into_bytes();
        let at = cut.index(text.len() + 1);
        decode_bytes(&text[..at]);
        let mut mangled = text.clone();
        if let Some(b) = mangled.get_mut(at) {
            *b = byte;
        }
        decode_bytes(&mangled);
    }
}

/// Known-good input decodes, so the properties above are not vacuous: refusal is not the only
/// outcome they see.
#[test]
fn well_formed_scim_decodes() {
    let user = serde_json::json!({
        "id": "u1", "userName": "anna",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "EMEA/DE"}
    });
    let decoded: User = serde_json::from_value(user.clone()).expect("a user");
    assert_eq!(bu_of(&decoded, DEFAULT_BU_ATTRIBUTE).as_deref(), Some("EMEA/DE"));
    let list: ListResponse<User> =
        serde_json::from_value(serde_json::json!({"totalResults": 1, "Resources": [user]})).expect("a list");
    assert_eq!(list.resources.len(), 1);
    let error: ScimErrorBody =
        serde_json::from_value(serde_json::json!({"status": "404", "detail": "no such user"})).expect("an error");
    assert_eq!(error.detail.as_deref(), Some("no such user"));
    assert!(serde_json::from_value::<User>(serde_json::json!({"userName": 5})).is_err(), "a wrong type is an error");
}
