-- The cron schedules (Vigil:Schedules): one row per schedule, shared by every process. A process
-- that finds next_run_at due moves it forward with a compare-and-set on its old value and enqueues
-- the run in the same transaction, so a due time is enqueued once however many processes look.
-- last_*: the last run that finished (what GET /api/v1/schedules shows). Times in Unix ms.
CREATE TABLE schedules (
    name TEXT PRIMARY KEY,
    cron TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    next_run_at INTEGER NOT NULL,
    last_enqueued_at INTEGER NULL,
    last_run_at INTEGER NULL,
    last_outcome TEXT NULL,
    last_error TEXT NULL,
    last_detail TEXT NULL,
    last_duration_ms INTEGER NULL,
    last_job_id INTEGER NULL,
    updated_at INTEGER NOT NULL
);
