//! The sandbox's SQLite file: schema, seeding, and the OAuth grant/token rows.
//!
//! Queries here are single-row lookups and inserts (microseconds), so handlers call them
//! under the connection mutex directly; only seeding and loading, which touch every user,
//! run before the server starts.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::directory::{membership_difference, GroupChange};
use crate::seed::{self, SeedUser};
use crate::SandboxError;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_grants_audit.sql"),
    include_str!("../migrations/0003_group_external_id.sql"),
];

/// Bumped when the hand-made demo data changes; an older file keeps what it was seeded with.
const SEED_VERSION: &str = "1";

pub fn open(path: Option<&Path>) -> Result<Connection, SandboxError> {
    let conn = match path {
        Some(path) => Connection::open(path)?,
        None => Connection::open_in_memory()?,
    };
    // WAL lets a second reader (a test opening the file, a desktop restart) see committed
    // state without blocking; NORMAL sync is safe under WAL and fast enough for bulk seeding;
    // the busy timeout covers a previous process still closing the file.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
    )?;
    migrate(&conn)?;
    Ok(conn)
}

fn migrate(conn: &Connection) -> Result<(), SandboxError> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    if current > MIGRATIONS.len() {
        return Err(SandboxError::NewerSchema { found: current, supported: MIGRATIONS.len() });
    }
    if current == MIGRATIONS.len() {
        return Ok(());
    }
    let tx = conn.unchecked_transaction()?;
    for sql in &MIGRATIONS[current..] {
        tx.execute_batch(sql)?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {}", MIGRATIONS.len()))?;
    tx.commit()?;
    Ok(())
}

pub fn setting(conn: &Connection, key: &str) -> Result<Option<String>, SandboxError> {
    Ok(conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

pub fn set_setting(conn: &Connection, key: &str, value: &str) -> Result<(), SandboxError> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Inserts or replaces a grant's stored form.
pub fn save_grant(conn: &Connection, id: &str, resource: &Value, membership: &str) -> Result<(), SandboxError> {
    conn.execute(
        "INSERT INTO grants (id, resource, membership) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET resource = excluded.resource, membership = excluded.membership",
        params![id, resource.to_string(), membership],
    )?;
    Ok(())
}

/// Every grant as (resource, membership), in issue order.
pub fn load_grants(conn: &Connection) -> Result<Vec<(Value, String)>, SandboxError> {
    let mut stmt = conn.prepare("SELECT id, resource, membership FROM grants ORDER BY seq")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    let mut grants = Vec::new();
    for row in rows {
        let (id, resource, membership) = row?;
        let resource =
            serde_json::from_str(&resource).map_err(|e| SandboxError::CorruptData(format!("grant {id}: {e}")))?;
        grants.push((resource, membership));
    }
    Ok(grants)
}

pub fn insert_audit_event(conn: &Connection, bu: Option<&str>, resource: &Value) -> Result<(), SandboxError> {
    conn.execute("INSERT INTO audit_events (bu, resource) VALUES (?1, ?2)", params![bu, resource.to_string()])?;
    Ok(())
}

/// Every audit event as (BU, resource), oldest first.
pub fn load_audit_events(conn: &Connection) -> Result<Vec<(Option<String>, Value)>, SandboxError> {
    let mut stmt = conn.prepare("SELECT seq, bu, resource FROM audit_events ORDER BY seq")?;
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?)))?;
    let mut events = Vec::new();
    for row in rows {
        let (seq, bu, resource) = row?;
        let resource = serde_json::from_str(&resource)
            .map_err(|e| SandboxError::CorruptData(format!("audit event {seq}: {e}")))?;
        events.push((bu, resource));
    }
    Ok(events)
}

pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The stored part of a user resource: everything but `groups` and `meta`, which are derived.
pub fn user_resource(user: &SeedUser) -> Value {
    let mut resource = json!({
        "schemas": [bailiwick_scim::schema::USER, bailiwick_scim::schema::ENTERPRISE_USER],
        "id": user.id,
        "externalId": format!("nw-{}", &user.id[..8]),
        "userName": user.user_name,
        "userType": user.user_type.as_str(),
        "title": user.title,
        "active": user.active,
        "emails": [{"value": user.email, "type": "work", "primary": true}],
        "preferredLanguage": language_of(&user.division),
    });
    let display = if user.given.is_empty() { user.title.clone() } else { format!("{} {}", user.given, user.family) };
    resource["displayName"] = json!(display);
    if !user.given.is_empty() {
        resource["name"] = json!({
            "formatted": display,
            "givenName": user.given,
            "familyName": user.family,
        });
    }
    let mut enterprise = json!({
        "organization": user.organization,
        "division": user.division,
        "department": user.department,
        "costCenter": format!("CC-{}-{}", user.division.replace('/', "-"), &user.department[..3].to_ascii_uppercase()),
    });
    if let Some(number) = &user.employee_number {
        enterprise["employeeNumber"] = json!(number);
    }
    resource[bailiwick_scim::schema::ENTERPRISE_USER] = enterprise;
    resource
}

fn language_of(division: &str) -> &'static str {
    match division.split('/').nth(1) {
        Some("DE") => "de-DE",
        Some("FR") => "fr-FR",
        Some("NL") => "nl-NL",
        Some("BR") => "pt-BR",
        Some("JP") => "ja-JP",
        Some("IN") => "en-IN",
        Some("UK") => "en-GB",
        Some("AU") => "en-AU",
        Some("CA") => "en-CA",
        _ => "en-US",
    }
}

/// Seeds the demo organisation once, and synthetic users up to `synthetic` (idempotent: a
/// restart with the same or a smaller number adds nothing).
pub fn seed(conn: &mut Connection, synthetic: usize, now: DateTime<Utc>) -> Result<(), SandboxError> {
    let created = timestamp(now);
    let tx = conn.transaction()?;
    if setting(&tx, "seed_version")?.is_none() {
        {
            let mut insert_group =
                tx.prepare("INSERT INTO groups (id, display_name, created, last_modified) VALUES (?1, ?2, ?3, ?3)")?;
            for (index, role) in seed::ROLES.iter().enumerate() {
                insert_group.execute(params![seed::role_group_id(index), role, created])?;
            }
        }
        insert_users(&tx, &seed::demo_organisation(), &created)?;
        set_setting(&tx, "seed_version", SEED_VERSION)?;
    }
    let existing: usize = setting(&tx, "synthetic_users")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    if synthetic > existing {
        let users: Vec<SeedUser> = (existing..synthetic).map(seed::synthetic_user).collect();
        insert_users(&tx, &users, &created)?;
        set_setting(&tx, "synthetic_users", &synthetic.to_string())?;
    }
    tx.commit()?;
    Ok(())
}

fn insert_users(tx: &rusqlite::Transaction<'_>, users: &[SeedUser], created: &str) -> Result<(), SandboxError> {
    let mut insert_user = tx.prepare(
        "INSERT OR IGNORE INTO users (id, user_name, division, resource, created, last_modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?;
    let mut insert_member = tx.prepare("INSERT OR IGNORE INTO memberships (group_id, user_id) VALUES (?1, ?2)")?;
    for user in users {
        let resource = user_resource(user).to_string();
        insert_user.execute(params![user.id, user.user_name, user.division, resource, created])?;
        for role in &user.roles {
            insert_member.execute(params![seed::role_group_id(*role), user.id])?;
        }
    }
    Ok(())
}

pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A sign-in, as stored.
#[derive(Debug, Clone)]
pub struct GrantRow {
    pub id: String,
    pub subject: String,
    pub user_name: String,
    pub client_id: String,
    pub scope: String,
    pub auth_time: i64,
    pub revoked: bool,
}

fn grant_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GrantRow> {
    Ok(GrantRow {
        id: r.get(0)?,
        subject: r.get(1)?,
        user_name: r.get(2)?,
        client_id: r.get(3)?,
        scope: r.get(4)?,
        auth_time: r.get(5)?,
        revoked: r.get::<_, i64>(6)? != 0,
    })
}

const GRANT_COLUMNS: &str = "g.id, g.subject, g.user_name, g.client_id, g.scope, g.auth_time, g.revoked";

pub fn insert_grant(conn: &Connection, grant: &GrantRow) -> Result<(), SandboxError> {
    conn.execute(
        "INSERT INTO oauth_grants (id, subject, user_name, client_id, scope, auth_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![grant.id, grant.subject, grant.user_name, grant.client_id, grant.scope, grant.auth_time],
    )?;
    Ok(())
}

pub fn revoke_grant(conn: &Connection, grant_id: &str) -> Result<(), SandboxError> {
    conn.execute("UPDATE oauth_grants SET revoked = 1 WHERE id = ?1", [grant_id])?;
    conn.execute("DELETE FROM access_tokens WHERE grant_id = ?1", [grant_id])?;
    conn.execute("UPDATE refresh_tokens SET used = 1 WHERE grant_id = ?1", [grant_id])?;
    Ok(())
}

pub fn insert_code(
    conn: &Connection,
    code: &str,
    grant_id: &str,
    redirect_uri: &str,
    code_challenge: &str,
    nonce: Option<&str>,
    expires_at: i64,
) -> Result<(), SandboxError> {
    conn.execute(
        "INSERT INTO authorization_codes (code_hash, grant_id, redirect_uri, code_challenge, nonce, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![sha256_hex(code), grant_id, redirect_uri, code_challenge, nonce, expires_at],
    )?;
    Ok(())
}

pub struct CodeRow {
    pub grant: GrantRow,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub nonce: Option<String>,
    pub expires_at: i64,
    pub used: bool,
}

/// Looks a code up and marks it used in the same statement sequence (the caller holds the
/// connection lock, so two redemptions cannot interleave).
pub fn take_code(conn: &Connection, code: &str) -> Result<Option<CodeRow>, SandboxError> {
    let hash = sha256_hex(code);
    let row = conn
        .query_row(
            &format!(
                "SELECT {GRANT_COLUMNS}, c.redirect_uri, c.code_challenge, c.nonce, c.expires_at, c.used
                 FROM authorization_codes c JOIN oauth_grants g ON g.id = c.grant_id WHERE c.code_hash = ?1"
            ),
            [&hash],
            |r| {
                Ok(CodeRow {
                    grant: grant_from_row(r)?,
                    redirect_uri: r.get(7)?,
                    code_challenge: r.get(8)?,
                    nonce: r.get(9)?,
                    expires_at: r.get(10)?,
                    used: r.get::<_, i64>(11)? != 0,
                })
            },
        )
        .optional()?;
    if row.is_some() {
        conn.execute("UPDATE authorization_codes SET used = 1 WHERE code_hash = ?1", [&hash])?;
    }
    Ok(row)
}

pub fn insert_access_token(
    conn: &Connection,
    token: &str,
    grant_id: &str,
    expires_at: i64,
) -> Result<(), SandboxError> {
    conn.execute(
        "INSERT INTO access_tokens (token_hash, grant_id, expires_at) VALUES (?1, ?2, ?3)",
        params![sha256_hex(token), grant_id, expires_at],
    )?;
    Ok(())
}

pub fn insert_refresh_token(
    conn: &Connection,
    token: &str,
    grant_id: &str,
    expires_at: i64,
) -> Result<(), SandboxError> {
    conn.execute(
        "INSERT INTO refresh_tokens (token_hash, grant_id, expires_at) VALUES (?1, ?2, ?3)",
        params![sha256_hex(token), grant_id, expires_at],
    )?;
    Ok(())
}

/// The grant of a live access token (not expired, grant not revoked).
pub fn grant_for_access_token(conn: &Connection, token: &str, now: i64) -> Result<Option<GrantRow>, SandboxError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {GRANT_COLUMNS} FROM access_tokens a JOIN oauth_grants g ON g.id = a.grant_id
                 WHERE a.token_hash = ?1 AND a.expires_at > ?2 AND g.revoked = 0"
            ),
            params![sha256_hex(token), now],
            grant_from_row,
        )
        .optional()?)
}

pub struct RefreshRow {
    pub grant: GrantRow,
    pub expires_at: i64,
    pub used: bool,
}

pub fn take_refresh_token(conn: &Connection, token: &str) -> Result<Option<RefreshRow>, SandboxError> {
    let hash = sha256_hex(token);
    let row = conn
        .query_row(
            &format!(
                "SELECT {GRANT_COLUMNS}, r.expires_at, r.used
                 FROM refresh_tokens r JOIN oauth_grants g ON g.id = r.grant_id WHERE r.token_hash = ?1"
            ),
            [&hash],
            |r| Ok(RefreshRow { grant: grant_from_row(r)?, expires_at: r.get(7)?, used: r.get::<_, i64>(8)? != 0 }),
        )
        .optional()?;
    if row.is_some() {
        conn.execute("UPDATE refresh_tokens SET used = 1 WHERE token_hash = ?1", [&hash])?;
    }
    Ok(row)
}

/// RFC 7009: revoking a refresh token revokes its grant; an access token only itself.
pub fn revoke_token(conn: &Connection, token: &str) -> Result<(), SandboxError> {
    let hash = sha256_hex(token);
    let grant: Option<String> = conn
        .query_row("SELECT grant_id FROM refresh_tokens WHERE token_hash = ?1", [&hash], |r| r.get(0))
        .optional()?;
    if let Some(grant) = grant {
        revoke_grant(conn, &grant)?;
    }
    conn.execute("DELETE FROM access_tokens WHERE token_hash = ?1", [&hash])?;
    Ok(())
}

/// A user as written by the SCIM API (`resource` is the stored form: no `groups`, no `meta`).
pub struct UserWrite<'a> {
    pub id: &'a str,
    pub user_name: &'a str,
    pub division: &'a str,
    pub resource: &'a Value,
    pub version: i64,
    pub now: &'a str,
}

pub fn insert_user(conn: &Connection, user: &UserWrite<'_>) -> Result<(), SandboxError> {
    conn.execute(
        "INSERT INTO users (id, user_name, division, resource, version, created, last_modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![user.id, user.user_name, user.division, user.resource.to_string(), user.version, user.now],
    )?;
    Ok(())
}

pub fn update_user(conn: &Connection, user: &UserWrite<'_>) -> Result<(), SandboxError> {
    conn.execute(
        "UPDATE users SET user_name = ?2, division = ?3, resource = ?4, version = ?5, last_modified = ?6 WHERE id = ?1",
        params![user.id, user.user_name, user.division, user.resource.to_string(), user.version, user.now],
    )?;
    Ok(())
}

/// Deletes a user; its memberships go with it (ON DELETE CASCADE).
pub fn delete_user(conn: &Connection, id: &str) -> Result<(), SandboxError> {
    conn.execute("DELETE FROM users WHERE id = ?1", [id])?;
    Ok(())
}

/// Stores a group as `change` describes it. Only the memberships that differ from `previous`
/// are written, so one member joining a role of 100,000 is one row, not 100,000.
pub fn write_group(
    conn: &Connection,
    id: &str,
    previous: &[String],
    change: &GroupChange,
    now: &str,
) -> Result<(), SandboxError> {
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "UPDATE groups SET display_name = ?2, external_id = ?3, version = ?4, last_modified = ?5 WHERE id = ?1",
        params![id, change.display_name, change.external_id, change.version, now],
    )?;
    let (joined, left) = membership_difference(previous, &change.members);
    {
        let mut delete = tx.prepare("DELETE FROM memberships WHERE group_id = ?1 AND user_id = ?2")?;
        for member in left {
            delete.execute(params![id, member])?;
        }
        let mut insert = tx.prepare("INSERT OR IGNORE INTO memberships (group_id, user_id) VALUES (?1, ?2)")?;
        for member in joined {
            insert.execute(params![id, member])?;
        }
    }
    tx.commit()?;
    Ok(())
}

pub fn insert_group(conn: &Connection, id: &str, display_name: &str, now: &str) -> Result<(), SandboxError> {
    conn.execute(
        "INSERT INTO groups (id, display_name, created, last_modified) VALUES (?1, ?2, ?3, ?3)",
        params![id, display_name, now],
    )?;
    Ok(())
}

/// Deletes a group; its memberships go with it (ON DELETE CASCADE).
pub fn delete_group(conn: &Connection, id: &str) -> Result<(), SandboxError> {
    conn.execute("DELETE FROM groups WHERE id = ?1", [id])?;
    Ok(())
}
