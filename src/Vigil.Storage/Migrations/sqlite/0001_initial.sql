CREATE TABLE api_keys (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    key_hash    TEXT    NOT NULL UNIQUE,
    key_prefix  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER NULL
);

CREATE TABLE series (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    series_key  TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE rollups_1m (
    series_id       INTEGER NOT NULL REFERENCES series (id),
    minute_ms       INTEGER NOT NULL,
    count           INTEGER NOT NULL,
    sum             REAL    NOT NULL,
    min             REAL    NOT NULL,
    max             REAL    NOT NULL,
    last            REAL    NOT NULL,
    last_offset_ms  INTEGER NOT NULL,
    bins            BLOB    NULL,
    PRIMARY KEY (series_id, minute_ms)
) WITHOUT ROWID;

CREATE INDEX ix_rollups_1m_minute ON rollups_1m (minute_ms);
