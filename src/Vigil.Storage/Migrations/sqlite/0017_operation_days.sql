-- Performance analysis at scale (issue 13): each operation's executions over the 24 hours ending at
-- end_ms (a rolling day: the merged hourly sums of [end_ms - 24 h, end_ms)), stored once its hours
-- can no longer change, so the 7-day and 14-day windows of a run merge 7 or 14 rows per operation
-- instead of 168 or 336 hours. An empty day has count 0, min and max 0 and no bins.
CREATE TABLE operation_days (
    end_ms           INTEGER NOT NULL,
    operation_id     TEXT    NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    count            INTEGER NOT NULL,
    errors           INTEGER NOT NULL,
    sum              REAL    NOT NULL,
    min              REAL    NOT NULL,
    max              REAL    NOT NULL,
    bins             BLOB    NULL,
    PRIMARY KEY (end_ms, operation_id)
) WITHOUT ROWID;

-- The end of the hours the last analysis ran over: the next one recomputes only the hour-of-week
-- baselines of the hours from an hour before it (null: every slot).
ALTER TABLE performance_progress ADD COLUMN analysed_to_ms INTEGER NULL;
