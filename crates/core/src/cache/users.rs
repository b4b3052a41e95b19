//! Reading users and roles out of the cache: the queries behind `users list`, `users show`
//! and the desktop's users table.

use bailiwick_scim::User;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::Cache;
use crate::error::Error;
use crate::scope::BuPath;
pub use crate::user_type::UserType;

/// A cached user as the hosts show it (the `users list --json` contract of DESIGN.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UserRow {
    pub id: String,
    pub user_name: String,
    pub display_name: String,
    pub bu: Option<String>,
    #[serde(rename = "type")]
    pub user_type: UserType,
    pub active: bool,
    pub email: Option<String>,
    /// Display names of the groups (roles) the user belongs to, sorted.
    pub roles: Vec<String>,
}

/// A cached group (a role).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRow {
    pub id: String,
    pub display_name: String,
    /// Members inside the admin's scopes (the only ones cached).
    pub members: u64,
}

/// A business unit that cached users belong to, with how many belong to it directly (not
/// counting the BUs below it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BusinessUnitCount {
    pub bu: String,
    pub users: u64,
}

/// Matches counted exactly up to this many.
pub const COUNT_CAP: u64 = 10_000;

/// How many users match a query: `count` exactly, or `COUNT_CAP` and `more` when more match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct MatchCount {
    pub count: u64,
    pub more: bool,
}

/// A BU filter over at most this many BUs (with those below it) reads each through the index
/// on `bu` in rowid order and merges them; over more, it sorts the subtree's users.
const MAX_MERGED_BUS: usize = 64;

/// Which users to list. Every set field narrows the result; the default lists everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Words that must each occur (case- and accent-insensitively, anywhere in a word) in the
    /// userName, displayName, given or family name, e-mail or BU; see `search_condition`.
    pub search: Option<String>,
    /// The BU and every BU below it.
    pub bu: Option<BuPath>,
    pub user_type: Option<UserType>,
    /// A group's display name (case-insensitive) or id.
    pub role: Option<String>,
    /// Only active (`true`) or only disabled (`false`) users.
    pub active: Option<bool>,
    /// At most this many rows; `None` for all.
    pub limit: Option<u32>,
    pub offset: u32,
}

const USER_COLUMNS: &str = "u.id, u.user_name, u.display_name, u.bu, u.user_type, u.active, u.email,
    (SELECT json_group_array(g.display_name) FROM memberships m JOIN groups g ON g.id = m.group_id
     WHERE m.user_id = u.id) AS roles";

impl Cache {
    /// Users matching `query`, sorted by display name (case-insensitive), then userName and id:
    /// the rowid order (see `user_order`), so a page stops after its rows, sorting nothing.
    pub fn list_users(&self, query: &UserQuery) -> Result<Vec<UserRow>, Error> {
        let bus = match (&query.bu, &query.search) {
            (Some(bu), None) => self.bus_in_subtree(bu)?,
            _ => None,
        };
        let mut selection = user_selection(query, bus.as_deref());
        selection.values.push(Value::Integer(query.limit.map_or(-1, i64::from)));
        selection.values.push(Value::Integer(i64::from(query.offset)));
        let sql = page_sql(&selection, USER_COLUMNS);
        let values = selection.values;
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map(params_from_iter(values), user_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// How many users match `query`, ignoring its limit and offset.
    pub fn count_users(&self, query: &UserQuery) -> Result<u64, Error> {
        let UserSelection { count_from, condition, values, .. } = user_selection(query, None);
        let sql = format!("SELECT count(*) FROM {count_from} WHERE {condition}");
        Ok(self.conn.query_row(&sql, params_from_iter(values), |row| row.get(0))?)
    }

    /// How many users match `query` (ignoring its limit and offset), counting at most
    /// `COUNT_CAP + 1`: past the cap the UI says "more than 10,000" instead of waiting for a
    /// figure nobody reads (counting a million matches takes most of a second).
    pub fn count_users_capped(&self, query: &UserQuery) -> Result<MatchCount, Error> {
        let UserSelection { count_from, condition, values, .. } = user_selection(query, None);
        let sql =
            format!("SELECT count(*) FROM (SELECT 1 FROM {count_from} WHERE {condition} LIMIT {})", COUNT_CAP + 1);
        let counted: u64 = self.conn.query_row(&sql, params_from_iter(values), |row| row.get(0))?;
        Ok(MatchCount { count: counted.min(COUNT_CAP), more: counted > COUNT_CAP })
    }

    /// The BUs of cached users in the subtree of `bu`, each found by one seek in the index on
    /// `bu`; `None` when there are more than `MAX_MERGED_BUS`.
    pub(super) fn bus_in_subtree(&self, bu: &BuPath) -> Result<Option<Vec<String>>, Error> {
        let mut found = Vec::new();
        let mut exact = self.conn.prepare_cached("SELECT 1 FROM users WHERE bu = ?1 LIMIT 1")?;
        if exact.exists([bu.as_str()])? {
            found.push(bu.as_str().to_owned());
        }
        let mut next =
            self.conn.prepare_cached("SELECT bu FROM users WHERE bu > ?1 AND bu < ?2 ORDER BY bu LIMIT 1")?;
        // "EMEA/" sorts before every BU below EMEA, "EMEA0" after them ('0' follows '/').
        let (mut after, below) = (format!("{bu}/"), format!("{bu}0"));
        while let Some(unit) = next.query_row(params![after, below], |row| row.get::<_, String>(0)).optional()? {
            if found.len() == MAX_MERGED_BUS {
                return Ok(None);
            }
            found.push(unit.clone());
            after = unit;
        }
        Ok(Some(found))
    }

    /// Every BU that cached users belong to, sorted by path, with its number of users (the
    /// filter of the users table builds its tree from these).
    pub fn business_units(&self) -> Result<Vec<BusinessUnitCount>, Error> {
        let mut statement =
            self.conn.prepare("SELECT bu, count(*) FROM users WHERE bu IS NOT NULL GROUP BY bu ORDER BY bu")?;
        let units = statement.query_map([], |row| Ok(BusinessUnitCount { bu: row.get(0)?, users: row.get(1)? }))?;
        Ok(units.collect::<Result<Vec<_>, _>>()?)
    }

    /// A user by id, else by userName (case-insensitive, as SCIM compares userName).
    pub fn user(&self, id_or_user_name: &str) -> Result<Option<UserRow>, Error> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1 OR u.user_name = ?1 COLLATE NOCASE
             ORDER BY u.id = ?1 DESC LIMIT 1"
        );
        Ok(self.conn.query_row(&sql, [id_or_user_name], user_row).optional()?)
    }

    /// The SCIM resource of a user as last synced (every attribute, for `users show`).
    pub fn user_resource(&self, id: &str) -> Result<Option<User>, Error> {
        let raw: Option<String> =
            self.conn.query_row("SELECT raw FROM user_resources WHERE id = ?1", [id], |row| row.get(0)).optional()?;
        // The cache wrote this JSON from a `User`; if it no longer parses, treat it as absent.
        Ok(raw.and_then(|raw| serde_json::from_str(&raw).ok()))
    }

    /// The ETag (`meta.version`) the user was last read with.
    pub fn user_version(&self, id: &str) -> Result<Option<String>, Error> {
        Ok(self
            .conn
            .query_row("SELECT version FROM user_resources WHERE id = ?1", [id], |row| row.get(0))
            .optional()?
            .flatten())
    }

    /// A cached group by its displayName (case-insensitive) or id.
    pub fn group(&self, name_or_id: &str) -> Result<Option<GroupRow>, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT g.id, g.display_name, (SELECT count(*) FROM memberships m WHERE m.group_id = g.id)
                 FROM groups g WHERE g.id = ?1 OR g.display_name = ?1 COLLATE NOCASE ORDER BY g.id = ?1 DESC LIMIT 1",
                [name_or_id],
                |row| Ok(GroupRow { id: row.get(0)?, display_name: row.get(1)?, members: row.get(2)? }),
            )
            .optional()?)
    }

    /// Display names of the groups `user_id` belongs to, sorted.
    pub fn roles_of(&self, user_id: &str) -> Result<Vec<String>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT g.display_name FROM memberships m JOIN groups g ON g.id = m.group_id
             WHERE m.user_id = ?1 ORDER BY g.display_name COLLATE NOCASE",
        )?;
        let roles = statement.query_map([user_id], |row| row.get(0))?;
        Ok(roles.collect::<Result<Vec<_>, _>>()?)
    }

    /// Every cached group with its number of (in-scope) members, sorted by display name.
    pub fn list_groups(&self) -> Result<Vec<GroupRow>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT g.id, g.display_name, (SELECT count(*) FROM memberships m WHERE m.group_id = g.id)
             FROM groups g ORDER BY g.display_name COLLATE NOCASE, g.id",
        )?;
        let groups = statement.query_map(params![], |row| {
            Ok(GroupRow { id: row.get(0)?, display_name: row.get(1)?, members: row.get(2)? })
        })?;
        Ok(groups.collect::<Result<Vec<_>, _>>()?)
    }
}

/// The tables, sort order, WHERE condition and positional values (`?1`, `?2`, ...) that
/// select the users of a query. When there are `arms`, the page is a merge of them, each an
/// equality on an index that reads its users in rowid order (see `page_sql`).
pub(super) struct UserSelection {
    pub from: &'static str,
    /// What counting reads: the search index alone when the search is all the query asks.
    pub count_from: &'static str,
    pub order: &'static str,
    pub condition: String,
    pub values: Vec<Value>,
    /// Conditions that together select exactly the users `condition` leaves in: one per BU of a
    /// BU filter's subtree, or `active = 0` and `active = 1` when nothing filters the users.
    pub arms: Vec<String>,
    /// The search is all the query asks: a page's matches are read from the search index alone.
    pub search_only: bool,
}

/// `bus`: the BUs cached in the query's BU subtree, when known; then the BU condition is
/// equalities (an equality on the index on `bu` reads its rows in rowid order), else a range.
pub(super) fn user_selection(query: &UserQuery, bus: Option<&[String]>) -> UserSelection {
    let mut conditions: Vec<String> = vec!["1".into()];
    let mut values: Vec<Value> = Vec::new();
    let mut arms = Vec::new();
    let mut searched = false;
    if let Some(search) = query.search.as_deref() {
        searched = search_condition(search, &mut conditions, &mut values);
    }
    match (&query.bu, bus) {
        (Some(_), Some([])) => conditions.push("0".into()),
        (Some(_), Some([only])) => {
            let n = bind(only.clone(), &mut values);
            conditions.push(format!("u.bu = ?{n}"));
        }
        (Some(_), Some(several)) => {
            arms = several.iter().map(|bu| format!("u.bu = ?{}", bind(bu.clone(), &mut values))).collect();
        }
        (Some(bu), None) => {
            // The subtree of `EMEA` is `EMEA` and the range ["EMEA/", "EMEA0"): '0' is the byte
            // after '/', so this matches whole segments (never `EMEAX`), case-sensitively like
            // scope paths, and can use the index on `bu`.
            let exact = bind(bu.as_str().to_owned(), &mut values);
            let low = bind(format!("{bu}/"), &mut values);
            let high = bind(format!("{bu}0"), &mut values);
            conditions.push(format!("(u.bu = ?{exact} OR (u.bu >= ?{low} AND u.bu < ?{high}))"));
        }
        (None, _) => {}
    }
    if let Some(user_type) = query.user_type {
        let n = bind(user_type.as_str().to_owned(), &mut values);
        conditions.push(format!("u.user_type = ?{n}"));
    }
    if let Some(active) = query.active {
        values.push(Value::Integer(i64::from(active)));
        conditions.push(format!("u.active = ?{}", values.len()));
    }
    if let Some(role) = query.role.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let n = bind(role.to_owned(), &mut values);
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM memberships m JOIN groups g ON g.id = m.group_id
                     WHERE m.user_id = u.id AND (g.id = ?{n} OR g.display_name = ?{n} COLLATE NOCASE))"
        ));
    }
    // A search walks the index's matches in rowid order and reads each matching row (CROSS
    // JOIN keeps the index outside); without one, the table is walked in rowid order.
    let (from, order) = if searched {
        ("users_search s CROSS JOIN users u ON u.rowid = s.rowid", "s.rowid")
    } else {
        ("users u", "u.rowid")
    };
    // "1" and the MATCH: nothing to read from the rows to count or skip the matches.
    let search_only = searched && conditions.len() == 2 && arms.is_empty();
    let count_from = if search_only { "users_search s" } else { from };
    // Nothing filters the users: a page deep in the list would otherwise step over every row
    // before it in the table, reading (and decrypting) the pages of all their resources; the
    // index on `active`, in two arms that hold everyone, steps over them in a fraction of that.
    if conditions.len() == 1 && arms.is_empty() {
        arms = vec!["u.active = 0".to_owned(), "u.active = 1".to_owned()];
    }
    UserSelection { from, count_from, order, condition: conditions.join(" AND "), values, arms, search_only }
}

/// The SELECT of `columns` for a page of `selection`, whose last two values are the limit and
/// the offset.
///
/// The users before the page (the offset) are stepped over in an index wherever one selects
/// them, not in the table, whose rows carry each user's whole resource: a page 90,000 users
/// down took 0.3–0.6 s in an encrypted cache, and a jump through the table asks for two.
pub(super) fn page_sql(selection: &UserSelection, columns: &str) -> String {
    let UserSelection { from, order, condition, values, arms, search_only, .. } = selection;
    let (limit, offset) = (values.len() - 1, values.len());
    let page = |rowids: String| {
        format!("SELECT {columns} FROM users u WHERE u.rowid IN ({rowids} LIMIT ?{limit} OFFSET ?{offset}) ORDER BY u.rowid")
    };
    if !arms.is_empty() {
        // Each arm read in rowid order through its index (an equality keeps the rowid order);
        // SQLite merges the arms and stops after the page.
        let arms: Vec<String> =
            arms.iter().map(|arm| format!("SELECT u.rowid FROM users u WHERE {arm} AND {condition}")).collect();
        return page(format!("{} ORDER BY 1", arms.join(" UNION ALL ")));
    }
    if *search_only {
        return page(format!("SELECT s.rowid FROM users_search s WHERE {condition} ORDER BY s.rowid"));
    }
    format!("SELECT {columns} FROM {from} WHERE {condition} ORDER BY {order} LIMIT ?{limit} OFFSET ?{offset}")
}

/// Shortest term the trigram index can look up; shorter ones are matched with LIKE.
const MIN_INDEXED_TERM_CHARS: usize = 3;

/// Search as you type: every whitespace-separated term must occur, in any case, somewhere in
/// userName, displayName, given or family name, e-mail or BU (not necessarily the same one).
/// So "ann sch" finds Anna Schmidt, and every user the whole text finds as a substring is
/// found too. Terms of three characters or more go through the trigram index (accents
/// ignored); shorter ones, which a trigram cannot look up, through LIKE (ASCII case only).
/// Returns whether the index is searched (then it is `s`, beside `u`).
fn search_condition(search: &str, conditions: &mut Vec<String>, values: &mut Vec<Value>) -> bool {
    let (indexed, short): (Vec<&str>, Vec<&str>) =
        search.split_whitespace().partition(|term| term.chars().count() >= MIN_INDEXED_TERM_CHARS);
    if !indexed.is_empty() {
        // Each term a quoted FTS5 string (a `"` doubled), so operators and column filters in
        // the user's text are plain characters to find, never query syntax.
        let expression =
            indexed.iter().map(|term| format!("\"{}\"", term.replace('"', "\"\""))).collect::<Vec<_>>().join(" AND ");
        let n = bind(expression, values);
        conditions.push(format!("s.users_search MATCH ?{n}"));
    }
    for term in short {
        let n = bind(format!("%{}%", escape_like(term)), values);
        let columns = ["u.user_name", "u.display_name", "u.given_name", "u.family_name", "u.email", "u.bu"];
        let any = columns.map(|c| format!("{c} LIKE ?{n} ESCAPE '\\'")).join(" OR ");
        conditions.push(format!("({any})"));
    }
    !indexed.is_empty()
}

/// Appends a text value and returns its position for `?N`.
fn bind(value: String, values: &mut Vec<Value>) -> usize {
    values.push(Value::Text(value));
    values.len()
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn user_row(row: &Row<'_>) -> rusqlite::Result<UserRow> {
    let user_type: String = row.get(4)?;
    let roles_json: String = row.get(7)?;
    let mut roles: Vec<String> = serde_json::from_str(&roles_json).unwrap_or_default();
    roles.sort_by_key(|r| r.to_lowercase());
    Ok(UserRow {
        id: row.get(0)?,
        user_name: row.get(1)?,
        display_name: row.get(2)?,
        bu: row.get(3)?,
        user_type: UserType::from_scim(Some(&user_type)),
        active: row.get(5)?,
        email: row.get(6)?,
        roles,
    })
}
