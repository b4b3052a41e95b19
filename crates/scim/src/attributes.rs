//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes of a
//! resource a response carries.

use serde_json::{Map, Value};

use crate::filter::AttrPath;

/// Attributes RFC 7643 marks `returned: always`: no request can leave them out.
const ALWAYS: &[&str] = &["id", "schemas"];

/// With `attributes` non-empty, only those (plus `id` and `schemas`) are kept; otherwise the
/// `excluded` ones are dropped. Paths may name a sub-attribute (`name.givenName`), an
/// extension attribute by its URN, or a whole extension by its schema URN.
pub fn select_attributes(resource: &Value, attributes: &[AttrPath], excluded: &[AttrPath]) -> Value {
    let Some(object) = resource.as_object() else {
        return resource.clone();
    };
    if !attributes.is_empty() {
        let mut kept = Map::new();
        for (key, value) in object {
            if ALWAYS.iter().any(|a| a.eq_ignore_ascii_case(key)) {
                kept.insert(key.clone(), value.clone());
            }
        }
        for path in attributes {
            copy_path(object, &mut kept, path);
        }
        return Value::Object(kept);
    }
    let mut kept = object.clone();
    for path in excluded {
        remove_path(&mut kept, path);
    }
    Value::Object(kept)
}

fn key_of(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// Splits a path into the top-level key and what to keep below it (`None` = all of it).
fn locate(object: &Map<String, Value>, path: &AttrPath) -> Option<(String, Vec<String>)> {
    match &path.urn {
        None => Some((key_of(object, &path.name)?, path.sub.iter().cloned().collect())),
        Some(urn) => {
            let whole = format!("{urn}:{}", path.name);
            if let Some(key) = key_of(object, &whole) {
                return Some((key, path.sub.iter().cloned().collect()));
            }
            if let Some(key) = key_of(object, urn) {
                let mut below = vec![path.name.clone()];
                below.extend(path.sub.iter().cloned());
                return Some((key, below));
            }
            // A core schema URN prefix names a top-level attribute.
            Some((key_of(object, &path.name)?, path.sub.iter().cloned().collect()))
        }
    }
}

fn copy_path(from: &Map<String, Value>, to: &mut Map<String, Value>, path: &AttrPath) {
    let Some((key, below)) = locate(from, path) else {
        return;
    };
    let Some(value) = from.get(&key) else {
        return;
    };
    if below.is_empty() {
        to.insert(key, value.clone());
        return;
    }
    let picked = pick(value, &below);
    match (to.get_mut(&key), picked) {
        (Some(Value::Object(existing)), Value::Object(more)) => existing.extend(more),
        (_, Value::Null) => {}
        (_, picked) => {
            to.insert(key, picked);
        }
    }
}

/// The part of `value` under the names in `below` (through multi-valued attributes).
fn pick(value: &Value, below: &[String]) -> Value {
    let Some((first, rest)) = below.split_first() else {
        return value.clone();
    };
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| pick(item, below))
                .filter(|v| !v.is_null() && v != &Value::Object(Map::new()))
                .collect(),
        ),
        Value::Object(object) => match key_of(object, first) {
            Some(key) => {
                let inner = pick(&object[&key], rest);
                let mut out = Map::new();
                out.insert(key, inner);
                Value::Object(out)
            }
            None => Value::Null,
        },
        _ => Value::Null,
    }
}

fn remove_path(object: &mut Map<String, Value>, path: &AttrPath) {
    let Some((key, below)) = locate(object, path) else {
        return;
    };
    if ALWAYS.iter().any(|a| a.eq_ignore_ascii_case(&key)) {
        return;
    }
    if below.is_empty() {
        object.remove(&key);
    } else if let Some(value) = object.get_mut(&key) {
        remove_below(value, &below);
    }
}

fn remove_below(value: &mut Value, below: &[String]) {
    let Some((first, rest)) = below.split_first() else {
        return;
    };
    match value {
        Value::Array(items) => items.iter_mut().for_each(|item| remove_below(item, below)),
        Value::Object(object) => {
            if let Some(key) = key_of(object, first) {
                if rest.is_empty() {
                    object.remove(&key);
                } else if let Some(inner) = object.get_mut(&key) {
                    remove_below(inner, rest);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn user() -> Value {
        json!({
            "schemas": ["u"], "id": "1", "userName": "anna", "title": "Dr",
            "name": {"givenName": "Anna", "familyName": "Schmidt"},
            "emails": [{"value": "a@x", "type": "work"}],
            ENT: {"division": "EMEA/DE", "department": "Claims"}
        })
    }

    fn paths(list: &[&str]) -> Vec<AttrPath> {
        list.iter().map(|p| AttrPath::parse(p).unwrap()).collect()
    }

    #[test]
    fn attributes_keep_only_what_is_asked_plus_id() {
        let got = select_attributes(&user(), &paths(&["userName", "name.givenName", &format!("{ENT}:division")]), &[]);
        assert_eq!(
            got,
            json!({"schemas": ["u"], "id": "1", "userName": "anna", "name": {"givenName": "Anna"},
                   ENT: {"division": "EMEA/DE"}})
        );
        let emails = select_attributes(&user(), &paths(&["emails.value"]), &[]);
        assert_eq!(emails["emails"], json!([{"value": "a@x"}]));
    }

    #[test]
    fn excluded_attributes_are_dropped_but_id_stays() {
        let got =
            select_attributes(&user(), &[], &paths(&["title", "id", "name.familyName", &format!("{ENT}:department")]));
        assert_eq!(got["id"], "1");
        assert!(got.get("title").is_none());
        assert_eq!(got["name"], json!({"givenName": "Anna"}));
        assert_eq!(got[ENT], json!({"division": "EMEA/DE"}));
    }
}
