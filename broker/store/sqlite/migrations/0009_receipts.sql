-- Receipts and disputes (docs/metering.md). buyer_key is the Ed25519 key
-- a lease's buyer countersigns receipts with, empty for leases without.
-- receipts keeps every receipt an exit uploaded and the broker verified,
-- once per (lease, node, seq), for the lease's export; disputes keeps the
-- disagreements between an exit's count and the buyer's.

ALTER TABLE leases ADD COLUMN buyer_key BLOB NOT NULL DEFAULT x'';

CREATE TABLE receipts (
	lease_id      TEXT NOT NULL REFERENCES leases(id),
	node_id       TEXT NOT NULL REFERENCES nodes(id),
	seq           INTEGER NOT NULL,
	countersigned INTEGER NOT NULL,
	data          BLOB NOT NULL,
	received_at   INTEGER NOT NULL,
	PRIMARY KEY (lease_id, node_id, seq)
) WITHOUT ROWID;

CREATE TABLE disputes (
	id           INTEGER PRIMARY KEY,
	lease_id     TEXT NOT NULL REFERENCES leases(id),
	node_id      TEXT NOT NULL REFERENCES nodes(id),
	seq          INTEGER NOT NULL,
	source       TEXT NOT NULL,
	buyer_id     TEXT NOT NULL,
	operator_id  TEXT NOT NULL,
	claimed_up   INTEGER NOT NULL,
	claimed_down INTEGER NOT NULL,
	agreed_up    INTEGER NOT NULL,
	agreed_down  INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	UNIQUE (lease_id, node_id, seq, source)
);
CREATE INDEX disputes_buyer ON disputes(buyer_id, id);
CREATE INDEX disputes_operator ON disputes(operator_id, id);
