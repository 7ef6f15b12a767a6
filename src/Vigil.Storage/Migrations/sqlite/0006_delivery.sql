-- ASP.NET Core Data Protection keys, shared by every process on the database (they encrypt channel secrets).
CREATE TABLE data_protection_keys (
    name        TEXT    NOT NULL PRIMARY KEY,
    xml         TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE channels (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE,
    type             TEXT    NOT NULL,
    enabled          INTEGER NOT NULL,
    max_concurrency  INTEGER NOT NULL,
    config           TEXT    NOT NULL,
    disabled_reason  TEXT    NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL
);

CREATE TABLE relay_endpoints (
    id            TEXT    NOT NULL PRIMARY KEY,
    slug          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    integrations  TEXT    NOT NULL,
    secret        TEXT    NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE relay_requests (
    id           TEXT    NOT NULL PRIMARY KEY,
    endpoint_id  TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    body         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    total        INTEGER NOT NULL,
    successful   INTEGER NOT NULL,
    failed       INTEGER NOT NULL
);

CREATE INDEX ix_relay_requests_received ON relay_requests (received_at);
CREATE INDEX ix_relay_requests_endpoint ON relay_requests (endpoint_id, received_at);

-- Warning and info notifications waiting for a channel's next digest.
CREATE TABLE digest_items (
    channel_id    TEXT    NOT NULL,
    window_start  INTEGER NOT NULL,
    intent_key    TEXT    NOT NULL,
    PRIMARY KEY (channel_id, window_start, intent_key)
);
