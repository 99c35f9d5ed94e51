-- One-time pairing codes: an operator makes one, a new machine redeems it
-- for an operator key of its own. Only the code's SHA-256 is kept.

CREATE TABLE pairing_codes (
	hash        BYTEA PRIMARY KEY,
	operator_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT NOT NULL,
	used_at     BIGINT NOT NULL DEFAULT 0,
	key_id      TEXT NOT NULL DEFAULT ''
);
