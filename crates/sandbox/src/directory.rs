//! The directory as the SCIM server serves it: users and groups held in memory, loaded from
//! SQLite at start, and filtered per request by the caller's BU scopes.
//!
//! Keeping the resources as ready JSON makes a list request a scan with a filter evaluation
//! per user and no database work, which is what lets a page of 1,000 users come back fast.
//! Delegation is applied before the client's filter, and `totalResults` counts only what the
//! caller may see, so a list never leaks the size of another BU.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::Connection;
use serde_json::{json, Value};

use bailiwick_scim::{values_at, AttrPath};

use crate::modified_index::{modified_since, ModifiedIndex};
use crate::scim_api::Listing;
use crate::user_slots::UserSlots;

use crate::SandboxError;

pub struct UserEntry {
    pub id: String,
    pub division: String,
    /// `meta.version` as a number: the ETag is `W/"version"`.
    pub version: i64,
    /// The full SCIM resource, `groups` and `meta` included.
    pub resource: Value,
}

pub struct GroupEntry {
    pub id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub member_ids: Vec<String>,
    pub created: String,
    pub last_modified: String,
    pub version: i64,
}

/// A group as a write leaves it: what `store::write_group` stores and `Directory::set_group` holds.
pub struct GroupChange {
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: Vec<String>,
    pub version: i64,
}

impl GroupChange {
    /// The group as it is, one version on, with `members`: a membership change alone.
    pub fn with_members(group: &GroupEntry, members: Vec<String>) -> Self {
        Self {
            display_name: group.display_name.clone(),
            external_id: group.external_id.clone(),
            members,
            version: group.version + 1,
        }
    }
}

/// Who joined (in `after`, not in `before`) and who left (the other way round).
pub fn membership_difference<'b, 'a>(before: &'b [String], after: &'a [String]) -> (Vec<&'a String>, Vec<&'b String>) {
    let before_set: HashSet<&String> = before.iter().collect();
    let after_set: HashSet<&String> = after.iter().collect();
    let joined = after.iter().filter(|m| !before_set.contains(m)).collect();
    let left = before.iter().filter(|m| !after_set.contains(m)).collect();
    (joined, left)
}

pub struct Directory {
    scim_base: String,
    users: UserSlots,
    /// id → position in `users`.
    user_index: HashMap<String, usize>,
    /// userName, ASCII-lowercased (SCIM compares it case-insensitively) → id: a write checks
    /// that the name is free, and a scan of a million users per write made PATCHes crawl.
    name_index: HashMap<String, String>,
    modified: ModifiedIndex,
    groups: Vec<GroupEntry>,
    recent_matches: Mutex<RecentMatches>,
}

/// The users recent listings matched, in order, so that a listing's next pages do not scan the
/// directory again. A sync pages through one query; without this, every page re-evaluated the
/// filter over all users before its start, which is quadratic in the directory's size (a
/// million users took hours). Any write forgets them all.
#[derive(Default)]
struct RecentMatches {
    entries: VecDeque<(String, Arc<Vec<usize>>)>,
}

impl RecentMatches {
    /// A handful of concurrent queries: one per admin syncing, plus the odd search.
    const KEPT: usize = 8;

    fn get(&mut self, key: &str) -> Option<Arc<Vec<usize>>> {
        let position = self.entries.iter().position(|(k, _)| k == key)?;
        let entry = self.entries.remove(position)?;
        let matches = Arc::clone(&entry.1);
        self.entries.push_front(entry);
        Some(matches)
    }

    fn put(&mut self, key: String, matches: Arc<Vec<usize>>) {
        self.entries.push_front((key, matches));
        self.entries.truncate(Self::KEPT);
    }
}

/// Whole-segment coverage: `EMEA` covers `EMEA` and `EMEA/DE`, not `EMEAX` (the same rule as
/// bailiwick-core's scope module, which the sandbox deliberately does not depend on).
pub fn scope_covers(scope: &str, division: &str) -> bool {
    let scope = scope.trim_matches('/');
    let division = division.trim_matches('/');
    !scope.is_empty()
        && (division == scope
            || (division.len() > scope.len()
                && division.starts_with(scope)
                && division.as_bytes()[scope.len()] == b'/'))
}

pub fn in_scope(scopes: &[&str], division: &str) -> bool {
    scopes.iter().any(|s| scope_covers(s, division))
}

/// `sortBy`/`sortOrder` (RFC 7644 §3.4.2.3).
pub struct Sort {
    pub path: AttrPath,
    pub descending: bool,
}

/// What a resource sorts by: its first value at the path (strings without case, as the
/// filter compares them); resources without one sort last in ascending order.
fn sort_key(resource: &Value, path: &AttrPath) -> Option<SortKey> {
    values_at(resource, path).into_iter().find_map(|v| match v {
        Value::String(s) => Some(SortKey::Text(s.to_lowercase())),
        Value::Number(n) => n.as_f64().map(SortKey::Number),
        Value::Bool(b) => Some(SortKey::Number(f64::from(u8::from(*b)))),
        _ => None,
    })
}

#[derive(PartialEq, PartialOrd)]
enum SortKey {
    Number(f64),
    Text(String),
}

fn compare_sort_keys(a: &Option<SortKey>, b: &Option<SortKey>, descending: bool) -> std::cmp::Ordering {
    let order = match (a, b) {
        (Some(a), Some(b)) => a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    };
    if descending {
        order.reverse()
    } else {
        order
    }
}

/// What makes two listings the same query: who asks (their scopes), the filter and the order.
fn listing_key(scopes: &[&str], listing: &Listing) -> String {
    let filter = listing.filter.as_ref().map(ToString::to_string).unwrap_or_default();
    let sort = listing.sort.as_ref().map(|s| format!("{} {}", s.path, s.descending)).unwrap_or_default();
    format!("{}\n{filter}\n{sort}", scopes.join(","))
}

fn sorted_page(mut matches: Vec<(Option<SortKey>, Value)>, listing: &Listing) -> Page<'static> {
    if let Some(sort) = &listing.sort {
        matches.sort_by(|(a, _), (b, _)| compare_sort_keys(a, b, sort.descending));
    }
    let total_results = matches.len();
    let resources =
        matches.into_iter().skip(listing.start_index - 1).take(listing.count).map(|(_, r)| Cow::Owned(r)).collect();
    Page { total_results, start_index: listing.start_index, resources }
}

/// Filters, sorts and pages resources the caller may already see (grants, audit events).
pub fn page_of(resources: impl Iterator<Item = Value>, listing: &Listing) -> Page<'static> {
    let matches = resources
        .filter(|r| listing.filter.as_ref().is_none_or(|f| f.matches(r)))
        .map(|r| (listing.sort.as_ref().and_then(|s| sort_key(&r, &s.path)), r))
        .collect();
    sorted_page(matches, listing)
}

/// One page of a list, after delegation and filtering. Users are borrowed from the directory
/// (serialized while its read lock is held): cloning them cost more than the rest of a request.
pub struct Page<'a> {
    pub total_results: usize,
    pub start_index: usize,
    pub resources: Vec<Cow<'a, Value>>,
}

impl Directory {
    pub fn load(conn: &Connection, scim_base: &str) -> Result<Self, SandboxError> {
        let scim_base = scim_base.trim_end_matches('/').to_owned();
        let mut groups = Vec::new();
        {
            let mut stmt = conn.prepare(
                "SELECT id, display_name, created, last_modified, version, external_id FROM groups ORDER BY seq",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(GroupEntry {
                    id: r.get(0)?,
                    display_name: r.get(1)?,
                    external_id: r.get(5)?,
                    member_ids: Vec::new(),
                    created: r.get(2)?,
                    last_modified: r.get(3)?,
                    version: r.get(4)?,
                })
            })?;
            for row in rows {
                groups.push(row?);
            }
        }
        let group_index: HashMap<String, usize> = groups.iter().enumerate().map(|(i, g)| (g.id.clone(), i)).collect();
        let mut groups_of_user: HashMap<String, Vec<usize>> = HashMap::new();
        {
            let mut stmt = conn.prepare(
                "SELECT m.group_id, m.user_id FROM memberships m JOIN users u ON u.id = m.user_id ORDER BY u.seq",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (group_id, user_id) = row?;
                if let Some(&gi) = group_index.get(&group_id) {
                    groups[gi].member_ids.push(user_id.clone());
                    groups_of_user.entry(user_id).or_default().push(gi);
                }
            }
        }
        let mut users = Vec::new();
        let mut stmt =
            conn.prepare("SELECT id, division, resource, created, last_modified, version FROM users ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        for row in rows {
            let (id, division, resource, created, last_modified, version) = row?;
            let mut resource: Value =
                serde_json::from_str(&resource).map_err(|e| SandboxError::CorruptData(format!("user {id}: {e}")))?;
            let memberships: Vec<Value> = groups_of_user
                .get(&id)
                .map(|gs| {
                    gs.iter()
                        .map(|&gi| {
                            let g = &groups[gi];
                            json!({
                                "value": g.id,
                                "$ref": format!("{scim_base}/Groups/{}", g.id),
                                "display": g.display_name,
                                "type": "direct",
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            if !memberships.is_empty() {
                resource["groups"] = Value::Array(memberships);
            }
            resource["meta"] = json!({
                "resourceType": "User",
                "created": created,
                "lastModified": last_modified,
                "location": format!("{scim_base}/Users/{id}"),
                "version": format!("W/\"{version}\""),
            });
            users.push(UserEntry { id, division, version, resource });
        }
        let users: UserSlots = users.into_iter().collect();
        let user_index = users.iter().map(|(i, u)| (u.id.clone(), i)).collect();
        let name_index = users.iter().filter_map(|(_, u)| Some((name_key(u)?, u.id.clone()))).collect();
        let mut modified = ModifiedIndex::default();
        for (_, user) in users.iter() {
            modified.insert(&user.resource, &user.id);
        }
        Ok(Self { scim_base, users, user_index, name_index, modified, groups, recent_matches: Mutex::default() })
    }

    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    pub fn user(&self, id: &str) -> Option<&UserEntry> {
        self.user_index.get(id).and_then(|&i| self.users.get(i))
    }

    pub fn user_by_name(&self, user_name: &str) -> Option<&UserEntry> {
        self.name_index.get(&user_name.to_ascii_lowercase()).and_then(|id| self.user(id))
    }

    /// Moves user `id` in `name_index` from its old name key to its new one.
    fn rename_in_index(&mut self, old: Option<String>, new: Option<String>, id: &str) {
        if let Some(old) = old.filter(|old| self.name_index.get(old).map(String::as_str) == Some(id)) {
            self.name_index.remove(&old);
        }
        if let Some(new) = new {
            self.name_index.insert(new, id.to_owned());
        }
    }

    /// Users the scopes cover and the filter matches, one page of them (1-based `start_index`).
    pub fn list_users(&self, scopes: &[&str], listing: &Listing) -> Page<'_> {
        let matches = self.user_matches(scopes, listing);
        let resources = matches
            .iter()
            .skip(listing.start_index - 1)
            .take(listing.count)
            .filter_map(|&i| self.users.get(i).map(|user| Cow::Borrowed(&user.resource)))
            .collect();
        Page { total_results: matches.len(), start_index: listing.start_index, resources }
    }

    /// The indexes of the users a listing matches, in its order: remembered from an earlier
    /// page of the same query, else one scan of the directory.
    fn user_matches(&self, scopes: &[&str], listing: &Listing) -> Arc<Vec<usize>> {
        let key = listing_key(scopes, listing);
        let mut recent = self.recent_matches.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(matches) = recent.get(&key) {
            return matches;
        }
        drop(recent);
        let filter = listing.filter.as_ref();
        let candidates: Box<dyn Iterator<Item = (usize, &UserEntry)>> = match filter.and_then(modified_since) {
            Some(since) => {
                let mut positions: Vec<usize> =
                    self.modified.since(since).filter_map(|id| self.user_index.get(id).copied()).collect();
                positions.sort_unstable();
                Box::new(positions.into_iter().filter_map(|i| self.users.get(i).map(|user| (i, user))))
            }
            None => Box::new(self.users.iter()),
        };
        let matching =
            candidates.filter(|(_, u)| in_scope(scopes, &u.division) && filter.is_none_or(|f| f.matches(&u.resource)));
        let matches: Vec<usize> = match &listing.sort {
            Some(sort) => {
                let mut keyed: Vec<(Option<SortKey>, usize)> =
                    matching.map(|(i, u)| (sort_key(&u.resource, &sort.path), i)).collect();
                keyed.sort_by(|(a, _), (b, _)| compare_sort_keys(a, b, sort.descending));
                keyed.into_iter().map(|(_, i)| i).collect()
            }
            None => matching.map(|(i, _)| i).collect(),
        };
        let matches = Arc::new(matches);
        self.recent_matches.lock().unwrap_or_else(PoisonError::into_inner).put(key, Arc::clone(&matches));
        matches
    }

    /// Called by every write: remembered matches may no longer hold.
    fn forget_matches(&mut self) {
        self.recent_matches.get_mut().unwrap_or_else(PoisonError::into_inner).entries.clear();
    }

    /// A group as the caller may see it: members outside their scopes are left out.
    pub fn group_resource(&self, group: &GroupEntry, scopes: &[&str]) -> Value {
        let members: Vec<Value> = group
            .member_ids
            .iter()
            .filter_map(|id| self.user(id))
            .filter(|u| in_scope(scopes, &u.division))
            .map(|u| {
                // value, $ref and type: the Group schema of RFC 7643 §8.7.1 has no member display.
                json!({
                    "value": u.id,
                    "$ref": format!("{}/Users/{}", self.scim_base, u.id),
                    "type": "User",
                })
            })
            .collect();
        let mut resource = json!({
            "schemas": [bailiwick_scim::schema::GROUP],
            "id": group.id,
            "displayName": group.display_name,
            "members": members,
            "meta": {
                "resourceType": "Group",
                "created": group.created,
                "lastModified": group.last_modified,
                "location": format!("{}/Groups/{}", self.scim_base, group.id),
                "version": format!("W/\"{}\"", group.version),
            }
        });
        if let Some(external_id) = &group.external_id {
            resource["externalId"] = json!(external_id);
        }
        resource
    }

    pub fn group(&self, id: &str) -> Option<&GroupEntry> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// Groups are roles, visible to every admin; only their member lists are scoped.
    pub fn list_groups(&self, scopes: &[&str], listing: &Listing) -> Page<'static> {
        let (filter, start_index, count) = (listing.filter.as_ref(), listing.start_index, listing.count);
        if let Some(sort) = &listing.sort {
            let matches = self
                .groups
                .iter()
                .map(|g| self.group_resource(g, scopes))
                .filter(|r| filter.is_none_or(|f| f.matches(r)))
                .map(|r| (sort_key(&r, &sort.path), r))
                .collect();
            return sorted_page(matches, listing);
        }
        let mut total = 0;
        let mut resources = Vec::new();
        for group in &self.groups {
            let resource = self.group_resource(group, scopes);
            if !filter.is_none_or(|f| f.matches(&resource)) {
                continue;
            }
            total += 1;
            if total >= start_index && resources.len() < count {
                resources.push(Cow::Owned(resource));
            }
        }
        Page { total_results: total, start_index, resources }
    }
}

/// Writes: the caller (scim_write) has already stored the change in SQLite; these keep the
/// in-memory copy identical to what a restart would load.
impl Directory {
    pub fn scim_base(&self) -> &str {
        &self.scim_base
    }

    pub fn group_index(&self, id: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.id == id)
    }

    /// Adds or removes one member of a group (a grant starting or ending); true when the
    /// membership changed. The group's version moves like any other membership change.
    pub fn set_member(
        &mut self,
        conn: &Connection,
        group_id: &str,
        user_id: &str,
        member: bool,
        now: &str,
    ) -> Result<bool, SandboxError> {
        let Some(index) = self.group_index(group_id) else {
            return Ok(false);
        };
        let group = &self.groups[index];
        let present = group.member_ids.iter().any(|m| m == user_id);
        if present == member || (member && self.user(user_id).is_none()) {
            return Ok(false);
        }
        let mut members = group.member_ids.clone();
        if member {
            members.push(user_id.to_owned());
        } else {
            members.retain(|m| m != user_id);
        }
        let change = GroupChange::with_members(group, members);
        crate::store::write_group(conn, group_id, &group.member_ids, &change, now)?;
        self.set_group(index, change, now);
        Ok(true)
    }

    pub fn group_at(&self, index: usize) -> &GroupEntry {
        &self.groups[index]
    }

    /// Adds or replaces a user from its stored form (no `groups`, no `meta`); its memberships
    /// are kept.
    pub fn put_user(&mut self, stored: Value, division: String, version: i64, created: &str, last_modified: &str) {
        self.forget_matches();
        let Some(id) = stored["id"].as_str().map(str::to_owned) else {
            return;
        };
        let mut resource = stored;
        let groups = self.memberships_of(&id);
        if !groups.is_empty() {
            resource["groups"] = Value::Array(groups);
        }
        resource["meta"] = json!({
            "resourceType": "User",
            "created": created,
            "lastModified": last_modified,
            "location": format!("{}/Users/{id}", self.scim_base),
            "version": format!("W/\"{version}\""),
        });
        let entry = UserEntry { id: id.clone(), division, version, resource };
        let new_name = name_key(&entry);
        let position = self.user_index.get(&id).copied();
        // Out of the lastModified index before in: the old and the new timestamp may be the
        // same second.
        if let Some(old) = position.and_then(|i| self.users.get(i)) {
            self.modified.remove(&old.resource, &id);
        }
        self.modified.insert(&entry.resource, &id);
        match position {
            Some(i) => {
                let old_name = self.users.replace(i, entry).and_then(|old| name_key(&old));
                self.rename_in_index(old_name, new_name, &id);
            }
            None => {
                self.rename_in_index(None, new_name, &id);
                let position = self.users.push(entry);
                self.user_index.insert(id, position);
            }
        }
    }

    /// Removes a user and its memberships; returns the indexes of the groups it left.
    pub fn remove_user(&mut self, id: &str) -> Vec<usize> {
        self.forget_matches();
        let Some(index) = self.user_index.remove(id) else {
            return Vec::new();
        };
        let Some(removed) = self.users.take(index) else {
            return Vec::new();
        };
        self.modified.remove(&removed.resource, id);
        if let Some(name) = name_key(&removed).filter(|name| self.name_index.get(name).map(String::as_str) == Some(id))
        {
            self.name_index.remove(&name);
        }
        if self.users.close_holes_if_sparse() {
            for (position, user) in self.users.iter() {
                if let Some(indexed) = self.user_index.get_mut(&user.id) {
                    *indexed = position;
                }
            }
        }
        let mut left = Vec::new();
        for (gi, group) in self.groups.iter_mut().enumerate() {
            let before = group.member_ids.len();
            group.member_ids.retain(|m| m != id);
            if group.member_ids.len() != before {
                left.push(gi);
            }
        }
        left
    }

    /// Replaces a group's members (and name, externalId, version, timestamp) and re-derives
    /// `User.groups` of everyone who joined or left — of every member when the name changed,
    /// since `User.groups` shows it.
    pub fn set_group(&mut self, index: usize, change: GroupChange, now: &str) {
        self.forget_matches();
        let Some(group) = self.groups.get_mut(index) else {
            return;
        };
        let touched: Vec<String> = if group.display_name == change.display_name {
            let (joined, left) = membership_difference(&group.member_ids, &change.members);
            joined.into_iter().chain(left).cloned().collect()
        } else {
            group.member_ids.iter().chain(&change.members).cloned().collect::<HashSet<_>>().into_iter().collect()
        };
        group.member_ids = change.members;
        group.display_name = change.display_name;
        group.external_id = change.external_id;
        group.version = change.version;
        group.last_modified = now.to_owned();
        for user_id in touched {
            let groups = self.memberships_of(&user_id);
            if let Some(user) = self.user_index.get(&user_id).and_then(|&ui| self.users.get_mut(ui)) {
                let resource = &mut user.resource;
                match resource.as_object_mut() {
                    Some(obj) if groups.is_empty() => {
                        obj.remove("groups");
                    }
                    Some(obj) => {
                        obj.insert("groups".into(), Value::Array(groups));
                    }
                    None => {}
                }
            }
        }
    }

    /// Appends a new, empty group and returns its index.
    pub fn add_group(&mut self, id: String, display_name: String, now: &str) -> usize {
        self.forget_matches();
        self.groups.push(GroupEntry {
            id,
            display_name,
            external_id: None,
            member_ids: Vec::new(),
            created: now.to_owned(),
            last_modified: now.to_owned(),
            version: 1,
        });
        self.groups.len() - 1
    }

    /// Removes a group that has no members left.
    pub fn remove_group(&mut self, index: usize) {
        self.forget_matches();
        if index < self.groups.len() {
            self.groups.remove(index);
        }
    }

    pub fn group_display_taken(&self, display_name: &str, except: usize) -> bool {
        self.groups.iter().enumerate().any(|(i, g)| i != except && g.display_name.eq_ignore_ascii_case(display_name))
    }

    fn memberships_of(&self, user_id: &str) -> Vec<Value> {
        self.groups
            .iter()
            .filter(|g| g.member_ids.iter().any(|m| m == user_id))
            .map(|g| {
                json!({
                    "value": g.id,
                    "$ref": format!("{}/Groups/{}", self.scim_base, g.id),
                    "display": g.display_name,
                    "type": "direct",
                })
            })
            .collect()
    }
}

/// A user's key in `name_index`: its userName, ASCII-lowercased.
fn name_key(user: &UserEntry) -> Option<String> {
    user.resource["userName"].as_str().map(str::to_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bailiwick_scim::Filter;

    #[test]
    fn scopes_cover_by_whole_segments() {
        assert!(scope_covers("EMEA", "EMEA"));
        assert!(scope_covers("EMEA", "EMEA/DE"));
        assert!(scope_covers("APAC/IN", "APAC/IN"));
        assert!(!scope_covers("EMEA", "EMEAX/DE"), "a string prefix is not a parent BU");
        assert!(!scope_covers("APAC/IN", "APAC"));
        assert!(!scope_covers("", "EMEA"));
    }

    #[test]
    fn removing_users_keeps_every_other_user_found_by_id_and_name() {
        let mut directory = Directory {
            scim_base: "http://127.0.0.1/scim/v2".into(),
            users: UserSlots::default(),
            user_index: HashMap::new(),
            name_index: HashMap::new(),
            modified: ModifiedIndex::default(),
            groups: Vec::new(),
            recent_matches: Mutex::default(),
        };
        let ids: Vec<String> = (0..6).map(|i| format!("u{i}")).collect();
        for id in &ids {
            let stored = json!({"id": id, "userName": format!("name.{id}")});
            directory.put_user(stored, "EMEA".into(), 1, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
        }
        for gone in ["u2", "u5", "u0"] {
            directory.remove_user(gone);
            assert!(directory.user(gone).is_none(), "{gone} is gone");
            assert!(directory.user_by_name(&format!("name.{gone}")).is_none());
        }
        let left: Vec<&str> = directory.users.iter().map(|(_, u)| u.id.as_str()).collect();
        assert_eq!(left, ["u1", "u3", "u4"], "the others keep their order");
        for id in left {
            assert_eq!(directory.user(id).map(|u| u.id.as_str()), Some(id), "{id} by id");
            assert_eq!(directory.user_by_name(&format!("NAME.{id}")).map(|u| u.id.as_str()), Some(id), "{id} by name");
        }
        assert_eq!(directory.user_count(), 3);

        // A user created again after the holes were closed up goes last, and is found.
        let stored = json!({"id": "u2", "userName": "name.u2.again"});
        directory.put_user(stored, "EMEA".into(), 2, "2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z");
        directory.remove_user("u3");
        let left: Vec<&str> = directory.users.iter().map(|(_, u)| u.id.as_str()).collect();
        assert_eq!(left, ["u1", "u4", "u2"]);
        for id in left {
            assert_eq!(directory.user(id).map(|u| u.id.as_str()), Some(id), "{id} by id");
        }
        assert_eq!(directory.user_by_name("name.u2.again").map(|u| u.id.as_str()), Some("u2"));
        assert_eq!(directory.user_count(), 3);
    }

    /// Listings of changes since a time are answered from the lastModified index: they must
    /// find exactly what a scan of every user finds, in the same order, after updates (some
    /// within the same second) and removals.
    #[test]
    fn listings_of_changes_since_a_time_find_what_a_scan_finds() {
        let mut directory = Directory {
            scim_base: "http://127.0.0.1/scim/v2".into(),
            users: UserSlots::default(),
            user_index: HashMap::new(),
            name_index: HashMap::new(),
            modified: ModifiedIndex::default(),
            groups: Vec::new(),
            recent_matches: Mutex::default(),
        };
        let at = |second: u32| format!("2026-03-01T10:00:{second:02}Z");
        let division = |i: usize| if i.is_multiple_of(3) { "APAC/JP" } else { "EMEA/DE" };
        let put = |directory: &mut Directory, i: usize, second: u32| {
            let stored =
                json!({"id": format!("u{i:02}"), "userName": format!("user.{i}"), "title": format!("t{second}")});
            directory.put_user(stored, division(i).into(), 1, &at(0), &at(second));
        };
        for i in 0..30 {
            put(&mut directory, i, (i % 7) as u32);
        }
        // Updated later, updated again within the same second, moved back in time, removed.
        for i in [4, 9, 17] {
            put(&mut directory, i, 20);
        }
        put(&mut directory, 9, 20);
        put(&mut directory, 12, 1);
        for gone in ["u05", "u17", "u21"] {
            directory.remove_user(gone);
        }

        let listed = |directory: &Directory, scopes: &[&str], filter: &str| -> Vec<String> {
            let query: crate::scim_api::ListQuery =
                serde_json::from_value(json!({"filter": filter, "count": 1000})).expect("a list query");
            let listing = query.listing().unwrap_or_else(|_| panic!("{filter} is a valid listing"));
            directory
                .list_users(scopes, &listing)
                .resources
                .iter()
                .map(|r| r["id"].as_str().unwrap_or("").to_owned())
                .collect()
        };
        let scanned = |directory: &Directory, scopes: &[&str], filter: &str| -> Vec<String> {
            let filter = Filter::parse(filter).expect("a filter");
            directory
                .users
                .iter()
                .filter(|(_, u)| in_scope(scopes, &u.division) && filter.matches(&u.resource))
                .map(|(_, u)| u.id.clone())
                .collect()
        };
        let mut nonempty = 0;
        for since in [
            "2026-03-01T10:00:00Z",
            "2026-03-01T10:00:03Z",
            "2026-03-01T10:00:03.500Z",
            "2026-03-01T11:00:05+01:00",
            "2026-03-01T10:00:20Z",
        ] {
            for op in ["gt", "ge"] {
                for filter in [
                    format!(r#"meta.lastModified {op} "{since}""#),
                    format!(r#"(title sw "t" or userName eq "x") and META.LASTMODIFIED {op} "{since}""#),
                    format!(r#"meta.lastModified {op} "{since}" and not (title eq "t20")"#),
                ] {
                    for scopes in [&["EMEA", "APAC"][..], &["EMEA"][..]] {
                        let expected = scanned(&directory, scopes, &filter);
                        nonempty += usize::from(!expected.is_empty());
                        assert_eq!(listed(&directory, scopes, &filter), expected, "{filter} in {scopes:?}");
                    }
                }
            }
        }
        assert!(nonempty > 20, "the cases must find users, or they prove little ({nonempty})");
        assert_eq!(
            listed(&directory, &["EMEA", "APAC"], r#"meta.lastModified ge "2026-03-01T10:00:20Z""#),
            ["u04", "u09"],
            "the users updated last, in the directory's order"
        );
    }
}
