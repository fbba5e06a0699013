-- The news-service schema. Both tables replicate between sites; each row carries origin_site (the
-- site that wrote this version of it; the replication service publishes only its own site's rows)
-- and updated_at (the last-writer-wins clock). There are no foreign keys: a post may arrive before
-- anything else about its author, and the sessions are a replica of account-service's table.

-- The Unix time in milliseconds that a UUIDv7 (RFC 9562) carries in its first 48 bits.
CREATE FUNCTION uuid_v7_millis(p_id uuid) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('x' || lpad(left(replace(p_id::text, '-', ''), 12), 16, '0'))::bit(64)::bigint
$$;

-- Mutable (edits, deletion), merged by apply_post (V2). A delete is a version like any other,
-- with deleted = true: the row stays, as a tombstone, so that no late or replayed version of the
-- post can bring it back, and it keeps no text.
CREATE TABLE posts (
    post_id     uuid        PRIMARY KEY,
    author_id   text        NOT NULL CHECK (author_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    body        text        NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    origin_site text        NOT NULL,
    deleted     boolean     NOT NULL,
    deleted_at  timestamptz,
    -- Post ids are UUIDv7 generated at the origin from the creation time, so that ids never
    -- collide between sites and the feed's order (created_at, post_id) is the order of the ids:
    -- a feed cursor is just a post id, valid at every site.
    -- (Compared in integer milliseconds, exactly; "AT TIME ZONE 'UTC'" makes extract immutable.)
    CONSTRAINT post_id_is_uuid_v7_of_created_at CHECK (substr(post_id::text, 15, 1) = '7'
           AND uuid_v7_millis(post_id) = extract(epoch FROM created_at AT TIME ZONE 'UTC') * 1000),
    CONSTRAINT tombstone_has_deleted_at CHECK (deleted = (deleted_at IS NOT NULL)),
    CONSTRAINT body_length CHECK (CASE WHEN deleted THEN body = '' ELSE char_length(body) BETWEEN 1 AND 4096 END)
);
-- The feed: newest first, tombstones left out.
CREATE INDEX posts_feed ON posts (created_at DESC, post_id DESC) WHERE NOT deleted;

-- A replica of account-service's sessions (same columns, same merge), written here only by the
-- replication service. A request is authenticated against this site's copy.
CREATE TABLE sessions (
    session_id  uuid        PRIMARY KEY,
    user_id     text        NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked     boolean     NOT NULL,
    updated_at  timestamptz NOT NULL,
    origin_site text        NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
