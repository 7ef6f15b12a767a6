-- Alert rules: the rule itself is the JSON body of the API (the id aside). Default rules come
-- from config/base.json at every start; an edited default is "overridden" (a new release's
-- version no longer replaces it) and a deleted default is kept as "deleted" (so the next
-- start does not bring it back).
CREATE TABLE alert_rules (
    id          text    NOT NULL PRIMARY KEY,
    body        jsonb   NOT NULL,
    is_default  boolean NOT NULL DEFAULT FALSE,
    overridden  boolean NOT NULL DEFAULT FALSE,
    deleted     boolean NOT NULL DEFAULT FALSE,
    version     bigint  NOT NULL DEFAULT 1,
    created_at  bigint  NOT NULL,
    updated_at  bigint  NOT NULL,
    CHECK (is_default OR NOT (overridden OR deleted))
);
