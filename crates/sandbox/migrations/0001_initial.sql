-- The sandbox's whole state: directory, signing key, and the OAuth grants with their tokens.
-- Tokens and codes are stored only as SHA-256 hashes: the file never holds a usable credential.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    seq           INTEGER PRIMARY KEY,   -- insertion order = listing order
    id            TEXT NOT NULL UNIQUE,
    user_name     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    division      TEXT NOT NULL,
    resource      TEXT NOT NULL,         -- the SCIM resource without groups and meta
    version       INTEGER NOT NULL DEFAULT 1,
    created       TEXT NOT NULL,
    last_modified TEXT NOT NULL
);

CREATE TABLE groups (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL UNIQUE COLLATE NOCASE,
    version       INTEGER NOT NULL DEFAULT 1,
    created       TEXT NOT NULL,
    last_modified TEXT NOT NULL
);

CREATE TABLE memberships (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);

-- One row per sign-in: codes, refresh tokens and access tokens all hang off a grant, so
-- revoking the grant (logout, refresh-token reuse, code reuse) kills every token at once.
CREATE TABLE oauth_grants (
    id         TEXT PRIMARY KEY,
    subject    TEXT NOT NULL,            -- the SCIM id of the signed-in user
    user_name  TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    scope      TEXT NOT NULL,
    auth_time  INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE authorization_codes (
    code_hash      TEXT PRIMARY KEY,
    grant_id       TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    nonce          TEXT,
    expires_at     INTEGER NOT NULL,
    used           INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX access_tokens_by_grant ON access_tokens(grant_id);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens(grant_id);
