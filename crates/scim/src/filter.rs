//! SCIM filters (RFC 7644 §3.4.2.2): an AST, a parser, a printer and an evaluator.
//!
//! The client prints filters (`Display`) and the sandbox parses and evaluates them, so both
//! sides agree on one grammar. Printing then parsing gives back the same AST: the printer adds
//! parentheses exactly where precedence (`not` > `and` > `or`, left-associative) needs them.
//!
//! Evaluation follows the defaults of RFC 7643 §2.2: attribute names are case-insensitive and
//! string comparisons ignore case (`caseExact` is false) except for `id` and `externalId`,
//! which RFC 7643 §3.1 defines as case-exact.

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Number, Value};

use crate::error::ScimError;

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath op value`, e.g. `userName eq "anna"`.
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    /// `attrPath pr`: the attribute has a non-empty value.
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work"]`: some element of a multi-valued attribute matches the inner
    /// filter, whose attribute paths are relative to the element.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

/// `[urn ":"] name ["." sub]`, e.g. `name.givenName` or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// `compValue` of the grammar: JSON `false`, `null`, `true`, a number or a string.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
}

/// Escapes `value` as a filter string literal (a JSON string with its quotes), so a user's
/// text can never change the structure of a filter it is put into.
pub fn quote(value: &str) -> String {
    // A JSON string literal is exactly the grammar's string; serialising a &str cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| String::from("\"\""))
}

impl AttrPath {
    pub fn new(name: impl Into<String>) -> Self {
        Self { urn: None, name: name.into(), sub: None }
    }

    pub fn with_sub(name: impl Into<String>, sub: impl Into<String>) -> Self {
        Self { urn: None, name: name.into(), sub: Some(sub.into()) }
    }

    /// Parses a whole attribute path such as a profile's BU attribute.
    pub fn parse(text: &str) -> Result<Self, ScimError> {
        let mut parser = Parser::new(text);
        let path = parser.attr_path()?;
        parser.skip_ws();
        if !parser.at_end() {
            return Err(parser.error("unexpected text after the attribute path"));
        }
        Ok(path)
    }
}

impl CompareOp {
    fn keyword(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    fn from_keyword(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }
}

impl Filter {
    pub fn parse(text: &str) -> Result<Self, ScimError> {
        let mut parser = Parser::new(text);
        let filter = parser.or_expr()?;
        parser.skip_ws();
        if !parser.at_end() {
            return Err(parser.error("unexpected text after the filter"));
        }
        Ok(filter)
    }

    pub fn eq(path: AttrPath, value: impl Into<String>) -> Self {
        Filter::Compare { path, op: CompareOp::Eq, value: CompValue::String(value.into()) }
    }

    pub fn and(self, other: Filter) -> Self {
        Filter::And(Box::new(self), Box::new(other))
    }

    pub fn or(self, other: Filter) -> Self {
        Filter::Or(Box::new(self), Box::new(other))
    }

    /// True when `resource` (a SCIM resource as JSON) satisfies the filter.
    pub fn matches(&self, resource: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches(resource) && b.matches(resource),
            Filter::Or(a, b) => a.matches(resource) || b.matches(resource),
            Filter::Not(inner) => !inner.matches(resource),
            Filter::Present(path) => any_value(resource, path, is_present),
            Filter::Compare { path, op, value } => {
                let case_exact = path.urn.is_none()
                    && path.sub.is_none()
                    && (path.name.eq_ignore_ascii_case("id") || path.name.eq_ignore_ascii_case("externalId"));
                match op {
                    // `ne` is the negation of `eq`: a resource without the attribute is "not equal".
                    CompareOp::Ne => !any_value(resource, path, |v| compare(v, CompareOp::Eq, value, case_exact)),
                    CompareOp::Eq if *value == CompValue::Null => !any_value(resource, path, is_present),
                    _ => any_value(resource, path, |v| compare(v, *op, value, case_exact)),
                }
            }
            Filter::ValuePath { path, filter } => {
                let Some(attr) = lookup_attribute(resource, path.urn.as_deref(), &path.name) else {
                    return false;
                };
                match attr {
                    Value::Array(items) => items.iter().any(|item| filter.matches(item)),
                    single @ Value::Object(_) => filter.matches(single),
                    _ => false,
                }
            }
        }
    }
}

fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => true,
    }
}

/// Finds `name` in `resource`, under the extension object `urn` when one is given.
fn lookup_attribute<'a>(resource: &'a Value, urn: Option<&str>, name: &str) -> Option<&'a Value> {
    let object = resource.as_object()?;
    let container = match urn {
        None => object,
        Some(urn) => match key_ignoring_case(object, urn) {
            Some(Value::Object(ext)) => ext,
            Some(_) => return None,
            // A core schema URN (`urn:...:core:2.0:User:userName`) names a top-level attribute.
            None if schema_is_declared(object, urn) => object,
            None => return None,
        },
    };
    key_ignoring_case(container, name)
}

/// Attribute names are case-insensitive (RFC 7643 §2.1). Servers almost always send the
/// canonical spelling, so the exact lookup comes first; the scan only when it misses (it was
/// most of the time of a filter over a large directory).
fn key_ignoring_case<'a>(object: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

fn schema_is_declared(object: &serde_json::Map<String, Value>, urn: &str) -> bool {
    object
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| schemas.iter().filter_map(Value::as_str).any(|s| s.eq_ignore_ascii_case(urn)))
}

/// The simple values `path` denotes in `resource` (what a filter compares; what `sortBy`
/// sorts by).
pub fn values_at<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    resolve(resource, path)
}

/// The simple values an attribute path denotes. A multi-valued attribute yields each of its
/// values; a complex value without a sub-attribute stands for its `value` sub-attribute.
fn resolve<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let mut values = Vec::new();
    any_value(resource, path, |value| {
        values.push(value);
        false
    });
    values
}

/// Whether `test` holds for one of the values [`resolve`] lists, tried in the same order and
/// without collecting them: a server evaluates a filter on every user of a listing.
fn any_value<'a>(resource: &'a Value, path: &AttrPath, mut test: impl FnMut(&'a Value) -> bool) -> bool {
    let Some(attr) = lookup_attribute(resource, path.urn.as_deref(), &path.name) else {
        return false;
    };
    let sub = path.sub.as_deref();
    let mut item_holds = |item: &'a Value| {
        let value = match (item, sub) {
            (Value::Object(_), Some(sub)) => lookup_attribute(item, None, sub),
            (Value::Object(_), None) => lookup_attribute(item, None, "value"),
            (_, Some(_)) => None,
            (simple, None) => Some(simple),
        };
        match value {
            Some(Value::Array(values)) => values.iter().any(&mut test),
            Some(value) => test(value),
            None => false,
        }
    };
    match attr {
        Value::Array(items) => items.iter().any(&mut item_holds),
        item => item_holds(item),
    }
}

fn compare(actual: &Value, op: CompareOp, expected: &CompValue, case_exact: bool) -> bool {
    match (actual, expected) {
        (Value::String(a), CompValue::String(e)) if case_exact => compare_text(a, op, e),
        (Value::String(a), CompValue::String(e)) if a.is_ascii() && e.is_ascii() => {
            compare_ascii_ignoring_case(a, op, e)
        }
        (Value::String(a), CompValue::String(e)) => compare_text(&a.to_lowercase(), op, &e.to_lowercase()),
        (Value::Number(a), CompValue::Number(e)) => {
            let (Some(a), Some(e)) = (a.as_f64(), e.as_f64()) else {
                return false;
            };
            match op {
                CompareOp::Eq | CompareOp::Ne => a == e,
                CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
                _ => a.partial_cmp(&e).is_some_and(|o| ordered(op, o)),
            }
        }
        (Value::Bool(a), CompValue::Bool(e)) => matches!(op, CompareOp::Eq | CompareOp::Ne) && a == e,
        _ => false,
    }
}

/// Text as it is: case-exact attributes, or both sides already lowercased.
fn compare_text(a: &str, op: CompareOp, e: &str) -> bool {
    match op {
        CompareOp::Eq | CompareOp::Ne => a == e,
        CompareOp::Co => a.contains(e),
        CompareOp::Sw => a.starts_with(e),
        CompareOp::Ew => a.ends_with(e),
        _ => ordered(op, order_strings(a, e)),
    }
}

/// What [`compare_text`] answers for lowercased copies, for ASCII text without the copies: a
/// server filters every user of a listing this way, several comparisons each.
fn compare_ascii_ignoring_case(a: &str, op: CompareOp, e: &str) -> bool {
    let (a, e) = (a.as_bytes(), e.as_bytes());
    match op {
        CompareOp::Eq | CompareOp::Ne => a.eq_ignore_ascii_case(e),
        CompareOp::Co => e.is_empty() || a.windows(e.len()).any(|w| w.eq_ignore_ascii_case(e)),
        CompareOp::Sw => a.len() >= e.len() && a[..e.len()].eq_ignore_ascii_case(e),
        CompareOp::Ew => a.len() >= e.len() && a[a.len() - e.len()..].eq_ignore_ascii_case(e),
        _ => {
            let lowered = |text: &[u8]| text.to_ascii_lowercase();
            // ASCII bytes are valid UTF-8 whatever their case.
            let (a, e) = (lowered(a), lowered(e));
            ordered(op, order_strings(&String::from_utf8_lossy(&a), &String::from_utf8_lossy(&e)))
        }
    }
}

/// DateTime strings compare as instants (offsets differ between servers); others by text.
fn order_strings(a: &str, e: &str) -> Ordering {
    match (chrono::DateTime::parse_from_rfc3339(a), chrono::DateTime::parse_from_rfc3339(e)) {
        (Ok(a), Ok(e)) => a.cmp(&e),
        _ => a.cmp(e),
    }
}

fn ordered(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        _ => false,
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => f.write_str(&quote(s)),
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
            // `and` binds tighter than `or` and both associate to the left, so only an `or`
            // under an `and`, or a same-or-tighter operator on the right, needs parentheses.
            Filter::And(a, b) => {
                write_operand(f, a, matches!(**a, Filter::Or(..)))?;
                f.write_str(" and ")?;
                write_operand(f, b, matches!(**b, Filter::Or(..) | Filter::And(..)))
            }
            Filter::Or(a, b) => {
                write_operand(f, a, false)?;
                f.write_str(" or ")?;
                write_operand(f, b, matches!(**b, Filter::Or(..)))
            }
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, operand: &Filter, parenthesise: bool) -> fmt::Result {
    if parenthesise {
        write!(f, "({operand})")
    } else {
        write!(f, "{operand}")
    }
}

/// A recursive-descent parser over the filter text; positions in errors are byte offsets.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    fn error(&self, message: &str) -> ScimError {
        ScimError::InvalidFilter { position: self.pos, message: message.to_owned() }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    /// Consumes `keyword` (case-insensitive) when it is followed by a non-name character.
    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let rest = self.rest();
        if rest.len() >= keyword.len()
            && rest.is_char_boundary(keyword.len())
            && rest[..keyword.len()].eq_ignore_ascii_case(keyword)
            && !rest[keyword.len()..].chars().next().is_some_and(is_name_char)
        {
            self.pos += keyword.len();
            true
        } else {
            false
        }
    }

    fn expect_char(&mut self, expected: char) -> Result<(), ScimError> {
        if self.peek() == Some(expected) {
            self.pos += expected.len_utf8();
            Ok(())
        } else {
            Err(self.error(&format!("expected '{expected}'")))
        }
    }

    fn or_expr(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.and_expr()?;
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.pos > save && self.eat_keyword("or") {
                self.require_ws()?;
                let right = self.and_expr()?;
                left = Filter::Or(Box::new(left), Box::new(right));
            } else {
                self.pos = save;
                return Ok(left);
            }
        }
    }

    fn and_expr(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.unary()?;
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.pos > save && self.eat_keyword("and") {
                self.require_ws()?;
                let right = self.unary()?;
                left = Filter::And(Box::new(left), Box::new(right));
            } else {
                self.pos = save;
                return Ok(left);
            }
        }
    }

    fn require_ws(&mut self) -> Result<(), ScimError> {
        let before = self.pos;
        self.skip_ws();
        if self.pos == before {
            return Err(self.error("expected a space"));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Filter, ScimError> {
        self.skip_ws();
        if self.eat_keyword("not") {
            self.skip_ws();
            self.expect_char('(')?;
            let inner = self.or_expr()?;
            self.skip_ws();
            self.expect_char(')')?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some('(') {
            self.pos += 1;
            let inner = self.or_expr()?;
            self.skip_ws();
            self.expect_char(')')?;
            return Ok(inner);
        }
        let path = self.attr_path()?;
        if self.peek() == Some('[') {
            if path.sub.is_some() {
                return Err(self.error("a value path cannot follow a sub-attribute"));
            }
            self.pos += 1;
            let inner = self.or_expr()?;
            self.skip_ws();
            self.expect_char(']')?;
            return Ok(Filter::ValuePath { path, filter: Box::new(inner) });
        }
        self.require_ws()?;
        if self.eat_keyword("pr") {
            return Ok(Filter::Present(path));
        }
        let op_start = self.pos;
        let word: String = self.rest().chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        let Some(op) = CompareOp::from_keyword(&word) else {
            return Err(self.error("expected an operator (eq ne co sw ew gt ge lt le pr)"));
        };
        self.pos = op_start + word.len();
        self.require_ws()?;
        let value = self.comp_value()?;
        Ok(Filter::Compare { path, op, value })
    }

    fn attr_path(&mut self) -> Result<AttrPath, ScimError> {
        let start = self.pos;
        let rest = self.rest();
        if rest.len() >= 4 && rest.is_char_boundary(4) && rest[..4].eq_ignore_ascii_case("urn:") {
            // A URN holds dots (`2.0`) and colons; the attribute name follows the last colon.
            let len = rest
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '-' | '_' | '$')))
                .map_or(rest.len(), |(i, _)| i);
            let whole = &rest[..len];
            let Some(colon) = whole.rfind(':') else {
                return Err(self.error("expected an attribute name after the URN"));
            };
            let urn = &whole[..colon];
            let (name, sub) = match whole[colon + 1..].split_once('.') {
                Some((name, sub)) => (name, Some(sub)),
                None => (&whole[colon + 1..], None),
            };
            self.pos = start + colon + 1;
            check_name(name).map_err(|m| self.error(m))?;
            self.pos += name.len();
            if let Some(sub) = sub {
                self.pos += 1;
                check_name(sub).map_err(|m| self.error(m))?;
                self.pos += sub.len();
            }
            return Ok(AttrPath { urn: Some(urn.to_owned()), name: name.to_owned(), sub: sub.map(str::to_owned) });
        }
        let name = self.attr_name()?;
        let sub = if self.peek() == Some('.') {
            self.pos += 1;
            Some(self.attr_name()?)
        } else {
            None
        };
        Ok(AttrPath { urn: None, name, sub })
    }

    fn attr_name(&mut self) -> Result<String, ScimError> {
        let rest = self.rest();
        let len = rest.char_indices().find(|(_, c)| !is_name_char(*c)).map_or(rest.len(), |(i, _)| i);
        let name = &rest[..len];
        check_name(name).map_err(|m| self.error(m))?;
        self.pos += len;
        Ok(name.to_owned())
    }

    fn comp_value(&mut self) -> Result<CompValue, ScimError> {
        match self.peek() {
            Some('"') => {
                let rest = self.rest();
                let mut escaped = false;
                let mut end = None;
                for (i, c) in rest.char_indices().skip(1) {
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let Some(end) = end else {
                    return Err(self.error("unterminated string"));
                };
                let literal = &rest[..=end];
                let value: String = serde_json::from_str(literal).map_err(|_| self.error("invalid string literal"))?;
                self.pos += end + 1;
                Ok(CompValue::String(value))
            }
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let rest = self.rest();
                let len = rest
                    .char_indices()
                    .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))
                    .map_or(rest.len(), |(i, _)| i);
                let number: Number = serde_json::from_str(&rest[..len]).map_err(|_| self.error("invalid number"))?;
                self.pos += len;
                Ok(CompValue::Number(number))
            }
            _ => {
                if self.eat_keyword("true") {
                    Ok(CompValue::Bool(true))
                } else if self.eat_keyword("false") {
                    Ok(CompValue::Bool(false))
                } else if self.eat_keyword("null") {
                    Ok(CompValue::Null)
                } else {
                    Err(self.error("expected a value: a string, number, true, false or null"))
                }
            }
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '$'
}

fn check_name(name: &str) -> Result<(), &'static str> {
    match name.chars().next() {
        None => Err("expected an attribute name"),
        // `$ref` is the one attribute name RFC 7643 allows to start with something else.
        Some(c) if c.is_ascii_alphabetic() || name == "$ref" => Ok(()),
        Some(_) => Err("an attribute name starts with a letter"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DIVISION: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division";

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "userName": "Anna.Schmidt",
            "name": {"givenName": "Anna", "familyName": "Schmidt"},
            "userType": "Employee",
            "active": true,
            "emails": [
                {"value": "anna.schmidt@example.com", "type": "work", "primary": true},
                {"value": "anna@home.example", "type": "home"}
            ],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "EMEA/DE", "employeeNumber": "701984"},
            "meta": {"lastModified": "2024-05-13T04:42:34Z", "version": "W/\"3\""},
            "x": 42
        })
    }

    fn matches(filter: &str) -> bool {
        Filter::parse(filter).unwrap_or_else(|e| panic!("{filter:?} must parse: {e}")).matches(&user())
    }

    #[test]
    fn string_comparisons_ignore_case_of_names_and_values() {
        assert!(matches(r#"username eq "anna.schmidt""#), "userName is caseExact=false");
        assert!(matches(r#"USERNAME sw "ANNA""#));
        assert!(matches(r#"userName ew "schmidt""#));
        assert!(matches(r#"userName co "a.s""#));
        assert!(!matches(r#"userName eq "anna""#));
        assert!(matches(r#"name.familyName eq "schmidt""#));
    }

    #[test]
    fn id_comparison_is_case_exact() {
        assert!(matches(r#"id eq "2819c223-7f76-453a-919d-413861904646""#));
        assert!(!matches(r#"id eq "2819C223-7F76-453A-919D-413861904646""#), "id is caseExact");
    }

    #[test]
    fn extension_attributes_are_reached_by_full_urn() {
        assert!(matches(&format!(r#"{DIVISION} eq "emea/de""#)));
        assert!(matches(&format!(r#"{DIVISION} sw "EMEA/""#)));
        assert!(!matches(&format!(r#"{DIVISION} eq "EMEA/FR""#)));
        assert!(!matches(r#"division eq "EMEA/DE""#), "without the URN the core schema is meant");
        assert!(matches(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "anna.schmidt""#));
    }

    #[test]
    fn value_paths_and_multi_valued_attributes() {
        assert!(matches(r#"emails[type eq "work" and value co "example.com"]"#));
        assert!(!matches(r#"emails[type eq "home" and value co "example.com"]"#));
        assert!(matches(r#"emails co "home.example""#), "a complex value compares by its value");
        assert!(matches(r#"emails.type eq "home""#));
        assert!(matches(r#"emails[primary eq true]"#));
    }

    #[test]
    fn logic_presence_numbers_booleans_and_dates() {
        assert!(matches(r#"active eq true and not (userType eq "Partner")"#));
        assert!(matches(r#"userType eq "Partner" or userName pr"#));
        assert!(!matches("title pr"));
        assert!(matches("x gt 41 and x le 42"));
        assert!(!matches("x lt 42"));
        assert!(matches(r#"meta.lastModified gt "2024-05-13T00:00:00Z""#));
        assert!(!matches(r#"meta.lastModified lt "2024-05-13T06:00:00+02:00""#), "dates compare as instants");
        assert!(matches(r#"title ne "boss""#), "an absent attribute is not equal");
        assert!(matches("title eq null"));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let f = Filter::parse(r#"a eq "1" or b eq "2" and c eq "3""#).expect("parses");
        assert!(matches!(f, Filter::Or(_, ref r) if matches!(**r, Filter::And(..))), "{f:?}");
        let g = Filter::parse(r#"(a eq "1" or b eq "2") and c eq "3""#).expect("parses");
        assert!(matches!(g, Filter::And(ref l, _) if matches!(**l, Filter::Or(..))), "{g:?}");
    }

    #[test]
    fn printing_then_parsing_gives_the_same_filter() {
        let cases = [
            r#"userName eq "bjensen""#,
            r#"name.familyName co "O'Malley""#,
            r#"userName Eq "a \"quoted\" \\ name""#,
            r#"title pr and userType eq "Employee""#,
            r#"title pr or userType eq "Intern" or x gt 3"#,
            r#"a eq 1 and (b eq 2 or c eq 3) and not (d eq null)"#,
            r#"a eq 1 or (b eq 2 or c eq 3)"#,
            r#"a eq 1 and (b eq 2 and c eq 3)"#,
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division sw "EMEA/""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            r#"meta.lastModified ge "2011-05-13T04:42:34Z" and x le -1.5e3 and y ne false"#,
            r#"members[value eq "x"] and $ref pr"#,
        ];
        for text in cases {
            let parsed = Filter::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            let printed = parsed.to_string();
            let reparsed = Filter::parse(&printed).unwrap_or_else(|e| panic!("printed {printed:?}: {e}"));
            assert_eq!(parsed, reparsed, "printing {text:?} as {printed:?} must keep its meaning");
        }
    }

    #[test]
    fn built_trees_print_with_the_parentheses_they_need() {
        let a = Filter::eq(AttrPath::new("a"), "1");
        let b = Filter::eq(AttrPath::new("b"), "2");
        let c = Filter::eq(AttrPath::new("c"), "3");
        for tree in [
            a.clone().and(b.clone().or(c.clone())),
            a.clone().or(b.clone().or(c.clone())),
            a.clone().and(b.clone().and(c.clone())),
            a.clone().or(b.clone()).and(c.clone()),
            Filter::Not(Box::new(a.clone().or(b.clone()))).and(c.clone()),
        ] {
            let printed = tree.to_string();
            assert_eq!(Filter::parse(&printed).expect("printed filters parse"), tree, "{printed}");
        }
    }

    #[test]
    fn quote_keeps_user_text_a_single_value() {
        let hostile = r#"x" or userName pr or a eq "y"#;
        let filter = Filter::parse(&format!("userName eq {}", quote(hostile))).expect("quoted text parses");
        assert_eq!(filter, Filter::eq(AttrPath::new("userName"), hostile));
    }

    #[test]
    fn errors_name_the_position() {
        let cases = [
            ("userName eq", 11),
            ("userName xx \"a\"", 9),
            ("userName eq \"a", 12),
            ("(userName pr", 12),
            ("userName pr and", 15),
            ("1abc eq \"x\"", 0),
            ("userName pr garbage", 12),
            ("emails[type eq \"work\"", 21),
        ];
        for (text, position) in cases {
            match Filter::parse(text) {
                Err(ScimError::InvalidFilter { position: p, .. }) => {
                    assert_eq!(p, position, "error position for {text:?}")
                }
                other => panic!("{text:?} must be refused, got {other:?}"),
            }
        }
    }

    #[test]
    fn attr_path_parses_urns() {
        let path = AttrPath::parse(DIVISION).expect("parses");
        assert_eq!(path.urn.as_deref(), Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
        assert_eq!(path.name, "division");
        assert_eq!(path.to_string(), DIVISION);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        // Few letters, so that one side often holds the other in another case.
        #[test]
        fn ascii_comparisons_agree_with_lowercased_copies(
            a in "[aAbB/]{0,5}|20[0-9]{2}-0[1-9]-1[0-9][Tt]0[0-9]:00:00(\\.[0-9]{1,3})?[Zz]",
            e in "[aAbB/]{0,3}|20[0-9]{2}-0[1-9]-1[0-9][Tt]0[0-9]:00:00(\\.[0-9]{1,3})?[Zz]",
            op in proptest::sample::select(vec![
                CompareOp::Eq, CompareOp::Co, CompareOp::Sw, CompareOp::Ew,
                CompareOp::Gt, CompareOp::Ge, CompareOp::Lt, CompareOp::Le,
            ]),
        ) {
            proptest::prop_assert_eq!(
                compare_ascii_ignoring_case(&a, op, &e),
                compare_text(&a.to_lowercase(), op, &e.to_lowercase()),
                "{} {} {}", a, op, e
            );
        }
    }
}
