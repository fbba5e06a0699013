-- The account-service schema. Four tables replicate between sites (users, ledger_entry,
-- transfers, sessions); each carries origin_site (the site that wrote the row, used by the
-- replication service to publish only its own rows) and updated_at (the last-writer-wins
-- clock; immutable tables keep it equal to created_at so that one rule covers every table).
-- accounts is local: each site materialises the balances of the entries it holds.
--
-- There are no foreign keys between replicated tables on purpose: the replication streams of
-- different origin sites are independent, so a credit may arrive before its payee's user row.

CREATE TABLE users (
    user_id       text        PRIMARY KEY CHECK (user_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    origin_site   text        NOT NULL
);

-- The local materialised sum of ledger_entry per account, kept in the same transaction as the
-- entries. No CHECK (balance >= 0): the owner never overdraws, but a site that is not the owner
-- may apply a payer's debit before the credit that funded it (they come from different sites)
-- and briefly show a negative sum. The owner's own check is what prevents overdrafts.
CREATE TABLE accounts (
    user_id    text        PRIMARY KEY,
    balance    bigint      NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Immutable. A balance is the sum of its account's entries; debits are negative.
CREATE TABLE ledger_entry (
    id          uuid        PRIMARY KEY,
    account_id  text        NOT NULL,
    amount      bigint      NOT NULL CHECK (amount <> 0),
    kind        text        NOT NULL CHECK (kind IN ('OPENING', 'DEBIT', 'CREDIT')),
    transfer_id uuid,
    origin_site text        NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CHECK ((kind = 'DEBIT') = (amount < 0)),
    CHECK ((kind = 'OPENING') = (transfer_id IS NULL))
);
CREATE INDEX ledger_entry_account ON ledger_entry (account_id);

-- Immutable. The idempotency key is unique per payer, and only the payer's owner site ever
-- writes a payer's transfers, so the key check under the payer's row lock is exact.
CREATE TABLE transfers (
    transfer_id     uuid        PRIMARY KEY,
    payer_id        text        NOT NULL,
    payee_id        text        NOT NULL,
    amount          bigint      NOT NULL CHECK (amount > 0),
    idempotency_key text        NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 64),
    balance_after   bigint      NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    origin_site     text        NOT NULL,
    CHECK (payer_id <> payee_id),
    UNIQUE (payer_id, idempotency_key)
);
CREATE INDEX transfers_payer_newest ON transfers (payer_id, created_at DESC);
CREATE INDEX transfers_payee_newest ON transfers (payee_id, created_at DESC);

-- Mutable (revocation), merged last-writer-wins on (updated_at, origin_site).
CREATE TABLE sessions (
    session_id  uuid        PRIMARY KEY,
    user_id     text        NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked     boolean     NOT NULL,
    updated_at  timestamptz NOT NULL,
    origin_site text        NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
