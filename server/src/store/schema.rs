//! The SQLite schema, as numbered migrations applied in order (`PRAGMA user_version`).

/// Migration `i` brings the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: everything.
    r#"
CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    cpr TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    mobile TEXT,
    mobile_changed_at INTEGER,
    email TEXT,
    passport_number TEXT,
    driver_licence_number TEXT,
    user_id TEXT NOT NULL UNIQUE,
    mitid_blocked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX persons_passport ON persons(passport_number);
CREATE INDEX persons_driver_licence ON persons(driver_licence_number);

CREATE TABLE authenticators (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    lock_reason TEXT,
    locked_until INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    opaque_record BLOB,
    device_public_key BLOB,
    biometric_public_key BLOB,
    counter INTEGER NOT NULL DEFAULT 0,
    serial TEXT,
    secret BLOB,
    password_hash TEXT,
    last_totp_step INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX authenticators_person ON authenticators(person_id);

CREATE TABLE codes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(id),
    owner TEXT,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL,
    delivery TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    wrong_tries INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX codes_person ON codes(person_id, kind, state);

CREATE TABLE activations (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    authenticator_id TEXT NOT NULL UNIQUE,
    pin_verified INTEGER NOT NULL DEFAULT 0,
    finished INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE pin_attempts (
    id TEXT PRIMARY KEY,
    authenticator_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    transaction_id TEXT,
    sealed_state BLOB,
    used INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX pin_attempts_authenticator ON pin_attempts(authenticator_id);

CREATE TABLE registrations (
    id TEXT PRIMARY KEY,
    authenticator_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE transactions (
    id TEXT PRIMARY KEY,
    relying_party_id TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(id),
    service_provider TEXT NOT NULL,
    reference_header TEXT NOT NULL,
    reference_body TEXT NOT NULL,
    channel_binding TEXT NOT NULL,
    code_salt BLOB,
    code_hash BLOB,
    assurance TEXT NOT NULL,
    challenge BLOB NOT NULL,
    status TEXT NOT NULL,
    factor TEXT,
    authenticator_id TEXT,
    binding_failures INTEGER NOT NULL DEFAULT 0,
    result_fetched INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    answered_at INTEGER
) STRICT;
CREATE INDEX transactions_person ON transactions(person_id, status);

CREATE TABLE relying_parties (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    api_key_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    person_id TEXT,
    authenticator_id TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE password_access (
    person_id TEXT PRIMARY KEY REFERENCES persons(id),
    requested_at INTEGER NOT NULL,
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    announced INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE request_nonces (
    authenticator_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    keep_until INTEGER NOT NULL,
    PRIMARY KEY (authenticator_id, nonce)
) STRICT, WITHOUT ROWID;

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    person_id TEXT,
    sealed_body BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
) STRICT;

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    person_id TEXT,
    authenticator_id TEXT,
    detail TEXT NOT NULL
) STRICT;
CREATE INDEX audit_person ON audit_log(person_id);
-- Append-only: the log can only grow, even through a bug in this server.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    state TEXT NOT NULL,
    status INTEGER NOT NULL,
    sealed_body BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT, WITHOUT ROWID;
"#,
    // 2: the security review (issue 9): stable pairwise subjects, retired user IDs, the
    // profile-change wait, biometric challenges, web log-ins apart from transactions, staff
    // second factor and lock-out, windowed counters.
    r#"
ALTER TABLE transactions ADD COLUMN approved_user_id TEXT;

CREATE TABLE pairwise_subjects (
    person_id TEXT NOT NULL REFERENCES persons(id),
    sector TEXT NOT NULL,
    subject TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, sector)
) STRICT, WITHOUT ROWID;

CREATE TABLE retired_user_ids (
    user_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    retired_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE profile_access (
    person_id TEXT PRIMARY KEY REFERENCES persons(id),
    requested_at INTEGER NOT NULL,
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL
) STRICT;

CREATE TABLE proof_challenges (
    id TEXT PRIMARY KEY,
    authenticator_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    challenge BLOB NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE web_logins (
    id TEXT PRIMARY KEY,
    secret_hash BLOB NOT NULL,
    transaction_id TEXT,
    session_issued INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

ALTER TABLE staff ADD COLUMN totp_secret BLOB;
ALTER TABLE staff ADD COLUMN last_totp_step INTEGER;
ALTER TABLE staff ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN locked_until INTEGER;
ALTER TABLE staff ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_subject ON sessions(kind, subject);
CREATE INDEX codes_issued ON codes(person_id, created_at);

CREATE TABLE counters (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    count INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT, WITHOUT ROWID;
"#,
    // 3: OpenID Connect (issue 11): clients beside the JSON API's relying parties, and the
    // browser logins from the authorization request to the tokens.
    r#"
CREATE TABLE oidc_clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    secret_hash BLOB NOT NULL,
    redirect_uris TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- MitID.dk, the built-in client (domain::oidc::clients::MITID_DK): its row is here for the
-- logins' reference; its redirect URI follows the issuer, and it has no secret.
INSERT INTO oidc_clients (id, name, secret_hash, redirect_uris, created_at)
    VALUES ('mitid-dk', 'MitID.dk', X'', '[]', 0);

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
    browser_hash BLOB NOT NULL,
    stage TEXT NOT NULL,
    channel TEXT,
    transaction_id TEXT,
    sealed_code BLOB,
    auth_code_hash BLOB UNIQUE,
    code_expires_at INTEGER,
    code_used INTEGER NOT NULL DEFAULT 0,
    access_token_hash BLOB UNIQUE,
    token_expires_at INTEGER,
    tokens_revoked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX oidc_logins_expiry ON oidc_logins(expires_at);
"#,
    // 4: persons without a CPR number (foreigners identified by their passport and a P-code,
    // issue 13): `cpr` becomes optional (still unique when present). SQLite cannot relax a
    // column, so the table is rebuilt (the migration runs with foreign keys off and checks
    // them before it commits).
    r#"
CREATE TABLE persons_v4 (
    id TEXT PRIMARY KEY,
    cpr TEXT UNIQUE,
    name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    mobile TEXT,
    mobile_changed_at INTEGER,
    email TEXT,
    passport_number TEXT,
    driver_licence_number TEXT,
    user_id TEXT NOT NULL UNIQUE,
    mitid_blocked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;
INSERT INTO persons_v4 (id, cpr, name, birth_date, mobile, mobile_changed_at, email,
        passport_number, driver_licence_number, user_id, mitid_blocked, created_at)
    SELECT id, cpr, name, birth_date, mobile, mobile_changed_at, email,
        passport_number, driver_licence_number, user_id, mitid_blocked, created_at
    FROM persons;
DROP TABLE persons;
ALTER TABLE persons_v4 RENAME TO persons;
CREATE INDEX persons_passport ON persons(passport_number);
CREATE INDEX persons_driver_licence ON persons(driver_licence_number);
"#,
    // 5: several server processes (issue 14): a dispatcher claims the messages it sends.
    r#"
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
"#,
    // 6: a message the gateway keeps refusing is given up after 3 days; the claim
    // reads only the messages still to send, and one person's messages by an index.
    r#"
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN given_up_at INTEGER;
CREATE INDEX outbox_due ON outbox(id) WHERE sent_at IS NULL AND given_up_at IS NULL;
CREATE INDEX outbox_person ON outbox(person_id);
"#,
    // 7: a relying party or an OpenID Connect client an administrator disabled (a leaked
    // secret, a service gone) is refused at every step.
    r#"
ALTER TABLE oidc_clients ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0
    CHECK (disabled IN (0, 1));
ALTER TABLE relying_parties ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0
    CHECK (disabled IN (0, 1));
"#,
    // 8: a counter keeps its events in runs, so that it counts the window before each
    // event rather than a fixed one (a burst across a fixed window's end reached twice
    // a limit).
    r#"
ALTER TABLE counters ADD COLUMN runs TEXT NOT NULL DEFAULT '';
"#,
];
