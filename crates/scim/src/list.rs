//! The ListResponse message (RFC 7644 §3.4.2), and its form when paged by cursor (RFC 9865).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    #[serde(default = "list_schemas")]
    pub schemas: Vec<String>,
    pub total_results: u64,
    /// 1-based index of the first result (RFC 7644 §3.4.2.4). Optional on the wire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_index: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_per_page: Option<u64>,
    /// Absent when a page is empty (several servers omit it rather than send `[]`).
    #[serde(rename = "Resources", default = "Vec::new")]
    pub resources: Vec<T>,
}

/// A ListResponse paged by cursor (RFC 9865 §2.2): `nextCursor` leads to the next page and is
/// absent on the last one; `totalResults`, required with index paging, is optional here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CursorListResponse<T> {
    #[serde(default = "list_schemas")]
    pub schemas: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_results: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_per_page: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_cursor: Option<String>,
    #[serde(rename = "Resources", default = "Vec::new")]
    pub resources: Vec<T>,
}

fn list_schemas() -> Vec<String> {
    vec![crate::schema::LIST_RESPONSE.to_owned()]
}

impl<T> ListResponse<T> {
    pub fn new(total_results: u64, start_index: u64, resources: Vec<T>) -> Self {
        Self {
            schemas: list_schemas(),
            total_results,
            start_index: Some(start_index),
            items_per_page: Some(resources.len() as u64),
            resources,
        }
    }
}
