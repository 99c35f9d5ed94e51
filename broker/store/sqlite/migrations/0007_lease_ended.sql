-- ended_at is when a lease last left the active state (closed, expired or
-- exhausted), 0 while it never has. Heartbeat answers list a node's
-- recently ended leases, so exits revoke them; the partial index keeps
-- that lookup to the few leases that ended recently.

ALTER TABLE leases ADD COLUMN ended_at INTEGER NOT NULL DEFAULT 0;
UPDATE leases SET ended_at = closed_at WHERE status IN ('closed', 'expired');
CREATE INDEX leases_ended ON leases(ended_at) WHERE ended_at > 0;
