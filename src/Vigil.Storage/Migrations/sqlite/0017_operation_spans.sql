-- Performance analysis at scale (issue 13): each operation's hourly sums merged over 6-hour blocks
-- (hours = 6, from 00:00, 06:00, 12:00 and 18:00 UTC) and days (hours = 24, from 00:00 UTC), stored
-- once their hours can no longer change, so a run's 24-hour, 7-day and 14-day windows merge a few
-- hours, blocks and days per operation instead of up to 336 hours. An empty span has count 0, min
-- and max 0 and no bins.
CREATE TABLE operation_spans (
    hours            INTEGER NOT NULL,
    start_ms         INTEGER NOT NULL,
    operation_id     TEXT    NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    count            INTEGER NOT NULL,
    errors           INTEGER NOT NULL,
    sum              REAL NOT NULL,
    min              REAL NOT NULL,
    max              REAL NOT NULL,
    bins             BLOB  NULL,
    PRIMARY KEY (hours, start_ms, operation_id)
) WITHOUT ROWID;

-- The end of the hours the last analysis ran over: the next one recomputes only the hour-of-week
-- baselines of the hours from an hour before it (null: every slot).
ALTER TABLE performance_progress ADD COLUMN analysed_to_ms INTEGER NULL;
