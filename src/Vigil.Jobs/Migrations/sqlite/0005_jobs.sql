-- The durable job queue (Vigil.Jobs). Times are Unix milliseconds. AUTOINCREMENT: an id is never
-- reused after its row moves to jobs_finished.
-- The hot table holds only jobs that still have to run: queued, waiting for a retry, or running.
CREATE TABLE jobs (
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    type             TEXT    NOT NULL,
    priority         INTEGER NOT NULL,
    payload          TEXT    NOT NULL,
    idempotency_key  TEXT    NULL UNIQUE,
    concurrency_key  TEXT    NULL,
    state            TEXT    NOT NULL,
    attempts         INTEGER NOT NULL,
    max_attempts     INTEGER NOT NULL,
    dlq_retries      INTEGER NOT NULL,
    run_at           INTEGER NOT NULL,
    lease_owner      TEXT    NULL,
    lease_until      INTEGER NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    last_error       TEXT    NULL
);

-- The claim: per type, by priority then due time, only jobs waiting to run.
CREATE INDEX ix_jobs_ready ON jobs (type, priority, run_at, id) WHERE state IN ('queued', 'retrying');
-- Leases that ran out (a worker died): only running jobs.
CREATE INDEX ix_jobs_lease ON jobs (lease_until) WHERE state = 'processing';

-- Finished jobs (succeeded or dead-lettered) leave the hot table but stay listable until cleanup.
CREATE TABLE jobs_finished (
    id               INTEGER NOT NULL PRIMARY KEY,
    type             TEXT    NOT NULL,
    priority         INTEGER NOT NULL,
    payload          TEXT    NOT NULL,
    idempotency_key  TEXT    NULL,
    concurrency_key  TEXT    NULL,
    outcome          TEXT    NOT NULL,
    attempts         INTEGER NOT NULL,
    max_attempts     INTEGER NOT NULL,
    dlq_retries      INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER NOT NULL,
    last_error       TEXT    NULL
);

CREATE INDEX ix_jobs_finished_outcome ON jobs_finished (outcome, finished_at);
CREATE INDEX ix_jobs_finished_at ON jobs_finished (finished_at);

-- Every idempotency key in use, in either table: the one place a duplicate enqueue is refused,
-- so a job moving from one table to the other never opens a window for a second copy.
CREATE TABLE job_keys (
    idempotency_key  TEXT    NOT NULL PRIMARY KEY,
    created_at       INTEGER NOT NULL
);
