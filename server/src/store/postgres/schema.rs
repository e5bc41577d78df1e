//! The PostgreSQL schema: the tables of `store/schema.rs` (SQLite) in PostgreSQL's types,
//! as numbered migrations recorded in `schema_version`. A migration of the SQLite schema
//! has its twin here (docs/contributing.md): the SQL in `store/sql/` runs on both.
//!
//! Types: integers are `BIGINT` (the records hold `i64`), truth values `BOOLEAN`, bytes
//! `BYTEA`. `codes.rowid` stands in for SQLite's implicit row number, which orders codes
//! issued in the same second.

/// Migration `i` brings the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the SQLite schema at its version 5.
    r#"
CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    cpr TEXT UNIQUE,
    name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    mobile TEXT,
    mobile_changed_at BIGINT,
    email TEXT,
    passport_number TEXT,
    driver_licence_number TEXT,
    user_id TEXT NOT NULL UNIQUE,
    mitid_blocked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX persons_passport ON persons(passport_number);
CREATE INDEX persons_driver_licence ON persons(driver_licence_number);

CREATE TABLE authenticators (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    lock_reason TEXT,
    locked_until BIGINT,
    failures BIGINT NOT NULL DEFAULT 0,
    opaque_record BYTEA,
    device_public_key BYTEA,
    biometric_public_key BYTEA,
    counter BIGINT NOT NULL DEFAULT 0,
    serial TEXT,
    secret BYTEA,
    password_hash TEXT,
    last_totp_step BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX authenticators_person ON authenticators(person_id);

CREATE TABLE codes (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(id),
    owner TEXT,
    salt BYTEA NOT NULL,
    hash BYTEA NOT NULL,
    delivery TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    wrong_tries BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX codes_person ON codes(person_id, kind, state);
CREATE INDEX codes_issued ON codes(person_id, created_at);

CREATE TABLE activations (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    authenticator_id TEXT NOT NULL UNIQUE,
    pin_verified BOOLEAN NOT NULL DEFAULT FALSE,
    finished BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE pin_attempts (
    id TEXT PRIMARY KEY,
    authenticator_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    transaction_id TEXT,
    sealed_state BYTEA,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX pin_attempts_authenticator ON pin_attempts(authenticator_id);

CREATE TABLE registrations (
    id TEXT PRIMARY KEY,
    authenticator_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE transactions (
    id TEXT PRIMARY KEY,
    relying_party_id TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(id),
    service_provider TEXT NOT NULL,
    reference_header TEXT NOT NULL,
    reference_body TEXT NOT NULL,
    channel_binding TEXT NOT NULL,
    code_salt BYTEA,
    code_hash BYTEA,
    assurance TEXT NOT NULL,
    challenge BYTEA NOT NULL,
    status TEXT NOT NULL,
    factor TEXT,
    authenticator_id TEXT,
    binding_failures BIGINT NOT NULL DEFAULT 0,
    result_fetched BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    answered_at BIGINT,
    approved_user_id TEXT
);
CREATE INDEX transactions_person ON transactions(person_id, status);

CREATE TABLE relying_parties (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    api_key_hash BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    totp_secret BYTEA,
    last_totp_step BIGINT,
    failures BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    person_id TEXT,
    authenticator_id TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_subject ON sessions(kind, subject);

CREATE TABLE password_access (
    person_id TEXT PRIMARY KEY REFERENCES persons(id),
    requested_at BIGINT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    announced BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE request_nonces (
    authenticator_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    keep_until BIGINT NOT NULL,
    PRIMARY KEY (authenticator_id, nonce)
);

CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    person_id TEXT,
    sealed_body BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    claimed_until BIGINT
);

CREATE TABLE audit_log (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    person_id TEXT,
    authenticator_id TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_person ON audit_log(person_id);
-- Append-only: the log can only grow, even through a bug in this server.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    state TEXT NOT NULL,
    status BIGINT NOT NULL,
    sealed_body BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE TABLE pairwise_subjects (
    person_id TEXT NOT NULL REFERENCES persons(id),
    sector TEXT NOT NULL,
    subject TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, sector)
);

CREATE TABLE retired_user_ids (
    user_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    retired_at BIGINT NOT NULL
);

CREATE TABLE profile_access (
    person_id TEXT PRIMARY KEY REFERENCES persons(id),
    requested_at BIGINT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL
);

CREATE TABLE proof_challenges (
    id TEXT PRIMARY KEY,
    authenticator_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    challenge BYTEA NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at BIGINT NOT NULL
);

CREATE TABLE web_logins (
    id TEXT PRIMARY KEY,
    secret_hash BYTEA NOT NULL,
    transaction_id TEXT,
    session_issued BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE counters (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    count BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE TABLE oidc_clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    secret_hash BYTEA NOT NULL,
    redirect_uris TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- MitID.dk, the built-in client (domain::oidc::clients::MITID_DK).
INSERT INTO oidc_clients (id, name, secret_hash, redirect_uris, created_at)
    VALUES ('mitid-dk', 'MitID.dk', ''::bytea, '[]', 0);

CREATE TABLE oidc_logins (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES oidc_clients(id),
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    state TEXT,
    nonce TEXT,
    code_challenge TEXT NOT NULL,
    assurance TEXT NOT NULL,
    login_hint TEXT,
    ui_locale TEXT,
    browser_hash BYTEA NOT NULL,
    stage TEXT NOT NULL,
    channel TEXT,
    transaction_id TEXT,
    sealed_code BYTEA,
    auth_code_hash BYTEA UNIQUE,
    code_expires_at BIGINT,
    code_used BOOLEAN NOT NULL DEFAULT FALSE,
    access_token_hash BYTEA UNIQUE,
    token_expires_at BIGINT,
    tokens_revoked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oidc_logins_expiry ON oidc_logins(expires_at);
"#,
    // 2: the SQLite schema's version 6: a message the gateway keeps refusing is given up
    // after 3 days; the claim reads only the messages still to send; one person's
    // messages and audit events are read by an index in their order (SQLite's indexes
    // carry the row id, PostgreSQL's need the column).
    r#"
ALTER TABLE outbox ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN given_up_at BIGINT;
-- IF NOT EXISTS: an operator may build these beforehand with CONCURRENTLY, so that a large
-- log is not held back while they are built (docs/deployment.md).
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(id) WHERE sent_at IS NULL AND given_up_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_person ON outbox(person_id, id);
CREATE INDEX IF NOT EXISTS audit_person_seq ON audit_log(person_id, seq);
DROP INDEX IF EXISTS audit_person;
"#,
    // 3: the SQLite schema's version 7: a relying party or an OpenID Connect client an
    // administrator disabled.
    r#"
ALTER TABLE oidc_clients ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE relying_parties ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
"#,
    // 4: the SQLite schema's version 8: a counter keeps its events in runs.
    r#"
ALTER TABLE counters ADD COLUMN runs TEXT NOT NULL DEFAULT '';
"#,
];
