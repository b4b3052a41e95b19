-- Three changes that make a full sync's write faster (issue 5):
-- - The type check as comparisons instead of an IN list. For an IN list of more than two
--   constants SQLite builds a temporary B-tree of the list each time a statement runs; a sync
--   writes each user with a statement of its own, so every user written opened, filled and
--   closed one: 1.3 µs a user, a sixth of a full sync's row inserts.
-- - The uniqueness of `id` in an index of its own (see below).
-- - The search index without the fields another field holds whole (see the end).
--
-- SQLite cannot change a table's constraints: the table is copied with its rowids (the search
-- index is by rowid and stays as it is) and the copy takes its name. Foreign keys are off while
-- migrating (Cache::migrate), so the memberships stay and point at the copy by name.

CREATE TABLE users_rebuilt (
    -- Unique by the index users_by_id below rather than as the PRIMARY KEY: a full sync drops
    -- the index while it appends every user, and builds it once after, from sorted ids
    -- (random ids made each insert a search and a split of its B-tree).
    id            TEXT NOT NULL,
    user_name     TEXT NOT NULL,
    -- displayName, else the formatted name, else userName: never empty, so it sorts.
    display_name  TEXT NOT NULL,
    given_name    TEXT,
    family_name   TEXT,
    email         TEXT,
    -- The normalised BU path (`EMEA/DE`); compared case-sensitively, like scope paths.
    bu            TEXT,
    user_type     TEXT NOT NULL
                  CHECK (user_type = 'employee' OR user_type = 'partner' OR user_type = 'service' OR user_type = 'other'),
    active        INTEGER NOT NULL CHECK (active = 0 OR active = 1),
    -- The SCIM resource as received, so nothing the columns leave out is lost.
    raw           TEXT NOT NULL,
    -- meta.version (the ETag) for If-Match, and meta.lastModified (RFC 3339) when the server sends them.
    version       TEXT,
    last_modified TEXT
);
INSERT INTO users_rebuilt (rowid, id, user_name, display_name, given_name, family_name, email, bu, user_type,
                           active, raw, version, last_modified)
SELECT rowid, id, user_name, display_name, given_name, family_name, email, bu, user_type, active, raw, version,
       last_modified
FROM users
ORDER BY rowid;

DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;

CREATE UNIQUE INDEX users_by_id ON users (id);
-- The other indexes as migrations 5 and 6 made them.
CREATE INDEX users_by_user_name ON users (user_name COLLATE NOCASE);
CREATE INDEX users_by_bu ON users (bu);
CREATE INDEX users_by_type ON users (user_type);
CREATE INDEX users_by_active ON users (active);
CREATE INDEX users_without_last_modified ON users (id) WHERE last_modified IS NULL;

-- The search index's text for a user leaves out a field that another one holds whole, byte
-- for byte (userName inside the e-mail address, the given name inside the display name):
-- every substring a search could look for in it is in the other field, so no search changes,
-- and there are a third fewer trigrams to index. Contentless, the index can only be rebuilt
-- (an entry is removed by giving back the text it was made of). As search_index.rs's
-- SEARCH_DOC, which from now on adds and removes entries.
INSERT INTO users_search (users_search) VALUES ('delete-all');
INSERT INTO users_search (rowid, doc)
SELECT rowid,
       CASE WHEN instr(ifnull(email, ''), user_name) > 0 OR instr(display_name, user_name) > 0
           THEN '' ELSE user_name END
    || char(10) || display_name
    || char(10) || CASE WHEN instr(display_name, ifnull(given_name, '')) > 0 THEN '' ELSE given_name END
    || char(10) || CASE WHEN instr(display_name, ifnull(family_name, '')) > 0 THEN '' ELSE family_name END
    || char(10) || ifnull(email, '') || char(10) || ifnull(bu, '')
FROM users ORDER BY rowid;
