CREATE TABLE alerts (
    id                        text             NOT NULL PRIMARY KEY,
    rule_id                   text             NOT NULL,
    fingerprint               text             NOT NULL,
    group_labels              text             NOT NULL,
    status                    text             NOT NULL,
    severity                  text             NOT NULL,
    started_at                bigint           NOT NULL,
    firing_since              bigint           NULL,
    acknowledged_at           bigint           NULL,
    acknowledged_by           text             NULL,
    silenced_until            bigint           NULL,
    resolved_at               bigint           NULL,
    last_notified_at          bigint           NULL,
    notifications             integer          NOT NULL,
    repeats_since_escalation  integer          NOT NULL,
    escalated                 boolean          NOT NULL,
    value                     double precision NULL,
    threshold                 double precision NULL
);

-- One open alert per rule and group.
CREATE UNIQUE INDEX ux_alerts_open_fingerprint ON alerts (fingerprint) WHERE status <> 'resolved';
CREATE INDEX ix_alerts_started ON alerts (started_at);

CREATE TABLE alert_transitions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id     text   NOT NULL REFERENCES alerts (id),
    from_status  text   NULL,
    to_status    text   NOT NULL,
    at           bigint NOT NULL,
    by           text   NOT NULL,
    note         text   NULL
);

CREATE INDEX ix_alert_transitions_alert ON alert_transitions (alert_id);

CREATE TABLE notification_intents (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id         text   NOT NULL REFERENCES alerts (id),
    kind             text   NOT NULL,
    severity         text   NOT NULL,
    channels         text   NOT NULL,
    at               bigint NOT NULL,
    idempotency_key  text   NOT NULL UNIQUE,
    read_at          bigint NULL
);

CREATE INDEX ix_notification_intents_at ON notification_intents (at);
