-- Error tracking (issue 15): error events grouped into issues by a fingerprint (see docs/ERRORS.md).
-- An issue keeps its counts, the first and last time and release it was seen, its state
-- (unresolved, resolved with resolved_at and the release it was last seen in then, ignored), and
-- its latest event whole (JSON, scrubbed), so it survives the bound on events.
CREATE TABLE error_issues (
    id               TEXT    NOT NULL PRIMARY KEY,
    fingerprint      TEXT    NOT NULL UNIQUE,
    title            TEXT    NOT NULL,
    culprit          TEXT    NULL,
    exception_type   TEXT    NULL,
    level            TEXT    NOT NULL,
    service          TEXT    NULL,
    state            TEXT    NOT NULL,
    resolved_at      INTEGER  NULL,
    resolved_release TEXT    NULL,
    event_count      INTEGER  NOT NULL,
    users_affected   INTEGER  NOT NULL,
    first_seen       INTEGER  NOT NULL,
    last_seen        INTEGER  NOT NULL,
    first_release    TEXT    NULL,
    last_release     TEXT    NULL,
    spiking          INTEGER  NOT NULL,
    latest_event     TEXT    NOT NULL
);

CREATE INDEX ix_error_issues_last_seen ON error_issues (last_seen);

-- The latest events of each issue (Vigil:Errors:EventsPerIssue) within a global budget
-- (Vigil:Errors:MaxEvents); the oldest go first. event_id is the sender's, so a retried send is
-- stored and counted once.
CREATE TABLE error_events (
    event_id         TEXT    NOT NULL PRIMARY KEY,
    issue_id         TEXT    NOT NULL,
    received_at      INTEGER  NOT NULL,
    occurred_at      INTEGER  NOT NULL,
    release_name     TEXT    NULL,
    payload          TEXT    NOT NULL
);

CREATE INDEX ix_error_events_issue ON error_events (issue_id, received_at);
CREATE INDEX ix_error_events_received ON error_events (received_at);

-- The users an issue affected, as salted SHA-256 hashes (never the id sent): at most
-- Vigil:Errors:UsersPerIssue per issue, past which users_affected stops growing (a floor).
CREATE TABLE error_issue_users (
    issue_id         TEXT    NOT NULL,
    user_hash        TEXT    NOT NULL,
    PRIMARY KEY (issue_id, user_hash)
);

-- Events per issue and minute over the last two hours: the spike rule's counts.
CREATE TABLE error_issue_minutes (
    issue_id         TEXT    NOT NULL,
    minute           INTEGER  NOT NULL,
    events           INTEGER  NOT NULL,
    PRIMARY KEY (issue_id, minute)
);

-- The salt of the users' hashes, made once per installation.
CREATE TABLE error_settings (
    name             TEXT    NOT NULL PRIMARY KEY,
    value            TEXT    NOT NULL
);
