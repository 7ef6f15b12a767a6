-- Issue 14: the aggregates the processes sharing this database ship to each other. Every
-- Vigil:Cluster:ShareInterval each process appends the 1-minute partial rollups of the points it
-- received since its previous shipment (one row per series and minute, additive: count, sum and
-- bins add up, min/max/last merge); every other process reads the rows past its cursor for that
-- node and merges them into its in-memory series. Rows go after 15 minutes (the rollups hold
-- the data by then). Times in Unix ms.
CREATE TABLE metric_partials (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node_id        text             NOT NULL,
    created_at     bigint           NOT NULL,
    series_key     text             NOT NULL,
    name           text             NOT NULL,
    type           text             NOT NULL,
    owner_key_id   text             NULL,
    minute_ms      bigint           NOT NULL,
    count          bigint           NOT NULL,
    sum            double precision NOT NULL,
    min            double precision NOT NULL,
    max            double precision NOT NULL,
    last           double precision NOT NULL,
    last_offset_ms integer          NOT NULL,
    bins           bytea            NULL
);

-- A reader's cursor is per node: one process's shipments commit in id order.
CREATE INDEX ix_metric_partials_node ON metric_partials (node_id, id);
CREATE INDEX ix_metric_partials_created ON metric_partials (created_at);
