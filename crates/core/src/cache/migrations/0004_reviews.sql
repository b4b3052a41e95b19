-- Access reviews (issue 8): a snapshot of every assignment and grant in a scope, decided item
-- by item (offline too), then submitted through the outbox. Decisions are saved as they are
-- made, so closing the app midway loses nothing.

CREATE TABLE reviews (
    id           TEXT PRIMARY KEY NOT NULL,
    started_at   TEXT NOT NULL,
    started_by   TEXT NOT NULL,
    -- The BU the review covers (NULL: the whole scope).
    bu           TEXT,
    state        TEXT NOT NULL CHECK (state IN ('open', 'submitted')),
    submitted_at TEXT
);

CREATE TABLE review_items (
    review_id    TEXT NOT NULL REFERENCES reviews (id),
    -- 1, 2, 3 … within the review: what `review decide ITEM` names.
    item         INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('assignment', 'grant')),
    user_id      TEXT NOT NULL,
    user_name    TEXT NOT NULL,
    user_bu      TEXT,
    role         TEXT NOT NULL,
    role_id      TEXT NOT NULL,
    grant_id     TEXT,
    grant_bu     TEXT,
    valid_until  TEXT,
    -- The version the decision is based on: the user's ETag (assignments) or the grant's.
    base_version TEXT,
    -- JSON array of hint names (partner, sensitive, separation-of-duties, leaver, mover, expiring).
    hints        TEXT NOT NULL,
    decision     TEXT CHECK (decision IN ('keep', 'revoke', 'shorten')),
    new_until    TEXT,
    note         TEXT,
    decided_at   TEXT,
    decided_by   TEXT,
    -- The outbox entry a submitted revoke or shorten became.
    op_id        TEXT,
    -- Why a submitted decision could not be recorded (the policy rule that refused it).
    refused      TEXT,
    PRIMARY KEY (review_id, item)
) WITHOUT ROWID;
