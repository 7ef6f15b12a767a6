CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           bigint  NOT NULL,
    actor_id     text    NOT NULL,
    actor_name   text    NOT NULL,
    method       text    NOT NULL,
    path         text    NOT NULL,
    resource     text    NOT NULL,
    resource_id  text    NULL,
    status       integer NOT NULL,
    before_json  text    NULL,
    after_json   text    NULL
);

CREATE INDEX ix_audit_log_at ON audit_log (at);
