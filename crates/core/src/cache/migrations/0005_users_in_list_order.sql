-- Users stored in the order they are listed (issue 5; see cache/user_order.rs): each user's
-- rowid grows with (display_name COLLATE NOCASE, user_name COLLATE NOCASE, id), 2^32 apart,
-- so a page of users or of search matches is a walk in rowid order that stops after the
-- page, instead of a sort of every match.

-- Moving every row also moves its entries in each index: cheaper to build them again after.
-- The order is the rowid's now, so nothing sorts by users_by_sort_key any more.
DROP INDEX users_by_sort_key;
DROP INDEX users_by_user_name;
DROP INDEX users_by_bu;

CREATE TEMP TABLE user_order (id TEXT PRIMARY KEY NOT NULL, position INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO temp.user_order
    SELECT id, row_number() OVER (ORDER BY display_name COLLATE NOCASE, user_name COLLATE NOCASE, id) FROM users;
-- The new rowids are 2^32 and up; rows already there are moved out of their way first.
UPDATE users SET rowid = -rowid WHERE rowid >= 4294967296;
UPDATE users SET rowid = (SELECT position * 4294967296 FROM temp.user_order o WHERE o.id = users.id);
DROP TABLE temp.user_order;

CREATE INDEX users_by_user_name ON users (user_name COLLATE NOCASE);
CREATE INDEX users_by_bu ON users (bu);
-- Filters by type or status: an equality on an index reads its rows in rowid order, so a
-- page of partners stops after the page instead of scanning every user for the few there are.
CREATE INDEX users_by_type ON users (user_type);
CREATE INDEX users_by_active ON users (active);

-- The search index is by rowid: rebuilt for the new numbers.
INSERT INTO users_search (users_search) VALUES ('delete-all');
INSERT INTO users_search (rowid, doc)
SELECT rowid, user_name || char(10) || display_name || char(10) || ifnull(given_name, '') || char(10)
    || ifnull(family_name, '') || char(10) || ifnull(email, '') || char(10) || ifnull(bu, '')
FROM users ORDER BY rowid;
