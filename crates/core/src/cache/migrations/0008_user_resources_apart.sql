-- Each user's SCIM resource as received, with its version and time of change, moves out of
-- `users` into a table of its own (issue 5).
--
-- The resource is most of a row's bytes (744 of about 1,030 for the sandbox's users), yet only a
-- user's detail and the incremental sync's comparison read it. Everything else reads the columns:
-- each index build and the search index scan the whole table, and a page of the list reads rows
-- by rowid. With the resources inline a million users' table is about 1 GB, more than the page
-- cache holds: a full sync's write read it back seven times (six indexes and the search index),
-- and with encryption each page read back is decrypted and authenticated again. Without them it
-- is about 300 MB.
--
-- `version` and `last_modified` go with the resource: they change whenever it does, while the
-- columns in `users` (names, e-mail, BU, type, status) mostly do not. A change to a title or a
-- phone number then writes the resource's page alone, as it wrote one page before.
--
-- Keyed by the user's id, which never changes: a user's rowid follows its sort key and moves
-- (user_order.rs). A full sync appends the resources in id order, so each goes at the end of
-- the B-tree. Deleting a user deletes its resource (the cache's code does both, in one
-- transaction; a trigger would make `DELETE FROM users` a row-by-row delete).
CREATE TABLE user_resources (
    id            TEXT PRIMARY KEY NOT NULL,
    -- meta.version (the ETag) for If-Match, and meta.lastModified (RFC 3339) when the server sends them.
    version       TEXT,
    last_modified TEXT,
    -- The SCIM resource as received, so nothing the columns leave out is lost.
    raw           TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO user_resources (id, version, last_modified, raw)
SELECT id, version, last_modified, raw FROM users ORDER BY id;
-- As migration 6's index on `users`: a full sync keeps it (appending in id order), and an
-- incremental sync counts from it whether a filter on meta.lastModified can find every change.
CREATE INDEX user_resources_without_last_modified ON user_resources (id) WHERE last_modified IS NULL;

-- The table is copied without the columns rather than altered (`DROP COLUMN` would leave every
-- page two-thirds empty), with its rowids (the search index is by rowid), as migration 7 did.
CREATE TABLE users_rebuilt (
    id            TEXT NOT NULL,
    user_name     TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    given_name    TEXT,
    family_name   TEXT,
    email         TEXT,
    bu            TEXT,
    user_type     TEXT NOT NULL
                  CHECK (user_type = 'employee' OR user_type = 'partner' OR user_type = 'service' OR user_type = 'other'),
    active        INTEGER NOT NULL CHECK (active = 0 OR active = 1)
);
INSERT INTO users_rebuilt (rowid, id, user_name, display_name, given_name, family_name, email, bu, user_type, active)
SELECT rowid, id, user_name, display_name, given_name, family_name, email, bu, user_type, active
FROM users
ORDER BY rowid;

DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;

CREATE UNIQUE INDEX users_by_id ON users (id);
CREATE INDEX users_by_user_name ON users (user_name COLLATE NOCASE);
CREATE INDEX users_by_bu ON users (bu);
CREATE INDEX users_by_type ON users (user_type);
CREATE INDEX users_by_active ON users (active);
