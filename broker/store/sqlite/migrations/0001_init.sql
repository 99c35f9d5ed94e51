-- Initial schema. Times are unix nanoseconds (UTC), 0 meaning "unset";
-- money is integer micro-units. List-valued fields are JSON arrays.

CREATE TABLE accounts (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	scope      TEXT NOT NULL,
	hash       BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER NOT NULL
) STRICT;
CREATE INDEX api_keys_account ON api_keys(account_id, id);

CREATE TABLE nodes (
	id                  TEXT PRIMARY KEY,
	operator_id         TEXT NOT NULL REFERENCES accounts(id),
	public_key          BLOB NOT NULL,
	country             TEXT NOT NULL,
	subdivision         TEXT NOT NULL,
	city                TEXT NOT NULL,
	asn                 INTEGER NOT NULL,
	conn_type           TEXT NOT NULL,
	protocols           TEXT NOT NULL,
	quic_addr           TEXT NOT NULL,
	price_micros_per_gb INTEGER NOT NULL,
	capacity_bps        INTEGER NOT NULL,
	spare_bps           INTEGER NOT NULL,
	egress_summary      TEXT NOT NULL,
	last_seen           INTEGER NOT NULL,
	created_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX nodes_country ON nodes(country, id);
CREATE INDEX nodes_last_seen ON nodes(last_seen);
CREATE INDEX nodes_operator ON nodes(operator_id);

-- books caches each book's balance; it must always equal the sum of the
-- book's ledger entries (CheckLedger audits this).
CREATE TABLE books (
	name       TEXT PRIMARY KEY,
	account_id TEXT NOT NULL,
	class      TEXT NOT NULL,
	balance    INTEGER NOT NULL
) STRICT;

CREATE TABLE ledger_entries (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	txn_id     TEXT NOT NULL,
	book       TEXT NOT NULL REFERENCES books(name),
	account_id TEXT NOT NULL,
	amount     INTEGER NOT NULL,
	kind       TEXT NOT NULL,
	lease_id   TEXT NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX ledger_entries_account ON ledger_entries(account_id, id);
CREATE INDEX ledger_entries_txn ON ledger_entries(txn_id);
CREATE INDEX ledger_entries_book ON ledger_entries(book);

CREATE TABLE credits (
	account_id TEXT NOT NULL REFERENCES accounts(id),
	idem_key   TEXT NOT NULL,
	amount     INTEGER NOT NULL,
	txn_id     TEXT NOT NULL,
	PRIMARY KEY (account_id, idem_key)
) STRICT;

CREATE TABLE leases (
	id                  TEXT PRIMARY KEY,
	buyer_id            TEXT NOT NULL REFERENCES accounts(id),
	status              TEXT NOT NULL,
	price_micros_per_gb INTEGER NOT NULL,
	fee_bps             INTEGER NOT NULL,
	hold_micros         INTEGER NOT NULL,
	charged_micros      INTEGER NOT NULL,
	rate_bps            INTEGER NOT NULL,
	protocols           TEXT NOT NULL,
	node_ids            TEXT NOT NULL,
	created_at          INTEGER NOT NULL,
	expires_at          INTEGER NOT NULL,
	closed_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX leases_buyer ON leases(buyer_id, id);

CREATE TABLE lease_requests (
	buyer_id     TEXT NOT NULL REFERENCES accounts(id),
	idem_key     TEXT NOT NULL,
	request_hash BLOB NOT NULL,
	lease_id     TEXT NOT NULL REFERENCES leases(id),
	PRIMARY KEY (buyer_id, idem_key)
) STRICT;

CREATE TABLE usage (
	lease_id       TEXT NOT NULL REFERENCES leases(id),
	node_id        TEXT NOT NULL REFERENCES nodes(id),
	seq            INTEGER NOT NULL,
	bytes_up       INTEGER NOT NULL,
	bytes_down     INTEGER NOT NULL,
	charged_micros INTEGER NOT NULL,
	fee_micros     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	PRIMARY KEY (lease_id, node_id)
) STRICT;
