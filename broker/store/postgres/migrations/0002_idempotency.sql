-- Stored answers of POST requests sent with an Idempotency-Key, per
-- account. complete is false while the first request runs, true once its
-- answer is stored; token identifies the claim that may complete or
-- release it.

CREATE TABLE idempotency (
	account_id   TEXT COLLATE "C" NOT NULL,
	idem_key     TEXT COLLATE "C" NOT NULL,
	request_hash BYTEA NOT NULL,
	token        TEXT COLLATE "C" NOT NULL,
	complete     BOOLEAN NOT NULL,
	status       INTEGER NOT NULL,
	content_type TEXT NOT NULL,
	body         BYTEA NOT NULL,
	created_at   BIGINT NOT NULL,
	PRIMARY KEY (account_id, idem_key)
);
CREATE INDEX idempotency_created ON idempotency(created_at);
