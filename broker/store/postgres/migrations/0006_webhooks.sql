-- Webhooks and the outbox of events waiting to reach them. events lists
-- event types; secret signs deliveries. A delivery is pending (due at
-- next_attempt_at), delivered or failed.

CREATE TABLE webhooks (
	id         TEXT COLLATE "C" PRIMARY KEY,
	account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
	url        TEXT NOT NULL,
	events     TEXT[] NOT NULL,
	secret     TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	deleted_at BIGINT NOT NULL
);
CREATE INDEX webhooks_account ON webhooks(account_id, id);

CREATE TABLE webhook_events (
	id         TEXT COLLATE "C" PRIMARY KEY,
	account_id TEXT COLLATE "C" NOT NULL,
	type       TEXT NOT NULL,
	payload    BYTEA NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
	id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	event_id        TEXT COLLATE "C" NOT NULL REFERENCES webhook_events(id),
	webhook_id      TEXT COLLATE "C" NOT NULL REFERENCES webhooks(id),
	state           TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at BIGINT NOT NULL,
	last_error      TEXT NOT NULL,
	UNIQUE (event_id, webhook_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at, id);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, state);
