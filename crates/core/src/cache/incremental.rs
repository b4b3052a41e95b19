//! Writing a sync into the cache row by row: an incremental sync (only the users changed since
//! the last one, plus the ids of everyone still inside the scopes) and the local diff of a full
//! scan. Also the full replace that counts what changed.
//!
//! Each write is one transaction, like `replace_directory`: a sync cut short leaves the cache
//! as it was, never half old and half new. Only the changed users' search entries are
//! rewritten (in rowid order, see `search_index`), because re-indexing every user would cost
//! as much as the full sync the incremental one avoids.

use std::collections::HashSet;

use bailiwick_scim::{Group, User};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::search_index::{search_doc, TouchedUsers, SEARCH_DOC};
use super::user_rows::{update_user_row, UserColumns};
use super::{
    bulk_cache_size, directory_counts, replace_directory_in, replace_groups, replace_server_grants, set_meta,
    with_page_cache, write_users, Cache, CachedUser, DirectoryCounts, Numbering,
};
use crate::error::Error;
use crate::grant::Grant;
use crate::scope::BuPath;

/// The `meta` key naming what the cached users were selected by (BU attribute and scopes).
/// An incremental sync is only right for the same selection: a widened scope brings users
/// whose last change is older than the last sync, which only a full sync fetches.
pub const SYNC_SCOPE_KEY: &str = "sync_scope";

/// Counts the cached users without `meta.lastModified`, from their partial index (migration 6).
pub(super) const USERS_WITHOUT_LAST_MODIFIED: &str = "SELECT count(*) FROM user_resources WHERE last_modified IS NULL";

/// The `meta` key of the last time a sync listed everyone in the scopes ([`EveryoneListed`]).
pub const EVERYONE_LISTED_KEY: &str = "everyone_listed";

/// When a sync last listed every user in the scopes (a full sync, a full scan, or the id
/// listing of an incremental sync), and how many of the users the server listed then were not
/// cached (a BU the client cannot read, or outside the scopes by the client's stricter match).
/// An incremental sync trusts the server's count of the scopes only against this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EveryoneListed {
    pub at: DateTime<Utc>,
    pub uncached: u64,
}

/// The cached users against a listing of everyone in the scopes ([`Cache::cached_against`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedAgainst {
    /// Cached users the listing holds.
    pub listed: usize,
    /// Cached users the listing does not hold: deleted, or moved out of the scopes.
    pub gone: Vec<String>,
}

/// What a sync did to the cached users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserChanges {
    pub added: u64,
    pub changed: u64,
    pub removed: u64,
}

/// An incremental sync (or a full scan's local diff) to write into the cache.
#[derive(Debug, Clone, Copy)]
pub struct IncrementalSync<'a> {
    /// Users the server holds now (changed since the last sync, or all of them): inserted or
    /// updated when they differ from the cached row.
    pub upserts: &'a [CachedUser],
    /// The id of every user inside the scopes now. Cached users not listed are removed
    /// (deleted on the server, or moved out of the scopes), and so are upserts not listed
    /// (deleted between the two requests). `None` when nobody left the scopes (the server's
    /// count said so): nothing is removed.
    pub live_ids: Option<&'a HashSet<String>>,
    /// The cached users `live_ids` leaves out, when the caller has found them already (with
    /// [`Cache::cached_against`], which it needed anyway); `None`: they are found here.
    pub gone: Option<&'a [String]>,
    /// Every group, with its members: groups and memberships are replaced as a whole.
    pub groups: &'a [Group],
    /// Server-mode grants, replaced as a whole when given.
    pub server_grants: Option<&'a [Grant]>,
    /// What the users were selected by (see [`SYNC_SCOPE_KEY`]).
    pub scope_key: &'a str,
    /// Set when this sync listed everyone in the scopes: recorded with the write, never without
    /// it (a count is trusted only against a listing whose result was cached).
    pub everyone_listed: Option<EveryoneListed>,
}

impl Cache {
    /// How many of `ids` are not cached (each id once): one lookup by primary key each, for the users an
    /// incremental sync fetched (reading every cached id would take longer than the sync).
    pub fn count_uncached<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Result<usize, Error> {
        let mut cached = self.conn.prepare_cached("SELECT 1 FROM users WHERE id = ?1")?;
        let mut uncached = 0;
        // Each id once: a listing that shifted between pages lists a user twice.
        let ids: HashSet<&str> = ids.into_iter().collect();
        for id in ids {
            if !cached.exists([id])? {
                uncached += 1;
            }
        }
        Ok(uncached)
    }

    /// When a sync last listed everyone in the scopes; `None` before the first, or when the
    /// record cannot be read (the next sync then lists everyone again).
    pub fn everyone_listed(&self) -> Result<Option<EveryoneListed>, Error> {
        Ok(self.meta_get(EVERYONE_LISTED_KEY)?.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// The ids of every cached user.
    pub fn user_ids(&self) -> Result<HashSet<String>, Error> {
        let mut ids = HashSet::new();
        each_user_id(&self.conn, |id| {
            ids.insert(id.to_owned());
        })?;
        Ok(ids)
    }

    /// The cached users against the ids of everyone in the scopes, in one read of every cached
    /// id that copies only the ids of the users gone (an incremental sync asks this of the id
    /// listing's 100,000s of ids).
    pub fn cached_against(&self, live_ids: &HashSet<String>) -> Result<CachedAgainst, Error> {
        let mut against = CachedAgainst { listed: 0, gone: Vec::new() };
        each_user_id(&self.conn, |id| {
            if live_ids.contains(id) {
                against.listed += 1;
            } else {
                against.gone.push(id.to_owned());
            }
        })?;
        Ok(against)
    }

    /// What the cached users were selected by at the last sync; `None` before the first sync
    /// that recorded it.
    pub fn sync_scope_key(&self) -> Result<Option<String>, Error> {
        self.meta_get(SYNC_SCOPE_KEY)
    }

    /// Cached users the server sent without `meta.lastModified`: a filter on it can never
    /// select them, so their changes would be missed by an incremental sync.
    pub fn users_without_last_modified(&self) -> Result<u64, Error> {
        Ok(self.conn.query_row(USERS_WITHOUT_LAST_MODIFIED, [], |row| row.get(0))?)
    }

    /// Applies an incremental sync in one transaction and records `synced_at` as the last
    /// sync: removes the users no longer listed, writes the upserts that differ from their
    /// cached row, replaces groups, memberships and (when given) server grants.
    #[tracing::instrument(level = "debug", skip_all, fields(upserts = sync.upserts.len(), live = sync.live_ids.map(HashSet::len)))]
    pub fn apply_incremental_sync(
        &mut self,
        sync: &IncrementalSync<'_>,
        synced_at: DateTime<Utc>,
    ) -> Result<(DirectoryCounts, UserChanges), Error> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied = apply_incremental_sync_in(&tx, sync, synced_at)?;
        tracing::info_span!("commit").in_scope(|| tx.commit())?;
        Ok(applied)
    }

    /// `replace_directory_and_grants` that also records what the users were selected by and
    /// counts how the users changed (by `meta.version` and `meta.lastModified`, or the whole
    /// resource when the server sends neither), all in one transaction.
    pub fn replace_directory_for_sync(
        &mut self,
        users: Vec<CachedUser>,
        groups: &[Group],
        server_grants: Option<&[Grant]>,
        synced_at: DateTime<Utc>,
        scope_key: &str,
        everyone_listed: Option<&EveryoneListed>,
    ) -> Result<(DirectoryCounts, UserChanges), Error> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // The fingerprints are read in id order (`FINGERPRINTED`) with the cache the write
        // takes, which then holds the table whose rows each one looks up.
        let (counts, changes) = with_page_cache(&tx, bulk_cache_size(users.len()), || {
            // A fingerprint rather than the resource: a million raw resources copied aside would
            // double the write for a count.
            tracing::info_span!("fingerprints").in_scope(|| {
                tx.execute_batch(&format!(
                    "DROP TABLE IF EXISTS temp.previous_users;
                     CREATE TEMP TABLE previous_users (id TEXT PRIMARY KEY NOT NULL, fingerprint TEXT NOT NULL) WITHOUT ROWID;
                     INSERT INTO previous_users SELECT r.id, {FINGERPRINT} FROM {FINGERPRINTED};"
                ))
            })?;
            let counts = replace_directory_in(&tx, users, groups, server_grants, synced_at)?;
            let _counting = tracing::info_span!("counting changes").entered();
            let count = |sql: &str| -> Result<u64, Error> { Ok(tx.query_row(sql, [], |row| row.get(0))?) };
            let changes = UserChanges {
                added: count("SELECT count(*) FROM users WHERE id NOT IN (SELECT id FROM previous_users)")?,
                // Only a user cached before can have changed: driven by them, in id order, the
                // first sync counts none at once instead of reading every resource it wrote.
                changed: count(&format!(
                    "SELECT count(*) FROM previous_users p
                         CROSS JOIN user_resources r ON r.id = p.id CROSS JOIN users ON users.id = r.id
                     WHERE p.fingerprint <> {FINGERPRINT}"
                ))?,
                removed: count("SELECT count(*) FROM previous_users WHERE id NOT IN (SELECT id FROM users)")?,
            };
            tx.execute_batch("DROP TABLE temp.previous_users;")?;
            Ok((counts, changes))
        })?;
        set_meta(&tx, SYNC_SCOPE_KEY, scope_key)?;
        if let Some(listed) = everyone_listed {
            set_everyone_listed_in(&tx, listed)?;
        }
        tracing::info_span!("commit").in_scope(|| tx.commit())?;
        Ok((counts, changes))
    }
}

/// `apply_incremental_sync`'s writes, inside its transaction.
fn apply_incremental_sync_in(
    tx: &Connection,
    sync: &IncrementalSync<'_>,
    synced_at: DateTime<Utc>,
) -> Result<(DirectoryCounts, UserChanges), Error> {
    let mut changes = UserChanges::default();
    let touched = TouchedUsers::new(tx)?;
    if let Some(live_ids) = sync.live_ids {
        let _span = tracing::info_span!("removals").entered();
        let found;
        let gone = match sync.gone {
            Some(gone) => gone,
            None => {
                let mut gone = Vec::new();
                each_user_id(tx, |id| {
                    if !live_ids.contains(id) {
                        gone.push(id.to_owned());
                    }
                })?;
                found = gone;
                &found
            }
        };
        for user_id in gone {
            touched.add(user_id)?;
        }
        changes.removed = gone.len() as u64;
        touched.forget()?;
        touched.delete_rows()?;
        touched.clear()?;
    }

    let comparing = tracing::info_span!("comparing", upserts = sync.upserts.len()).entered();
    let mut writes = Vec::new();
    for cached in in_id_order_once(sync.upserts) {
        let Some(id) = cached.id() else {
            tracing::warn!(user_name = %cached.user_name(), "skipping a user without an id");
            continue;
        };
        if sync.live_ids.is_some_and(|live| !live.contains(id)) {
            continue;
        }
        match stored_as(tx, id, cached)? {
            Stored::Same => continue,
            Stored::Different { reindexed: false } => {
                // Written in place at once, while the pages comparing it read are in the cache.
                changes.changed += 1;
                update_user_row(tx, cached)?;
                continue;
            }
            Stored::Different { reindexed: true } => {
                changes.changed += 1;
                touched.add(id)?;
            }
            Stored::Absent => {
                changes.added += 1;
                touched.add(id)?;
            }
        }
        writes.push(cached);
    }
    drop(comparing);
    // Index entries out, rows written, entries in: each step in rowid order (search_index).
    // Only for the users whose entry changes: what it holds, or its rowid (the sort key's).
    tracing::info_span!("search index out").in_scope(|| touched.forget())?;
    let numbering = tracing::info_span!("rows", writes = writes.len()).in_scope(|| write_users(tx, writes))?;
    tracing::info_span!("search index in").in_scope(|| match numbering {
        Numbering::Kept => touched.index(),
        Numbering::Renumbered => super::search_index::reindex_all(tx),
    })?;
    drop(touched);
    replace_server_grants(tx, sync.server_grants)?;
    replace_groups(tx, sync.groups)?;
    set_meta(tx, super::meta_key::LAST_SYNC_AT, &synced_at.to_rfc3339())?;
    set_meta(tx, SYNC_SCOPE_KEY, sync.scope_key)?;
    if let Some(listed) = &sync.everyone_listed {
        set_everyone_listed_in(tx, listed)?;
    }
    let counts = directory_counts(tx)?;
    Ok((counts, changes))
}

/// Calls `each` with every cached user's id, borrowed from its row.
fn each_user_id(conn: &Connection, mut each: impl FnMut(&str)) -> Result<(), Error> {
    let mut statement = conn.prepare_cached("SELECT id FROM users")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        each(
            row.get_ref(0)?
                .as_str()
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into()))?,
        );
    }
    Ok(())
}

/// Records a listing of everyone, inside the transaction of the sync that made it.
fn set_everyone_listed_in(conn: &Connection, listed: &EveryoneListed) -> Result<(), Error> {
    let json = serde_json::to_string(listed).map_err(|e| Error::Io(std::io::Error::other(e)))?;
    set_meta(conn, EVERYONE_LISTED_KEY, &json)
}

/// What tells one version of a cached user from another, over `FINGERPRINTED` (a user's row
/// and its resource `r`).
const FINGERPRINT: &str = "ifnull(r.version, '') || char(31) || ifnull(r.last_modified, '') || char(31)
    || ifnull(users.bu, '') || char(31)
    || CASE WHEN r.version IS NULL AND r.last_modified IS NULL THEN r.raw ELSE '' END";

/// What `FINGERPRINT` reads: every user, in id order. The resources are read from one end to the
/// other and the rows looked up through the index on id; joined the other way round, each row
/// looked up a resource somewhere in a gigabyte at a million users (45 s for the count alone).
const FINGERPRINTED: &str = "user_resources r CROSS JOIN users ON users.id = r.id";

/// `upserts` in id order, each user once (the last listed of several with one id): compared and
/// written in that order, the lookups walk the index on id and the resources from one end to the
/// other, each page read once, instead of a random page for each user.
fn in_id_order_once(upserts: &[CachedUser]) -> Vec<&CachedUser> {
    let mut in_order: Vec<(usize, &CachedUser)> = upserts.iter().enumerate().collect();
    in_order.sort_by(|(at_a, a), (at_b, b)| a.id().cmp(&b.id()).then(at_b.cmp(at_a)));
    in_order.dedup_by(|(_, later), (_, kept)| later.id().is_some() && later.id() == kept.id());
    in_order.into_iter().map(|(_, cached)| cached).collect()
}

/// How the cached row of a user compares with a fetched one.
enum Stored {
    Absent,
    Same,
    /// `reindexed`: the user's search entry changes, in what it holds or in its rowid (the row
    /// moves when its sort key changes, which a search entry may not show: a userName the
    /// e-mail address holds is left out of it).
    Different {
        reindexed: bool,
    },
}

/// Compares the cached user `id` with `fetched`: resource and BU. The resources are compared
/// decoded, not as text: the stored JSON is what the server sent, and a server need not send
/// the same attributes in the same order twice. A stored resource that no longer decodes is
/// `Different` (and is then rewritten).
fn stored_as(conn: &Connection, id: &str, fetched: &CachedUser) -> Result<Stored, Error> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT r.raw, bu, {SEARCH_DOC}, display_name, user_name
         FROM users LEFT JOIN user_resources r USING (id) WHERE users.id = ?1"
    ))?;
    let stored = statement
        .query_row([id], |row| {
            let key: (String, String) = (row.get(3)?, row.get(4)?);
            Ok((row.get::<_, Option<String>>(0)?, row.get::<_, Option<String>>(1)?, row.get::<_, String>(2)?, key))
        })
        .optional()?;
    let Some((raw, bu, searched, (display_name, user_name))) = stored else { return Ok(Stored::Absent) };
    let same_bu = bu.as_deref().and_then(BuPath::parse) == fetched.bu;
    let same_resource = raw.is_some_and(|raw| {
        raw == fetched.json()
            || serde_json::from_str::<User>(&raw)
                .is_ok_and(|stored| fetched.resource().is_ok_and(|user| user == stored))
    });
    if same_bu && same_resource {
        return Ok(Stored::Same);
    }
    let reindexed = UserColumns::of(fetched).is_none_or(|row| {
        search_doc(&row) != searched || row.display_name != display_name || row.user_name != user_name
    });
    Ok(Stored::Different { reindexed })
}
