//! A `UserSummary` read straight from the bytes of a user's JSON, without serde, for the JSON
//! directories usually send; anything else is left to the serde decoder, which then decides.
//!
//! A full sync reads every user in scope while its pages arrive, on the cores the network and
//! (on loopback) the server need too, and the serde decoder took most of that client time. This
//! reader walks the text once and keeps slices of it; a string with escapes (such as the usual
//! version, `W/\"3\"`) is unescaped by serde_json. It answers only when it is sure to give what
//! the serde decoder gives, and gives up (`None`) on:
//! - a `\u` escape serde refuses (a lone surrogate), or an escaped attribute name;
//! - a number that is not a plain integer (serde may find it out of range);
//! - nesting deeper than users are;
//! - an attribute given twice, a type the serde decoder refuses, a timestamp in an unusual
//!   shape, or a missing `userName`.
//!
//! The serde decoder then reads the user and gives the value or the error, as before. The
//! reader reads only text `serde_json::value::RawValue` accepted as JSON, and relies on it for
//! what it does not check itself (the grammar of what it skips, control characters inside
//! strings). Property tests hold it to the serde decoder.

use std::borrow::Cow;

use super::{EnterpriseSummary, UserSummary};
use crate::schema;
use crate::timestamp::utc_in_usual_shape;

/// Deeper than any modelled attribute: beyond it, the serde decoder decides (its own limit).
const MAX_DEPTH: u32 = 32;

/// The summary of the user `json` holds, `None` when the serde decoder must decide. `json` is
/// valid JSON: the text of a `RawValue`.
pub(super) fn summary(json: &str) -> Option<UserSummary<'_>> {
    let mut reader = Reader { text: json, at: 0, depth: 0 };
    let summary = reader.user()?;
    reader.skip_whitespace();
    (reader.at == json.len()).then_some(summary)
}

/// The top-level attributes `User` models, matched case-insensitively; the same list as the
/// serde decoder's (`read_attributes!` in summary.rs).
const USER_ATTRIBUTES: [&str; 13] = [
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
];

/// The enterprise extension's modelled attributes, matched case-insensitively.
const ENTERPRISE_ATTRIBUTES: [&str; 5] = ["employeeNumber", "costCenter", "organization", "division", "department"];

/// A position in valid JSON text.
struct Reader<'a> {
    text: &'a str,
    at: usize,
    depth: u32,
}

/// What `Reader::next` found: the start of a value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

impl<'a> Reader<'a> {
    fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.byte(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    /// What the next value is, after whitespace.
    fn next(&mut self) -> Option<Start> {
        self.skip_whitespace();
        Some(match self.byte()? {
            b'{' => Start::Object,
            b'[' => Start::Array,
            b'"' => Start::String,
            b't' => Start::True,
            b'f' => Start::False,
            b'n' => Start::Null,
            b'-' | b'0'..=b'9' => Start::Number,
            _ => return None,
        })
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_whitespace();
        (self.byte()? == byte).then(|| self.at += 1)
    }

    /// A string's text, unescaped.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let (quoted, escaped) = self.quoted_string()?;
        let inside = quoted.get(1..quoted.len() - 1)?;
        if !escaped {
            return Some(Cow::Borrowed(inside));
        }
        serde_json::from_str::<String>(quoted).ok().map(Cow::Owned)
    }

    /// An attribute's name; `None` when it has escapes.
    fn name(&mut self) -> Option<&'a str> {
        match self.quoted_string()? {
            (quoted, false) => quoted.get(1..quoted.len() - 1),
            (_, true) => None,
        }
    }

    /// A string with its quotes, and whether it has escapes; `None` for a `\u` escape serde
    /// refuses (a lone surrogate).
    fn quoted_string(&mut self) -> Option<(&'a str, bool)> {
        if self.next()? != Start::String {
            return None;
        }
        let bytes = self.text.as_bytes();
        let (start, mut end) = (self.at, self.at + 1);
        let (mut escaped, mut unicode) = (false, false);
        loop {
            end += quote_or_backslash(bytes.get(end..)?)?;
            if bytes[end] == b'"' {
                break;
            }
            escaped = true;
            unicode |= *bytes.get(end + 1)? == b'u';
            end += 2;
        }
        self.at = end + 1;
        let quoted = self.text.get(start..self.at)?;
        if unicode && !serde_reads_as_string(quoted) {
            return None;
        }
        Some((quoted, escaped))
    }

    /// `null`, consumed; `false` (nothing consumed) for anything else.
    fn null(&mut self) -> Option<bool> {
        if self.next()? != Start::Null {
            return Some(false);
        }
        self.literal("null")?;
        Some(true)
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        self.text.get(self.at..)?.starts_with(word).then(|| self.at += word.len())
    }

    /// A string, or `null` (`None`): an optional text attribute.
    fn text_or_null(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.null()? {
            return Some(None);
        }
        self.string().map(Some)
    }

    /// A string or `null`, checked and dropped.
    fn skip_text_or_null(&mut self) -> Option<()> {
        if self.null()? {
            return Some(());
        }
        self.quoted_string().map(drop)
    }

    /// `true`, `false`, or `null` (`None`).
    fn bool_or_null(&mut self) -> Option<Option<bool>> {
        match self.next()? {
            Start::True => self.literal("true").map(|()| Some(true)),
            Start::False => self.literal("false").map(|()| Some(false)),
            Start::Null => self.literal("null").map(|()| None),
            _ => None,
        }
    }

    /// An integer of at most 18 digits; `None` for any other number (a fraction or an exponent
    /// may be out of range, which the serde decoder refuses).
    fn plain_integer(&mut self) -> Option<()> {
        if self.byte()? == b'-' {
            self.at += 1;
        }
        let digits = self.text.as_bytes().get(self.at..)?.iter().take_while(|b| b.is_ascii_digit()).count();
        self.at += digits;
        let more = matches!(self.byte(), Some(b'.' | b'e' | b'E'));
        (1..=18).contains(&digits).then_some(()).filter(|()| !more)
    }

    /// Any value, read and dropped.
    fn skip_value(&mut self) -> Option<()> {
        match self.next()? {
            Start::Object => self.object(|reader, _| reader.skip_value()),
            Start::Array => self.array(Reader::skip_value),
            Start::String => self.quoted_string().map(drop),
            Start::Number => self.plain_integer(),
            Start::True => self.literal("true"),
            Start::False => self.literal("false"),
            Start::Null => self.literal("null"),
        }
    }

    /// An object, each attribute's value read by `each` with the attribute's name.
    fn object(&mut self, mut each: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        self.deeper()?;
        self.skip_whitespace();
        if self.byte()? == b'}' {
            self.at += 1;
        } else {
            loop {
                let name = self.name()?;
                self.expect(b':')?;
                each(self, name)?;
                self.skip_whitespace();
                match self.byte()? {
                    b',' => self.at += 1,
                    b'}' => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// An array, each element read by `each`.
    fn array(&mut self, mut each: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        self.deeper()?;
        self.skip_whitespace();
        if self.byte()? == b']' {
            self.at += 1;
        } else {
            loop {
                each(self)?;
                self.skip_whitespace();
                match self.byte()? {
                    b',' => self.at += 1,
                    b']' => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    fn deeper(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// `null` (`None`), or an object read by `read`.
    fn object_or_null<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.null()? {
            return Some(None);
        }
        if self.next()? != Start::Object {
            return None;
        }
        read(self).map(Some)
    }

    /// `null` (`None`), or an array read by `read`.
    fn array_or_null<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.null()? {
            return Some(None);
        }
        if self.next()? != Start::Array {
            return None;
        }
        read(self).map(Some)
    }

    fn user(&mut self) -> Option<UserSummary<'a>> {
        let mut summary = UserSummary::default();
        let mut user_name = None;
        let mut seen = [false; USER_ATTRIBUTES.len()];
        let mut unmodelled: Vec<&'a str> = Vec::new();
        if self.next()? != Start::Object {
            return None;
        }
        self.object(|reader, name| {
            let Some(index) = attribute_index(&USER_ATTRIBUTES, name) else {
                once(&mut unmodelled, name)?;
                return reader.skip_value();
            };
            if std::mem::replace(&mut seen[index], true) {
                return None;
            }
            match index {
                0 => {
                    reader.array_or_null(|r| r.array(|r| r.quoted_string().map(drop)))?;
                }
                1 => summary.id = reader.text_or_null()?,
                2 => summary.external_id = reader.text_or_null()?,
                3 => user_name = reader.text_or_null()?,
                4 => {
                    if let Some([formatted, given, family]) = reader.object_or_null(Reader::names)? {
                        (summary.formatted_name, summary.given_name, summary.family_name) = (formatted, given, family);
                    }
                }
                5 => summary.display_name = reader.text_or_null()?,
                6 => summary.title = reader.text_or_null()?,
                7 => summary.user_type = reader.text_or_null()?,
                8 => summary.active = reader.bool_or_null()?,
                9 => summary.email = reader.array_or_null(Reader::primary_email)?.flatten(),
                10 => {
                    reader.array_or_null(|r| r.array(Reader::group))?;
                }
                11 => summary.enterprise = reader.object_or_null(Reader::enterprise)?,
                _ => {
                    if let Some((version, last_modified)) = reader.object_or_null(Reader::meta)? {
                        (summary.version, summary.last_modified) = (version, last_modified);
                    }
                }
            }
            Some(())
        })?;
        summary.user_name = user_name?;
        Some(summary)
    }

    /// `name`'s formatted, given and family names (derived decoding: exact names, others skipped).
    fn names(&mut self) -> Option<[Option<Cow<'a, str>>; 3]> {
        let mut fields = [None, None, None];
        let mut seen = [false; 3];
        self.object(|reader, name| {
            let index = match name {
                "formatted" => 0,
                "givenName" => 1,
                "familyName" => 2,
                _ => return reader.skip_value(),
            };
            if std::mem::replace(&mut seen[index], true) {
                return None;
            }
            fields[index] = reader.text_or_null()?;
            Some(())
        })?;
        Some(fields)
    }

    /// `emails` reduced to the primary address, else the first, as the serde decoder picks it.
    fn primary_email(&mut self) -> Option<Option<Cow<'a, str>>> {
        let (mut first, mut primary) = (None, None);
        self.array(|reader| {
            if reader.next()? != Start::Object {
                return None;
            }
            let (mut value, mut is_primary): (Option<Cow<'a, str>>, _) = (None, None);
            let mut seen = [false; 3];
            reader.object(|reader, name| {
                let index = match name {
                    "value" => 0,
                    "type" => 1,
                    "primary" => 2,
                    _ => return reader.skip_value(),
                };
                if std::mem::replace(&mut seen[index], true) {
                    return None;
                }
                match index {
                    0 => value = Some(reader.string()?),
                    1 => reader.skip_text_or_null()?,
                    _ => is_primary = reader.bool_or_null()?,
                }
                Some(())
            })?;
            let value = value?;
            if primary.is_none() && is_primary == Some(true) {
                primary = Some(value);
            } else if first.is_none() {
                first = Some(value);
            }
            Some(())
        })?;
        Some(primary.or(first))
    }

    /// A group of `groups`, checked as the serde decoder checks it, and dropped.
    fn group(&mut self) -> Option<()> {
        if self.next()? != Start::Object {
            return None;
        }
        let mut seen = [false; 4];
        self.object(|reader, name| {
            let index = match name {
                "value" => 0,
                "$ref" => 1,
                "display" => 2,
                "type" => 3,
                _ => return reader.skip_value(),
            };
            if std::mem::replace(&mut seen[index], true) {
                return None;
            }
            if index == 0 {
                reader.quoted_string().map(drop)
            } else {
                reader.skip_text_or_null()
            }
        })?;
        seen[0].then_some(())
    }

    fn enterprise(&mut self) -> Option<EnterpriseSummary<'a>> {
        let mut fields: [Option<Cow<'a, str>>; 5] = [None, None, None, None, None];
        let mut seen = [false; 5];
        let mut unmodelled: Vec<&'a str> = Vec::new();
        self.object(|reader, name| {
            let Some(index) = attribute_index(&ENTERPRISE_ATTRIBUTES, name) else {
                once(&mut unmodelled, name)?;
                return reader.skip_value();
            };
            if std::mem::replace(&mut seen[index], true) {
                return None;
            }
            fields[index] = reader.text_or_null()?;
            Some(())
        })?;
        let [employee_number, cost_center, organization, division, department] = fields;
        Some(EnterpriseSummary { employee_number, cost_center, organization, division, department })
    }

    /// `meta`'s version and last modification (derived decoding: exact names, others skipped).
    #[allow(clippy::type_complexity)] // Two fields of `meta`, named where they are used.
    fn meta(&mut self) -> Option<(Option<Cow<'a, str>>, Option<chrono::DateTime<chrono::Utc>>)> {
        let (mut version, mut last_modified) = (None, None);
        let mut seen = [false; 5];
        self.object(|reader, name| {
            let index = match name {
                "resourceType" => 0,
                "created" => 1,
                "lastModified" => 2,
                "location" => 3,
                "version" => 4,
                _ => return reader.skip_value(),
            };
            if std::mem::replace(&mut seen[index], true) {
                return None;
            }
            match index {
                1 | 2 => {
                    let at = match reader.text_or_null()? {
                        Some(text) => Some(utc_in_usual_shape(&text)?),
                        None => None,
                    };
                    if index == 2 {
                        last_modified = at;
                    }
                }
                4 => version = reader.text_or_null()?,
                _ => reader.skip_text_or_null()?,
            }
            Some(())
        })?;
        Some((version, last_modified))
    }
}

/// Where the first `"` or `\\` in `bytes` is, looking at eight bytes at a time (one branch
/// per eight, where most strings in a user are short and a branch per byte is mispredicted at
/// each string's end).
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte of `word` that equals `byte` (and perhaps of bytes after one).
    let equal = |word: u64, byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let mut chunks = bytes.chunks_exact(8);
    for (index, chunk) in chunks.by_ref().enumerate() {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let found = equal(word, b'"') | equal(word, b'\\');
        if found != 0 {
            return Some(index * 8 + found.trailing_zeros() as usize / 8);
        }
    }
    let done = bytes.len() - chunks.remainder().len();
    chunks.remainder().iter().position(|&b| b == b'"' || b == b'\\').map(|at| done + at)
}

/// Whether serde reads `quoted`, a string with a `\\u` escape, as a string (a lone surrogate
/// it refuses). Few strings have one.
#[cold]
fn serde_reads_as_string(quoted: &str) -> bool {
    serde_json::from_str::<String>(quoted).is_ok()
}

/// Where `name` is in `attributes`, in any case (RFC 7643 §2.1); the spelling given first, as
/// most servers spell them so.
fn attribute_index(attributes: &[&str], name: &str) -> Option<usize> {
    attributes.iter().position(|a| *a == name).or_else(|| attributes.iter().position(|a| a.eq_ignore_ascii_case(name)))
}

/// Records an unmodelled attribute's name; `None` when it was given before (exact spelling,
/// as the serde decoder compares them).
fn once<'a>(names: &mut Vec<&'a str>, name: &'a str) -> Option<()> {
    if names.contains(&name) {
        return None;
    }
    names.push(name);
    Some(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::quote_or_backslash;

    proptest! {
        /// Eight bytes at a time finds what a byte at a time finds, wherever it is and whatever
        /// surrounds it (UTF-8 above 0x7f included).
        #[test]
        fn a_quote_or_backslash_is_found_where_it_is(text in "[a-z\"\\\\é€\u{1}-\u{7f}]{0,40}", skip in 0usize..12) {
            let bytes = text.as_bytes();
            let bytes = bytes.get(skip.min(bytes.len())..).unwrap_or_default();
            let expected = bytes.iter().position(|&b| b == b'"' || b == b'\\');
            prop_assert_eq!(quote_or_backslash(bytes), expected);
        }
    }
}
