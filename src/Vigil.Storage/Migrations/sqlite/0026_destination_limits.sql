-- Issue 14: destination limits shared by the processes on a PostgreSQL database (see its migration).
-- SQLite has one process, whose own breakers and rate limits are the limits: this table stays empty.
CREATE TABLE destination_limits (
    destination TEXT    NOT NULL PRIMARY KEY,
    tokens      REAL    NOT NULL,
    refilled_at INTEGER NOT NULL,
    failures    INTEGER NOT NULL,
    open_until  INTEGER NULL,
    verdict     INTEGER NOT NULL
);
