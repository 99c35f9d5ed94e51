-- Webhooks and the outbox of events waiting to reach them. events is a
-- JSON array of event types; secret signs deliveries. A delivery is
-- pending (due at next_attempt_at), delivered or failed.

CREATE TABLE webhooks (
	id         TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	url        TEXT NOT NULL,
	events     TEXT NOT NULL,
	secret     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	deleted_at INTEGER NOT NULL
) STRICT;
CREATE INDEX webhooks_account ON webhooks(account_id, id);

CREATE TABLE webhook_events (
	id         TEXT PRIMARY KEY,
	account_id TEXT NOT NULL,
	type       TEXT NOT NULL,
	payload    BLOB NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE webhook_deliveries (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id        TEXT NOT NULL REFERENCES webhook_events(id),
	webhook_id      TEXT NOT NULL REFERENCES webhooks(id),
	state           TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	last_error      TEXT NOT NULL,
	UNIQUE (event_id, webhook_id)
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at, id);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, state);
