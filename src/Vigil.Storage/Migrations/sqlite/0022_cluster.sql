-- Issue 14: the processes sharing this database. Each one upserts its row every heartbeat
-- (Vigil:Cluster:HeartbeatInterval) and deletes it when it stops gracefully; a row whose
-- last_seen is older than three heartbeats belongs to a node that died. Times in Unix ms.
CREATE TABLE cluster_nodes (
    node_id               TEXT    NOT NULL PRIMARY KEY,
    host                  TEXT    NOT NULL,
    pid                   INTEGER NOT NULL,
    version               TEXT    NOT NULL,
    started_at            INTEGER NOT NULL,
    last_seen             INTEGER NOT NULL,
    ingest_points_per_sec REAL NOT NULL,
    evaluation_lag_ms     INTEGER NULL,
    roles                 TEXT    NOT NULL,
    draining              INTEGER NOT NULL
);
