-- Uptime monitors (HTTP, TCP, heartbeat): the definition as JSON, and the state the scheduler keeps.
CREATE TABLE monitors (
    id                      text    NOT NULL PRIMARY KEY,
    name                    text    NOT NULL UNIQUE,
    type                    text    NOT NULL,
    enabled                 bigint  NOT NULL,
    interval_seconds        bigint  NOT NULL,
    definition              text    NOT NULL,
    heartbeat_token         text    NULL UNIQUE,
    created_at              bigint  NOT NULL,
    updated_at              bigint  NOT NULL,
    version                 bigint  NOT NULL,
    status                  text    NULL,
    status_since            bigint  NULL,
    consecutive_failures    bigint  NOT NULL DEFAULT 0,
    last_check_at           bigint  NULL,
    last_response_ms        double precision NULL,
    last_error              text    NULL,
    last_ping_at            bigint  NULL,
    certificate_expires_at  bigint  NULL
);

-- Each check, kept for Vigil:Monitoring:CheckRetention.
CREATE TABLE monitor_checks (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    monitor_id   text    NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    checked_at   bigint  NOT NULL,
    status       text    NOT NULL,
    response_ms  double precision NULL,
    status_code  bigint  NULL,
    error        text    NULL,
    maintenance  bigint  NOT NULL
);

CREATE INDEX ix_monitor_checks_monitor ON monitor_checks (monitor_id, checked_at);
CREATE INDEX ix_monitor_checks_at ON monitor_checks (checked_at);

-- Checks counted by the hour (uptime over 24 h, 7 d, 30 d and longer), kept for Vigil:Monitoring:UptimeRetention.
CREATE TABLE monitor_uptime_hours (
    monitor_id        text    NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    hour              bigint  NOT NULL,
    checks            bigint  NOT NULL,
    down              bigint  NOT NULL,
    degraded          bigint  NOT NULL,
    maintenance       bigint  NOT NULL,
    response_ms_sum   double precision NOT NULL,
    response_count    bigint  NOT NULL,
    PRIMARY KEY (monitor_id, hour)
);

CREATE INDEX ix_monitor_uptime_hours_hour ON monitor_uptime_hours (hour);

-- Maintenance windows: of one monitor, or of every monitor when monitor_id is null.
CREATE TABLE maintenance_windows (
    id          text    NOT NULL PRIMARY KEY,
    name        text    NOT NULL,
    monitor_id  text    NULL REFERENCES monitors (id) ON DELETE CASCADE,
    starts_at   bigint  NOT NULL,
    ends_at     bigint  NOT NULL,
    created_at  bigint  NOT NULL
);

CREATE INDEX ix_maintenance_windows_ends ON maintenance_windows (ends_at);

-- Why an alert fired, in words, when its condition is judged outside the rule evaluator (system_down).
ALTER TABLE alerts ADD COLUMN reason text NULL;
