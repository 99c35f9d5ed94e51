-- One-time pairing codes: an operator makes one, a new machine redeems it
-- for an operator key of its own. Only the code's SHA-256 is kept.

CREATE TABLE pairing_codes (
	hash        BLOB PRIMARY KEY,
	operator_id TEXT NOT NULL REFERENCES accounts(id),
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	used_at     INTEGER NOT NULL DEFAULT 0,
	key_id      TEXT NOT NULL DEFAULT ''
) STRICT;
