//! Business-unit paths and the scopes that cover them.
//!
//! A BU is a path such as `EMEA/DE`. A scope of `EMEA` covers `EMEA` and every path below it
//! (`EMEA/DE`, `EMEA/DE/Berlin`), but not `EMEAX` and not `AMER`: matching is by whole
//! segments, never by string prefix. Paths are compared case-sensitively after trimming
//! surrounding slashes and whitespace, the way directories store them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct BuPath(String);

impl BuPath {
    /// Normalises `" /EMEA/DE/ "` to `EMEA/DE`. Returns `None` for an empty path or one
    /// with an empty segment (`EMEA//DE`), which no directory should hold.
    pub fn parse(raw: &str) -> Option<Self> {
        let trimmed = raw.trim().trim_matches('/');
        if trimmed.is_empty() || trimmed.split('/').any(|s| s.trim().is_empty()) {
            return None;
        }
        Some(Self(trimmed.split('/').map(str::trim).collect::<Vec<_>>().join("/")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `self` (a scope) covers `other` (a BU): equal, or an ancestor of it.
    pub fn covers(&self, other: &BuPath) -> bool {
        other.0 == self.0
            || (other.0.len() > self.0.len()
                && other.0.starts_with(&self.0)
                && other.0.as_bytes()[self.0.len()] == b'/')
    }
}

impl std::fmt::Display for BuPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The set of BU scopes an admin holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct Scopes(Vec<BuPath>);

impl Scopes {
    pub fn new(mut paths: Vec<BuPath>) -> Self {
        paths.sort();
        paths.dedup();
        // Drop scopes already covered by another one: `EMEA` makes `EMEA/DE` redundant.
        let all = paths.clone();
        paths.retain(|p| !all.iter().any(|q| q != p && q.covers(p)));
        Self(paths)
    }

    pub fn paths(&self) -> &[BuPath] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn covers(&self, bu: &BuPath) -> bool {
        self.0.iter().any(|s| s.covers(bu))
    }

    /// Covers a raw attribute value; an unparseable or missing BU is never in scope.
    pub fn covers_raw(&self, bu: Option<&str>) -> bool {
        bu.and_then(BuPath::parse).is_some_and(|b| self.covers(&b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bu(s: &str) -> BuPath {
        BuPath::parse(s).expect("valid path")
    }

    #[test]
    fn scope_covers_itself_and_descendants_by_whole_segments() {
        let cases = [
            ("EMEA", "EMEA", true),
            ("EMEA", "EMEA/DE", true),
            ("EMEA", "EMEA/DE/Berlin", true),
            ("EMEA/DE", "EMEA", false),
            ("EMEA", "EMEAX", false),
            ("EMEA", "EMEAX/DE", false),
            ("EMEA/DE", "EMEA/DEU", false),
            ("EMEA", "AMER/US", false),
        ];
        for (scope, target, expected) in cases {
            assert_eq!(bu(scope).covers(&bu(target)), expected, "{scope} covers {target}?");
        }
    }

    #[test]
    fn parse_normalises_and_refuses_empty_segments() {
        assert_eq!(bu(" /EMEA/DE/ ").as_str(), "EMEA/DE");
        assert_eq!(BuPath::parse(""), None);
        assert_eq!(BuPath::parse("EMEA//DE"), None);
        assert_eq!(BuPath::parse("/"), None);
    }

    #[test]
    fn scopes_drop_redundant_paths_and_refuse_missing_bu() {
        let scopes = Scopes::new(vec![bu("EMEA/DE"), bu("EMEA"), bu("APAC/IN")]);
        assert_eq!(scopes.paths(), &[bu("APAC/IN"), bu("EMEA")]);
        assert!(scopes.covers_raw(Some("EMEA/FR")));
        assert!(!scopes.covers_raw(None), "a user without a BU is outside every scope");
        assert!(!scopes.covers_raw(Some("")));
    }
}
