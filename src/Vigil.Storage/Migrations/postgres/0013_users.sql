CREATE TABLE users (
    id               text    PRIMARY KEY,
    user_name        text    NOT NULL,
    user_name_key    text    NOT NULL UNIQUE,
    password_hash    text    NOT NULL,
    role             text    NOT NULL CHECK (role IN ('viewer', 'admin')),
    stamp            text    NOT NULL,
    failed_attempts  integer NOT NULL DEFAULT 0,
    locked_until     bigint  NULL,
    created_at       bigint  NOT NULL,
    last_sign_in_at  bigint  NULL
);
