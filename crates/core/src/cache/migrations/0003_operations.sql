-- Delegated operations (issue 6): grants, the outbox of changes waiting for the server, the
-- conflicts it found, and the hash-chained audit log of everything done through Bailiwick.

-- Grants. Server mode: the server's grants in scope, replaced by every sync. Ledger mode:
-- Bailiwick's own record of time-bound memberships, which no sync replaces (it is the only
-- place the windows live). `membership` says whether the ledger added the membership
-- ('added', so its end removes it), found it there already ('already-member', so its end
-- leaves it), or has not applied it yet ('none').
CREATE TABLE grants (
    id            TEXT PRIMARY KEY NOT NULL,
    mode          TEXT NOT NULL CHECK (mode IN ('server', 'ledger')),
    user_id       TEXT NOT NULL,
    user_name     TEXT,
    role          TEXT NOT NULL,
    role_id       TEXT NOT NULL,
    bu            TEXT NOT NULL,
    valid_from    TEXT NOT NULL,
    valid_until   TEXT NOT NULL,
    justification TEXT NOT NULL,
    requester     TEXT NOT NULL,
    approver      TEXT,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'active', 'expired', 'revoked', 'rejected')),
    version       TEXT,
    membership    TEXT NOT NULL DEFAULT 'none' CHECK (membership IN ('none', 'added', 'already-member'))
);
CREATE INDEX grants_by_user ON grants (user_id);
CREATE INDEX grants_by_end ON grants (status, valid_until);

-- The outbox: every change is committed here before anything is sent. `id` is the
-- idempotency key, also sent to the server where it has a place (externalId) so a replay
-- after a crash finds what the first attempt did. `state` moves queued -> sending -> done |
-- failed | conflict; a crash leaves 'sending', which the next push treats as "maybe sent".
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    target          TEXT NOT NULL,
    operation       TEXT NOT NULL,
    base_version    TEXT,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'done', 'failed', 'conflict', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error      TEXT,
    rule            TEXT,
    result          TEXT,
    updated_at      TEXT NOT NULL
);
CREATE INDEX outbox_by_state ON outbox (state, seq);

-- A 412 answer: the server's version at that time beside the admin's intent (the outbox row).
CREATE TABLE conflicts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id          TEXT NOT NULL REFERENCES outbox (id),
    detected_at    TEXT NOT NULL,
    theirs         TEXT,
    theirs_version TEXT,
    resolution     TEXT CHECK (resolution IN ('keep-mine', 'take-theirs')),
    resolved_at    TEXT
);
CREATE INDEX conflicts_open ON conflicts (resolution, id);

-- The audit log: append only; each entry's hash covers its fields and the previous hash,
-- so `audit verify` finds any edited, removed or reordered entry. The triggers stop honest
-- mistakes; the chain catches everything else.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY NOT NULL,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    outcome   TEXT NOT NULL,
    rule      TEXT,
    detail    TEXT,
    op_id     TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_by_op ON audit_log (op_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
