CREATE TABLE silences (
    id          text   NOT NULL PRIMARY KEY,
    rule_id     text   NULL,
    labels      text   NOT NULL,
    severity    text   NULL,
    starts_at   bigint NOT NULL,
    ends_at     bigint NOT NULL,
    author      text   NOT NULL,
    comment     text   NULL,
    created_at  bigint NOT NULL
);

CREATE INDEX ix_silences_ends ON silences (ends_at);
