//! `bailiwick-sandbox`: a self-contained IAM for the demo workspace and for tests — an OpenID
//! Provider and a SCIM 2.0 server over one SQLite file, seeded with a realistic OpenText
//! Exstream customer organisation, enforcing business-unit delegation server side.
//!
//! It depends only on the protocol crate (bailiwick-scim), never on bailiwick-core: what the
//! client believes about the protocol must be checked against an implementation that did not
//! share its code, beyond the wire types.
//!
//! Documented seed users that tests may rely on: `anna.schmidt` (EMEA/DE), `priya.raman`
//! (APAC/IN), `lucas.martin` (EMEA/FR), `emily.clarke` (EMEA/UK), `michael.johnson` (AMER/US),
//! `ana.souza` (AMER/BR), `hiroshi.tanaka` (APAC/JP), and `svc-exstream-batch-de` (Service,
//! EMEA/DE). The demo admins are users too, in their home BUs.

mod audit;
mod clock;
mod directory;
mod grants;
mod jws;
mod modified_index;
mod oidc;
mod role_rules;
mod scim_api;
mod scim_bulk;
mod scim_write;
pub mod seed;
mod store;
mod user_slots;

/// A seeded user as the SCIM resource the sandbox stores (benchmarks build caches from these).
pub use crate::store::user_resource;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use rusqlite::Connection;
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

pub use crate::clock::Clock;
use crate::directory::Directory;
pub use crate::jws::SigningAlgorithm;
use crate::jws::SigningKeys;

/// The fixed port of the demo workspace, so the issuer (and tokens cached for it) stay valid
/// across restarts of the desktop app.
pub const DEMO_PORT: u16 = 47474;

/// The OAuth client id the sandbox knows (a public native client).
pub const CLIENT_ID: &str = oidc::CLIENT_ID;

#[derive(Debug, Clone, Default)]
pub struct SandboxConfig {
    /// 0 picks an ephemeral port.
    pub port: u16,
    /// The SQLite file holding all state; `None` keeps everything in memory.
    pub data: Option<PathBuf>,
    /// Synthetic users added beside the hand-made demo organisation.
    pub synthetic_users: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("the database was written by a newer sandbox (schema {found}, this one knows {supported})")]
    NewerSchema { found: usize, supported: usize },
    #[error("signing key: {0}")]
    SigningKey(String),
    #[error("stored data is corrupt: {0}")]
    CorruptData(String),
    #[error("startup task failed: {0}")]
    Startup(String),
    #[error("key rotation task failed: {0}")]
    KeyRotation(String),
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub issuer: String,
    pub scim_base: String,
    /// Read for every token signed or checked; written only by a rotation.
    pub keys: Arc<RwLock<SigningKeys>>,
    db: Arc<Mutex<Connection>>,
    pub directory: Arc<RwLock<Directory>>,
    /// Judges grant windows and stamps audit events; tests move it forward.
    pub clock: Clock,
    /// Taken after the directory's lock when both are needed.
    pub grants: Arc<Mutex<Vec<grants::Grant>>>,
    /// Taken last of all locks, briefly.
    pub audit_events: Arc<Mutex<Vec<audit::AuditEvent>>>,
}

impl AppState {
    /// Runs a (tiny) query under the connection lock. A panic elsewhere while holding the lock
    /// leaves SQLite consistent (statements are atomic), so a poisoned lock is still usable.
    pub fn with_db<T>(&self, work: impl FnOnce(&Connection) -> Result<T, SandboxError>) -> Result<T, SandboxError> {
        let guard = self.db.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        work(&guard)
    }

    /// The signing keys, read-locked (a rotation holds the write lock only to swap them in).
    pub fn signing_keys(&self) -> std::sync::RwLockReadGuard<'_, SigningKeys> {
        self.keys.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The connection itself, for a SCIM write that must hold it together with the directory's
    /// write lock (always taken in this order: connection, then directory).
    pub fn lock_db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The identity claims of a grant's user (ID token and userinfo share them).
    pub fn user_claims(&self, grant: &store::GrantRow) -> Value {
        let admin = seed::demo_admin(&grant.user_name);
        let user = self.directory.read().ok().and_then(|d| d.user(&grant.subject).map(|u| u.resource.clone()));
        let user = user.unwrap_or(Value::Null);
        let email = user["emails"][0]["value"].clone();
        json!({
            "sub": grant.subject,
            "preferred_username": grant.user_name,
            "name": user["displayName"],
            "given_name": user["name"]["givenName"],
            "family_name": user["name"]["familyName"],
            "email": email,
            "email_verified": true,
            "bu_scopes": admin.map(|a| a.bu_scopes.to_vec()).unwrap_or_default(),
            "capabilities": admin.map(|a| a.capabilities.to_vec()).unwrap_or_default(),
        })
    }
}

/// A running sandbox. Dropping it without [`Sandbox::stop`] leaves the server running until
/// the runtime ends.
pub struct Sandbox {
    base_url: Url,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
    expiry: JoinHandle<()>,
    clock: Clock,
    state: AppState,
}

impl Sandbox {
    /// Opens (or creates and seeds) the state, binds 127.0.0.1 only, and serves.
    #[tracing::instrument(skip_all, fields(port = config.port))]
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|source| SandboxError::Bind { port: config.port, source })?;
        let port = listener.local_addr().map_err(|source| SandboxError::Bind { port: config.port, source })?.port();
        let issuer = format!("http://127.0.0.1:{port}");
        let scim_base = format!("{issuer}/scim/v2");

        let data = config.data.clone();
        let synthetic = config.synthetic_users;
        let base = scim_base.clone();
        // Seeding and loading touch every user: keep them off the async workers.
        let (conn, key, directory, (grants, audit_events)) =
            tokio::task::spawn_blocking(move || -> Result<_, SandboxError> {
                let mut conn = store::open(data.as_deref())?;
                store::seed(&mut conn, synthetic, chrono::Utc::now())?;
                let key = SigningKeys::load_or_create(&conn)?;
                let directory = Directory::load(&conn, &base)?;
                let mut grants = Vec::new();
                for (resource, membership) in store::load_grants(&conn)? {
                    let grant = grants::Grant::from_stored(&resource, &membership)
                        .ok_or_else(|| SandboxError::CorruptData(format!("grant {}", resource["id"])))?;
                    grants.push(grant);
                }
                let audit_events = store::load_audit_events(&conn)?
                    .into_iter()
                    .map(|(bu, resource)| audit::AuditEvent::from_stored(bu, resource))
                    .collect::<Vec<_>>();
                Ok((conn, key, directory, (grants, audit_events)))
            })
            .await
            .map_err(|e| SandboxError::Startup(e.to_string()))??;
        tracing::info!(users = directory.user_count(), %issuer, "sandbox IAM ready");

        let state = AppState {
            issuer: issuer.clone(),
            scim_base,
            keys: Arc::new(RwLock::new(key)),
            db: Arc::new(Mutex::new(conn)),
            directory: Arc::new(RwLock::new(directory)),
            clock: Clock::default(),
            grants: Arc::new(Mutex::new(grants)),
            audit_events: Arc::new(Mutex::new(audit_events)),
        };
        let clock = state.clock.clone();
        let rotation_state = state.clone();
        let expiry = tokio::spawn(expire_grants(state.clone()));
        let app = oidc::routes().nest("/scim/v2", scim_api::routes()).with_state(state);
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = signal.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "sandbox server stopped with an error");
            }
        });
        let base_url = Url::parse(&format!("{issuer}/")).map_err(|e| SandboxError::Startup(e.to_string()))?;
        Ok(Sandbox { base_url, shutdown, task, expiry, clock, state: rotation_state })
    }

    /// The clock grant windows are judged by: [`Clock::advance`] makes time pass for them.
    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }

    /// Replaces the ID-token signing keys (ES256 and RS256) with new ones while serving. The
    /// JWKS then holds the new keys and the ones just replaced, so tokens already issued still
    /// verify; new tokens carry the new `kid`. Persisted like the keys themselves.
    pub async fn rotate_keys(&self) -> Result<(), SandboxError> {
        let state = self.state.clone();
        // RSA generation takes a noticeable fraction of a second: off the async workers, and
        // before the lock, so signing never waits for it.
        tokio::task::spawn_blocking(move || {
            let next = SigningKeys::generate_rotation()?;
            let conn = state.lock_db();
            let mut keys = state.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            keys.install_rotation(&conn, next)?;
            tracing::info!(kid = keys.current_kid(keys.id_token_algorithm()), "signing keys rotated");
            Ok(())
        })
        .await
        .map_err(|e| SandboxError::KeyRotation(e.to_string()))?
    }

    /// Signs ID tokens issued from now on with `algorithm` (ES256 by default); discovery
    /// advertises it. Both keys are always published in the JWKS.
    pub fn set_id_token_algorithm(&self, algorithm: SigningAlgorithm) {
        self.state.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner()).set_id_token_algorithm(algorithm);
    }

    /// `http://127.0.0.1:P/` — the issuer is this without the trailing slash.
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    pub fn issuer(&self) -> String {
        self.base_url.as_str().trim_end_matches('/').to_owned()
    }

    /// A profile (the TOML format of bailiwick-core's `profile` module) that points at this
    /// sandbox.
    pub fn profile_toml(&self, name: &str) -> String {
        let issuer = self.issuer();
        let name = toml_string(name);
        format!(
            r#"name = {name}
description = "The Bailiwick sandbox IAM on this machine (demo data of Northwind Insurance Group)"

[oidc]
issuer = "{issuer}"
client_id = "{CLIENT_ID}"
scopes = ["openid", "profile", "email", "offline_access"]

[claims]
bu_scopes = "bu_scopes"
capabilities = "capabilities"

[scim]
base_url = "{issuer}/scim/v2"
bu_attribute = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division"
page_size = 500

[offline]
max_age_hours = 336
{catalog}"#,
            catalog = role_catalog_toml(),
        )
    }

    /// Stops accepting connections, lets requests in flight finish, and waits for the server.
    pub async fn stop(self) {
        self.expiry.abort();
        let _ = self.expiry.await;
        let _ = self.shutdown.send(());
        let mut task = self.task;
        // Idle keep-alive connections close at once; a stuck client must not hang shutdown.
        if tokio::time::timeout(std::time::Duration::from_secs(5), &mut task).await.is_err() {
            task.abort();
            let _ = task.await;
        }
    }
}

/// Ends grants on time without anyone asking: every second, memberships follow the windows.
async fn expire_grants(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let state = state.clone();
        // The tick takes the connection and directory locks: keep it off the async workers.
        if tokio::task::spawn_blocking(move || grants::reconcile_now(&state)).await.is_err() {
            tracing::error!("the grant expiry tick panicked");
        }
    }
}

/// A TOML basic string (quotes and backslashes escaped).
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The demo organisation's role catalog in the profile's TOML (`[[roles]]`, `[[separation_of_duties]]`),
/// the same policy the sandbox enforces on grants.
fn role_catalog_toml() -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (i, name) in seed::ROLES.iter().enumerate() {
        let policy = seed::ROLE_POLICIES[i];
        let confers: Vec<String> = seed::ROLE_CONFERS[i].iter().map(|c| toml_string(c)).collect();
        let _ = write!(
            out,
            "\n[[roles]]\nname = {}\nsensitivity = \"{}\"\npartner_allowed = {}\nmax_grant_days = {}\nneeds_approval = {}\n",
            toml_string(name),
            policy.sensitivity,
            policy.partner_allowed,
            policy.max_grant_days,
            policy.needs_approval,
        );
        if !confers.is_empty() {
            let _ = writeln!(out, "confers = [{}]", confers.join(", "));
        }
    }
    for (a, b, reason) in seed::SEPARATION_OF_DUTIES {
        let _ = write!(
            out,
            "\n[[separation_of_duties]]\nroles = [{}, {}]\nreason = {}\n",
            toml_string(seed::ROLES[*a]),
            toml_string(seed::ROLES[*b]),
            toml_string(reason),
        );
    }
    out
}
