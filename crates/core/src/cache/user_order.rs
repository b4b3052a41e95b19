//! Users are stored in the order they are listed: a user's rowid grows with its sort key
//! (display name, then userName, both compared as SQLite's NOCASE, then id).
//!
//! So a page of users is a walk of the table, and a page of search results a walk of the
//! search index, in rowid order, that stops after the page: no query sorts its matches. At a
//! million users a common term ("northwind", in every e-mail) matches them all, and sorting
//! them for each page took two seconds.
//!
//! A full sync numbers the users `GAP`, `2 * GAP`, ... in sort order. A user added later, or
//! renamed, takes a rowid between its new neighbours'; several going between the same two are
//! spread evenly over the gap. A gap halves at worst with each sync that adds there, so after
//! about ten of them it can be used up: then every user is numbered afresh (`renumber_all`).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::ops::Range;

use rusqlite::{Connection, OptionalExtension};

use crate::error::Error;

/// The rowid distance between neighbours after a full sync: room for 1,023 users to be added
/// between any two. Not more: the search index stores the distance between the rowids of the
/// users holding a trigram, and longer numbers made it slower to build (a million users:
/// 22 s with gaps of 256, 25 s with 4,096, 39 s with 65,536, 43 s with 2^32).
pub(super) const GAP: i64 = 1 << 10;

/// What users are listed by, compared as `ORDER BY display_name COLLATE NOCASE,
/// user_name COLLATE NOCASE, id` compares them; borrowed from the user to write, or read from
/// a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SortKey<'a> {
    pub display_name: Cow<'a, str>,
    pub user_name: Cow<'a, str>,
    pub id: Cow<'a, str>,
}

impl Ord for SortKey<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        nocase_cmp(&self.display_name, &other.display_name)
            .then_with(|| nocase_cmp(&self.user_name, &other.user_name))
            .then_with(|| self.id.as_bytes().cmp(other.id.as_bytes()))
    }
}

impl PartialOrd for SortKey<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl SortKey<'_> {
    /// Appends the key to `out` as bytes that compare (as slices) the way the keys do: the
    /// names folded as NOCASE folds them, each NUL written as `00 01` and each name ended by
    /// `00 00`, which sorts below any byte that can follow it; then the id as it is.
    fn encode_into(&self, out: &mut Vec<u8>) {
        for name in [&self.display_name, &self.user_name] {
            for byte in name.bytes() {
                match byte {
                    0 => out.extend_from_slice(&[0, 1]),
                    byte => out.push(byte.to_ascii_lowercase()),
                }
            }
            out.extend_from_slice(&[0, 0]);
        }
        out.extend_from_slice(self.id.as_bytes());
    }
}

/// Sorts `items` by their keys, as sorting them by `SortKey`'s order would. A full sync sorts
/// every user, and a key's text lies in its user's JSON, somewhere in a gigabyte at a million
/// users, compared a byte at a time: 1.5 s, mostly waiting for memory. The keys are encoded
/// once into one buffer instead (`encode_into`), and sorted by their first 8 bytes, then by
/// the rest as plain bytes.
pub(super) fn sort_by_key<T>(items: &mut Vec<(SortKey<'_>, T)>) {
    let mut encoded: Vec<u8> = Vec::new();
    let mut order: Vec<(u64, Range<usize>, usize)> = Vec::with_capacity(items.len());
    for (at, (key, _)) in items.iter().enumerate() {
        let start = encoded.len();
        key.encode_into(&mut encoded);
        let mut prefix = [0_u8; 8];
        for (slot, byte) in prefix.iter_mut().zip(&encoded[start..]) {
            *slot = *byte;
        }
        order.push((u64::from_be_bytes(prefix), start..encoded.len(), at));
    }
    order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| encoded[a.1.clone()].cmp(&encoded[b.1.clone()])));
    let mut slots: Vec<Option<(SortKey<'_>, T)>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|(_, _, at)| slots.get_mut(at).and_then(Option::take)));
}

/// SQLite's NOCASE collation: bytes compared with ASCII letters folded to lower case (other
/// characters as they are), a prefix before the longer text.
fn nocase_cmp(a: &str, b: &str) -> Ordering {
    a.bytes().map(|c| c.to_ascii_lowercase()).cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Rowids for users that are not in the table (new, or moved out of the way with
/// `set_aside`), in the order of `keys`: each between the neighbours its key falls between,
/// users sharing a gap spread evenly over it. `None` when some gap is too small for the users
/// it must take: then number everything afresh.
pub(super) fn place(conn: &Connection, keys: &[SortKey<'_>]) -> Result<Option<Vec<i64>>, Error> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    let mut rowids = vec![0; keys.len()];
    let mut run: Vec<usize> = Vec::new();
    let mut run_gap = (0, None);
    for index in order {
        let gap = gap_for(conn, &keys[index])?;
        if gap != run_gap && !run.is_empty() {
            if !spread(&run, run_gap, &mut rowids) {
                return Ok(None);
            }
            run.clear();
        }
        run_gap = gap;
        run.push(index);
    }
    if !run.is_empty() && !spread(&run, run_gap, &mut rowids) {
        return Ok(None);
    }
    Ok(Some(rowids))
}

/// Spreads `run` evenly over the rowids strictly between `after` and `before` (`None`: the
/// end of the table, where the room is one `GAP` per user).
fn spread(run: &[usize], (after, before): (i64, Option<i64>), rowids: &mut [i64]) -> bool {
    let count = run.len() as i64;
    let step = match before {
        Some(before) => (before - after) / (count + 1),
        None => GAP,
    };
    if step < 1 {
        return false;
    }
    for (n, &index) in run.iter().enumerate() {
        rowids[index] = after + step * (n as i64 + 1);
    }
    true
}

/// The rowids of the last stored user before `key` (0 if none) and of the first after it
/// (`None` if none), by a binary search over rowids: the rows are in key order.
fn gap_for(conn: &Connection, key: &SortKey<'_>) -> Result<(i64, Option<i64>), Error> {
    let mut first_at_or_after = conn.prepare_cached(
        "SELECT rowid, display_name, user_name, id FROM users WHERE rowid >= ?1 ORDER BY rowid LIMIT 1",
    )?;
    let mut row_at = |rowid: i64| -> Result<Option<(i64, SortKey<'static>)>, Error> {
        Ok(first_at_or_after
            .query_row([rowid], |row| {
                let key = SortKey {
                    display_name: Cow::Owned(row.get(1)?),
                    user_name: Cow::Owned(row.get(2)?),
                    id: Cow::Owned(row.get(3)?),
                };
                Ok((row.get(0)?, key))
            })
            .optional()?)
    };
    // Every row below `low` sorts before `key`, every row from `high` on after it, and
    // `after_row` is the first row at or above `high`. `low` only moves past a row found
    // before `key`, so the last such row is `low - 1`.
    let (mut low, mut high, mut after_row) = (1_i64, i64::MAX, None);
    while low < high {
        let middle = low + (high - low) / 2;
        match row_at(middle)? {
            Some((rowid, found)) if rowid < high => {
                if found < *key {
                    low = rowid + 1;
                } else {
                    (high, after_row) = (rowid, Some(rowid));
                }
            }
            // No row in [middle, high).
            _ => high = middle,
        }
    }
    Ok((low - 1, after_row))
}

/// Moves users whose place is about to change out of the numbered range (to negative rowids),
/// so searches for gaps do not meet them. Their search entries must be forgotten first.
pub(super) fn set_aside(conn: &Connection, user_id: &str) -> Result<(), Error> {
    conn.prepare_cached("UPDATE users SET rowid = -rowid WHERE id = ?1 AND rowid > 0")?.execute([user_id])?;
    Ok(())
}

/// Moves a stored user to `rowid`.
pub(super) fn move_to(conn: &Connection, user_id: &str, rowid: i64) -> Result<(), Error> {
    conn.prepare_cached("UPDATE users SET rowid = ?2 WHERE id = ?1")?.execute(rusqlite::params![user_id, rowid])?;
    Ok(())
}

/// Numbers every user afresh, `GAP` apart in sort order. The search index must be rebuilt
/// afterwards (its entries are by rowid).
pub(super) fn renumber_all(conn: &Connection) -> Result<(), Error> {
    // Moving every row would also move its entry in each index: build them again after.
    let indexes = super::SecondaryIndexes::drop_on(conn, "users")?;
    // First below every rowid in use (set-aside users are negative already), so no row ever
    // meets another's number; then to the final numbers, which nothing holds any more.
    let lowest: i64 = conn.query_row("SELECT ifnull(min(rowid), 0) FROM users", [], |row| row.get(0))?;
    let below = lowest.min(0) - 1;
    conn.execute_batch(&format!(
        "DROP TABLE IF EXISTS temp.user_order;
         CREATE TEMP TABLE user_order (id TEXT PRIMARY KEY NOT NULL, position INTEGER NOT NULL) WITHOUT ROWID;
         INSERT INTO temp.user_order
             SELECT id, row_number() OVER (ORDER BY display_name COLLATE NOCASE, user_name COLLATE NOCASE, id)
             FROM users;
         UPDATE users SET rowid = {below} - (SELECT position FROM temp.user_order o WHERE o.id = users.id);
         UPDATE users SET rowid = (SELECT position * {GAP} FROM temp.user_order o WHERE o.id = users.id);
         DROP TABLE temp.user_order;"
    ))?;
    indexes.recreate(conn)
}
