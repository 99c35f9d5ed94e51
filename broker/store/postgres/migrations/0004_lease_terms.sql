-- Leases keep the byte cap the buyer asked for (0 for leases stored before
-- this migration, whose cap follows from their hold) and the traffic mode
-- of the buyer's gateway.

ALTER TABLE leases ADD COLUMN max_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE leases ADD COLUMN mode TEXT NOT NULL DEFAULT '';
