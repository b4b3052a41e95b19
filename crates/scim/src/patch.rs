//! SCIM PATCH (RFC 7644 §3.5.2): the request message and its application to a resource.
//!
//! [`apply_patch`] is a pure function over `serde_json::Value` so the sandbox applies PATCH
//! requests with it and a client can predict (or replay offline) what a PATCH will do with the
//! very same code. Attribute names match case-insensitively (RFC 7643 §2.1); an extension
//! attribute is addressed by its schema URN (`urn:…:enterprise:2.0:User:division`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::filter::{AttrPath, Filter};

/// The PatchOp message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchRequest {
    #[serde(default)]
    pub schemas: Vec<String>,
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        Self { schemas: vec![crate::schema::PATCH_OP.to_owned()], operations }
    }
}

/// One operation. `op` stays a string on the wire: several servers and clients send
/// `"Replace"`, and RFC 7644 does not say the keyword is case-sensitive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    pub op: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOp {
    Add,
    Replace,
    Remove,
}

impl PatchOperation {
    pub fn kind(&self) -> Result<PatchOp, ScimError> {
        match self.op.to_ascii_lowercase().as_str() {
            "add" => Ok(PatchOp::Add),
            "replace" => Ok(PatchOp::Replace),
            "remove" => Ok(PatchOp::Remove),
            other => Err(ScimError::InvalidPatch(format!("unknown op {other:?}"))),
        }
    }
}

/// `attrPath ["[" valFilter "]" ["." subAttr]]`, e.g. `members[value eq "u1"]` or
/// `emails[type eq "work"].value`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    /// The sub-attribute after a value filter (`.value` above).
    pub filter_sub: Option<String>,
}

impl PatchPath {
    pub fn parse(text: &str) -> Result<Self, ScimError> {
        let invalid = |message: &str| ScimError::InvalidPath { path: text.to_owned(), message: message.to_owned() };
        let text_trimmed = text.trim();
        let Some(open) = text_trimmed.find('[') else {
            let attr = AttrPath::parse(text_trimmed).map_err(|_| invalid("not an attribute path"))?;
            return Ok(Self { attr, filter: None, filter_sub: None });
        };
        let close = text_trimmed.rfind(']').filter(|&c| c > open).ok_or_else(|| invalid("unclosed '['"))?;
        let attr = AttrPath::parse(&text_trimmed[..open]).map_err(|_| invalid("not an attribute path"))?;
        if attr.sub.is_some() {
            return Err(invalid("a value filter applies to a multi-valued attribute, not a sub-attribute"));
        }
        let filter = Filter::parse(&text_trimmed[open + 1..close]).map_err(|e| invalid(&e.to_string()))?;
        let rest = &text_trimmed[close + 1..];
        let filter_sub = match rest.strip_prefix('.') {
            None if rest.is_empty() => None,
            None => return Err(invalid("unexpected text after ']'")),
            Some(sub) if !sub.is_empty() && sub.chars().all(|c| c.is_ascii_alphanumeric() || "_-$".contains(c)) => {
                Some(sub.to_owned())
            }
            Some(_) => return Err(invalid("invalid sub-attribute after ']'")),
        };
        Ok(Self { attr, filter: Some(filter), filter_sub })
    }
}

/// Applies `operations` in order to `resource`. On error the resource may be partly changed:
/// callers apply to a copy and keep it only on success (RFC 7644 §3.5.2: all or nothing).
pub fn apply_patch(resource: &mut Value, operations: &[PatchOperation]) -> Result<(), ScimError> {
    for operation in operations {
        apply_operation(resource, operation)?;
    }
    Ok(())
}

fn apply_operation(resource: &mut Value, operation: &PatchOperation) -> Result<(), ScimError> {
    let kind = operation.kind()?;
    let root =
        resource.as_object_mut().ok_or_else(|| ScimError::InvalidPatch("the resource is not an object".into()))?;
    let Some(path) = operation.path.as_deref().map(str::trim).filter(|p| !p.is_empty()) else {
        return match kind {
            PatchOp::Remove => Err(ScimError::NoTarget("remove needs a path".into())),
            PatchOp::Add | PatchOp::Replace => {
                let Some(Value::Object(values)) = &operation.value else {
                    return Err(ScimError::InvalidPatch("without a path the value must be an object".into()));
                };
                for (key, value) in values {
                    if key.to_ascii_lowercase().starts_with("urn:") && value.is_object() {
                        // An extension's attributes, given as one object under its schema URN.
                        let ext = object_entry(root, key)?;
                        for (name, v) in value.as_object().into_iter().flatten() {
                            set_attribute(ext, name, v.clone(), kind);
                        }
                    } else {
                        set_attribute(root, key, value.clone(), kind);
                    }
                }
                Ok(())
            }
        };
    };
    let path = PatchPath::parse(path)?;
    let value = operation.value.clone();
    if kind != PatchOp::Remove && value.is_none() {
        return Err(ScimError::InvalidPatch(format!("{:?} needs a value", operation.op)));
    }
    let (container, name) = container_for(root, &path.attr, kind != PatchOp::Remove)?;
    let Some(container) = container else {
        return Ok(()); // removing from an extension the resource does not have: nothing to do
    };
    match (&path.filter, &path.attr.sub) {
        (None, None) => match (kind, value) {
            (PatchOp::Remove, Some(Value::Array(gone))) => {
                // `remove members` with a value listing the members to drop (Entra ID style).
                if let Some(key) = key_of(container, &name) {
                    if let Some(Value::Array(items)) = container.get_mut(&key) {
                        items.retain(|item| !gone.iter().any(|g| same_value(item, g)));
                    }
                }
                Ok(())
            }
            (PatchOp::Remove, _) => {
                if let Some(key) = key_of(container, &name) {
                    container.remove(&key);
                }
                Ok(())
            }
            (_, Some(value)) => {
                set_attribute(container, &name, value, kind);
                Ok(())
            }
            (_, None) => Err(ScimError::InvalidPatch("missing value".into())),
        },
        (None, Some(sub)) => {
            let parent = match key_of(container, &name) {
                Some(key) => key,
                None if kind == PatchOp::Remove => return Ok(()),
                None => {
                    container.insert(name.clone(), Value::Object(Map::new()));
                    name.clone()
                }
            };
            let Some(Value::Object(complex)) = container.get_mut(&parent) else {
                return Err(ScimError::InvalidPath {
                    path: path.attr.to_string(),
                    message: format!("{name} is not a complex attribute"),
                });
            };
            match value {
                None => {
                    if let Some(key) = key_of(complex, sub) {
                        complex.remove(&key);
                    }
                }
                Some(value) => set_attribute(complex, sub, value, PatchOp::Replace),
            }
            Ok(())
        }
        (Some(filter), _) => {
            let Some(key) = key_of(container, &name) else {
                return Err(ScimError::NoTarget(format!("{name} has no values")));
            };
            let Some(Value::Array(items)) = container.get_mut(&key) else {
                return Err(ScimError::InvalidPath {
                    path: path.attr.to_string(),
                    message: format!("{name} is not multi-valued"),
                });
            };
            let matched = items.iter().filter(|item| filter.matches(item)).count();
            if matched == 0 {
                return Err(ScimError::NoTarget(format!("no value of {name} matches the filter")));
            }
            match (kind, &path.filter_sub, value) {
                (PatchOp::Remove, None, _) => items.retain(|item| !filter.matches(item)),
                (PatchOp::Remove, Some(sub), _) => {
                    for item in items.iter_mut().filter(|i| filter.matches(i)) {
                        if let Some(obj) = item.as_object_mut() {
                            if let Some(k) = key_of(obj, sub) {
                                obj.remove(&k);
                            }
                        }
                    }
                }
                (_, Some(sub), Some(value)) => {
                    for item in items.iter_mut().filter(|i| filter.matches(i)) {
                        if let Some(obj) = item.as_object_mut() {
                            set_attribute(obj, sub, value.clone(), PatchOp::Replace);
                        }
                    }
                }
                (_, None, Some(value)) => {
                    for item in items.iter_mut().filter(|i| filter.matches(i)) {
                        match (item.as_object_mut(), &value) {
                            (Some(obj), Value::Object(new)) if kind == PatchOp::Add => {
                                for (k, v) in new {
                                    set_attribute(obj, k, v.clone(), PatchOp::Replace);
                                }
                            }
                            _ => *item = value.clone(),
                        }
                    }
                }
                (_, _, None) => return Err(ScimError::InvalidPatch("missing value".into())),
            }
            if items.is_empty() {
                container.remove(&key);
            }
            Ok(())
        }
    }
}

/// Where an attribute lives: its containing object (`None` when an extension to remove from
/// is absent) and its name there.
type Target<'a> = (Option<&'a mut Map<String, Value>>, String);

/// The object holding the path's attribute, and the attribute's name in it. A schema URN
/// prefix selects an extension object (created for add/replace); a core schema URN or a URN
/// that names an extension object itself selects the top level.
fn container_for<'a>(root: &'a mut Map<String, Value>, attr: &AttrPath, create: bool) -> Result<Target<'a>, ScimError> {
    let Some(urn) = &attr.urn else {
        return Ok((Some(root), attr.name.clone()));
    };
    let whole = format!("{urn}:{}", attr.name);
    // `urn:…:enterprise:2.0:User` parses as urn `…:2.0` + name `User`: it names the whole
    // extension object, which lives at the top level under the full URN.
    let names_schema = attr.sub.is_none() && attr.name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    if key_of(root, &whole).is_some() || names_schema {
        return Ok((Some(root), whole));
    }
    if urn.to_ascii_lowercase().contains(":core:") {
        return Ok((Some(root), attr.name.clone()));
    }
    if key_of(root, urn).is_none() && !create {
        return Ok((None, attr.name.clone()));
    }
    Ok((Some(object_entry(root, urn)?), attr.name.clone()))
}

/// The object under `key` (case-insensitive), created empty when absent.
fn object_entry<'a>(root: &'a mut Map<String, Value>, key: &str) -> Result<&'a mut Map<String, Value>, ScimError> {
    let key = key_of(root, key).unwrap_or_else(|| key.to_owned());
    let entry = root.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
    entry.as_object_mut().ok_or_else(|| ScimError::InvalidPatch(format!("{key} is not an object")))
}

fn key_of(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// Two values of a multi-valued attribute are the same when their `value`s are (members,
/// groups), else when they are equal.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// `add` appends to a multi-valued attribute (skipping values already there) and merges into
/// a complex one; `replace` sets.
fn set_attribute(container: &mut Map<String, Value>, name: &str, value: Value, kind: PatchOp) {
    let key = key_of(container, name).unwrap_or_else(|| name.to_owned());
    match (kind, container.get_mut(&key), value) {
        (PatchOp::Add, Some(Value::Array(items)), new) => {
            let new = match new {
                Value::Array(values) => values,
                single => vec![single],
            };
            for v in new {
                if !items.iter().any(|item| same_value(item, &v)) {
                    items.push(v);
                }
            }
        }
        (PatchOp::Add, Some(Value::Object(existing)), Value::Object(new)) => {
            for (k, v) in new {
                set_attribute(existing, &k, v, PatchOp::Replace);
            }
        }
        (_, _, value) => {
            container.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn op(op: &str, path: Option<&str>, value: Option<Value>) -> PatchOperation {
        PatchOperation { op: op.into(), path: path.map(Into::into), value }
    }

    fn user() -> Value {
        json!({
            "userName": "anna",
            "emails": [{"value": "a@w.example", "type": "work"}, {"value": "a@h.example", "type": "home"}],
            ENT: {"division": "EMEA/DE"}
        })
    }

    #[test]
    fn replace_through_a_value_filter_changes_only_the_matching_element() {
        let mut u = user();
        apply_patch(&mut u, &[op("replace", Some(r#"emails[type eq "work"].value"#), Some(json!("n@w.example")))])
            .unwrap();
        assert_eq!(u["emails"][0]["value"], "n@w.example");
        assert_eq!(u["emails"][1]["value"], "a@h.example");
    }

    #[test]
    fn extension_paths_reach_the_extension_object() {
        let mut u = user();
        apply_patch(&mut u, &[op("Replace", Some(&format!("{ENT}:division")), Some(json!("EMEA/FR")))]).unwrap();
        assert_eq!(u[ENT]["division"], "EMEA/FR");
        apply_patch(&mut u, &[op("replace", None, Some(json!({ENT: {"department": "Claims"}, "title": "Dr"})))])
            .unwrap();
        assert_eq!(u[ENT]["department"], "Claims");
        assert_eq!(u[ENT]["division"], "EMEA/FR", "a pathless replace merges into the extension");
        assert_eq!(u["title"], "Dr");
    }

    #[test]
    fn members_are_added_once_and_removed_by_filter() {
        let mut g = json!({"displayName": "G", "members": [{"value": "u1"}]});
        apply_patch(&mut g, &[op("add", Some("members"), Some(json!([{"value": "u1"}, {"value": "u2"}])))]).unwrap();
        assert_eq!(g["members"], json!([{"value": "u1"}, {"value": "u2"}]));
        apply_patch(&mut g, &[op("remove", Some(r#"members[value eq "u1"]"#), None)]).unwrap();
        assert_eq!(g["members"], json!([{"value": "u2"}]));
        let missing = apply_patch(&mut g, &[op("remove", Some(r#"members[value eq "u9"]"#), None)]);
        assert!(matches!(missing, Err(ScimError::NoTarget(_))));
    }

    #[test]
    fn remove_needs_a_path_and_unknown_ops_are_refused() {
        let mut u = user();
        assert_eq!(apply_patch(&mut u, &[op("remove", None, None)]).unwrap_err().scim_type(), "noTarget");
        assert_eq!(apply_patch(&mut u, &[op("move", Some("title"), None)]).unwrap_err().scim_type(), "invalidValue");
        assert_eq!(
            apply_patch(&mut u, &[op("add", Some("emails[type eq"), Some(json!(1)))]).unwrap_err().scim_type(),
            "invalidPath"
        );
        apply_patch(&mut u, &[op("remove", Some("emails"), None)]).unwrap();
        assert!(u.get("emails").is_none());
    }
}
