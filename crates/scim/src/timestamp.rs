//! RFC 3339 timestamps (`meta.created`, `meta.lastModified`) as `DateTime<Utc>`: read directly
//! in the shape servers send (`2026-11-01T10:00:00Z`, `2026-11-01T10:00:00.123Z`), and by
//! chrono otherwise. A full sync reads two of them per user; chrono's general parser took an
//! eighth of the time of reading a user. Both ways give the same instant for the same text (a
//! property test holds them to it), and chrono alone decides what is refused and why.

use std::fmt;
use std::ops::Range;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// A timestamp, decoded as `DateTime<Utc>` decodes (same values, same errors).
#[derive(Debug)]
pub(crate) struct Timestamp(pub(crate) DateTime<Utc>);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;
        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                // chrono's words, so that an error reads the same.
                f.write_str("an RFC 3339 formatted date and time string")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Timestamp, E> {
                match utc_in_usual_shape(text) {
                    Some(at) => Ok(Timestamp(at)),
                    None => text.parse::<DateTime<FixedOffset>>().map(|at| Timestamp(at.to_utc())).map_err(E::custom),
                }
            }
        }
        deserializer.deserialize_str(TimestampVisitor)
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with one to nine digits of fraction; `None` for any other
/// shape, for a date or time that does not exist, and for a leap second (chrono decides those).
pub(crate) fn utc_in_usual_shape(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if bytes.len() < 20 || bytes.last() != Some(&b'Z') || separators.iter().any(|&(at, c)| bytes[at] != c) {
        return None;
    }
    let number = |digits: &[u8]| -> Option<u32> {
        digits.iter().try_fold(0u32, |n, d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    let field = |range: Range<usize>| number(&bytes[range]);
    let nanos = match &bytes[19..bytes.len() - 1] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => number(digits)? * 10u32.pow(9 - digits.len() as u32),
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(field(0..4)?).ok()?, field(5..7)?, field(8..10)?)?;
    // Second 60 (a leap second) is no time here: chrono reads it.
    let time = NaiveTime::from_hms_nano_opt(field(11..13)?, field(14..16)?, field(17..19)?, nanos)?;
    Some(date.and_time(time).and_utc())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn by_chrono(text: &str) -> Option<DateTime<Utc>> {
        text.parse::<DateTime<FixedOffset>>().ok().map(|at| at.to_utc())
    }

    #[test]
    fn the_usual_shapes_are_read_directly() {
        for text in ["2026-11-01T10:00:00Z", "2024-02-29T23:59:59.5Z", "1999-12-31T00:00:00.123456789Z"] {
            assert_eq!(utc_in_usual_shape(text), by_chrono(text), "{text}");
            assert!(utc_in_usual_shape(text).is_some(), "{text} is read directly");
        }
        for text in
            ["2026-11-01T10:00:00+02:00", "2026-11-01 10:00:00Z", "2026-11-01t10:00:00z", "2023-02-29T00:00:00Z"]
        {
            assert_eq!(utc_in_usual_shape(text), None, "{text} is left to chrono");
        }
    }

    #[test]
    fn a_timestamp_decodes_as_chrono_decodes_it() {
        for json in [r#""2026-11-01T10:00:00Z""#, r#""2026-11-01T12:00:00+02:00""#, r#""2016-12-31T23:59:60Z""#] {
            let ours = serde_json::from_str::<Timestamp>(json).expect(json).0;
            assert_eq!(ours, serde_json::from_str::<DateTime<Utc>>(json).expect(json), "{json}");
        }
        for json in [r#""yesterday""#, r#""2026-13-01T10:00:00Z""#, "7", "null"] {
            let ours = serde_json::from_str::<Timestamp>(json).expect_err(json).to_string();
            let chrono = serde_json::from_str::<DateTime<Utc>>(json).expect_err(json).to_string();
            assert_eq!(ours, chrono, "{json}: the same refusal");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        /// Whatever the digits (months 13, 30 February, hour 24, second 60), the direct reading
        /// agrees with chrono's whenever it reads anything.
        #[test]
        fn the_direct_reading_agrees_with_chrono(
            text in "[0-9]{4}-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{1,10})?[Zz]"
        ) {
            if let Some(at) = utc_in_usual_shape(&text) {
                prop_assert_eq!(Some(at), by_chrono(&text), "{}", text);
            }
        }
    }
}
