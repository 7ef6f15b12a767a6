CREATE TABLE silences (
    id          TEXT    NOT NULL PRIMARY KEY,
    rule_id     TEXT    NULL,
    labels      TEXT    NOT NULL,
    severity    TEXT    NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    author      TEXT    NOT NULL,
    comment     TEXT    NULL,
    created_at  INTEGER NOT NULL
);

CREATE INDEX ix_silences_ends ON silences (ends_at);
