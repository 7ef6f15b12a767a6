-- Issue 9: secret-less relay endpoints are an explicit choice, and relayed bodies have a budget.

-- An endpoint without a secret takes calls from anyone only when this is true. Endpoints that had
-- no secret before this migration keep working: they are marked as the explicit choice.
ALTER TABLE relay_endpoints ADD COLUMN allow_unauthenticated boolean NOT NULL DEFAULT false;
UPDATE relay_endpoints SET allow_unauthenticated = true WHERE secret IS NULL;

-- The size of each kept body in bytes; 0 once the body was dropped (body = '') to stay within
-- Vigil:Relay:StoredBodyBudgetBytes. The request's log entry stays.
ALTER TABLE relay_requests ADD COLUMN body_bytes bigint NOT NULL DEFAULT 0;
UPDATE relay_requests SET body_bytes = octet_length(body);
CREATE INDEX ix_relay_requests_kept_bodies ON relay_requests (received_at, id) WHERE body_bytes > 0;

-- The total of body_bytes, kept with every change so the budget check reads (and locks) one row.
CREATE TABLE relay_body_usage (
    id     integer NOT NULL PRIMARY KEY CHECK (id = 1),
    bytes  bigint  NOT NULL
);
INSERT INTO relay_body_usage (id, bytes) SELECT 1, COALESCE(SUM(body_bytes), 0) FROM relay_requests;
