//! Users by `meta.lastModified`, as a real directory indexes them: an incremental sync asks for
//! `(scope filter) and meta.lastModified gt "T"`, and the answer comes from the users modified
//! since T instead of a scan of the whole directory with a filter evaluated on each (about 0.1 s
//! at 100,000 users, most of such a sync's time).
//!
//! The index only narrows: the whole filter is still evaluated on every user it yields, so it may
//! yield more than match (`ge` and `gt` alike from T on), never fewer.

use std::collections::BTreeSet;

use bailiwick_scim::{CompValue, CompareOp, Filter};
use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(Default)]
pub struct ModifiedIndex {
    /// (lastModified, id). A user whose timestamp does not parse sorts last, so that every
    /// query yields it and the filter decides.
    by_time: BTreeSet<(DateTime<Utc>, String)>,
}

impl ModifiedIndex {
    /// `resource` is the user as served, `meta` included.
    pub fn insert(&mut self, resource: &Value, id: &str) {
        self.by_time.insert((modified_at(resource), id.to_owned()));
    }

    /// `resource` is the user as it was inserted.
    pub fn remove(&mut self, resource: &Value, id: &str) {
        self.by_time.remove(&(modified_at(resource), id.to_owned()));
    }

    /// The ids of the users modified at or after `at`.
    pub fn since(&self, at: DateTime<Utc>) -> impl Iterator<Item = &str> {
        self.by_time.range((at, String::new())..).map(|(_, id)| id.as_str())
    }
}

fn modified_at(resource: &Value) -> DateTime<Utc> {
    resource["meta"]["lastModified"]
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map_or(DateTime::<Utc>::MAX_UTC, |at| at.with_timezone(&Utc))
}

/// The T of a conjunct `meta.lastModified gt|ge "T"` of `filter` (the latest, if several): every
/// user the filter matches was modified at or after it.
pub fn modified_since(filter: &Filter) -> Option<DateTime<Utc>> {
    match filter {
        Filter::And(a, b) => match (modified_since(a), modified_since(b)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        },
        Filter::Compare { path, op: CompareOp::Gt | CompareOp::Ge, value: CompValue::String(at) }
            if path.urn.is_none()
                && path.name.eq_ignore_ascii_case("meta")
                && path.sub.as_deref().is_some_and(|sub| sub.eq_ignore_ascii_case("lastModified")) =>
        {
            DateTime::parse_from_rfc3339(at).ok().map(|at| at.with_timezone(&Utc))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn since(filter: &str) -> Option<String> {
        let filter = Filter::parse(filter).expect("a filter");
        modified_since(&filter).map(|at| at.to_rfc3339())
    }

    #[test]
    fn a_lower_bound_on_last_modified_is_found_in_any_conjunct() {
        let t = "2026-03-01T10:00:00+00:00";
        assert_eq!(since(r#"meta.lastModified gt "2026-03-01T10:00:00Z""#).as_deref(), Some(t));
        assert_eq!(since(r#"meta.lastModified ge "2026-03-01T11:00:00+01:00""#).as_deref(), Some(t));
        assert_eq!(
            since(r#"(division eq "EMEA" or division sw "EMEA/") and meta.lastModified gt "2026-03-01T10:00:00Z""#)
                .as_deref(),
            Some(t)
        );
        assert_eq!(
            since(r#"meta.lastModified gt "2026-03-01T09:00:00Z" and (active eq true and meta.lastModified ge "2026-03-01T10:00:00Z")"#)
                .as_deref(),
            Some(t),
            "the latest of two bounds"
        );
    }

    #[test]
    fn anything_else_is_left_to_a_scan() {
        for filter in [
            r#"meta.lastModified lt "2026-03-01T10:00:00Z""#,
            r#"userName eq "x" or meta.lastModified gt "2026-03-01T10:00:00Z""#,
            r#"not (meta.lastModified gt "2026-03-01T10:00:00Z")"#,
            r#"meta.lastModified gt "yesterday""#,
            r#"meta.created gt "2026-03-01T10:00:00Z""#,
            r#"userName eq "x""#,
        ] {
            assert_eq!(since(filter), None, "{filter}");
        }
    }
}
