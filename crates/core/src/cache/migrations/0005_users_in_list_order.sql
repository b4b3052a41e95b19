-- Users stored in the order they are listed (issue 5; see cache/user_order.rs): each user's
-- rowid grows with (display_name COLLATE NOCASE, user_name COLLATE NOCASE, id), 1,024 apart,
-- so a page of users or of search matches is a walk in rowid order that stops after the
-- page, instead of a sort of every match.
--
-- The table is copied in its new order (appending is fast; moving each row in place took
-- 5 s for 100,000 users) and the copy takes its name. Foreign keys are off while migrating
-- (Cache::migrate), so the memberships stay and point at the copy by name.

CREATE TABLE users_in_order (
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
INSERT INTO users_in_order (rowid, id, user_name, display_name, given_name, family_name, email, bu, user_type,
                            active, raw, version, last_modified)
SELECT row_number() OVER (ORDER BY display_name COLLATE NOCASE, user_name COLLATE NOCASE, id) * 1024,
       id, user_name, display_name, given_name, family_name, email, bu, user_type, active, raw, version, last_modified
FROM users
ORDER BY display_name COLLATE NOCASE, user_name COLLATE NOCASE, id;

DROP TABLE users;
ALTER TABLE users_in_order RENAME TO users;

-- userName is case-insensitive in SCIM (RFC 7643 §4.1.1), so lookups by it are too.
CREATE INDEX users_by_user_name ON users (user_name COLLATE NOCASE);
CREATE INDEX users_by_bu ON users (bu);
-- Filters by type or status: an equality on an index reads its rows in rowid order, so a
-- page of partners stops after the page instead of scanning every user for the few there are.
-- (The order is the rowid's now: the former users_by_sort_key went with the old table.)
CREATE INDEX users_by_type ON users (user_type);
CREATE INDEX users_by_active ON users (active);

-- The search index is by rowid: rebuilt for the new numbers.
INSERT INTO users_search (users_search) VALUES ('delete-all');
INSERT INTO users_search (rowid, doc)
SELECT rowid, user_name || char(10) || display_name || char(10) || ifnull(given_name, '') || char(10)
    || ifnull(family_name, '') || char(10) || ifnull(email, '') || char(10) || ifnull(bu, '')
FROM users ORDER BY rowid;
