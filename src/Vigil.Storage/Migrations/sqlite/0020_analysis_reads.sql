-- Performance analysis at scale (issue 13): the hourly sums keyed by hour first. The analysis reads
-- a few hours of a run of operations (ids in order) at a time: one range of the key per hour instead
-- of a lookup per operation and hour, and an hour's sums are written side by side (no second index:
-- one operation's hours, for its page, are read by the key too, an hour at a time).
CREATE TABLE operation_hours_by_hour (
    hour_ms          INTEGER NOT NULL,
    operation_id     TEXT    NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    count            INTEGER NOT NULL,
    errors           INTEGER NOT NULL,
    sum              REAL    NOT NULL,
    min              REAL    NOT NULL,
    max              REAL    NOT NULL,
    bins             BLOB    NULL,
    PRIMARY KEY (hour_ms, operation_id)
) WITHOUT ROWID;

INSERT INTO operation_hours_by_hour (hour_ms, operation_id, count, errors, sum, min, max, bins)
SELECT hour_ms, operation_id, count, errors, sum, min, max, bins FROM operation_hours ORDER BY hour_ms, operation_id;

DROP TABLE operation_hours;
ALTER TABLE operation_hours_by_hour RENAME TO operation_hours;

-- The hours whose 1-minute rollups were written after the hour was complete (late points): the
-- performance analysis sums them again instead of re-reading every hour just in case. marks counts
-- the late writes, so the analysis clears only a mark it has seen (a write after its read stays).
CREATE TABLE late_rollup_hours (
    hour_ms          INTEGER NOT NULL PRIMARY KEY,
    marks            INTEGER NOT NULL
);
