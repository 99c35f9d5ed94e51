-- A lease's coverage (JSON: country, subdivision, city, asn,
-- connection_type; empty for anywhere), so that a replacement for an exit
-- that dies matches what the buyer asked for.

ALTER TABLE leases ADD COLUMN coverage TEXT NOT NULL DEFAULT '';
