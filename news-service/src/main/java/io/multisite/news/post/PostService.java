package io.multisite.news.post;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.news.routing.GuardedWrite;
import io.multisite.news.routing.WriteGuard;
import io.multisite.news.web.ApiException;

import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Posts are the tolerant tier: written only at the author's home site (the owner of the author's
 * unit, without a lease), replicated to every site and merged there by {@code apply_post}. Each
 * write here makes a version that wins that merge against the version it replaces: a strictly
 * later {@code updated_at}, even if the stored version came from a site whose clock runs ahead.
 * A delete is such a version too, a tombstone, and the merge lets no live version beat it.
 */
@Service
class PostService {

    static final int MAX_BODY_CHARACTERS = 4096;

    private static final String COLUMNS = "post_id, author_id, body, created_at, updated_at, origin_site";

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final WriteGuard guard;
    private final Clock clock;
    private final MeterRegistry meters;

    PostService(JdbcClient jdbc, TransactionTemplate transactions, WriteGuard guard, Clock clock, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.guard = guard;
        this.clock = clock;
        this.meters = meters;
    }

    Written<PostCreated> create(String authorId, PostRequest request) {
        String body = validBody(request);
        try (GuardedWrite write = guard.admit(authorId)) {
            // The id carries the creation time, and created_at is exactly that millisecond (the
            // schema checks it), so the feed's order (created_at, post_id) is the order of ids.
            Instant createdAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            UUID postId = PostIds.generate(createdAt.toEpochMilli());
            jdbc.sql("""
                            INSERT INTO posts (post_id, author_id, body, created_at, updated_at, origin_site, deleted, deleted_at)
                            VALUES (:postId, :authorId, :body, :createdAt, :createdAt, :site, false, NULL)""")
                    .param("postId", postId)
                    .param("authorId", authorId)
                    .param("body", body)
                    .param("createdAt", timestamp(createdAt))
                    .param("site", guard.site())
                    .update();
            count("created");
            return new Written<>(new PostCreated(postId, createdAt), write.unit(), write.epoch());
        }
    }

    Written<PostView> edit(String userId, UUID postId, PostRequest request) {
        String body = validBody(request);
        try (GuardedWrite write = guard.admit(userId)) {
            PostView edited = transactions.execute(status -> {
                if (lockOwnPost(userId, postId).deleted()) {
                    throw notFound();
                }
                return jdbc.sql("""
                                UPDATE posts
                                   SET body = :body,
                                       updated_at = greatest(:now, updated_at + interval '1 microsecond'),
                                       origin_site = :site
                                 WHERE post_id = :postId
                             RETURNING %s""".formatted(COLUMNS))
                        .param("body", body)
                        .param("now", now())
                        .param("site", guard.site())
                        .param("postId", postId)
                        .query(PostService::view)
                        .single();
            });
            count("edited");
            return new Written<>(edited, write.unit(), write.epoch());
        }
    }

    /** Deleting a post that is already deleted changes nothing and is not an error: a client may retry. */
    Written<Void> delete(String userId, UUID postId) {
        try (GuardedWrite write = guard.admit(userId)) {
            Boolean deletedNow = transactions.execute(status -> {
                if (lockOwnPost(userId, postId).deleted()) {
                    return false;
                }
                // The tombstone keeps no text; deleted_at and updated_at are the same instant.
                jdbc.sql("""
                                UPDATE posts
                                   SET body = '',
                                       deleted = true,
                                       updated_at = greatest(:now, updated_at + interval '1 microsecond'),
                                       deleted_at = greatest(:now, updated_at + interval '1 microsecond'),
                                       origin_site = :site
                                 WHERE post_id = :postId""")
                        .param("now", now())
                        .param("site", guard.site())
                        .param("postId", postId)
                        .update();
                return true;
            });
            if (Boolean.TRUE.equals(deletedNow)) {
                count("deleted");
            }
            return new Written<>(null, write.unit(), write.epoch());
        }
    }

    /** A live post as this site has it; reads are never guarded. */
    Optional<PostView> find(UUID postId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM posts WHERE post_id = :postId AND NOT deleted")
                .param("postId", postId)
                .query(PostService::view)
                .optional();
    }

    /**
     * Live posts, newest first, older than {@code before} when given. The cursor needs no lookup:
     * a post id carries its created_at, so any post id works, also one this site has not received
     * yet or one deleted since.
     */
    FeedPage feed(int limit, UUID before) {
        List<PostView> rows;
        if (before == null) {
            rows = jdbc.sql("SELECT " + COLUMNS + " FROM posts WHERE NOT deleted"
                            + " ORDER BY created_at DESC, post_id DESC LIMIT :limit")
                    .param("limit", limit + 1)
                    .query(PostService::view)
                    .list();
        } else {
            if (!PostIds.isPostId(before)) {
                throw ApiException.invalid("before must be the postId of a post");
            }
            rows = jdbc.sql("SELECT " + COLUMNS + " FROM posts WHERE NOT deleted"
                            + " AND (created_at, post_id) < (:beforeCreatedAt, :before)"
                            + " ORDER BY created_at DESC, post_id DESC LIMIT :limit")
                    .param("beforeCreatedAt", timestamp(Instant.ofEpochMilli(PostIds.millisOf(before))))
                    .param("before", before)
                    .param("limit", limit + 1)
                    .query(PostService::view)
                    .list();
        }
        // One row more than asked says whether there is a next page.
        if (rows.size() > limit) {
            List<PostView> page = rows.subList(0, limit);
            return new FeedPage(List.copyOf(page), page.get(limit - 1).postId());
        }
        return new FeedPage(rows, null);
    }

    /**
     * Locks the caller's post, live or deleted, for a write.
     *
     * @throws ApiException 404 if this site has no such post, 403 if it (or its tombstone) is someone else's
     */
    private Owned lockOwnPost(String userId, UUID postId) {
        Owned post = jdbc.sql("SELECT author_id, deleted FROM posts WHERE post_id = :postId FOR UPDATE")
                .param("postId", postId)
                .query((rs, row) -> new Owned(rs.getString("author_id"), rs.getBoolean("deleted")))
                .optional()
                .orElseThrow(PostService::notFound);
        if (!post.authorId().equals(userId)) {
            throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", "only its author may change a post");
        }
        return post;
    }

    private record Owned(String authorId, boolean deleted) {
    }

    /**
     * The body as it will be stored, or a 400 saying what is wrong with it. Lengths are in
     * characters (code points), as PostgreSQL counts them.
     */
    static String validBody(PostRequest request) {
        String body = request.body();
        if (body == null) {
            throw ApiException.invalid("body is required");
        }
        int characters;
        try {
            characters = characters(body);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage());
        }
        if (characters < 1 || characters > MAX_BODY_CHARACTERS) {
            throw ApiException.invalid("body must be 1 to " + MAX_BODY_CHARACTERS + " characters, it has " + characters);
        }
        if (body.isBlank()) {
            throw ApiException.invalid("body must not be blank");
        }
        return body;
    }

    /**
     * Counts code points, refusing what PostgreSQL cannot store or would store as something else:
     * a NUL (text cannot hold it), other control characters than tab and line breaks, and lone
     * surrogates (they would be stored as '?').
     */
    private static int characters(String body) {
        int count = 0;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < body.length() && Character.isLowSurrogate(body.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("body must be valid Unicode text");
            } else if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
                throw new IllegalArgumentException("body must not contain control characters other than tab and line breaks");
            }
            count++;
        }
        return count;
    }

    private OffsetDateTime now() {
        // PostgreSQL keeps microseconds; truncating here keeps what was compared what is stored.
        return timestamp(clock.instant().truncatedTo(ChronoUnit.MICROS));
    }

    private static OffsetDateTime timestamp(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static ApiException notFound() {
        return new ApiException(HttpStatus.NOT_FOUND, "not_found", "no such post");
    }

    private void count(String operation) {
        meters.counter("multisite.posts", "operation", operation).increment();
    }

    private static PostView view(ResultSet rs, int row) throws SQLException {
        return new PostView(rs.getObject("post_id", UUID.class), rs.getString("author_id"), rs.getString("body"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                rs.getObject("updated_at", OffsetDateTime.class).toInstant(), rs.getString("origin_site"));
    }
}
