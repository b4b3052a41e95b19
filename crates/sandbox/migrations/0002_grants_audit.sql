-- Time-bound role grants and the audit trail, kept as their SCIM resources. A grant also keeps
-- whether its window's membership was added by it (only then does its end remove the member).

CREATE TABLE grants (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    resource   TEXT NOT NULL,
    membership TEXT NOT NULL
);

CREATE TABLE audit_events (
    seq      INTEGER PRIMARY KEY,
    bu       TEXT,                   -- the target's BU; NULL for roles, which belong to none
    resource TEXT NOT NULL
);
