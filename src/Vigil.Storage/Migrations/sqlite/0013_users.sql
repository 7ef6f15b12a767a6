CREATE TABLE users (
    id               TEXT    NOT NULL PRIMARY KEY,
    user_name        TEXT    NOT NULL,
    user_name_key    TEXT    NOT NULL UNIQUE,
    password_hash    TEXT    NOT NULL,
    role             TEXT    NOT NULL CHECK (role IN ('viewer', 'admin')),
    stamp            TEXT    NOT NULL,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     INTEGER NULL,
    created_at       INTEGER NOT NULL,
    last_sign_in_at  INTEGER NULL
);
