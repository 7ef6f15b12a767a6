-- Performance tracking (issue 13): the operations found in the request and job timings, their
-- executions summed by the hour, and their baselines (all hours, and per hour of the week).
-- operations.summary: the last analysis' figures of the last 24 hours, trends and bottleneck (JSON).
CREATE TABLE operations (
    id               TEXT    NOT NULL PRIMARY KEY,
    kind             TEXT    NOT NULL,
    metric           TEXT    NOT NULL,
    service          TEXT    NULL,
    name             TEXT    NOT NULL,
    labels           TEXT    NOT NULL,
    first_seen_ms    BIGINT  NOT NULL,
    last_seen_ms     BIGINT  NOT NULL,
    summary          TEXT    NULL
);

CREATE TABLE operation_hours (
    operation_id     TEXT    NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    hour_ms          BIGINT  NOT NULL,
    count            BIGINT  NOT NULL,
    errors           BIGINT  NOT NULL,
    sum              DOUBLE PRECISION NOT NULL,
    min              DOUBLE PRECISION NOT NULL,
    max              DOUBLE PRECISION NOT NULL,
    bins             bytea   NULL,
    PRIMARY KEY (operation_id, hour_ms)
);

CREATE INDEX ix_operation_hours_hour ON operation_hours (hour_ms);

-- slot -1: every hour of the baseline period; 0..167: one hour of the week (0 = Monday 00:00 UTC).
CREATE TABLE operation_baselines (
    operation_id     TEXT    NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    slot             BIGINT  NOT NULL,
    executions       BIGINT  NOT NULL,
    failures         BIGINT  NOT NULL,
    avg_ms           DOUBLE PRECISION NOT NULL,
    p50_ms           DOUBLE PRECISION NULL,
    p95_ms           DOUBLE PRECISION NULL,
    p99_ms           DOUBLE PRECISION NULL,
    minutes          BIGINT  NOT NULL,
    from_ms          BIGINT  NOT NULL,
    to_ms            BIGINT  NOT NULL,
    computed_at      BIGINT  NOT NULL,
    PRIMARY KEY (operation_id, slot)
);

-- How far the hourly summaries go (the end of the last hour summed), one row.
CREATE TABLE performance_progress (
    id               SMALLINT NOT NULL PRIMARY KEY CHECK (id = 1),
    summed_to_ms     BIGINT  NOT NULL
);

-- Steps found in an operation's durations: regressions (open until the operation is back) and improvements.
CREATE TABLE regressions (
    id               TEXT    NOT NULL PRIMARY KEY,
    operation_id     TEXT    NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL,
    measure          TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    started_at       BIGINT  NOT NULL,
    detected_at      BIGINT  NOT NULL,
    resolved_at      BIGINT  NULL,
    before_ms        DOUBLE PRECISION NOT NULL,
    after_ms         DOUBLE PRECISION NOT NULL,
    change_percent   DOUBLE PRECISION NOT NULL,
    baseline_ms      DOUBLE PRECISION NULL,
    baseline_change_percent DOUBLE PRECISION NULL,
    confidence       DOUBLE PRECISION NOT NULL,
    block_minutes    BIGINT  NOT NULL,
    versions_before  TEXT    NULL,
    versions_after   TEXT    NULL
);

CREATE INDEX ix_regressions_detected ON regressions (detected_at);
CREATE INDEX ix_regressions_operation ON regressions (operation_id, state);

-- Service-level objectives: the definition as JSON, the last status the tracker computed (JSON),
-- and good and total events by the hour. The six defaults are seed 003's performance targets.
CREATE TABLE slos (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE,
    definition       TEXT    NOT NULL,
    status           TEXT    NULL,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);

CREATE TABLE slo_hours (
    slo_id           TEXT    NOT NULL REFERENCES slos (id) ON DELETE CASCADE,
    hour_ms          BIGINT  NOT NULL,
    good             DOUBLE PRECISION NOT NULL,
    total            DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (slo_id, hour_ms)
);

INSERT INTO slos (id, name, definition, status, created_at, updated_at) VALUES
('api-latency', 'API response time', '{"name":"API response time","kind":"latency","metric":"http_request_duration_ms","match":{},"thresholdMs":500,"comparison":null,"threshold":null,"objectivePercent":95,"windowDays":30,"enabled":true}', NULL, 0, 0),
('database-latency', 'Database query time', '{"name":"Database query time","kind":"latency","metric":"db_query_duration_ms","match":{},"thresholdMs":250,"comparison":null,"threshold":null,"objectivePercent":95,"windowDays":30,"enabled":true}', NULL, 0, 0),
('api-errors', 'API error rate', '{"name":"API error rate","kind":"errors","metric":"http_request_duration_ms","match":{},"thresholdMs":null,"comparison":null,"threshold":null,"objectivePercent":99.9,"windowDays":30,"enabled":true}', NULL, 0, 0),
('uptime', 'Uptime', '{"name":"Uptime","kind":"gauge","metric":"vigil_monitor_up","match":{},"thresholdMs":null,"comparison":"greater_than","threshold":0.5,"objectivePercent":99.9,"windowDays":30,"enabled":true}', NULL, 0, 0),
('heap', 'Heap memory', '{"name":"Heap memory","kind":"gauge","metric":"process_heap_used_percent","match":{},"thresholdMs":null,"comparison":"less_than","threshold":70,"objectivePercent":99,"windowDays":30,"enabled":true}', NULL, 0, 0),
('cache-hit-rate', 'Cache hit rate', '{"name":"Cache hit rate","kind":"gauge","metric":"cache_hit_rate_percent","match":{},"thresholdMs":null,"comparison":"greater_than","threshold":75,"objectivePercent":99,"windowDays":30,"enabled":true}', NULL, 0, 0);
