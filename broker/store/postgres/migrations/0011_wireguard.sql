-- WireGuard exits: each node's exit key and address, and the buyer keys
-- admitted per lease and exit with the host index of their tunnel
-- addresses. An index is unique among a node's peers of leases that are
-- still active or exhausted; the broker assigns it (lowest free).

ALTER TABLE nodes ADD COLUMN wg_public_key BYTEA NOT NULL DEFAULT '\x';
ALTER TABLE nodes ADD COLUMN wg_addr TEXT NOT NULL DEFAULT '';

CREATE TABLE wg_peers (
	lease_id   TEXT COLLATE "C" NOT NULL REFERENCES leases(id),
	node_id    TEXT COLLATE "C" NOT NULL REFERENCES nodes(id),
	public_key BYTEA NOT NULL,
	addr_index BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (lease_id, node_id)
);
CREATE INDEX wg_peers_node ON wg_peers(node_id, addr_index);
