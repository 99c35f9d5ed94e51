-- One row per Settle call that raised a pair's bytes or moved money: the
-- increases it applied and the ledger transaction that moved the money
-- ('' when none did). Operators' statements sum these rows.

CREATE TABLE settlements (
	id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	txn_id         TEXT COLLATE "C" NOT NULL,
	lease_id       TEXT COLLATE "C" NOT NULL REFERENCES leases(id),
	node_id        TEXT COLLATE "C" NOT NULL REFERENCES nodes(id),
	operator_id    TEXT COLLATE "C" NOT NULL,
	seq            BIGINT NOT NULL,
	bytes_up       BIGINT NOT NULL,
	bytes_down     BIGINT NOT NULL,
	charged_micros BIGINT NOT NULL,
	fee_micros     BIGINT NOT NULL,
	created_at     BIGINT NOT NULL
);
CREATE INDEX settlements_operator ON settlements(operator_id, created_at, id);
