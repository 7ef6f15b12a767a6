-- Per-key quotas: the API key whose batch created a series (NULL: Vigil's own series, and those
-- stored before owners were kept, which count against no key), and a key's own quotas (NULL:
-- the defaults of Vigil:Quotas).
ALTER TABLE series ADD COLUMN owner_key_id text NULL;
ALTER TABLE api_keys ADD COLUMN series_quota bigint NULL;
ALTER TABLE api_keys ADD COLUMN points_per_second_quota bigint NULL;
