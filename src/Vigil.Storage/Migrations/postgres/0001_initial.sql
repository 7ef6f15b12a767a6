CREATE TABLE api_keys (
    id          text   NOT NULL PRIMARY KEY,
    name        text   NOT NULL,
    role        text   NOT NULL,
    key_hash    text   NOT NULL UNIQUE,
    key_prefix  text   NOT NULL,
    created_at  bigint NOT NULL,
    revoked_at  bigint NULL
);

CREATE TABLE series (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    series_key  text   NOT NULL UNIQUE,
    name        text   NOT NULL,
    type        text   NOT NULL,
    created_at  bigint NOT NULL
);

CREATE TABLE rollups_1m (
    series_id       bigint           NOT NULL REFERENCES series (id),
    minute_ms       bigint           NOT NULL,
    count           bigint           NOT NULL,
    sum             double precision NOT NULL,
    min             double precision NOT NULL,
    max             double precision NOT NULL,
    last            double precision NOT NULL,
    last_offset_ms  integer          NOT NULL,
    bins            bytea            NULL,
    PRIMARY KEY (series_id, minute_ms)
);

CREATE INDEX ix_rollups_1m_minute ON rollups_1m (minute_ms);
