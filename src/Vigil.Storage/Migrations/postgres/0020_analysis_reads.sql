-- Performance analysis at scale (issue 13): the hourly sums keyed by hour first. The analysis reads
-- a few hours of a run of operations (ids in order) at a time: one range of the key per hour instead
-- of a lookup per operation and hour (no second index: one operation's hours, for its page, are read
-- by the key too, an hour at a time).
ALTER TABLE operation_hours DROP CONSTRAINT operation_hours_pkey;
ALTER TABLE operation_hours ADD PRIMARY KEY (hour_ms, operation_id);
DROP INDEX ix_operation_hours_hour;

-- The hours whose 1-minute rollups were written after the hour was complete (late points): the
-- performance analysis sums them again instead of re-reading every hour just in case. marks counts
-- the late writes, so the analysis clears only a mark it has seen (a write after its read stays).
CREATE TABLE late_rollup_hours (
    hour_ms          BIGINT  NOT NULL PRIMARY KEY,
    marks            BIGINT  NOT NULL
);
