-- API keys may be fenced to client networks: a JSON array of CIDR
-- prefixes, empty for keys usable from anywhere.

ALTER TABLE api_keys ADD COLUMN allowed_cidrs TEXT NOT NULL DEFAULT '[]';
