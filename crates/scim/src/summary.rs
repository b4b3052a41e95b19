//! What a directory listing shows of a User, read from its JSON without building the `User`.
//!
//! A full sync reads every user in scope, and building each `User` (a `String` per attribute,
//! a `Value` per unmodelled one) was most of the client's work while the pages arrived. A
//! `UserSummary` borrows its text from the JSON and builds nothing else, yet it accepts
//! exactly the JSON that `User` accepts: every attribute `User` models is checked for the type
//! `User` wants, with the same rules (names case-insensitive, `null` absent, an attribute
//! twice refused), so a summarised user still decodes as a `User` later. A property test
//! holds the two decoders to that.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::decode::{duplicate_attribute, read_attributes, AttributeName, Text, Unmodelled};
use crate::resource::User;
use crate::schema;
use crate::timestamp::Timestamp;

/// The enterprise extension's modelled attributes (RFC 7643 §4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnterpriseSummary<'a> {
    pub employee_number: Option<Cow<'a, str>>,
    pub cost_center: Option<Cow<'a, str>>,
    pub organization: Option<Cow<'a, str>>,
    pub division: Option<Cow<'a, str>>,
    pub department: Option<Cow<'a, str>>,
}

/// A User's single-valued attributes, its primary e-mail and its version, borrowed from the
/// JSON wherever the text has no escapes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSummary<'a> {
    pub id: Option<Cow<'a, str>>,
    pub external_id: Option<Cow<'a, str>>,
    pub user_name: Cow<'a, str>,
    pub display_name: Option<Cow<'a, str>>,
    pub formatted_name: Option<Cow<'a, str>>,
    pub given_name: Option<Cow<'a, str>>,
    pub family_name: Option<Cow<'a, str>>,
    pub title: Option<Cow<'a, str>>,
    pub user_type: Option<Cow<'a, str>>,
    pub active: Option<bool>,
    /// The primary e-mail, else the first one (as `User::primary_email`).
    pub email: Option<Cow<'a, str>>,
    pub enterprise: Option<EnterpriseSummary<'a>>,
    pub version: Option<Cow<'a, str>>,
    pub last_modified: Option<DateTime<Utc>>,
}

impl<'a> UserSummary<'a> {
    /// Reads the summary of the User `json` holds; an error wherever decoding it as a `User`
    /// fails.
    pub fn decode(json: &'a str) -> serde_json::Result<Self> {
        serde_json::from_str(json)
    }

    /// As `decode`, for the text of a `RawValue` (which serde_json accepted as JSON): the JSON
    /// directories usually send is read directly (`direct.rs`), several times faster, and
    /// anything else as `decode` reads it.
    pub fn decode_raw(json: &'a RawValue) -> serde_json::Result<Self> {
        Self::decode_accepted(json.get())
    }

    /// As `decode_raw`, for text serde_json accepted as JSON (a `RawValue`'s, kept as text).
    /// Other text may be read differently from `decode`.
    pub fn decode_accepted(json: &'a str) -> serde_json::Result<Self> {
        match direct::summary(json) {
            Some(summary) => Ok(summary),
            None => Self::decode(json),
        }
    }

    /// The summary of a decoded `user`.
    pub fn of(user: &'a User) -> Self {
        let text = |value: &'a Option<String>| value.as_deref().map(Cow::Borrowed);
        let name = user.name.as_ref();
        let meta = user.meta.as_ref();
        Self {
            id: text(&user.id),
            external_id: text(&user.external_id),
            user_name: Cow::Borrowed(&user.user_name),
            display_name: text(&user.display_name),
            formatted_name: name.and_then(|n| text(&n.formatted)),
            given_name: name.and_then(|n| text(&n.given_name)),
            family_name: name.and_then(|n| text(&n.family_name)),
            title: text(&user.title),
            user_type: text(&user.user_type),
            active: user.active,
            email: user.primary_email().map(Cow::Borrowed),
            enterprise: user.enterprise.as_ref().map(|e| EnterpriseSummary {
                employee_number: text(&e.employee_number),
                cost_center: text(&e.cost_center),
                organization: text(&e.organization),
                division: text(&e.division),
                department: text(&e.department),
            }),
            version: meta.and_then(|m| text(&m.version)),
            last_modified: meta.and_then(|m| m.last_modified),
        }
    }
}

/// `Name`'s attributes, as its derived decoder reads them (named alike, as are the ones below,
/// so that an error names the same type).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Name<'a> {
    #[serde(default, borrow)]
    formatted: Option<Text<'a>>,
    #[serde(default, borrow)]
    family_name: Option<Text<'a>>,
    #[serde(default, borrow)]
    given_name: Option<Text<'a>>,
}

/// `Email`'s attributes, as its derived decoder reads them.
#[derive(Deserialize)]
#[allow(dead_code)] // `kind` is checked, not kept.
struct Email<'a> {
    #[serde(borrow)]
    value: Text<'a>,
    #[serde(default, rename = "type", borrow)]
    kind: Option<Text<'a>>,
    #[serde(default)]
    primary: Option<bool>,
}

/// `UserGroup`'s attributes, as its derived decoder reads them (checked, then dropped).
#[derive(Deserialize)]
#[allow(dead_code)] // Checked, not kept.
struct UserGroup<'a> {
    #[serde(borrow)]
    value: Text<'a>,
    #[serde(default, rename = "$ref", borrow)]
    reference: Option<Text<'a>>,
    #[serde(default, borrow)]
    display: Option<Text<'a>>,
    #[serde(default, rename = "type", borrow)]
    kind: Option<Text<'a>>,
}

/// `Meta`'s attributes, as its derived decoder reads them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // `resource_type`, `created` and `location` are checked, not kept.
struct Meta<'a> {
    #[serde(default, borrow)]
    resource_type: Option<Text<'a>>,
    #[serde(default)]
    created: Option<Timestamp>,
    #[serde(default)]
    last_modified: Option<Timestamp>,
    #[serde(default, borrow)]
    location: Option<Text<'a>>,
    #[serde(default, borrow)]
    version: Option<Text<'a>>,
}

/// A JSON array whose elements must each decode as `T`, read and dropped (`Vec<T>` without
/// the `Vec`).
struct Each<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Each<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EachVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for EachVisitor<T> {
            type Value = Each<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Each<T>, A::Error> {
                while seq.next_element::<T>()?.is_some() {}
                Ok(Each(PhantomData))
            }
        }
        deserializer.deserialize_seq(EachVisitor(PhantomData))
    }
}

/// `emails` reduced to the primary address, else the first (`Vec<Email>` without the `Vec`).
struct PrimaryEmail<'a>(Option<Text<'a>>);

impl<'de> Deserialize<'de> for PrimaryEmail<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EmailsVisitor;
        impl<'de> Visitor<'de> for EmailsVisitor {
            type Value = PrimaryEmail<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PrimaryEmail<'de>, A::Error> {
                let (mut first, mut primary) = (None, None);
                while let Some(email) = seq.next_element::<Email<'de>>()? {
                    if primary.is_none() && email.primary == Some(true) {
                        primary = Some(email.value);
                    } else if first.is_none() {
                        first = Some(email.value);
                    }
                }
                Ok(PrimaryEmail(primary.or(first)))
            }
        }
        deserializer.deserialize_seq(EmailsVisitor)
    }
}

/// Any JSON value, as `serde_json::Value` accepts it (nesting limit included), kept nowhere.
struct AnyJson;

impl<'de> Deserialize<'de> for AnyJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AnyVisitor;
        impl<'de> Visitor<'de> for AnyVisitor {
            type Value = AnyJson;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any valid JSON value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<AnyJson, E> {
                Ok(AnyJson)
            }
            fn visit_i64<E>(self, _: i64) -> Result<AnyJson, E> {
                Ok(AnyJson)
            }
            fn visit_u64<E>(self, _: u64) -> Result<AnyJson, E> {
                Ok(AnyJson)
            }
            fn visit_f64<E>(self, _: f64) -> Result<AnyJson, E> {
                Ok(AnyJson)
            }
            fn visit_str<E>(self, _: &str) -> Result<AnyJson, E> {
                Ok(AnyJson)
            }
            fn visit_unit<E>(self) -> Result<AnyJson, E> {
                Ok(AnyJson)
            }
            fn visit_none<E>(self) -> Result<AnyJson, E> {
                Ok(AnyJson)
            }
            fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<AnyJson, D::Error> {
                AnyJson::deserialize(deserializer)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyJson, A::Error> {
                while seq.next_element::<AnyJson>()?.is_some() {}
                Ok(AnyJson)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyJson, A::Error> {
                while map.next_entry::<AttributeName<'de>, AnyJson>()?.is_some() {}
                Ok(AnyJson)
            }
        }
        deserializer.deserialize_any(AnyVisitor)
    }
}

/// The names of the unmodelled attributes seen so far: their values are checked to be JSON
/// and dropped, and a name given twice is refused, as `User` refuses it.
#[derive(Default)]
struct UnmodelledNames<'de>(Vec<Cow<'de, str>>);

impl<'de> Unmodelled<'de> for UnmodelledNames<'de> {
    fn keep<A: MapAccess<'de>>(&mut self, name: AttributeName<'de>, map: &mut A) -> Result<(), A::Error> {
        map.next_value::<AnyJson>()?;
        if self.0.contains(&name.0) {
            return Err(duplicate_attribute(&name.0));
        }
        self.0.push(name.0);
        Ok(())
    }
}

impl<'de> Deserialize<'de> for EnterpriseSummary<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnterpriseVisitor;
        impl<'de> Visitor<'de> for EnterpriseVisitor {
            type Value = EnterpriseSummary<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("the enterprise User extension (a JSON object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EnterpriseSummary<'de>, A::Error> {
                let mut extra = UnmodelledNames::default();
                read_attributes!(map, extra, {
                    "employeeNumber" => employee_number: Text<'de>,
                    "costCenter" => cost_center: Text<'de>,
                    "organization" => organization: Text<'de>,
                    "division" => division: Text<'de>,
                    "department" => department: Text<'de>,
                });
                Ok(EnterpriseSummary {
                    employee_number: employee_number.value.map(Text::into_cow),
                    cost_center: cost_center.value.map(Text::into_cow),
                    organization: organization.value.map(Text::into_cow),
                    division: division.value.map(Text::into_cow),
                    department: department.value.map(Text::into_cow),
                })
            }
        }
        deserializer.deserialize_map(EnterpriseVisitor)
    }
}

impl<'de> Deserialize<'de> for UserSummary<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SummaryVisitor;
        impl<'de> Visitor<'de> for SummaryVisitor {
            type Value = UserSummary<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a SCIM User (a JSON object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UserSummary<'de>, A::Error> {
                let mut extra = UnmodelledNames::default();
                // The attributes and types of `User`'s decoder (decode.rs).
                read_attributes!(map, extra, {
                    "schemas" => schemas: Each<Text<'de>>,
                    "id" => id: Text<'de>,
                    "externalId" => external_id: Text<'de>,
                    "userName" => user_name: Text<'de>,
                    "name" => name: Name<'de>,
                    "displayName" => display_name: Text<'de>,
                    "title" => title: Text<'de>,
                    "userType" => user_type: Text<'de>,
                    "active" => active: bool,
                    "emails" => emails: PrimaryEmail<'de>,
                    "groups" => groups: Each<UserGroup<'de>>,
                    schema::ENTERPRISE_USER => enterprise: EnterpriseSummary<'de>,
                    "meta" => meta: Meta<'de>,
                });
                let user_name = user_name.value.ok_or_else(|| de::Error::missing_field("userName"))?;
                let (formatted_name, given_name, family_name) = match name.value {
                    Some(name) => (name.formatted, name.given_name, name.family_name),
                    None => (None, None, None),
                };
                let (version, last_modified) = match meta.value {
                    Some(meta) => (meta.version, meta.last_modified.map(|t| t.0)),
                    None => (None, None),
                };
                Ok(UserSummary {
                    id: id.value.map(Text::into_cow),
                    external_id: external_id.value.map(Text::into_cow),
                    user_name: user_name.into_cow(),
                    display_name: display_name.value.map(Text::into_cow),
                    formatted_name: formatted_name.map(Text::into_cow),
                    given_name: given_name.map(Text::into_cow),
                    family_name: family_name.map(Text::into_cow),
                    title: title.value.map(Text::into_cow),
                    user_type: user_type.value.map(Text::into_cow),
                    active: active.value,
                    email: emails.value.and_then(|e| e.0).map(Text::into_cow),
                    enterprise: enterprise.value,
                    version: version.map(Text::into_cow),
                    last_modified,
                })
            }
        }
        deserializer.deserialize_map(SummaryVisitor)
    }
}

mod direct;
#[cfg(test)]
mod tests;
