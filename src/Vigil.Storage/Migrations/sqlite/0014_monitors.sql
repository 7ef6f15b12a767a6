-- Uptime monitors (HTTP, TCP, heartbeat): the definition as JSON, and the state the scheduler keeps.
CREATE TABLE monitors (
    id                      TEXT    NOT NULL PRIMARY KEY,
    name                    TEXT    NOT NULL UNIQUE,
    type                    TEXT    NOT NULL,
    enabled                 INTEGER NOT NULL,
    interval_seconds        INTEGER NOT NULL,
    definition              TEXT    NOT NULL,
    heartbeat_token         TEXT    NULL UNIQUE,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    version                 INTEGER NOT NULL,
    status                  TEXT    NULL,
    status_since            INTEGER NULL,
    consecutive_failures    INTEGER NOT NULL DEFAULT 0,
    last_check_at           INTEGER NULL,
    last_response_ms        REAL    NULL,
    last_error              TEXT    NULL,
    last_ping_at            INTEGER NULL,
    certificate_expires_at  INTEGER NULL
);

-- Each check, kept for Vigil:Monitoring:CheckRetention.
CREATE TABLE monitor_checks (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    monitor_id   TEXT    NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    checked_at   INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    response_ms  REAL    NULL,
    status_code  INTEGER NULL,
    error        TEXT    NULL,
    maintenance  INTEGER NOT NULL
);

CREATE INDEX ix_monitor_checks_monitor ON monitor_checks (monitor_id, checked_at);
CREATE INDEX ix_monitor_checks_at ON monitor_checks (checked_at);

-- Checks counted by the hour (uptime over 24 h, 7 d, 30 d and longer), kept for Vigil:Monitoring:UptimeRetention.
CREATE TABLE monitor_uptime_hours (
    monitor_id        TEXT    NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    hour              INTEGER NOT NULL,
    checks            INTEGER NOT NULL,
    down              INTEGER NOT NULL,
    degraded          INTEGER NOT NULL,
    maintenance       INTEGER NOT NULL,
    response_ms_sum   REAL    NOT NULL,
    response_count    INTEGER NOT NULL,
    PRIMARY KEY (monitor_id, hour)
);

CREATE INDEX ix_monitor_uptime_hours_hour ON monitor_uptime_hours (hour);

-- Maintenance windows: of one monitor, or of every monitor when monitor_id is null.
CREATE TABLE maintenance_windows (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    monitor_id  TEXT    NULL REFERENCES monitors (id) ON DELETE CASCADE,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE INDEX ix_maintenance_windows_ends ON maintenance_windows (ends_at);

-- Why an alert fired, in words, when its condition is judged outside the rule evaluator (system_down).
ALTER TABLE alerts ADD COLUMN reason TEXT NULL;
