-- Issue 14: the aggregates processes sharing a PostgreSQL database ship to each other (see the
-- PostgreSQL migration). SQLite has one process by design, so this table stays empty; it exists so
-- both databases have the same schema.
CREATE TABLE metric_partials (
    id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    node_id        TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    series_key     TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    owner_key_id   TEXT    NULL,
    minute_ms      INTEGER NOT NULL,
    count          INTEGER NOT NULL,
    sum            REAL    NOT NULL,
    min            REAL    NOT NULL,
    max            REAL    NOT NULL,
    last           REAL    NOT NULL,
    last_offset_ms INTEGER NOT NULL,
    bins           BLOB    NULL
);

CREATE INDEX ix_metric_partials_node ON metric_partials (node_id, id);
CREATE INDEX ix_metric_partials_created ON metric_partials (created_at);
