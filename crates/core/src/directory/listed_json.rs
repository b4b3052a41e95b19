//! A listed resource's JSON text, kept inside the text of the page that brought it.
//!
//! A full sync keeps each user's JSON as the server sent it until the cache is written. Copied
//! out of its page, each user cost an allocation and a copy of its text: 100,000 allocations
//! and 96 MB copied for 100,000 users, on the two cores that also receive the pages. The page's
//! text is now shared by the resources it holds, each a range of it; the page is freed with the
//! last of them. So it suits resources held until they are written, as a sync's are: one kept
//! alone for long would keep its whole page.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use serde::de::Error as _;
use serde_json::value::RawValue;

/// One resource's JSON text: a range of a shared text (its page), or a text of its own. The
/// text is always JSON serde_json accepted (one value).
#[derive(Clone)]
pub struct ListedJson {
    text: Arc<String>,
    range: Range<usize>,
}

impl ListedJson {
    /// A text of its own (a resource not read from a page), which serde_json accepted as JSON.
    pub(crate) fn whole(text: String) -> Self {
        let range = 0..text.len();
        Self { text: Arc::new(text), range }
    }

    /// A page's body as text, to read its resources from with [`ListedJson::within`]; an error
    /// when it is not UTF-8, as JSON must be (RFC 8259 §8.1). The body is not copied when it
    /// is the only reference to its bytes, as a body read whole is.
    pub fn page(body: Bytes) -> serde_json::Result<Arc<String>> {
        String::from_utf8(Vec::from(body))
            .map(Arc::new)
            .map_err(|e| serde_json::Error::custom(format!("the page is not UTF-8: {e}")))
    }

    /// `raw`, a value serde_json borrowed from the text of `page`, as a range of that text; a
    /// copy of its own when it is not a slice of `page`.
    pub fn within(page: &Arc<String>, raw: &RawValue) -> Self {
        let json = raw.get();
        let start = (json.as_ptr() as usize).wrapping_sub(page.as_ptr() as usize);
        if start <= page.len() && page.len() - start >= json.len() {
            let range = start..start + json.len();
            if page.get(range.clone()).is_some() {
                return Self { text: Arc::clone(page), range };
            }
        }
        Self::whole(json.to_owned())
    }

    pub fn get(&self) -> &str {
        // The range is checked against the text when made, and the text never changes.
        self.text.get(self.range.clone()).unwrap_or_default()
    }
}

/// A value serde_json accepted, as a text of its own.
impl From<Box<RawValue>> for ListedJson {
    fn from(raw: Box<RawValue>) -> Self {
        Self::whole(Box::<str>::from(raw).into())
    }
}

impl PartialEq for ListedJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl fmt::Debug for ListedJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.get(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_read_from_a_page_share_its_text() {
        let body = Bytes::from(r#"{"Resources": [{"id": "a"}, {"id": "b", "name": "Zoë"}]}"#.to_owned().into_bytes());
        let page = ListedJson::page(body).expect("UTF-8");
        #[derive(serde::Deserialize)]
        struct Page<'a> {
            #[serde(borrow, rename = "Resources")]
            resources: Vec<&'a RawValue>,
        }
        let listed: Page<'_> = serde_json::from_str(&page).expect("JSON");
        let resources: Vec<ListedJson> = listed.resources.iter().map(|raw| ListedJson::within(&page, raw)).collect();
        assert_eq!(resources[0].get(), r#"{"id": "a"}"#);
        assert_eq!(resources[1].get(), r#"{"id": "b", "name": "Zoë"}"#);
        assert!(resources.iter().all(|r| Arc::ptr_eq(&r.text, &page)), "no resource copied out of its page");
        assert_eq!(Arc::strong_count(&page), 3, "the page lives as long as its resources");
        drop(resources);
        assert_eq!(Arc::strong_count(&page), 1);
    }

    #[test]
    fn a_text_from_elsewhere_is_copied() {
        let page = Arc::new(r#"{"id": "a"}"#.to_owned());
        let elsewhere = RawValue::from_string(r#"{"id": "a"}"#.to_owned()).expect("JSON");
        let json = ListedJson::within(&page, &elsewhere);
        assert_eq!(json.get(), elsewhere.get());
        assert!(!Arc::ptr_eq(&json.text, &page));
        assert_eq!(json, ListedJson::whole(elsewhere.get().to_owned()), "equal by their text");
    }

    #[test]
    fn a_page_that_is_not_utf8_is_refused() {
        let error = ListedJson::page(Bytes::from_static(b"{\"id\": \"\xff\"}")).expect_err("not UTF-8");
        assert!(error.to_string().contains("not UTF-8"), "{error}");
    }
}
