-- Issue 14: the processes sharing this database. Each one upserts its row every heartbeat
-- (Vigil:Cluster:HeartbeatInterval) and deletes it when it stops gracefully; a row whose
-- last_seen is older than three heartbeats belongs to a node that died. Times in Unix ms.
CREATE TABLE cluster_nodes (
    node_id               text    NOT NULL PRIMARY KEY,
    host                  text    NOT NULL,
    pid                   integer NOT NULL,
    version               text    NOT NULL,
    started_at            bigint  NOT NULL,
    last_seen             bigint  NOT NULL,
    ingest_points_per_sec double precision NOT NULL,
    evaluation_lag_ms     bigint  NULL,
    roles                 text    NOT NULL,
    draining              boolean NOT NULL
);
