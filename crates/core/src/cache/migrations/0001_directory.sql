-- The directory as last synced: users and groups inside the admin's scopes, and who belongs
-- to which group (a role assignment is a membership). Replaced as a whole by each full sync.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    user_name     TEXT NOT NULL,
    -- displayName, else the formatted name, else userName: never empty, so it sorts.
    display_name  TEXT NOT NULL,
    given_name    TEXT,
    family_name   TEXT,
    email         TEXT,
    -- The normalised BU path (`EMEA/DE`); compared case-sensitively, like scope paths.
    bu            TEXT,
    user_type     TEXT NOT NULL CHECK (user_type IN ('employee', 'partner', 'service', 'other')),
    active        INTEGER NOT NULL CHECK (active IN (0, 1)),
    -- The SCIM resource as received, so nothing the columns leave out is lost.
    raw           TEXT NOT NULL,
    -- meta.version (the ETag) for If-Match, and meta.lastModified (RFC 3339) when the server sends them.
    version       TEXT,
    last_modified TEXT
);
-- userName is case-insensitive in SCIM (RFC 7643 §4.1.1), so lookups by it are too.
CREATE INDEX users_by_user_name ON users (user_name COLLATE NOCASE);
CREATE INDEX users_by_bu ON users (bu);
CREATE INDEX users_by_sort_key ON users (display_name COLLATE NOCASE, user_name);

CREATE TABLE groups (
    id           TEXT PRIMARY KEY NOT NULL,
    display_name TEXT NOT NULL,
    raw          TEXT NOT NULL,
    version      TEXT
);
CREATE INDEX groups_by_display_name ON groups (display_name COLLATE NOCASE);

CREATE TABLE memberships (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX memberships_by_user ON memberships (user_id, group_id);
