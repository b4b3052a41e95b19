//! Decoding of the resources that carry attributes this crate does not model (`User`,
//! `EnterpriseUser`, `Group`), by hand rather than with `#[serde(flatten)]`.
//!
//! - Attribute names are case-insensitive (RFC 7643 §2.1): `username` is `userName`. Servers
//!   differ in how they spell them, and derived decoding would drop the attribute into `extra`.
//! - `null` is an absent attribute (RFC 7643 §2.5), for lists too: `"emails": null` is no e-mails.
//! - `flatten` makes serde buffer the whole object before sorting its attributes out; a full
//!   sync decodes every user in scope, and that buffering was most of the decoding time.
//!
//! Unmodelled attributes keep the name the server gave them, so a round trip changes nothing.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::resource::{EnterpriseUser, Group, User};
use crate::schema;

/// A JSON string as a decoder reads it: borrowed from the input when it has no escapes, so
/// that reading it costs no allocation.
pub struct Text<'de>(Cow<'de, str>);

impl<'de> Text<'de> {
    pub fn into_cow(self) -> Cow<'de, str> {
        self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

/// An attribute name as a decoder reads it: borrowed from the input when it has no escapes,
/// so that attributes a decoder skips cost no allocation.
pub struct AttributeName<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for AttributeName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Text::deserialize(deserializer).map(|name| AttributeName(name.0))
    }
}

impl AttributeName<'_> {
    /// Whether this is `name`: attribute names are case-insensitive (RFC 7643 §2.1).
    pub fn is(&self, name: &str) -> bool {
        self.0.eq_ignore_ascii_case(name)
    }

    /// The name as the server spelled it.
    pub fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

/// Where a modelled attribute's value goes. It refuses the attribute given twice (in any
/// spelling), as derived decoding does.
pub(crate) struct Slot<T> {
    name: &'static str,
    seen: bool,
    pub(crate) value: Option<T>,
}

impl<T> Slot<T> {
    pub(crate) const fn new(name: &'static str) -> Self {
        Self { name, seen: false, value: None }
    }

    /// Reads the value; `null` leaves it absent.
    pub(crate) fn read<'de, A: MapAccess<'de>>(&mut self, map: &mut A) -> Result<(), A::Error>
    where
        T: Deserialize<'de>,
    {
        if std::mem::replace(&mut self.seen, true) {
            return Err(de::Error::duplicate_field(self.name));
        }
        self.value = map.next_value::<Option<T>>()?;
        Ok(())
    }
}

/// Where a decoder puts the attributes it does not model. Each refuses a name given twice
/// (JSON objects with repeated names are ambiguous, and which one a server meant cannot be
/// known).
pub(crate) trait Unmodelled<'de> {
    fn keep<A: MapAccess<'de>>(&mut self, name: AttributeName<'de>, map: &mut A) -> Result<(), A::Error>;
}

/// Kept verbatim, under the name the server gave them.
impl<'de> Unmodelled<'de> for Map<String, Value> {
    fn keep<A: MapAccess<'de>>(&mut self, name: AttributeName<'de>, map: &mut A) -> Result<(), A::Error> {
        let value: Value = map.next_value()?;
        let name = name.0.into_owned();
        if self.contains_key(&name) {
            return Err(duplicate_attribute(&name));
        }
        self.insert(name, value);
        Ok(())
    }
}

pub(crate) fn duplicate_attribute<E: de::Error>(name: &str) -> E {
    E::custom(format_args!("duplicate attribute `{name}`"))
}

/// Declares a slot per modelled attribute (`"name" => slot: Type`), then reads the object:
/// each modelled attribute into its slot, anything else into `extra` (`Unmodelled`).
macro_rules! read_attributes {
    ($map:ident, $extra:ident, { $($attribute:expr => $slot:ident: $ty:ty),+ $(,)? }) => {
        $(let mut $slot: $crate::decode::Slot<$ty> = $crate::decode::Slot::new($attribute);)+
        while let Some(name) = $map.next_key::<$crate::decode::AttributeName<'de>>()? {
            $(if name.is($attribute) {
                $slot.read(&mut $map)?;
                continue;
            })+
            $crate::decode::Unmodelled::keep(&mut $extra, name, &mut $map)?;
        }
    };
}
pub(crate) use read_attributes;

impl<'de> Deserialize<'de> for User {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UserVisitor;
        impl<'de> Visitor<'de> for UserVisitor {
            type Value = User;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a SCIM User (a JSON object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<User, A::Error> {
                let mut extra: Map<String, Value> = Map::new();
                read_attributes!(map, extra, {
                    "schemas" => schemas: Vec<String>,
                    "id" => id: String,
                    "externalId" => external_id: String,
                    "userName" => user_name: String,
                    "name" => name: crate::resource::Name,
                    "displayName" => display_name: String,
                    "title" => title: String,
                    "userType" => user_type: String,
                    "active" => active: bool,
                    "emails" => emails: Vec<crate::resource::Email>,
                    "groups" => groups: Vec<crate::resource::UserGroup>,
                    schema::ENTERPRISE_USER => enterprise: EnterpriseUser,
                    "meta" => meta: crate::resource::Meta,
                });
                let user_name = user_name.value.ok_or_else(|| de::Error::missing_field("userName"))?;
                Ok(User {
                    schemas: schemas.value.unwrap_or_default(),
                    id: id.value,
                    external_id: external_id.value,
                    user_name,
                    name: name.value,
                    display_name: display_name.value,
                    title: title.value,
                    user_type: user_type.value,
                    active: active.value,
                    emails: emails.value.unwrap_or_default(),
                    groups: groups.value.unwrap_or_default(),
                    enterprise: enterprise.value,
                    meta: meta.value,
                    extra,
                })
            }
        }
        deserializer.deserialize_map(UserVisitor)
    }
}

impl<'de> Deserialize<'de> for EnterpriseUser {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnterpriseVisitor;
        impl<'de> Visitor<'de> for EnterpriseVisitor {
            type Value = EnterpriseUser;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("the enterprise User extension (a JSON object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EnterpriseUser, A::Error> {
                let mut extra: Map<String, Value> = Map::new();
                read_attributes!(map, extra, {
                    "employeeNumber" => employee_number: String,
                    "costCenter" => cost_center: String,
                    "organization" => organization: String,
                    "division" => division: String,
                    "department" => department: String,
                });
                Ok(EnterpriseUser {
                    employee_number: employee_number.value,
                    cost_center: cost_center.value,
                    organization: organization.value,
                    division: division.value,
                    department: department.value,
                    extra,
                })
            }
        }
        deserializer.deserialize_map(EnterpriseVisitor)
    }
}

impl<'de> Deserialize<'de> for Group {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GroupVisitor;
        impl<'de> Visitor<'de> for GroupVisitor {
            type Value = Group;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a SCIM Group (a JSON object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Group, A::Error> {
                let mut extra: Map<String, Value> = Map::new();
                read_attributes!(map, extra, {
                    "schemas" => schemas: Vec<String>,
                    "id" => id: String,
                    "externalId" => external_id: String,
                    "displayName" => display_name: String,
                    "members" => members: Vec<crate::resource::Member>,
                    "meta" => meta: crate::resource::Meta,
                });
                let display_name = display_name.value.ok_or_else(|| de::Error::missing_field("displayName"))?;
                Ok(Group {
                    schemas: schemas.value.unwrap_or_default(),
                    id: id.value,
                    external_id: external_id.value,
                    display_name,
                    members: members.value.unwrap_or_default(),
                    meta: meta.value,
                    extra,
                })
            }
        }
        deserializer.deserialize_map(GroupVisitor)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn attribute_names_are_case_insensitive() {
        let user: User = serde_json::from_value(json!({
            "ID": "u1",
            "username": "anna",
            "DisplayName": "Anna",
            "ACTIVE": false,
            "Emails": [{"value": "a@x.example"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"Division": "EMEA/DE"},
        }))
        .expect("differently spelled attributes are still the modelled ones");
        assert_eq!(user.id.as_deref(), Some("u1"));
        assert_eq!(user.user_name, "anna");
        assert_eq!(user.display_name.as_deref(), Some("Anna"));
        assert_eq!(user.active, Some(false));
        assert_eq!(user.primary_email(), Some("a@x.example"));
        assert_eq!(user.enterprise.and_then(|e| e.division).as_deref(), Some("EMEA/DE"));
        assert!(user.extra.is_empty(), "nothing modelled may end up in extra: {:?}", user.extra);
    }

    #[test]
    fn null_is_an_absent_attribute_even_for_lists() {
        let user: User = serde_json::from_value(json!({
            "userName": "anna", "emails": null, "groups": null, "schemas": null, "name": null, "active": null,
        }))
        .expect("null attributes are absent ones");
        assert!(user.emails.is_empty() && user.groups.is_empty() && user.schemas.is_empty());
        assert_eq!((user.name, user.active), (None, None));
        let group: Group = serde_json::from_value(json!({"displayName": "Authors", "members": null}))
            .expect("a group with null members");
        assert!(group.members.is_empty());
    }

    #[test]
    fn unmodelled_attributes_keep_their_spelling_and_value() {
        let user: User = serde_json::from_value(json!({
            "userName": "anna", "phoneNumbers": [{"value": "+49 1"}], "x-Custom": {"Deep": [1, null]},
        }))
        .expect("parses");
        assert_eq!(user.extra.get("phoneNumbers"), Some(&json!([{"value": "+49 1"}])));
        assert_eq!(user.extra.get("x-Custom"), Some(&json!({"Deep": [1, null]})));
    }

    #[test]
    fn an_attribute_given_twice_is_refused_in_any_spelling() {
        let twice = r#"{"userName": "anna", "UserName": "bob"}"#;
        let error = serde_json::from_str::<User>(twice).expect_err("which userName is meant cannot be known");
        assert!(error.to_string().contains("duplicate field `userName`"), "{error}");
        let extra_twice = r#"{"userName": "anna", "nickName": "a", "nickName": "b"}"#;
        let error = serde_json::from_str::<User>(extra_twice).expect_err("an unmodelled attribute twice too");
        assert!(error.to_string().contains("duplicate attribute `nickName`"), "{error}");
    }

    #[test]
    fn required_attributes_and_types_are_checked() {
        let error = serde_json::from_str::<User>(r#"{"id": "u1"}"#).expect_err("userName is required");
        assert!(error.to_string().contains("missing field `userName`"), "{error}");
        let error = serde_json::from_str::<Group>(r#"{"id": "g1"}"#).expect_err("displayName is required");
        assert!(error.to_string().contains("missing field `displayName`"), "{error}");
        assert!(serde_json::from_str::<User>(r#"{"userName": 7}"#).is_err(), "userName must be a string");
        assert!(serde_json::from_str::<User>(r#"["userName"]"#).is_err(), "a user is an object");
    }

    #[test]
    fn escaped_attribute_names_are_decoded_before_matching() {
        let user: User =
            serde_json::from_str(r#"{"user\u004eame": "anna"}"#).expect("an escaped name is still userName");
        assert_eq!(user.user_name, "anna");
    }
}
