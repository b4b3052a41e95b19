//! Bulk changes from CSV (issue 6): users to create, and role assignments. Parsing is pure;
//! the workspace checks each row against the cache and policy and (unless it is a dry run)
//! records it in the outbox, so an import is applied, and resumed, like any other change.
//!
//! Users: a header row naming `userName`, `bu` (required), `type`, `givenName`, `familyName`,
//! `email` (optional), in any order and case. Role assignments: `user` (id or userName), `role`.

use serde::Serialize;

use crate::operation::NewUser;
use crate::scope::BuPath;
use crate::user_type::UserType;

/// One data row: its line in the file (the header is line 1) and what it asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<T> {
    pub line: u64,
    pub value: Result<T, String>,
}

/// A role assignment asked for by a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub user: String,
    pub role: String,
}

/// What happened (or, in a dry run, would happen) to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum RowOutcome {
    /// Recorded in the outbox (dry run: would be).
    Queued,
    /// Nothing to do: the user exists, the role is held, or the same change is queued already
    /// (a resumed import).
    Skipped,
    /// Policy refuses it; `rule` names the rule.
    Refused,
    /// The row itself is wrong (a missing field, a malformed BU).
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ImportRow"))]
#[serde(rename_all = "camelCase")]
pub struct RowReport {
    pub line: u64,
    /// The row's subject: a userName, or `user → role`.
    pub subject: String,
    pub outcome: RowOutcome,
    pub message: String,
    /// Why policy refuses the row: the rule, and what would make it allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub refusal: Option<crate::policy::Refusal>,
    /// The outbox entry, when one was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub change: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub dry_run: bool,
    pub queued: u64,
    pub skipped: u64,
    pub refused: u64,
    pub invalid: u64,
    pub rows: Vec<RowReport>,
}

impl ImportReport {
    pub fn add(&mut self, row: RowReport) {
        match row.outcome {
            RowOutcome::Queued => self.queued += 1,
            RowOutcome::Skipped => self.skipped += 1,
            RowOutcome::Refused => self.refused += 1,
            RowOutcome::Invalid => self.invalid += 1,
        }
        self.rows.push(row);
    }
}

/// The header (lower-cased) and each record with its line number.
type Records = (Vec<String>, Vec<(u64, Result<csv::StringRecord, String>)>);

/// Reads the header and the records; a file that is not CSV at all is one error.
fn records(text: &str, required: &[&str]) -> Result<Records, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("the header row cannot be read: {e}"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    for name in required {
        if !headers.iter().any(|h| h == &name.to_ascii_lowercase()) {
            return Err(format!("the header row has no {name:?} column (it has: {})", headers.join(", ")));
        }
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = record.as_ref().ok().and_then(|r| r.position()).map_or(i as u64 + 2, |p| p.line());
        rows.push((line, record.map_err(|e| format!("unreadable row: {e}"))));
    }
    Ok((headers, rows))
}

fn field<'r>(headers: &[String], record: &'r csv::StringRecord, name: &str) -> Option<&'r str> {
    let index = headers.iter().position(|h| h == &name.to_ascii_lowercase())?;
    record.get(index).filter(|v| !v.is_empty())
}

/// Users to create, one per row.
pub fn parse_users(text: &str) -> Result<Vec<Row<NewUser>>, String> {
    let (headers, rows) = records(text, &["userName", "bu"])?;
    Ok(rows
        .into_iter()
        .map(|(line, record)| {
            let value = record.and_then(|r| {
                let get = |name: &str| field(&headers, &r, name).map(str::to_owned);
                let user_name = get("userName").ok_or("userName is empty")?;
                let bu_text = get("bu").ok_or("bu is empty")?;
                let bu = BuPath::parse(&bu_text).ok_or_else(|| format!("bu {bu_text:?} is not a BU path"))?;
                let user_type = match get("type") {
                    None => UserType::Employee,
                    Some(t) => {
                        UserType::parse(&t).ok_or_else(|| format!("type {t:?}: use employee, partner or service"))?
                    }
                };
                Ok(NewUser {
                    user_name,
                    bu,
                    user_type,
                    given_name: get("givenName"),
                    family_name: get("familyName"),
                    email: get("email"),
                })
            });
            Row { line, value }
        })
        .collect())
}

/// Role assignments, one per row.
pub fn parse_assignments(text: &str) -> Result<Vec<Row<Assignment>>, String> {
    let (headers, rows) = records(text, &["user", "role"])?;
    Ok(rows
        .into_iter()
        .map(|(line, record)| {
            let value = record.and_then(|r| {
                let user = field(&headers, &r, "user").ok_or("user is empty")?.to_owned();
                let role = field(&headers, &r, "role").ok_or("role is empty")?.to_owned();
                Ok(Assignment { user, role })
            });
            Row { line, value }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_read_by_header_name_in_any_order_and_case() {
        let text = "\u{feff}BU,userName,Type,email\nEMEA/DE, anna.new ,partner,anna@example.com\nEMEA/FR,bob.new,,\n";
        let rows = parse_users(text).expect("valid file");
        assert_eq!(rows.len(), 2);
        let first = rows[0].value.as_ref().expect("valid row");
        assert_eq!(
            (first.user_name.as_str(), first.bu.as_str(), first.user_type),
            ("anna.new", "EMEA/DE", UserType::Partner)
        );
        assert_eq!(first.email.as_deref(), Some("anna@example.com"));
        assert_eq!(rows[0].line, 2);
        let second = rows[1].value.as_ref().expect("valid row");
        assert_eq!((second.user_type, second.email.as_deref()), (UserType::Employee, None));
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_a_bad_header_refuses_the_file() {
        let text = "userName,bu,type\nok.user,EMEA/DE,\n,EMEA/DE,\nx.user,EMEA//DE,\ny.user,EMEA,robot\n";
        let rows = parse_users(text).expect("valid header");
        let errors: Vec<(u64, String)> =
            rows.iter().filter_map(|r| r.value.as_ref().err().map(|e| (r.line, e.clone()))).collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(errors[0], (3, "userName is empty".to_owned()));
        assert!(errors[1].1.contains("not a BU path") && errors[1].0 == 4);
        assert!(errors[2].1.contains("robot"));
        let missing = parse_users("name,division\nx,y\n").expect_err("no userName column");
        assert!(missing.contains("userName"), "{missing}");
    }

    #[test]
    fn assignments_need_user_and_role() {
        let rows = parse_assignments("user,role\nanna.schmidt,Template Designer\nbob,\n").expect("valid");
        assert_eq!(rows[0].value, Ok(Assignment { user: "anna.schmidt".into(), role: "Template Designer".into() }));
        assert_eq!(rows[1].value, Err("role is empty".into()));
    }
}
