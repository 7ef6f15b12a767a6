-- The claim by concurrency key (a freed slot refilled with that key's next job): the key's
-- waiting jobs in claim order, without a scan of every waiting job of the key's types. Partial like
-- ix_jobs_ready: running jobs and jobs without a key are not in it.
CREATE INDEX ix_jobs_key_ready ON jobs (concurrency_key, priority, run_at, id)
    WHERE state IN ('queued', 'retrying') AND concurrency_key IS NOT NULL;
