//! A user to cache: its JSON, and the columns of its row read from that JSON once.
//!
//! A full sync caches every user in scope as its page arrives. Reading only the columns (a
//! `UserSummary`) instead of building a whole `User` halved the client's work per user, and
//! a column whose text the JSON holds as is (no escapes) is kept as a range of the JSON rather
//! than a copy: a user costs the JSON's allocation and little more.

use std::borrow::Cow;
use std::ops::Range;

use bailiwick_scim::{User, UserSummary};
use chrono::{DateTime, Utc};

use super::users::UserType;
use crate::directory::ListedJson;
use crate::error::Error;
use crate::scope::BuPath;

/// A column's text: a range of the user's JSON, or its own copy (an escaped string in the
/// JSON, or a display name put together from the given and family names).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Text {
    InJson(Range<usize>),
    Own(Box<str>),
}

impl Text {
    /// `value`, as a range of `json` when it is a slice of it.
    fn of(json: &str, value: Cow<'_, str>) -> Text {
        if let Cow::Borrowed(text) = &value {
            let start = (text.as_ptr() as usize).wrapping_sub(json.as_ptr() as usize);
            if start <= json.len() && json.len() - start >= text.len() {
                return Text::InJson(start..start + text.len());
            }
        }
        Text::Own(value.into_owned().into_boxed_str())
    }

    fn get<'u>(&'u self, json: &'u str) -> &'u str {
        match self {
            Text::InJson(range) => json.get(range.clone()).unwrap_or_default(),
            Text::Own(text) => text,
        }
    }
}

/// A user to cache, with the BU already read from the profile's BU attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedUser {
    /// The resource's JSON as the server sent it (within its page), or as Bailiwick serialised it.
    json: ListedJson,
    columns: Columns,
    pub bu: Option<BuPath>,
}

/// The columns of a cached user's row, as read from its JSON.
#[derive(Debug, Clone, PartialEq)]
struct Columns {
    id: Option<Text>,
    user_name: Text,
    display_name: Text,
    given_name: Option<Text>,
    family_name: Option<Text>,
    email: Option<Text>,
    user_type: UserType,
    active: bool,
    version: Option<Text>,
    last_modified: Option<DateTime<Utc>>,
}

impl Columns {
    /// The columns `summary` (read from `json`) gives.
    fn of(summary: UserSummary<'_>, json: &str) -> Columns {
        let text = |value: Cow<'_, str>| Text::of(json, value);
        let user_type = UserType::from_scim(summary.user_type.as_deref());
        let display_name = text(display_name_of(&summary));
        let UserSummary { id, user_name, given_name, family_name, active, email, version, last_modified, .. } = summary;
        Columns {
            id: id.map(text),
            user_name: text(user_name),
            display_name,
            given_name: given_name.map(text),
            family_name: family_name.map(text),
            email: email.map(text),
            user_type,
            active: active.unwrap_or(true),
            version: version.map(text),
            last_modified,
        }
    }
}

impl CachedUser {
    /// The user `json` holds (refused as decoding it as a `User` would refuse it), with the BU
    /// `bu` reads from its summary and its JSON.
    pub fn decode(
        json: Box<str>,
        bu: impl FnOnce(&UserSummary<'_>, &str) -> Option<BuPath>,
    ) -> Result<CachedUser, serde_json::Error> {
        let summary = UserSummary::decode(&json)?;
        let bu = bu(&summary, &json);
        let columns = Columns::of(summary, &json);
        // serde_json accepted the text (the summary): the columns' ranges hold in the same text.
        Ok(CachedUser { json: ListedJson::whole(json.into()), columns, bu })
    }

    /// `decode`, for a user as a listing's page holds it (JSON serde_json accepted, which lets
    /// its summary be read directly: `UserSummary::decode_accepted`).
    pub fn decode_listed(
        json: ListedJson,
        bu: impl FnOnce(&UserSummary<'_>, &str) -> Option<BuPath>,
    ) -> Result<CachedUser, serde_json::Error> {
        let summary = UserSummary::decode_accepted(json.get())?;
        let bu = bu(&summary, json.get());
        let columns = Columns::of(summary, json.get());
        Ok(CachedUser { json, columns, bu })
    }

    /// `user` (serialised), in `bu`.
    pub fn new(user: &User, bu: Option<BuPath>) -> Result<CachedUser, Error> {
        let json = super::to_json(user)?.into_boxed_str();
        // What `User` serialises always decodes; the error path exists so nothing here can panic.
        Self::decode(json, |_, _| bu).map_err(|e| Error::Io(std::io::Error::other(e)))
    }

    /// The resource's JSON, as stored.
    pub fn json(&self) -> &str {
        self.json.get()
    }

    /// The resource, decoded.
    pub fn resource(&self) -> Result<User, serde_json::Error> {
        serde_json::from_str(self.json.get())
    }

    pub fn id(&self) -> Option<&str> {
        self.columns.id.as_ref().map(|t| t.get(self.json.get()))
    }

    pub fn user_name(&self) -> &str {
        self.columns.user_name.get(self.json.get())
    }

    /// `displayName`, else the formatted name, else given and family name, else `userName`.
    pub fn display_name(&self) -> &str {
        self.columns.display_name.get(self.json.get())
    }

    pub fn given_name(&self) -> Option<&str> {
        self.columns.given_name.as_ref().map(|t| t.get(self.json.get()))
    }

    pub fn family_name(&self) -> Option<&str> {
        self.columns.family_name.as_ref().map(|t| t.get(self.json.get()))
    }

    /// The primary e-mail, else the first.
    pub fn email(&self) -> Option<&str> {
        self.columns.email.as_ref().map(|t| t.get(self.json.get()))
    }

    pub fn user_type(&self) -> UserType {
        self.columns.user_type
    }

    /// `active`; absent counts as active.
    pub fn active(&self) -> bool {
        self.columns.active
    }

    /// The entity tag, `meta.version`.
    pub fn version(&self) -> Option<&str> {
        self.columns.version.as_ref().map(|t| t.get(self.json.get()))
    }

    pub fn last_modified(&self) -> Option<DateTime<Utc>> {
        self.columns.last_modified
    }

    /// This user with its resource edited (tests).
    #[cfg(test)]
    pub(super) fn edited(&self, edit: impl FnOnce(&mut User)) -> CachedUser {
        let mut resource = self.resource().expect("a cached user decodes");
        edit(&mut resource);
        CachedUser::new(&resource, self.bu.clone()).expect("a user serialises")
    }
}

/// `displayName`, else the formatted name, else given and family name, else `userName`.
pub(super) fn display_name_of<'s>(user: &UserSummary<'s>) -> Cow<'s, str> {
    fn non_blank<'t, 's>(text: &'t Option<Cow<'s, str>>) -> Option<&'t Cow<'s, str>> {
        text.as_ref().filter(|t| !t.trim().is_empty())
    }
    // A trimmed borrowed text stays borrowed (a slice of the JSON).
    fn trimmed<'s>(text: &Cow<'s, str>) -> Cow<'s, str> {
        match text {
            Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
            Cow::Owned(text) => Cow::Owned(text.trim().to_owned()),
        }
    }
    if let Some(name) = non_blank(&user.display_name).or_else(|| non_blank(&user.formatted_name)) {
        return trimmed(name);
    }
    let parts: Vec<&str> =
        [non_blank(&user.given_name), non_blank(&user.family_name)].into_iter().flatten().map(|t| t.as_ref()).collect();
    if parts.is_empty() {
        user.user_name.clone()
    } else {
        Cow::Owned(parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn columns_are_ranges_of_the_json_unless_escaped_or_put_together() {
        let json = json!({
            "id": "u1", "userName": "anna\u{e9}", "name": {"givenName": "Anna", "familyName": "Sch\"midt"},
            "emails": [{"value": "anna@x.example"}], "meta": {"version": "W/\"3\""},
            "userType": "Partner", "active": false,
        })
        .to_string();
        let cached = CachedUser::decode(json.into(), |_, _| BuPath::parse("EMEA/DE")).expect("a valid user");
        assert_eq!(cached.id(), Some("u1"));
        assert_eq!(cached.user_name(), "anna\u{e9}");
        assert!(
            matches!(cached.columns.user_name, Text::InJson(_)),
            "unescaped UTF-8 is borrowed: {:?}",
            cached.columns.user_name
        );
        assert_eq!(cached.family_name(), Some("Sch\"midt"));
        assert!(matches!(cached.columns.family_name, Some(Text::Own(_))), "an escaped value is copied");
        assert_eq!(cached.display_name(), "Anna Sch\"midt", "given and family name when there is no displayName");
        assert_eq!((cached.email(), cached.version()), (Some("anna@x.example"), Some("W/\"3\"")));
        assert_eq!((cached.user_type(), cached.active()), (UserType::Partner, false));
        assert_eq!(cached.bu.as_ref().map(BuPath::as_str), Some("EMEA/DE"));
        let clone = cached.clone();
        assert_eq!(clone.user_name(), "anna\u{e9}", "a clone reads its own JSON");
    }

    #[test]
    fn a_listed_user_is_cached_as_its_text_is() {
        use serde_json::value::RawValue;

        let listed = |json: serde_json::Value| {
            let text = json.to_string();
            let raw = RawValue::from_string(text.clone()).expect("valid JSON");
            let bu = |_: &UserSummary<'_>, _: &str| BuPath::parse("EMEA/DE");
            (CachedUser::decode_listed(raw.into(), bu), CachedUser::decode(text.into(), bu))
        };
        let (raw, text) = listed(json!({
            "id": "u1", "userName": "anna", "name": {"givenName": "Anna", "familyName": "Schmidt"},
            "emails": [{"value": "anna@x.example", "primary": true}], "meta": {"version": "W/3"},
        }));
        let cached = raw.expect("a valid user");
        assert_eq!(cached, text.expect("a valid user"), "the same columns and JSON as from its text");
        assert!(matches!(cached.columns.user_name, Text::InJson(_)), "still ranges of the moved JSON");
        assert_eq!(
            (cached.user_name(), cached.display_name(), cached.email()),
            ("anna", "Anna Schmidt", Some("anna@x.example"))
        );
        let (raw, text) = listed(json!({"id": "u2", "userName": 7}));
        assert_eq!(raw.expect_err("not a user").to_string(), text.expect_err("not a user").to_string());
    }

    #[test]
    fn the_display_name_is_trimmed_and_falls_back_in_order() {
        let display = |json: serde_json::Value| {
            CachedUser::decode(json.to_string().into(), |_, _| None).expect("valid").display_name().to_owned()
        };
        assert_eq!(display(json!({"userName": "u", "displayName": "  Anna  ", "name": {"formatted": "F"}})), "Anna");
        assert_eq!(display(json!({"userName": "u", "displayName": " ", "name": {"formatted": "F G"}})), "F G");
        assert_eq!(display(json!({"userName": "u", "name": {"familyName": "Schmidt"}})), "Schmidt");
        assert_eq!(display(json!({"userName": "u", "name": {"givenName": " "}})), "u");
    }

    #[test]
    fn a_user_is_cached_as_it_serialises() {
        let user: User =
            serde_json::from_value(json!({"id": "u1", "userName": "anna", "active": true})).expect("a valid user");
        let cached = CachedUser::new(&user, None).expect("serialises");
        assert_eq!(cached.resource().expect("decodes"), user);
        assert_eq!((cached.id(), cached.user_name(), cached.display_name()), (Some("u1"), "anna", "anna"));
    }
}
