-- Receipts and disputes (docs/metering.md). buyer_key is the Ed25519 key
-- a lease's buyer countersigns receipts with, empty for leases without.
-- receipts keeps every receipt an exit uploaded and the broker verified,
-- once per (lease, node, seq), for the lease's export; disputes keeps the
-- disagreements between an exit's count and the buyer's.

ALTER TABLE leases ADD COLUMN buyer_key BYTEA NOT NULL DEFAULT ''::bytea;

CREATE TABLE receipts (
	lease_id      TEXT COLLATE "C" NOT NULL REFERENCES leases(id),
	node_id       TEXT COLLATE "C" NOT NULL REFERENCES nodes(id),
	seq           BIGINT NOT NULL,
	countersigned BOOLEAN NOT NULL,
	data          BYTEA NOT NULL,
	received_at   BIGINT NOT NULL,
	PRIMARY KEY (lease_id, node_id, seq)
);

CREATE TABLE disputes (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	lease_id     TEXT COLLATE "C" NOT NULL REFERENCES leases(id),
	node_id      TEXT COLLATE "C" NOT NULL REFERENCES nodes(id),
	seq          BIGINT NOT NULL,
	source       TEXT COLLATE "C" NOT NULL,
	buyer_id     TEXT COLLATE "C" NOT NULL,
	operator_id  TEXT COLLATE "C" NOT NULL,
	claimed_up   BIGINT NOT NULL,
	claimed_down BIGINT NOT NULL,
	agreed_up    BIGINT NOT NULL,
	agreed_down  BIGINT NOT NULL,
	created_at   BIGINT NOT NULL,
	UNIQUE (lease_id, node_id, seq, source)
);
CREATE INDEX disputes_buyer ON disputes(buyer_id, id);
CREATE INDEX disputes_operator ON disputes(operator_id, id);
