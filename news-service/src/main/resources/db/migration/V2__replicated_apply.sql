-- How rows written at another site are applied here. The replication service calls one function
-- per change event; each is atomic and idempotent (applying an event twice is applying it once),
-- so at-least-once delivery is enough. Each returns true when it changed something.
--
-- Both merges keep, of the stored version and the incoming one, the greater under a total order
-- of versions. Taking the maximum is commutative, associative and idempotent, so every site that
-- has received the same set of versions holds the same row, byte for byte, whatever the order and
-- however often they arrived. Site ids and text compare byte-wise (COLLATE "C"), so every site
-- orders them identically whatever its locale.

-- Posts: "delete is final", then last writer wins. The order of versions is
--   (deleted, updated_at, origin_site, body, deleted_at, created_at, author_id)
-- so that
--   * any tombstone beats any live version, whatever their stamps: an edit made at one site
--     while another site deleted the post (in a partition, or with a clock running ahead)
--     never resurrects it, in whichever order the two arrive;
--   * between live versions, or between tombstones, the later (updated_at, origin_site) wins,
--     the site id breaking ties of the clock;
--   * the remaining columns make the order total. Two different versions with the same
--     (updated_at, origin_site) cannot come from a correct writer (a site's every write of a row
--     is strictly later than the version it replaces), but if one ever did, all sites would
--     still keep the same one instead of whichever arrived first.
CREATE FUNCTION apply_post(
    p_post_id     uuid,
    p_author_id   text,
    p_body        text,
    p_created_at  timestamptz,
    p_updated_at  timestamptz,
    p_origin_site text,
    p_deleted     boolean,
    p_deleted_at  timestamptz
) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    changed integer;
BEGIN
    INSERT INTO posts AS p (post_id, author_id, body, created_at, updated_at, origin_site, deleted, deleted_at)
    VALUES (p_post_id, p_author_id, p_body, p_created_at, p_updated_at, p_origin_site, p_deleted, p_deleted_at)
    ON CONFLICT (post_id) DO UPDATE
        SET author_id = EXCLUDED.author_id,
            body = EXCLUDED.body,
            created_at = EXCLUDED.created_at,
            updated_at = EXCLUDED.updated_at,
            origin_site = EXCLUDED.origin_site,
            deleted = EXCLUDED.deleted,
            deleted_at = EXCLUDED.deleted_at
        -- deleted_at is null on live versions; a row comparison with a null is not true, so nulls
        -- sort first explicitly.
        WHERE (EXCLUDED.deleted, EXCLUDED.updated_at, EXCLUDED.origin_site COLLATE "C", EXCLUDED.body COLLATE "C",
               coalesce(EXCLUDED.deleted_at, '-infinity'), EXCLUDED.created_at, EXCLUDED.author_id COLLATE "C")
            > (p.deleted, p.updated_at, p.origin_site COLLATE "C", p.body COLLATE "C",
               coalesce(p.deleted_at, '-infinity'), p.created_at, p.author_id COLLATE "C");
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed > 0;
END
$$;

-- Sessions: the same function as account-service's, so that the replication service applies a
-- session change to both databases alike. Last writer wins on (updated_at, origin_site); a
-- revocation is written with a strictly later updated_at than the version it replaces.
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
