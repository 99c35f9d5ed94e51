-- API keys may be fenced to client networks: CIDR prefixes, an empty array
-- for keys usable from anywhere.

ALTER TABLE api_keys ADD COLUMN allowed_cidrs TEXT[] NOT NULL DEFAULT '{}';
