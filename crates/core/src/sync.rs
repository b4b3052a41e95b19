//! Sync: pull the directory inside the admin's scopes into the local cache.
//!
//! Users are asked for with a scope filter, so the server sends only what the admin may see,
//! and then filtered again here: a server that ignores or misreads the filter must not put
//! users outside the admin's scopes into the cache. Memberships come from `Group.members`,
//! since many servers never fill `User.groups`. Everything is fetched first and written in
//! one transaction, so a sync cut short (or cancelled) leaves the previous cache as it was.
//!
//! After a first full sync, a sync is incremental where it can be: it asks for the users whose
//! `meta.lastModified` is after the last sync's start (less a margin), and, since no filter
//! can return what was deleted, lists the ids of everyone in the scopes to drop the users that
//! are gone or moved out. Groups are few and fetched whole every time. A server that cannot
//! filter gets a full scan whose differences alone are written.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use bailiwick_scim::filter::quote;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use tracing::Instrument;

use crate::cache::{Cache, CachedUser, EveryoneListed, IncrementalSync, UserQuery};
use crate::directory::{
    bu_str_in_json, scope_filter, BuAttribute, Keep, Kept, ListedJson, PageFetched, ScimClient, UserStub,
};
use crate::error::Error;
use crate::grant::Grant;
use crate::profile::Paging;
use crate::scope::{BuPath, Scopes};
use crate::secret::AccessToken;

/// What a sync is doing, reported as it goes (to a progress bar or stderr).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", tag = "phase")]
pub enum SyncProgress {
    /// A page of users arrived.
    Users(Fetching),
    /// A page of groups arrived.
    Groups(Fetching),
    /// A page of grants arrived (server mode).
    Grants(Fetching),
    /// A page of the listing of every id in the scopes arrived: an incremental sync looking for
    /// the users deleted or moved out of the scopes.
    UserIds(Fetching),
    /// Everything is fetched; writing the cache.
    Saving,
}

/// How far a listing has come: `fetched` of the server's `total` (`None` when the server does
/// not say) in `pages` pages so far, at `per_second` items per second since it started, and the
/// time left at that pace.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Fetching {
    pub fetched: u64,
    pub total: Option<u64>,
    pub pages: u64,
    pub per_second: f64,
    /// `None` until there is a pace to go by, or without a total.
    pub remaining_seconds: Option<u64>,
}

/// Turns the pages of one listing into `Fetching` reports.
struct Pace {
    started: Instant,
    pages: u64,
}

impl Pace {
    fn start() -> Self {
        Self { started: Instant::now(), pages: 0 }
    }

    fn page(&mut self, page: PageFetched) -> Fetching {
        self.pages += 1;
        let seconds = self.started.elapsed().as_secs_f64();
        let per_second = if seconds > 0.0 { page.fetched as f64 / seconds } else { 0.0 };
        let remaining_seconds = page
            .total
            .filter(|_| per_second > 0.0)
            .map(|total| (total.saturating_sub(page.fetched) as f64 / per_second).ceil() as u64);
        Fetching { fetched: page.fetched, total: page.total, pages: self.pages, per_second, remaining_seconds }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// Full, incremental, or a full scan written as a diff.
    pub kind: SyncKind,
    /// Users now cached (all inside the admin's scopes).
    pub users: u64,
    /// Users cached that were not before.
    pub added: u64,
    /// Cached users whose resource changed.
    pub changed: u64,
    /// Users no longer cached: deleted on the server, or moved out of the admin's scopes.
    pub removed: u64,
    pub groups: u64,
    /// Memberships between cached users and cached groups.
    pub memberships: u64,
    /// Server-mode grants cached (`None`: the server holds no grants; ledger mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub grants: Option<u64>,
    /// Ledger mode: grants the sweep after the sync found expired (their memberships removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub ledger_grants_expired: Option<u32>,
    /// Users the server sent that are outside the admin's scopes (or have no BU), not cached.
    pub out_of_scope_dropped: u64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

/// Asks a running sync to stop. Clones share the flag: the host keeps one to cancel with
/// (a button, Ctrl-C) and hands the sync another. Checked before each page and before the
/// cache is written; once the write has begun, the sync completes.
#[derive(Debug, Clone, Default)]
pub struct SyncCancel(Arc<AtomicBool>);

impl SyncCancel {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Replaces the cache with the directory inside `scopes`. `now` is when the sync starts (it
/// becomes the cache's `last_sync_at`); the finish time is `now` plus the time it took.
pub async fn full_sync(
    client: &ScimClient,
    token: &AccessToken,
    cache: &mut Cache,
    scopes: &Scopes,
    bu_attribute: &str,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
) -> Result<SyncReport, Error> {
    full_sync_cancellable(client, token, cache, scopes, bu_attribute, now, progress, &SyncCancel::new()).await
}

/// What a sync pulls: the directory inside `scopes`, and the server's grants when it holds them.
#[derive(Debug, Clone)]
pub struct SyncPlan<'a> {
    pub scopes: &'a Scopes,
    pub bu_attribute: &'a str,
    /// The server offers the Grant resource type (server mode): cache its grants too.
    pub server_grants: bool,
}

/// `full_sync` that stops with `Error::Cancelled`, leaving the cache untouched, once `cancel`
/// is set before the cache is written.
#[allow(clippy::too_many_arguments)] // full_sync's arguments plus the flag; all independent.
pub async fn full_sync_cancellable(
    client: &ScimClient,
    token: &AccessToken,
    cache: &mut Cache,
    scopes: &Scopes,
    bu_attribute: &str,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
    cancel: &SyncCancel,
) -> Result<SyncReport, Error> {
    let plan = SyncPlan { scopes, bu_attribute, server_grants: false };
    let options = SyncOptions { full: true, ..SyncOptions::default() };
    sync_plan_with(client, token, cache, &plan, &options, now, progress, cancel).await
}

/// How a sync chooses between a full and an incremental pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOptions {
    /// Fetch everything and replace the cache, even when an incremental sync would do.
    pub full: bool,
    /// How far before the last sync's start an incremental sync asks for changes: covers a
    /// server clock behind ours, servers that stamp whole seconds, and changes made while the
    /// last sync was paging past them.
    pub since_margin: chrono::Duration,
    /// By index or by cursor; `Auto` asks the server's ServiceProviderConfig.
    pub paging: Paging,
}

/// The default `since_margin`: five minutes of clock skew is generous for servers kept by NTP,
/// and re-fetching five minutes of changes costs little.
pub const DEFAULT_SINCE_MARGIN: chrono::Duration = chrono::Duration::minutes(5);

impl Default for SyncOptions {
    fn default() -> Self {
        Self { full: false, since_margin: DEFAULT_SINCE_MARGIN, paging: Paging::Auto }
    }
}

/// Which kind of sync ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum SyncKind {
    /// Every user fetched; the cache replaced.
    Full,
    /// Users changed since the last sync fetched (`meta.lastModified gt`), deletions found by
    /// an id-only listing; the cache updated row by row.
    Incremental,
    /// Every user fetched (the server cannot filter on `meta.lastModified`), and only the
    /// differences written.
    FullScanDiff,
}

/// `sync_plan_with` with the default options: incremental when the cache allows it.
pub async fn sync_plan(
    client: &ScimClient,
    token: &AccessToken,
    cache: &mut Cache,
    plan: &SyncPlan<'_>,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
    cancel: &SyncCancel,
) -> Result<SyncReport, Error> {
    sync_plan_with(client, token, cache, plan, &SyncOptions::default(), now, progress, cancel).await
}

/// Brings the cache up to what `plan` asks for, in one transaction; stops with
/// `Error::Cancelled`, leaving the cache untouched, once `cancel` is set before the write.
///
/// Incremental when the cache was synced before for the same scopes and BU attribute, the
/// server filters (`ServiceProviderConfig`), and every cached user carries
/// `meta.lastModified`; a full scan with a local diff when only the server is the obstacle;
/// else (and when `options.full`) a full sync.
#[tracing::instrument(level = "info", skip_all, fields(base = %client.base(), scopes = ?plan.scopes.paths()))]
#[allow(clippy::too_many_arguments)] // sync_plan's arguments plus the options; all independent.
pub async fn sync_plan_with(
    client: &ScimClient,
    token: &AccessToken,
    cache: &mut Cache,
    plan: &SyncPlan<'_>,
    options: &SyncOptions,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
    cancel: &SyncCancel,
) -> Result<SyncReport, Error> {
    let (scopes, bu_attribute) = (plan.scopes, plan.bu_attribute);
    let clock = Instant::now();
    let cancelled = cancel.0.as_ref();
    if cancel.is_cancelled() {
        return Err(Error::Cancelled("the sync".into()));
    }
    let key = scope_key(plan);
    // Without scopes there is nothing to ask for, and no filter would mean "everyone".
    let filter = scope_filter(bu_attribute, scopes);
    let features = client.server_features(token).await?;
    let by_cursor = match options.paging {
        Paging::Auto => features.prefers_cursor_paging,
        Paging::Index => false,
        Paging::Cursor => true,
    };
    tracing::debug!(by_cursor, "paging");
    let client = &client.clone().with_cursor_paging(by_cursor);
    let kind = match (&filter, cache.last_sync_at()?) {
        (Some(_), Some(last)) if !options.full && cache.sync_scope_key()?.as_deref() == Some(key.as_str()) => {
            if features.filter && cache.users_without_last_modified()? == 0 {
                (SyncKind::Incremental, Some(last))
            } else {
                (SyncKind::FullScanDiff, None)
            }
        }
        _ => (SyncKind::Full, None),
    };

    let mut out_of_scope_dropped = 0;
    // Set when this sync lists everyone in the scopes: recorded with the cache's write.
    let mut everyone_listed = None;
    let fetched = match (kind, filter.as_deref()) {
        ((SyncKind::Incremental, Some(last)), Some(filter)) => {
            let since = last - options.since_margin;
            let changes = fetch_changes(client, token, cache, plan, filter, since, now, progress, cancel).await?;
            out_of_scope_dropped += changes.out_of_scope_dropped;
            everyone_listed = changes.everyone_listed;
            Fetched::Diff { upserts: changes.upserts, listing: changes.listing }
        }
        ((SyncKind::FullScanDiff, _), Some(filter)) => {
            let in_scope = InScope::new(scopes, bu_attribute);
            let upserts = {
                let mut pace = Pace::start();
                let mut on_page = |p: PageFetched| progress(SyncProgress::Users(pace.page(p)));
                client.list_all_users_kept(token, Some(filter), in_scope.keep(), &mut on_page, cancelled).await?
            };
            let dropped = in_scope.dropped();
            out_of_scope_dropped += dropped;
            everyone_listed = Some(EveryoneListed { at: now, uncached: dropped });
            let live_ids = upserts.iter().filter_map(|u| u.id().map(str::to_owned)).collect();
            Fetched::Diff { upserts, listing: Some(Listing { live_ids, gone: None }) }
        }
        (_, Some(filter)) => {
            let in_scope = InScope::new(scopes, bu_attribute);
            let users = {
                let mut pace = Pace::start();
                let mut on_page = |p: PageFetched| progress(SyncProgress::Users(pace.page(p)));
                // Each user's BU is read, and the user kept or not, on the thread that decoded
                // its page, as the pages arrive: after the last page, that took 0.1-0.2 s for
                // 100,000 users, and a second list of them all.
                client
                    .list_all_users_kept(token, Some(filter), in_scope.keep(), &mut on_page, cancelled)
                    .instrument(tracing::info_span!("users"))
                    .await?
            };
            let dropped = in_scope.dropped();
            out_of_scope_dropped += dropped;
            everyone_listed = Some(EveryoneListed { at: now, uncached: dropped });
            Fetched::All(users)
        }
        (_, None) => Fetched::All(Vec::new()),
    };

    // Groups are few: fetched whole every time, so memberships are always exact.
    let groups = {
        let mut pace = Pace::start();
        let mut on_page = |p: PageFetched| progress(SyncProgress::Groups(pace.page(p)));
        client
            .list_all_groups_cancellable(token, None, &mut on_page, cancelled)
            .instrument(tracing::info_span!("groups"))
            .await?
    };

    let grants = if plan.server_grants {
        let mut pace = Pace::start();
        let mut on_page = |p: PageFetched| progress(SyncProgress::Grants(pace.page(p)));
        let raw = client.list_all_grants_cancellable(token, &mut on_page, cancelled).await?;
        Some(grants_in_scope(&raw, scopes))
    } else {
        None
    };

    if cancel.is_cancelled() {
        return Err(Error::Cancelled("the sync".into()));
    }
    progress(SyncProgress::Saving);
    // Members outside the scopes are not cached users, so the cache drops their memberships.
    let writing = tracing::info_span!("writing the cache").entered();
    let (counts, changes) = match fetched {
        Fetched::All(users) => {
            cache.replace_directory_for_sync(users, &groups, grants.as_deref(), now, &key, everyone_listed.as_ref())?
        }
        Fetched::Diff { upserts, listing } => {
            let sync = IncrementalSync {
                upserts: &upserts,
                live_ids: listing.as_ref().map(|l| &l.live_ids),
                gone: listing.as_ref().and_then(|l| l.gone.as_deref()),
                groups: &groups,
                server_grants: grants.as_deref(),
                scope_key: &key,
                everyone_listed,
            };
            cache.apply_incremental_sync(&sync, now)?
        }
    };
    drop(writing);
    let finished_at = now + chrono::Duration::from_std(clock.elapsed()).unwrap_or_default();
    let report = SyncReport {
        kind: kind.0,
        users: counts.users,
        groups: counts.groups,
        memberships: counts.memberships,
        added: changes.added,
        changed: changes.changed,
        removed: changes.removed,
        grants: grants.as_ref().map(|g| g.len() as u64),
        ledger_grants_expired: None,
        out_of_scope_dropped,
        started_at: now,
        finished_at,
    };
    tracing::info!(?report, "sync finished");
    Ok(report)
}

/// What an incremental sync fetched: the users changed (and those found uncached), and the ids
/// of everyone in the scopes when it had to list them.
struct Changes {
    upserts: Vec<CachedUser>,
    /// `None` when the count showed that nobody left the scopes.
    listing: Option<Listing>,
    everyone_listed: Option<EveryoneListed>,
    out_of_scope_dropped: u64,
}

/// The users changed since `since` inside `filter`, and, when someone may have left the
/// scopes, the ids of everyone still in them.
#[allow(clippy::too_many_arguments)] // sync_plan_with's own arguments, passed on.
async fn fetch_changes(
    client: &ScimClient,
    token: &AccessToken,
    // `&mut`: a `&Cache` held across an await would make the sync's future not `Send`.
    cache: &mut Cache,
    plan: &SyncPlan<'_>,
    filter: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
    cancel: &SyncCancel,
) -> Result<Changes, Error> {
    let (scopes, bu_attribute) = (plan.scopes, plan.bu_attribute);
    let cancelled = cancel.0.as_ref();
    let mut out_of_scope_dropped = 0;
    let mut everyone_listed = None;
    let changed_filter =
        format!("({filter}) and meta.lastModified gt {}", quote(&since.to_rfc3339_opts(SecondsFormat::Millis, true)));
    // Users deleted or moved out of the scopes show in no listing of changes, only as
    // missing from a listing of everyone (most of an incremental sync's time). The count
    // says when nobody is missing: everyone the server lists is cached, new, or one of
    // those the last listing of everyone could not cache. A user created and another
    // deleted while this runs can balance the count; the next sync then lists the new
    // user as changed, the count is off by one, and the listing puts both right.
    // Whatever a count cannot see (a user skipped while the server paged, a clock far
    // off) is put right by listing everyone at least every `COUNT_TRUSTED_FOR`.
    let trusted = cache.everyone_listed()?.filter(|last| now - last.at < COUNT_TRUSTED_FOR);
    let cached = cache.count_users(&UserQuery::default())?;
    // The changes and the id listing may arrive together: both report through this.
    let progress = std::sync::Mutex::new(progress);
    let report = |step: SyncProgress| {
        if let Ok(mut progress) = progress.lock() {
            progress(step);
        }
    };
    let list_ids = || {
        let mut pace = Pace::start();
        let on_page = move |p: PageFetched| report(SyncProgress::UserIds(pace.page(p)));
        live_user_ids(client, token, filter, plan, on_page, cancelled).instrument(tracing::info_span!("live ids"))
    };
    // The count and the changes are asked for together. When the count alone shows that
    // someone left (fewer listed than cached, whatever the changes add), or cannot be
    // trusted, every id is listed at once, while the changes still arrive.
    let counted = async {
        let listed = client
            .count_users(token, Some(filter))
            .instrument(tracing::info_span!("count"))
            .await
            .inspect_err(|error| tracing::warn!(%error, "the directory did not count the scopes; listing every id"))
            .ok();
        let someone_left = match (listed, trusted) {
            (Some(listed), Some(last)) => listed < cached + last.uncached,
            _ => true,
        };
        let ids = if someone_left { Some(list_ids().await) } else { None };
        (listed, ids)
    };
    let mut pace = Pace::start();
    let mut on_page = |p: PageFetched| report(SyncProgress::Users(pace.page(p)));
    let in_scope = InScope::new(scopes, bu_attribute);
    let ((listed, listed_early), changed) = futures_util::future::join(
        counted,
        client
            .list_all_users_kept(token, Some(&changed_filter), in_scope.keep(), &mut on_page, cancelled)
            .instrument(tracing::info_span!("changed users")),
    )
    .await;
    let mut upserts = changed?;
    let dropped = in_scope.dropped();
    out_of_scope_dropped += dropped;
    let live = match (listed_early, listed, trusted) {
        (Some(ids), _, _) => Some(ids?),
        (None, Some(listed), Some(last)) if dropped == 0 => {
            let new = cache.count_uncached(upserts.iter().filter_map(CachedUser::id))?;
            if listed == cached + new as u64 + last.uncached {
                tracing::info!(listed, "the count matches the cache and the new users: nobody left the scopes");
                None
            } else {
                Some(list_ids().await?)
            }
        }
        (None, _, _) => Some(list_ids().await?),
    };
    let listing = match live {
        None => None,
        Some((live_ids, uncached)) => {
            everyone_listed = Some(EveryoneListed { at: now, uncached });
            // A user listed here but neither cached nor among the changes (created after
            // the changes were listed) is fetched below; one among the changes but not
            // listed here (deleted in between) is not written. Listed together with the
            // changes, a user created after this listing passed its place, but before the
            // changes did, is among the changes only: not written now, and listed as
            // changed by the next sync.
            let against = tracing::info_span!("cached ids").in_scope(|| cache.cached_against(&live_ids))?;
            let missing: Vec<String> = {
                // Usually every id listed is cached or among the changes: counted, not copied.
                let changes_listed = upserts.iter().filter_map(CachedUser::id).filter(|id| live_ids.contains(*id));
                if against.listed + cache.count_uncached(changes_listed)? == live_ids.len() {
                    Vec::new()
                } else {
                    let known: HashSet<&str> = upserts.iter().filter_map(CachedUser::id).collect();
                    let cached = cache.user_ids()?;
                    live_ids
                        .iter()
                        .filter(|id| !cached.contains(*id) && !known.contains(id.as_str()))
                        .cloned()
                        .collect()
                }
            };
            if !missing.is_empty() {
                tracing::info!(missing = missing.len(), "users listed but neither cached nor changed; fetching them");
                let in_scope = InScope::new(scopes, bu_attribute);
                upserts.extend(users_by_id(client, token, &missing, &in_scope, cancelled).await?);
                out_of_scope_dropped += in_scope.dropped();
            }
            Some(Listing { live_ids, gone: Some(against.gone) })
        }
    };
    Ok(Changes { upserts, listing, everyone_listed, out_of_scope_dropped })
}

/// The ids of everyone in the scopes, and the cached users they leave out.
struct Listing {
    live_ids: HashSet<String>,
    /// `None`: not compared with the cache yet.
    gone: Option<Vec<String>>,
}

/// The users a sync fetched, and how they are to be written.
enum Fetched {
    /// Every user in the scopes: replace the cache.
    All(Vec<CachedUser>),
    /// Users to write where they differ, and everyone that remains; `listing` is `None` when
    /// nobody left the scopes.
    Diff { upserts: Vec<CachedUser>, listing: Option<Listing> },
}

/// What the cached users were selected by: the BU attribute and the scope paths, in order.
fn scope_key(plan: &SyncPlan<'_>) -> String {
    let mut paths: Vec<&str> = plan.scopes.paths().iter().map(BuPath::as_str).collect();
    paths.sort_unstable();
    serde_json::json!({"buAttribute": plan.bu_attribute, "scopes": paths}).to_string()
}

/// The ids of every user inside the scopes, from an id-only listing (`attributes=id,<BU>`).
/// The BU comes along so a server that ignores the filter cannot keep users outside the
/// scopes (or moved out of them) in the cache.
async fn live_user_ids(
    client: &ScimClient,
    token: &AccessToken,
    filter: &str,
    plan: &SyncPlan<'_>,
    mut on_page: impl FnMut(PageFetched) + Send,
    cancelled: &std::sync::atomic::AtomicBool,
) -> Result<(HashSet<String>, u64), Error> {
    let attributes = format!("id,{}", plan.bu_attribute);
    let keep = live_id(plan.scopes.clone(), plan.bu_attribute.to_owned());
    let listed =
        client.list_all_user_stubs_kept(token, Some(filter), &attributes, keep, &mut on_page, cancelled).await?;
    let count = listed.len() as u64;
    let live: HashSet<String> = listed.into_iter().flatten().collect();
    let uncached = count.saturating_sub(live.len() as u64);
    Ok((live, uncached))
}

/// Reads each user of the id listing, as its page arrives, into its id when `scopes` cover its
/// BU, else into nothing (still an entry: the listing's length counts every user listed). Only
/// the ids are kept: holding every user's stub until the listing ended took 1.4 KB a user at
/// the sync's peak, 1.4 GiB for a million (bench-sync). A directory holds far fewer BUs than
/// users: each BU is parsed and checked once.
fn live_id(scopes: Scopes, bu_attribute: String) -> Keep<UserStub, Option<String>> {
    let inside: Mutex<HashMap<String, bool>> = Mutex::default();
    Arc::new(move |stub: UserStub| {
        let json = serde_json::Value::Object(stub.rest);
        let covered = bu_str_in_json(&json, &bu_attribute).is_some_and(|bu| {
            let mut inside = inside.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(&covered) = inside.get(bu) {
                return covered;
            }
            let covered = BuPath::parse(bu).is_some_and(|bu| scopes.covers(&bu));
            inside.insert(bu.to_owned(), covered);
            covered
        });
        Ok(Kept { id: stub.id.clone(), kept: Some(stub.id.filter(|_| covered)) })
    })
}

/// How long an incremental sync trusts the server's count of the scopes after a listing of
/// everyone: at least this often it lists every id anyway (1.4 s per 100,000 users here).
const COUNT_TRUSTED_FOR: chrono::Duration = chrono::Duration::hours(24);

/// Ids per request when fetching users by id: keeps the filter (and the URL) short.
const IDS_PER_REQUEST: usize = 50;

/// The users with these ids (`id eq … or id eq …`) inside the scopes, as many as the server
/// still holds.
async fn users_by_id(
    client: &ScimClient,
    token: &AccessToken,
    ids: &[String],
    in_scope: &InScope,
    cancelled: &std::sync::atomic::AtomicBool,
) -> Result<Vec<CachedUser>, Error> {
    let mut users = Vec::new();
    for chunk in ids.chunks(IDS_PER_REQUEST) {
        let filter = chunk.iter().map(|id| format!("id eq {}", quote(id))).collect::<Vec<_>>().join(" or ");
        users.extend(client.list_all_users_kept(token, Some(&filter), in_scope.keep(), &mut |_| {}, cancelled).await?);
    }
    Ok(users)
}

/// The grants whose BU the scopes cover; malformed ones are reported and skipped.
fn grants_in_scope(raw: &[serde_json::Value], scopes: &Scopes) -> Vec<Grant> {
    let mut kept = Vec::new();
    for resource in raw {
        match Grant::from_scim(resource) {
            Some(grant) if scopes.covers(&grant.bu) => kept.push(grant),
            Some(_) => tracing::warn!("the server sent a grant outside the admin's scopes; not cached"),
            None => tracing::warn!(id = ?resource["id"], "skipping a malformed grant"),
        }
    }
    kept
}

/// Reads listed users into what the cache keeps of them, each with its BU, dropping (and
/// counting) those the scopes do not cover or that have no BU: a server that ignores or
/// misreads the scope filter cannot put anyone else into the cache.
#[derive(Clone)]
struct InScope {
    scopes: Scopes,
    bu_attribute: Arc<BuAttribute>,
    dropped: Arc<AtomicU64>,
}

impl InScope {
    fn new(scopes: &Scopes, bu_attribute: &str) -> Self {
        Self { scopes: scopes.clone(), bu_attribute: Arc::new(BuAttribute::new(bu_attribute)), dropped: Arc::default() }
    }

    /// The user `json` holds, kept when the scopes cover its BU; an error when it is not a User.
    fn read(&self, json: ListedJson) -> serde_json::Result<Kept<CachedUser>> {
        let cached = CachedUser::decode_listed(json, |summary, json| {
            let bu = BuPath::parse(&self.bu_attribute.of_summary(summary, json)?)?;
            self.scopes.covers(&bu).then_some(bu)
        })?;
        let id = cached.id().map(str::to_owned);
        if cached.bu.is_none() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(Kept { id, kept: None });
        }
        Ok(Kept { id, kept: Some(cached) })
    }

    /// `read`, for a listing (called on the threads that decode its pages).
    fn keep(&self) -> Keep<ListedJson, CachedUser> {
        let in_scope = self.clone();
        Arc::new(move |json| in_scope.read(json))
    }

    /// How many users were dropped so far; warns when there are any.
    fn dropped(&self) -> u64 {
        let dropped = self.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            tracing::warn!(dropped, "the server sent users outside the admin's scopes; not cached");
        }
        dropped
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_pace_counts_pages_and_the_time_left_follows_from_the_rate() {
        let mut pace = Pace { started: Instant::now() - std::time::Duration::from_secs(2), pages: 0 };
        let first = pace.page(PageFetched { resource: "Users", fetched: 500, total: Some(2_000) });
        assert_eq!(first.pages, 1);
        assert!((200.0..=250.0).contains(&first.per_second), "500 in about 2 s: {}", first.per_second);
        let left = first.remaining_seconds.expect("a pace gives a time left");
        assert!((6..=8).contains(&left), "1,500 more at ~250/s: {left}");
        let last = pace.page(PageFetched { resource: "Users", fetched: 2_000, total: Some(2_000) });
        assert_eq!((last.pages, last.remaining_seconds), (2, Some(0)));
        let json = serde_json::to_value(SyncProgress::Users(last)).expect("serializes");
        assert_eq!(json["phase"], "users");
        assert_eq!(json["fetched"], 2_000);
        assert_eq!(json["remainingSeconds"], 0);
    }

    #[test]
    fn no_time_left_is_guessed_before_anything_arrived() {
        let mut pace = Pace::start();
        let empty = pace.page(PageFetched { resource: "Groups", fetched: 0, total: Some(0) });
        assert_eq!(empty.remaining_seconds, None);
    }

    #[test]
    fn without_a_total_nothing_is_guessed_and_none_is_sent() {
        let mut pace = Pace { started: Instant::now() - std::time::Duration::from_secs(2), pages: 0 };
        let page = pace.page(PageFetched { resource: "Users", fetched: 500, total: None });
        assert!(page.per_second > 0.0, "the rate is known");
        assert_eq!((page.total, page.remaining_seconds), (None, None), "but not how much is left");
        let json = serde_json::to_value(SyncProgress::Users(page)).expect("serializes");
        assert_eq!(json["total"], serde_json::Value::Null);
    }

    #[test]
    fn users_outside_the_scopes_or_without_a_bu_are_dropped() {
        use serde_json::value::RawValue;

        let attr = crate::profile::DEFAULT_BU_ATTRIBUTE;
        let user = |name: &str, division: Option<&str>| -> Box<RawValue> {
            let mut json = json!({"id": name, "userName": name});
            if let Some(d) = division {
                json[bailiwick_scim::schema::ENTERPRISE_USER] = json!({"division": d});
            }
            RawValue::from_string(json.to_string()).expect("valid JSON")
        };
        let users = vec![
            user("a", Some("EMEA/DE")),
            user("b", Some("EMEAX")),
            user("c", None),
            user("d", Some("/EMEA/")),
            user("e", Some("AMER")),
        ];
        let scopes = Scopes::new(vec![BuPath::parse("EMEA").expect("valid")]);
        let in_scope = InScope::new(&scopes, attr);
        let read: Vec<Kept<CachedUser>> =
            users.into_iter().map(|json| in_scope.read(json.into()).expect("valid users")).collect();
        let ids: Vec<_> = read.iter().map(|r| r.id.as_deref()).collect();
        assert_eq!(ids, [Some("a"), Some("b"), Some("c"), Some("d"), Some("e")], "every id, to drop repeats");
        let kept: Vec<_> = read
            .iter()
            .filter_map(|r| r.kept.as_ref())
            .map(|u| (u.user_name(), u.bu.as_ref().map(BuPath::as_str)))
            .collect();
        assert_eq!(kept, [("a", Some("EMEA/DE")), ("d", Some("EMEA"))], "the BU is stored normalised");
        assert_eq!(in_scope.dropped(), 3);
        let not_a_user = RawValue::from_string(r#"{"id": "f", "userName": 7}"#.to_owned()).expect("valid JSON");
        let error = in_scope.read(not_a_user.into()).expect_err("not a user");
        assert!(error.to_string().contains("invalid type"), "{error}");
    }
}
