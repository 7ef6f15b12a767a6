-- Alert rules: the rule itself is the JSON body of the API (the id aside). Default rules come
-- from config/base.json at every start; an edited default is "overridden" (a new release's
-- version no longer replaces it) and a deleted default is kept as "deleted" (so the next
-- start does not bring it back). Booleans are 0 or 1.
CREATE TABLE alert_rules (
    id          TEXT    NOT NULL PRIMARY KEY,
    body        TEXT    NOT NULL CHECK (json_valid(body)),
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    overridden  INTEGER NOT NULL DEFAULT 0 CHECK (overridden IN (0, 1)),
    deleted     INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CHECK (is_default = 1 OR (overridden = 0 AND deleted = 0))
);
