-- Issue 14: each destination's circuit breaker and rate limit, shared by the processes on this
-- database (PostgresDestinationLimits; with Redis configured they live in Redis, and this table
-- takes over while Redis is down). Times in Unix ms; tokens refill continuously.
CREATE TABLE destination_limits (
    destination text             NOT NULL PRIMARY KEY,
    tokens      double precision NOT NULL,
    refilled_at bigint           NOT NULL,
    failures    integer          NOT NULL,
    open_until  bigint           NULL,
    verdict     smallint         NOT NULL
);
