//! A workspace: one profile (one IAM and directory) opened in one data directory.
//!
//! This is the facade both hosts call: the desktop's Tauri commands and the CLI's subcommands
//! are each a few lines over one method here. It owns the pieces and their lifetimes:
//! - the HTTP client (no redirects, TLS except loopback) shared by sign-in and SCIM;
//! - the session: the access token in memory, the refresh token in the OS keyring;
//! - the cache: one reader connection for queries; a sync opens its own writer connection,
//!   so the UI keeps reading while a sync runs (SQLite WAL).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::{info, instrument, warn};

use crate::admin::AdminContext;
use crate::auth::{
    self, Browser, KeyringTokenStore, OidcClient, Revocation, Session, SignInFailure, SignOutToken, TokenStore,
};
use crate::cache::{BackgroundCheckpoint, Cache, CacheKeyStore, KeyringCacheKeyStore, OutboxState, UserQuery, UserRow};
use crate::directory::ScimClient;
use crate::error::Error;
use crate::grant::GrantMode;
use crate::profile::Profile;
use crate::secret::{AccessToken, CacheKey};
use crate::sync::{self, SyncProgress, SyncReport};

mod audit;
mod hygiene;
mod idle_memory;
mod import;
mod operations;
mod review;
mod selection;
mod user_actions;

pub use hygiene::{Finding, FindingKind};
pub use operations::{GrantRequest, Recorded, RoleView, SweepReport};
pub use review::Submission;
pub use selection::{SelectionChange, MAX_SELECTION};
pub use user_actions::{Permission, RoleActions, UserActions};

/// How long the loopback listener waits for the browser to come back.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// What the header of the app and `bailiwick whoami` show.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceStatus {
    pub profile_name: String,
    pub issuer: String,
    /// The admin of the last sign-in in this workspace (kept for offline use; no secret).
    pub admin: Option<AdminContext>,
    /// A refresh token is in the keyring (or a session is live): the network can be used
    /// without the browser.
    pub signed_in: bool,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub cached_users: u64,
    /// The last attempt to reach the IAM failed, or the workspace was opened offline.
    pub offline: bool,
    /// The cache was used offline for longer than the profile allows: it shows nothing until
    /// the admin signs in again.
    pub cache_locked: bool,
    /// The cache is encrypted at rest.
    pub cache_encrypted: bool,
}

/// One page of the users table.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    /// The users matching, counted up to `cache::COUNT_CAP` when the query narrows (every
    /// cached user when it does not, so the whole directory can be scrolled).
    pub total: u64,
    /// More than `total` match: the UI says so and asks for a narrower search.
    pub more: bool,
    pub rows: Vec<UserRow>,
}

pub struct Workspace {
    profile: Profile,
    cache_path: PathBuf,
    /// `None` when the profile keeps the cache unencrypted.
    cache_key: Option<CacheKey>,
    cache_keys: Box<dyn CacheKeyStore>,
    /// The IAM confirmed the session during this run: the offline age limit is satisfied.
    confirmed: std::sync::atomic::AtomicBool,
    http: reqwest::Client,
    reader: Mutex<Cache>,
    /// When the reader was last taken, until `release_idle_memory` frees what it keeps.
    reader_used: Mutex<Option<std::time::Instant>>,
    tokens: Box<dyn TokenStore>,
    session: tokio::sync::Mutex<Option<Session>>,
    oidc: tokio::sync::OnceCell<OidcClient>,
    /// Set by `--offline`: nothing here touches the network.
    offline_only: bool,
    /// The last network attempt failed with `Error::Offline`.
    unreachable: std::sync::atomic::AtomicBool,
    /// The last sync's WAL checkpoint, which runs after the sync has reported.
    checkpoint: Mutex<Option<BackgroundCheckpoint>>,
}

impl Workspace {
    /// Opens (creating on first use) the workspace of `profile` under `data_dir`, with the
    /// refresh token and the cache key in the OS keyring.
    pub fn open(profile: Profile, data_dir: &Path) -> Result<Workspace, Error> {
        let account = keyring_account(&profile, data_dir);
        let tokens = KeyringTokenStore::new(keyring_service(), &account)?;
        let cache_keys = KeyringCacheKeyStore::new(keyring_service(), &account)?;
        Self::open_with(profile, data_dir, Box::new(tokens), Box::new(cache_keys))
    }

    /// As `open`, with the keyring stores handed in (tests use a real keyring too, but may
    /// want their own namespace).
    pub fn open_with(
        profile: Profile,
        data_dir: &Path,
        tokens: Box<dyn TokenStore>,
        cache_keys: Box<dyn CacheKeyStore>,
    ) -> Result<Workspace, Error> {
        let dir = workspace_dir(&profile, data_dir);
        std::fs::create_dir_all(&dir)?;
        let cache_path = dir.join("cache.sqlite");
        // A cache already encrypted stays so, whatever the profile says now.
        let encrypt = profile.offline.encrypt_cache || Cache::is_encrypted_file(&cache_path)?;
        let cache_key = if encrypt { Some(cache_key_for(&cache_path, cache_keys.as_ref())?) } else { None };
        let reader = Cache::open_with_key(&cache_path, cache_key.as_ref())?;
        Ok(Workspace {
            profile,
            cache_path,
            cache_key,
            cache_keys,
            confirmed: std::sync::atomic::AtomicBool::new(false),
            http: auth::http_client(),
            reader: Mutex::new(reader),
            reader_used: Mutex::new(None),
            tokens,
            session: tokio::sync::Mutex::new(None),
            oidc: tokio::sync::OnceCell::new(),
            offline_only: false,
            unreachable: std::sync::atomic::AtomicBool::new(false),
            checkpoint: Mutex::new(None),
        })
    }

    /// Nothing in this workspace will touch the network; commands that need it fail with
    /// `Error::Offline`.
    pub fn offline_only(mut self) -> Self {
        self.offline_only = true;
        self
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Signs in through the system browser and keeps the refresh token in the keyring.
    #[instrument(skip_all, fields(profile = %self.profile.name))]
    pub async fn sign_in(&self, browser: &dyn Browser) -> Result<AdminContext, Error> {
        self.sign_in_within(browser, SIGN_IN_TIMEOUT).await
    }

    /// As `sign_in`, giving up when the browser has not come back within `timeout`.
    pub async fn sign_in_within(&self, browser: &dyn Browser, timeout: Duration) -> Result<AdminContext, Error> {
        let oidc = self.oidc("sign-in").await?;
        let session = self.network(oidc.sign_in(browser, timeout).await)?;
        self.adopt(session).await
    }

    /// Restores the session from the keyring's refresh token, without a browser.
    /// `Ok(None)` when there is nothing to restore.
    #[instrument(skip_all, fields(profile = %self.profile.name))]
    pub async fn restore_session(&self) -> Result<Option<AdminContext>, Error> {
        let Some(refresh) = self.tokens.load()? else {
            return Ok(None);
        };
        let oidc = self.oidc("restoring the session").await?;
        match self.network(oidc.refresh(&refresh).await) {
            Ok(session) => {
                // A refresh continues the same sign-in (OIDC Core §12.2): a different subject
                // means a confused or malicious provider, never a reason to switch admins.
                let cached = self.unchecked_cache().admin_context()?;
                if let Some(previous) = cached.filter(|p| p.subject != session.admin.subject) {
                    self.tokens.delete()?;
                    return Err(Error::SignIn(SignInFailure::SubjectChanged {
                        expected: previous.subject,
                        found: session.admin.subject,
                    }));
                }
                Ok(Some(self.adopt(session).await?))
            }
            Err(Error::SignInNeeded(reason)) => {
                // The provider refused the refresh token (expired, revoked, reused): it is of no
                // further use, and keeping it would only repeat the failure.
                warn!(%reason, "stored refresh token refused; a new sign-in is needed");
                self.tokens.delete()?;
                Err(Error::SignInNeeded(reason))
            }
            Err(other) => Err(other),
        }
    }

    /// Revokes the refresh token at the provider (where it offers revocation), forgets the
    /// session and deletes the keyring entry. The cache stays for offline review.
    /// Returns the provider's end-session URL when it offers one.
    #[instrument(skip_all, fields(profile = %self.profile.name))]
    pub async fn sign_out(&self) -> Result<Option<url::Url>, Error> {
        let stored = self.tokens.load()?;
        let live = self.session.lock().await.take();
        let mut end_session = None;
        if !self.offline_only {
            let token = match (&live, &stored) {
                (Some(session), _) => Some(SignOutToken::Session(session)),
                (None, Some(refresh)) => Some(SignOutToken::Refresh(refresh)),
                (None, None) => None,
            };
            match (token, self.oidc("sign-out").await) {
                (Some(token), Ok(oidc)) => {
                    let outcome = oidc.sign_out(token).await;
                    if let Revocation::Failed(e) = &outcome.revocation {
                        // Local sign-out must still happen: the keyring entry goes regardless.
                        warn!(error = %e, "revocation at the provider failed");
                    }
                    end_session = outcome.end_session_url;
                }
                (_, Err(e)) => warn!(error = %e, "provider unreachable; signing out locally only"),
                (None, Ok(_)) => {}
            }
        }
        self.tokens.delete()?;
        info!("signed out");
        Ok(end_session)
    }

    pub fn status(&self) -> Result<WorkspaceStatus, Error> {
        let cache = self.unchecked_cache();
        let cache_locked = self.offline_age_exceeded(&cache)?.is_some();
        let admin = cache.admin_context()?;
        let signed_in = self.tokens.load()?.is_some();
        Ok(WorkspaceStatus {
            profile_name: self.profile.name.clone(),
            issuer: self.profile.oidc.issuer.to_string(),
            admin,
            signed_in,
            last_sync_at: cache.last_sync_at()?,
            cached_users: cache.count_users(&UserQuery::default())?,
            offline: self.offline_only || self.unreachable.load(std::sync::atomic::Ordering::Relaxed),
            cache_locked,
            cache_encrypted: self.cache_key.is_some(),
        })
    }

    /// Pulls everything in the admin's scopes into the cache, replacing what was there in one
    /// transaction: a failed sync leaves the previous cache intact.
    #[instrument(skip_all, fields(profile = %self.profile.name))]
    pub async fn sync(&self, progress: &mut (dyn FnMut(SyncProgress) + Send)) -> Result<SyncReport, Error> {
        self.sync_with_options(&sync::SyncOptions::default(), progress).await
    }

    /// `sync` with options: `full` replaces the cache even when an incremental sync would do.
    pub async fn sync_with_options(
        &self,
        options: &sync::SyncOptions,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
    ) -> Result<SyncReport, Error> {
        self.sync_cancellable(options, progress, &sync::SyncCancel::new()).await
    }

    /// `sync_with_options` that stops with `Error::Cancelled`, the cache as it was, once
    /// `cancel` is set (by a button or Ctrl-C) before the cache is written.
    pub async fn sync_cancellable(
        &self,
        options: &sync::SyncOptions,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
        cancel: &sync::SyncCancel,
    ) -> Result<SyncReport, Error> {
        let (token, admin) = self.access("sync").await?;
        let report = match self.sync_with(&token, &admin, options, progress, cancel).await {
            // The directory refused a token we believed live (revoked, or expired early):
            // refresh once and retry once; a second 401 is the answer (issue 4).
            Err(Error::Http { status: 401, .. }) => {
                info!("the directory refused the access token; refreshing once and retrying");
                *self.session.lock().await = None;
                let (token, admin) = self.access("sync").await?;
                self.sync_with(&token, &admin, options, progress, cancel).await
            }
            other => other,
        };
        let mut report = self.network(report)?;
        info!(users = report.users, groups = report.groups, "sync finished");
        // Ledger mode: nothing ends a grant but Bailiwick, so every sync does (issue 6). A
        // sweep that fails leaves its changes queued; the sync itself succeeded.
        if self.grant_mode()? == GrantMode::Ledger {
            match self.sweep_grants().await {
                Ok(sweep) => report.ledger_grants_expired = Some(sweep.expired),
                Err(e) => warn!(error = %e, "the ledger sweep after the sync did not finish"),
            }
        }
        Ok(report)
    }

    async fn sync_with(
        &self,
        token: &AccessToken,
        admin: &AdminContext,
        options: &sync::SyncOptions,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
        cancel: &sync::SyncCancel,
    ) -> Result<SyncReport, Error> {
        let client = self.scim_client();
        let mode = self.detect_grant_mode(&client, token).await?;
        let mut writer = self.open_cache()?;
        writer.defer_checkpoints()?;
        let plan = sync::SyncPlan {
            scopes: &admin.bu_scopes,
            bu_attribute: &self.profile.scim.bu_attribute,
            server_grants: mode == GrantMode::Server,
        };
        let options = sync::SyncOptions { paging: self.profile.scim.paging, ..*options };
        let report =
            sync::sync_plan_with(&client, token, &mut writer, &plan, &options, Utc::now(), progress, cancel).await;
        self.checkpoint_after_sync(writer);
        report
    }

    /// Checkpoints the WAL with the sync's `writer` on a thread of its own (see
    /// `cache::checkpoint`), once the last sync's checkpoint has finished.
    fn checkpoint_after_sync(&self, writer: Cache) {
        let mut running = self.checkpoint.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(previous) = running.take() {
            previous.wait();
        }
        *running = Some(BackgroundCheckpoint::start(writer));
    }

    /// Waits for the last sync's checkpoint, if it is still running; the sync's connection, with
    /// its page cache, is closed once it returns. Blocks: call it off the async runtime.
    pub fn wait_for_checkpoint(&self) {
        // Waiting under the lock: a sync that ends meanwhile starts its checkpoint after this one.
        let mut running = self.checkpoint.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(previous) = running.take() {
            previous.wait();
        }
    }

    fn scim_client(&self) -> ScimClient {
        ScimClient::new(self.http.clone(), self.profile.scim.base_url.clone())
            .with_page_size(self.profile.scim.page_size)
            .with_pages_in_flight(self.profile.scim.pages_in_flight)
    }

    /// The BUs of the cached users with their counts (the users table's BU filter).
    pub fn business_units(&self) -> Result<Vec<crate::cache::BusinessUnitCount>, Error> {
        self.read_cache()?.business_units()
    }

    pub fn list_users(&self, query: &UserQuery) -> Result<UserPage, Error> {
        let cache = self.read_cache()?;
        let narrowing = UserQuery { limit: None, offset: 0, ..query.clone() } != UserQuery::default();
        let count = if narrowing {
            cache.count_users_capped(query)?
        } else {
            crate::cache::MatchCount { count: cache.count_users(query)?, more: false }
        };
        Ok(UserPage { total: count.count, more: count.more, rows: cache.list_users(query)? })
    }

    /// One user by id or userName, from the cache.
    pub fn user(&self, id_or_user_name: &str) -> Result<Option<UserRow>, Error> {
        self.read_cache()?.user(id_or_user_name)
    }

    /// The cache for reading, unless it is locked for being used offline too long.
    fn read_cache(&self) -> Result<std::sync::MutexGuard<'_, Cache>, Error> {
        let cache = self.unchecked_cache();
        if let Some(since) = self.offline_age_exceeded(&cache)? {
            return Err(Error::CacheLocked(format!(
                "the cache of {} is locked: the IAM has not confirmed the session since {} and the profile allows \
                 {} hours offline; sign in again to unlock it",
                self.profile.name,
                since.format("%Y-%m-%d %H:%M UTC"),
                self.profile.offline.max_age_hours
            )));
        }
        Ok(cache)
    }

    /// The cache without the offline-age check: for the status line and for signing in.
    fn unchecked_cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        // A poisoned lock only means another thread panicked mid-query; SQLite itself is
        // consistent, so the connection is still usable.
        let reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        *self.reader_used.lock().unwrap_or_else(|p| p.into_inner()) = Some(std::time::Instant::now());
        reader
    }

    /// Since when the session is unconfirmed, when that is longer than the profile allows.
    fn offline_age_exceeded(&self, cache: &Cache) -> Result<Option<DateTime<Utc>>, Error> {
        if self.confirmed.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(None);
        }
        // Caches from before this check know only their last sync.
        let Some(since) = cache.last_confirmed_at()?.or(cache.last_sync_at()?) else {
            return Ok(None);
        };
        let allowed = chrono::Duration::hours(i64::from(self.profile.offline.max_age_hours));
        Ok((Utc::now() - since > allowed).then_some(since))
    }

    /// A connection of its own (a sync's or a push's writer), unlocked with the workspace's key.
    fn open_cache(&self) -> Result<Cache, Error> {
        Cache::open_with_key(&self.cache_path, self.cache_key.as_ref())
    }

    /// Forgets this workspace on this machine: signs out (revoking the refresh token where the
    /// IAM can be reached), deletes the cache key from the OS keyring and the cache with its
    /// outbox, audit log and reviews. Refused while changes are still queued, unless
    /// `discard_queued`: they would be lost. The workspace is of no use afterwards: drop it.
    #[instrument(skip_all, fields(profile = %self.profile.name))]
    pub async fn forget(&self, discard_queued: bool) -> Result<(), Error> {
        let queued = self
            .unchecked_cache()
            .outbox(&[OutboxState::Queued, OutboxState::Sending, OutboxState::Failed, OutboxState::Conflict])?
            .len();
        if queued > 0 && !discard_queued {
            return Err(Error::Usage(format!(
                "{queued} change(s) are still in the outbox and would be lost; push them first (`bailiwick outbox \
                 push`), or forget anyway with --discard-queued"
            )));
        }
        self.sign_out().await?;
        self.cache_keys.delete()?;
        // Close the file before deleting it (Windows refuses to delete an open file).
        self.wait_for_checkpoint();
        *self.unchecked_cache() = Cache::open_in_memory()?;
        if let Some(dir) = self.cache_path.parent() {
            remove_dir(dir)?;
        }
        info!(queued_discarded = queued, "workspace forgotten");
        Ok(())
    }

    /// `forget` for a workspace that may not open: when its encrypted cache cannot be read
    /// (key lost or changed), nothing in it is recoverable, so the keyring entries and the
    /// files go without looking inside (and without revoking: the token is deleted locally).
    pub async fn forget_at(
        profile: Profile,
        data_dir: &Path,
        offline: bool,
        discard_queued: bool,
    ) -> Result<(), Error> {
        match Workspace::open(profile.clone(), data_dir) {
            Ok(workspace) => {
                let workspace = if offline { workspace.offline_only() } else { workspace };
                workspace.forget(discard_queued).await
            }
            Err(Error::CacheKeyRefused(reason)) => {
                warn!(%reason, "the cache cannot be read; forgetting it without looking inside");
                let account = keyring_account(&profile, data_dir);
                KeyringTokenStore::new(keyring_service(), &account)?.delete()?;
                KeyringCacheKeyStore::new(keyring_service(), &account)?.delete()?;
                remove_dir(&workspace_dir(&profile, data_dir))
            }
            Err(e) => Err(e),
        }
    }

    /// A live access token and the admin it belongs to: the session in memory, else one
    /// restored from the keyring.
    async fn access(&self, action: &str) -> Result<(AccessToken, AdminContext), Error> {
        if self.offline_only {
            return Err(self.offline_error(action, "opened with --offline"));
        }
        {
            let session = self.session.lock().await;
            if let Some(s) = session.as_ref().filter(|s| !s.access_expired(Utc::now())) {
                return Ok((s.access_token().clone(), s.admin.clone()));
            }
        }
        match self.restore_session().await? {
            Some(_) => {
                let session = self.session.lock().await;
                let s = session
                    .as_ref()
                    .ok_or_else(|| Error::SignInNeeded("the session ended while restoring it".into()))?;
                Ok((s.access_token().clone(), s.admin.clone()))
            }
            None => Err(Error::SignInNeeded(format!(
                "not signed in to {}; run `bailiwick login` or sign in from the app",
                self.profile.name
            ))),
        }
    }

    /// Keeps a new session: rotated refresh token to the keyring, admin context (no secret) to
    /// the cache. A different admin than the cache's last one means the cache holds data this
    /// admin may not see: it is wiped before anything can show it.
    async fn adopt(&self, session: Session) -> Result<AdminContext, Error> {
        if let Some(refresh) = session.refresh_token() {
            self.tokens.save(refresh)?;
        }
        let admin = session.admin.clone();
        self.confirmed.store(true, std::sync::atomic::Ordering::Relaxed);
        {
            let mut cache = self.read_cache()?;
            cache.set_last_confirmed_at(Utc::now())?;
            let previous = cache.admin_context()?;
            if previous.is_some_and(|p| p.subject != admin.subject || p.bu_scopes != admin.bu_scopes) {
                info!("a different admin signed in; clearing the cached directory");
                cache.clear_directory()?;
            }
            cache.set_admin_context(&admin)?;
        }
        *self.session.lock().await = Some(session);
        Ok(admin)
    }

    async fn oidc(&self, action: &str) -> Result<&OidcClient, Error> {
        if self.offline_only {
            return Err(self.offline_error(action, "opened with --offline"));
        }
        let discovered = self.oidc.get_or_try_init(|| OidcClient::discover(&self.profile, self.http.clone())).await;
        self.network(discovered)
    }

    /// Records whether the IAM was reachable, for the offline indicator.
    fn network<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        let unreachable = matches!(result, Err(Error::Offline { .. }));
        self.unreachable.store(unreachable, std::sync::atomic::Ordering::Relaxed);
        result
    }

    fn offline_error(&self, action: &str, reason: &str) -> Error {
        Error::Offline {
            action: action.to_owned(),
            host: self.profile.oidc.issuer.host_str().unwrap_or_default().to_owned(),
            reason: reason.to_owned(),
        }
    }
}

/// Where a workspace keeps its files: one folder per profile (IAM) under the data dir.
fn workspace_dir(profile: &Profile, data_dir: &Path) -> PathBuf {
    data_dir.join("workspaces").join(profile.workspace_key())
}

/// The keyring account of a workspace's secrets: the profile, and the data dir it lives in.
fn keyring_account(profile: &Profile, data_dir: &Path) -> String {
    format!("{}@{}", profile.workspace_key(), short_hash(&data_dir.to_string_lossy()))
}

fn remove_dir(dir: &Path) -> Result<(), Error> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The workspace's cache key from the keyring, or a new one on first use. A cache that is
/// already encrypted while the keyring has no key cannot be read by anyone any more.
fn cache_key_for(cache_path: &Path, store: &dyn CacheKeyStore) -> Result<CacheKey, Error> {
    if let Some(key) = store.load()? {
        return Ok(key);
    }
    if Cache::is_encrypted_file(cache_path)? {
        return Err(Error::CacheKeyRefused(format!(
            "the cache {} is encrypted and its key is no longer in the OS keyring; `bailiwick forget` removes this \
             workspace's cache (changes still queued in it are lost) and the next sync rebuilds it",
            cache_path.display()
        )));
    }
    let key = CacheKey::generate();
    store.save(&key)?;
    Ok(key)
}

/// Debug and release builds keep their tokens apart, so a development build never reads or
/// overwrites the token of an installed Bailiwick.
fn keyring_service() -> &'static str {
    if cfg!(debug_assertions) {
        "bailiwick-dev"
    } else {
        "bailiwick"
    }
}

fn short_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_send<T: Send>(_: &T) {}

    /// Hosts run these on multi-threaded runtimes (Tauri needs `Send` command futures): no
    /// cache connection or lock guard may be held across an await inside them.
    #[allow(dead_code)] // compiled, never run: the check is that it compiles
    fn network_futures_are_send(ws: &Workspace) {
        is_send(&ws.push());
        is_send(&ws.sync(&mut |_| {}));
        is_send(&ws.sweep_grants());
        is_send(&ws.restore_session());
    }
}
