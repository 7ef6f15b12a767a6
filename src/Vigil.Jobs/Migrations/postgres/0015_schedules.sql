-- The cron schedules (Vigil:Schedules): one row per schedule, shared by every process. A process
-- that finds next_run_at due moves it forward with a compare-and-set on its old value and enqueues
-- the run in the same transaction, so a due time is enqueued once however many processes look.
-- last_*: the last run that finished (what GET /api/v1/schedules shows). Times in Unix ms.
CREATE TABLE schedules (
    name TEXT PRIMARY KEY,
    cron TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    next_run_at BIGINT NOT NULL,
    last_enqueued_at BIGINT NULL,
    last_run_at BIGINT NULL,
    last_outcome TEXT NULL,
    last_error TEXT NULL,
    last_detail TEXT NULL,
    last_duration_ms BIGINT NULL,
    last_job_id BIGINT NULL,
    updated_at BIGINT NOT NULL
);
