CREATE TABLE alerts (
    id                        TEXT    NOT NULL PRIMARY KEY,
    rule_id                   TEXT    NOT NULL,
    fingerprint               TEXT    NOT NULL,
    group_labels              TEXT    NOT NULL,
    status                    TEXT    NOT NULL,
    severity                  TEXT    NOT NULL,
    started_at                INTEGER NOT NULL,
    firing_since              INTEGER NULL,
    acknowledged_at           INTEGER NULL,
    acknowledged_by           TEXT    NULL,
    silenced_until            INTEGER NULL,
    resolved_at               INTEGER NULL,
    last_notified_at          INTEGER NULL,
    notifications             INTEGER NOT NULL,
    repeats_since_escalation  INTEGER NOT NULL,
    escalated                 INTEGER NOT NULL,
    value                     REAL    NULL,
    threshold                 REAL    NULL
);

-- One open alert per rule and group.
CREATE UNIQUE INDEX ux_alerts_open_fingerprint ON alerts (fingerprint) WHERE status <> 'resolved';
CREATE INDEX ix_alerts_started ON alerts (started_at);

CREATE TABLE alert_transitions (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    alert_id     TEXT    NOT NULL REFERENCES alerts (id),
    from_status  TEXT    NULL,
    to_status    TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    by           TEXT    NOT NULL,
    note         TEXT    NULL
);

CREATE INDEX ix_alert_transitions_alert ON alert_transitions (alert_id);

CREATE TABLE notification_intents (
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    alert_id         TEXT    NOT NULL REFERENCES alerts (id),
    kind             TEXT    NOT NULL,
    severity         TEXT    NOT NULL,
    channels         TEXT    NOT NULL,
    at               INTEGER NOT NULL,
    idempotency_key  TEXT    NOT NULL UNIQUE,
    read_at          INTEGER NULL
);

CREATE INDEX ix_notification_intents_at ON notification_intents (at);
