-- A group's externalId (RFC 7643 §3.1): the provisioning client's own identifier for the role.
ALTER TABLE groups ADD COLUMN external_id TEXT;
