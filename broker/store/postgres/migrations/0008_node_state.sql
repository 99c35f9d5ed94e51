-- What a node reports in its heartbeats beyond spare capacity (load, the
-- owner's caps and schedule, its own estimate of its line), and what the
-- broker measures itself (line throughput from the node's probes against
-- the broker, reachability checks of its exit). Times are Unix
-- nanoseconds, 0 for never.

ALTER TABLE nodes ADD COLUMN load_bps BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN active_leases BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN max_leases BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN unavailable TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN owner_caps TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN link_up_bps BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN link_down_bps BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN link_measured_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN probe_up_bps BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN probe_down_bps BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN probed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN checks BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN check_successes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN latency_micros BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN checked_at BIGINT NOT NULL DEFAULT 0;
