-- How rows written at another site are applied here. The replication service calls one function
-- per change event; each is atomic and idempotent (applying an event twice is applying it once),
-- so at-least-once delivery is enough. Each returns true when it changed something.
--
-- Immutable rows (ledger entries, transfers) are inserted if absent. Mutable rows (users,
-- sessions) are merged last-writer-wins: the version with the greater (updated_at, origin_site)
-- wins, compared byte-wise (COLLATE "C") so every site orders site ids identically; an equal
-- pair is the same version and changes nothing.

-- Inserts the entry if it is new and, only then, adds its amount to the local materialised
-- balance (creating the account row on the first entry), in the same transaction: a balance
-- is always the sum of the entries this site holds.
CREATE FUNCTION apply_ledger_entry(
    p_id          uuid,
    p_account_id  text,
    p_amount      bigint,
    p_kind        text,
    p_transfer_id uuid,
    p_origin_site text,
    p_created_at  timestamptz
) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    inserted integer;
BEGIN
    INSERT INTO ledger_entry (id, account_id, amount, kind, transfer_id, origin_site, created_at, updated_at)
    VALUES (p_id, p_account_id, p_amount, p_kind, p_transfer_id, p_origin_site, p_created_at, p_created_at)
    ON CONFLICT (id) DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    IF inserted = 0 THEN
        RETURN false;
    END IF;
    INSERT INTO accounts AS a (user_id, balance, updated_at)
    VALUES (p_account_id, p_amount, clock_timestamp())
    ON CONFLICT (user_id) DO UPDATE
        SET balance = a.balance + EXCLUDED.balance,
            updated_at = EXCLUDED.updated_at;
    RETURN true;
END
$$;

-- Insert-if-absent on the transfer id. A different transfer with the same (payer, key) is a
-- genuine conflict and raises unique_violation rather than being dropped silently.
CREATE FUNCTION apply_transfer(
    p_transfer_id     uuid,
    p_payer_id        text,
    p_payee_id        text,
    p_amount          bigint,
    p_idempotency_key text,
    p_balance_after   bigint,
    p_origin_site     text,
    p_created_at      timestamptz
) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    inserted integer;
BEGIN
    INSERT INTO transfers (transfer_id, payer_id, payee_id, amount, idempotency_key, balance_after,
                           created_at, updated_at, origin_site)
    VALUES (p_transfer_id, p_payer_id, p_payee_id, p_amount, p_idempotency_key, p_balance_after,
            p_created_at, p_created_at, p_origin_site)
    ON CONFLICT (transfer_id) DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted > 0;
END
$$;

CREATE FUNCTION apply_user(
    p_user_id       text,
    p_password_hash text,
    p_created_at    timestamptz,
    p_updated_at    timestamptz,
    p_origin_site   text
) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    changed integer;
BEGIN
    INSERT INTO users AS u (user_id, password_hash, created_at, updated_at, origin_site)
    VALUES (p_user_id, p_password_hash, p_created_at, p_updated_at, p_origin_site)
    ON CONFLICT (user_id) DO UPDATE
        SET password_hash = EXCLUDED.password_hash,
            created_at = EXCLUDED.created_at,
            updated_at = EXCLUDED.updated_at,
            origin_site = EXCLUDED.origin_site
        WHERE (EXCLUDED.updated_at, EXCLUDED.origin_site COLLATE "C") > (u.updated_at, u.origin_site COLLATE "C");
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed > 0;
END
$$;

CREATE FUNCTION apply_session(
    p_session_id  uuid,
    p_user_id     text,
    p_expires_at  timestamptz,
    p_revoked     boolean,
    p_updated_at  timestamptz,
    p_origin_site text
) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    changed integer;
BEGIN
    INSERT INTO sessions AS s (session_id, user_id, expires_at, revoked, updated_at, origin_site)
    VALUES (p_session_id, p_user_id, p_expires_at, p_revoked, p_updated_at, p_origin_site)
    ON CONFLICT (session_id) DO UPDATE
        SET user_id = EXCLUDED.user_id,
            expires_at = EXCLUDED.expires_at,
            revoked = EXCLUDED.revoked,
            updated_at = EXCLUDED.updated_at,
            origin_site = EXCLUDED.origin_site
        WHERE (EXCLUDED.updated_at, EXCLUDED.origin_site COLLATE "C") > (s.updated_at, s.origin_site COLLATE "C");
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed > 0;
END
$$;
