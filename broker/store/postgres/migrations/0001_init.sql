-- Initial schema, the PostgreSQL twin of the SQLite store's. Times are unix
-- nanoseconds (UTC), 0 meaning "unset", because timestamptz keeps only
-- microseconds; money is integer micro-units. Identifiers use the "C"
-- collation so that ordering and paging compare bytes, as SQLite does,
-- whatever the database's default locale.

CREATE TABLE accounts (
	id         TEXT COLLATE "C" PRIMARY KEY,
	kind       TEXT NOT NULL,
	name       TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
	id         TEXT COLLATE "C" PRIMARY KEY,
	account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
	scope      TEXT NOT NULL,
	hash       BYTEA NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	revoked_at BIGINT NOT NULL
);
CREATE INDEX api_keys_account ON api_keys(account_id, id);

CREATE TABLE nodes (
	id                  TEXT COLLATE "C" PRIMARY KEY,
	operator_id         TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
	public_key          BYTEA NOT NULL,
	country             TEXT NOT NULL,
	subdivision         TEXT NOT NULL,
	city                TEXT NOT NULL,
	asn                 BIGINT NOT NULL,
	conn_type           TEXT NOT NULL,
	protocols           TEXT[] NOT NULL,
	quic_addr           TEXT NOT NULL,
	price_micros_per_gb BIGINT NOT NULL,
	capacity_bps        BIGINT NOT NULL,
	spare_bps           BIGINT NOT NULL,
	egress_summary      TEXT NOT NULL,
	last_seen           BIGINT NOT NULL,
	created_at          BIGINT NOT NULL
);
CREATE INDEX nodes_country ON nodes(country, id);
CREATE INDEX nodes_last_seen ON nodes(last_seen);
CREATE INDEX nodes_operator ON nodes(operator_id);

-- books caches each book's balance; it must always equal the sum of the
-- book's ledger entries (CheckLedger audits this).
CREATE TABLE books (
	name       TEXT COLLATE "C" PRIMARY KEY,
	account_id TEXT COLLATE "C" NOT NULL,
	class      TEXT NOT NULL,
	balance    BIGINT NOT NULL
);

CREATE TABLE ledger_entries (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	txn_id     TEXT COLLATE "C" NOT NULL,
	book       TEXT COLLATE "C" NOT NULL REFERENCES books(name),
	account_id TEXT COLLATE "C" NOT NULL,
	amount     BIGINT NOT NULL,
	kind       TEXT NOT NULL,
	lease_id   TEXT COLLATE "C" NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries(account_id, id);
CREATE INDEX ledger_entries_txn ON ledger_entries(txn_id);
CREATE INDEX ledger_entries_book ON ledger_entries(book);

CREATE TABLE credits (
	account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
	idem_key   TEXT COLLATE "C" NOT NULL,
	amount     BIGINT NOT NULL,
	txn_id     TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (account_id, idem_key)
);

CREATE TABLE leases (
	id                  TEXT COLLATE "C" PRIMARY KEY,
	buyer_id            TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
	status              TEXT NOT NULL,
	price_micros_per_gb BIGINT NOT NULL,
	fee_bps             BIGINT NOT NULL,
	hold_micros         BIGINT NOT NULL,
	charged_micros      BIGINT NOT NULL,
	rate_bps            BIGINT NOT NULL,
	protocols           TEXT[] NOT NULL,
	node_ids            TEXT[] NOT NULL,
	created_at          BIGINT NOT NULL,
	expires_at          BIGINT NOT NULL,
	closed_at           BIGINT NOT NULL
);
CREATE INDEX leases_buyer ON leases(buyer_id, id);

CREATE TABLE lease_requests (
	buyer_id     TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
	idem_key     TEXT COLLATE "C" NOT NULL,
	request_hash BYTEA NOT NULL,
	lease_id     TEXT COLLATE "C" NOT NULL REFERENCES leases(id),
	PRIMARY KEY (buyer_id, idem_key)
);

CREATE TABLE usage (
	lease_id       TEXT COLLATE "C" NOT NULL REFERENCES leases(id),
	node_id        TEXT COLLATE "C" NOT NULL REFERENCES nodes(id),
	seq            BIGINT NOT NULL,
	bytes_up       BIGINT NOT NULL,
	bytes_down     BIGINT NOT NULL,
	charged_micros BIGINT NOT NULL,
	fee_micros     BIGINT NOT NULL,
	updated_at     BIGINT NOT NULL,
	PRIMARY KEY (lease_id, node_id)
);
