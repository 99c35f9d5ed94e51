-- Stored answers of POST requests sent with an Idempotency-Key, per
-- account. complete is 0 while the first request runs, 1 once its answer
-- is stored; token identifies the claim that may complete or release it.

CREATE TABLE idempotency (
	account_id   TEXT NOT NULL,
	idem_key     TEXT NOT NULL,
	request_hash BLOB NOT NULL,
	token        TEXT NOT NULL,
	complete     INTEGER NOT NULL,
	status       INTEGER NOT NULL,
	content_type TEXT NOT NULL,
	body         BLOB NOT NULL,
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (account_id, idem_key)
) STRICT;
CREATE INDEX idempotency_created ON idempotency(created_at);
