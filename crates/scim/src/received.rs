//! A resource together with the JSON text it was decoded from.

use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A resource decoded from a server's JSON, and that JSON as the server sent it: a cache can
/// keep what the server said without serialising the resource again (for a full sync of
/// 100,000 users that serialising took as long as decoding them).
///
/// Decodes from JSON text only (`serde_json::from_slice`, `from_str`), not from a
/// `serde_json::Value`, which no longer has the text.
#[derive(Debug, Clone)]
pub struct AsReceived<T> {
    pub resource: T,
    pub json: Box<RawValue>,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for AsReceived<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = Box::<RawValue>::deserialize(deserializer)?;
        let resource = serde_json::from_str(json.get()).map_err(D::Error::custom)?;
        Ok(Self { resource, json })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ListResponse, User};

    #[test]
    fn each_resource_keeps_the_text_it_was_decoded_from() {
        let page = r#"{"totalResults": 2, "Resources": [
            {"id": "u1", "UserName": "anna", "nickName": null},
            {"id":"u2","userName":"ben","emails":[{"value":"b@x.example"}]}
        ]}"#;
        let page: ListResponse<AsReceived<User>> = serde_json::from_str(page).expect("a valid page decodes");
        let [anna, ben] = &page.resources[..] else { panic!("two users, got {}", page.resources.len()) };
        assert_eq!(anna.resource.user_name, "anna", "decoded as a User: names are case-insensitive");
        assert_eq!(anna.json.get(), r#"{"id": "u1", "UserName": "anna", "nickName": null}"#);
        assert_eq!(ben.json.get(), r#"{"id":"u2","userName":"ben","emails":[{"value":"b@x.example"}]}"#);
        assert_eq!(ben.resource.primary_email(), Some("b@x.example"));
    }

    #[test]
    fn a_resource_that_is_not_a_user_fails_the_page_with_the_reason() {
        let page = r#"{"totalResults": 1, "Resources": [{"id": "u1", "userName": 7}]}"#;
        let error =
            serde_json::from_str::<ListResponse<AsReceived<User>>>(page).expect_err("userName must be a string");
        assert!(error.to_string().contains("invalid type"), "{error}");
    }
}
