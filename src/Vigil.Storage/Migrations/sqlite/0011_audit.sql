CREATE TABLE audit_log (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    actor_id     TEXT    NOT NULL,
    actor_name   TEXT    NOT NULL,
    method       TEXT    NOT NULL,
    path         TEXT    NOT NULL,
    resource     TEXT    NOT NULL,
    resource_id  TEXT    NULL,
    status       INTEGER NOT NULL,
    before_json  TEXT    NULL,
    after_json   TEXT    NULL
);

CREATE INDEX ix_audit_log_at ON audit_log (at);
