-- Spend and byte limits on API keys, and which key bought each lease, so
-- that the limits hold across all of a key's leases.

ALTER TABLE api_keys ADD COLUMN spend_limit_micros INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN byte_limit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leases ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
CREATE INDEX leases_key ON leases(key_id) WHERE key_id <> '';
