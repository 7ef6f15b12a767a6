-- Traces (issue 15): the spans of the traces the trace store keeps (a head-sampled share, plus
-- traces with an error span and the slowest transactions), within Vigil:Traces:BudgetMb; bytes is
-- what a span counts against that budget, stored_at when it was kept (the oldest go first). A
-- transaction (an entry span of its service) has a route. Attributes and events are JSON.
CREATE TABLE trace_spans (
    trace_id         TEXT    NOT NULL,
    span_id          TEXT    NOT NULL,
    parent_span_id   TEXT    NULL,
    service          TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    start_ns         INTEGER  NOT NULL,
    duration_ms      REAL NOT NULL,
    error            INTEGER  NOT NULL,
    status_message   TEXT    NULL,
    route            TEXT    NULL,
    method           TEXT    NULL,
    attributes       TEXT    NOT NULL,
    events           TEXT    NOT NULL,
    bytes            INTEGER  NOT NULL,
    stored_at        INTEGER  NOT NULL,
    PRIMARY KEY (trace_id, span_id)
);

CREATE INDEX ix_trace_spans_stored ON trace_spans (stored_at);
CREATE INDEX ix_trace_spans_transactions ON trace_spans (start_ns) WHERE route IS NOT NULL;
