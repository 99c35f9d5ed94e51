-- One row per Settle call that raised a pair's bytes or moved money: the
-- increases it applied and the ledger transaction that moved the money
-- ('' when none did). Operators' statements sum these rows.

CREATE TABLE settlements (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	txn_id         TEXT NOT NULL,
	lease_id       TEXT NOT NULL REFERENCES leases(id),
	node_id        TEXT NOT NULL REFERENCES nodes(id),
	operator_id    TEXT NOT NULL,
	seq            INTEGER NOT NULL,
	bytes_up       INTEGER NOT NULL,
	bytes_down     INTEGER NOT NULL,
	charged_micros INTEGER NOT NULL,
	fee_micros     INTEGER NOT NULL,
	created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX settlements_operator ON settlements(operator_id, created_at, id);
