-- ASP.NET Core Data Protection keys, shared by every process on the database (they encrypt channel secrets).
CREATE TABLE data_protection_keys (
    name        text    NOT NULL PRIMARY KEY,
    xml         text    NOT NULL,
    created_at  bigint NOT NULL
);

CREATE TABLE channels (
    id               text    NOT NULL PRIMARY KEY,
    name             text    NOT NULL UNIQUE,
    type             text    NOT NULL,
    enabled          boolean NOT NULL,
    max_concurrency  integer NOT NULL,
    config           text    NOT NULL,
    disabled_reason  text    NULL,
    created_at       bigint NOT NULL,
    updated_at       bigint NOT NULL,
    version          integer NOT NULL
);

CREATE TABLE relay_endpoints (
    id            text    NOT NULL PRIMARY KEY,
    slug          text    NOT NULL UNIQUE,
    name          text    NOT NULL,
    integrations  text    NOT NULL,
    secret        text    NULL,
    created_at    bigint NOT NULL,
    updated_at    bigint NOT NULL
);

CREATE TABLE relay_requests (
    id           text    NOT NULL PRIMARY KEY,
    endpoint_id  text    NOT NULL,
    received_at  bigint NOT NULL,
    body         text    NOT NULL,
    status       text    NOT NULL,
    total        integer NOT NULL,
    successful   integer NOT NULL,
    failed       integer NOT NULL
);

CREATE INDEX ix_relay_requests_received ON relay_requests (received_at);
CREATE INDEX ix_relay_requests_endpoint ON relay_requests (endpoint_id, received_at);

-- Warning and info notifications waiting for a channel's next digest.
CREATE TABLE digest_items (
    channel_id    text    NOT NULL,
    window_start  bigint NOT NULL,
    intent_key    text    NOT NULL,
    PRIMARY KEY (channel_id, window_start, intent_key)
);
