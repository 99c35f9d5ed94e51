-- Commands for nodes, delivered over their control channel (long poll).
-- A node acknowledges a command by asking for the ones after it; expired
-- commands are never delivered and are deleted with the next
-- acknowledgement.

CREATE TABLE node_commands (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	node_id    TEXT NOT NULL REFERENCES nodes(id),
	type       TEXT NOT NULL,
	payload    BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX node_commands_node ON node_commands(node_id, id);
CREATE INDEX node_commands_expiry ON node_commands(expires_at);
