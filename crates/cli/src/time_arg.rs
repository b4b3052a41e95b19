//! Times on the command line: `now`, `+30d` / `+12h` / `+45m` from now, a date (`2026-12-31`,
//! midnight UTC), or RFC 3339 (`2026-12-31T17:00:00+01:00`).

use chrono::{DateTime, Duration, NaiveDate, Utc};

pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Some(relative) = text.strip_prefix('+') {
        let (number, unit) = relative.split_at(relative.find(|c: char| !c.is_ascii_digit()).unwrap_or(relative.len()));
        let n: i64 = number.parse().map_err(|_| format!("{text:?}: expected +N followed by d, h or m"))?;
        let span = match unit {
            "d" => Duration::try_days(n),
            "h" => Duration::try_hours(n),
            "m" => Duration::try_minutes(n),
            "s" => Duration::try_seconds(n),
            _ => None,
        };
        return span
            .and_then(|s| now.checked_add_signed(s))
            .ok_or_else(|| format!("{text:?}: expected +N followed by d, h, m or s"));
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).ok_or_else(|| format!("{text:?} is not a valid date"));
    }
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|_| {
        format!("{text:?} is not a time: use now, +30d, +12h, a date (2026-12-31) or RFC 3339 (2026-12-31T17:00:00Z)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z").expect("valid").with_timezone(&Utc)
    }

    #[test]
    fn every_documented_form_parses() {
        let at = |t: &str| parse_time(t, now()).expect(t).to_rfc3339();
        assert_eq!(at("now"), "2026-11-27T10:00:00+00:00");
        assert_eq!(at("+30d"), "2026-12-27T10:00:00+00:00");
        assert_eq!(at("+12h"), "2026-11-27T22:00:00+00:00");
        assert_eq!(at("+5s"), "2026-11-27T10:00:05+00:00");
        assert_eq!(at("2026-12-31"), "2026-12-31T00:00:00+00:00");
        assert_eq!(at("2026-12-31T17:00:00+01:00"), "2026-12-31T16:00:00+00:00");
    }

    #[test]
    fn nonsense_is_refused_with_the_forms_that_work() {
        for bad in ["tomorrow", "+3w", "+d", "2026-13-01", "+99999999999999d"] {
            let err = parse_time(bad, now()).expect_err(bad);
            assert!(err.contains(bad), "{err}");
        }
    }
}
