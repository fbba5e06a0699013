package io.multisite.news.post;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

import io.multisite.news.IntegrationTestSupport;
import io.multisite.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;

/**
 * The apply functions the replication service calls (V2__replicated_apply.sql): applying a change
 * twice is applying it once, and a post ends the same whatever order its versions arrive in.
 */
class ReplicatedApplyIntegrationTests extends IntegrationTestSupport {

    private static final Instant CREATED = Instant.parse("2026-01-01T12:00:00.123Z");
    private static final OffsetDateTime T1 = CREATED.atOffset(ZoneOffset.UTC);
    private static final OffsetDateTime T2 = T1.plusNanos(1_000); // one microsecond later: the clock's resolution
    private static final OffsetDateTime T3 = T2.plusNanos(1_000);

    private final UUID post = PostIds.generate(CREATED.toEpochMilli());

    @Test
    void insertsAPostOnceAndServesItInTheFeed() {
        assertThat(live("hello", T1, "site-b")).isTrue();
        assertThat(live("hello", T1, "site-b")).as("the same version again").isFalse();

        assertThat(count("posts")).isEqualTo(1);
        assertThat(api.feed("").json().path("items").get(0).path("originSite").asString()).isEqualTo("site-b");
    }

    @Test
    void keepsTheLaterOfTwoEditsInEitherOrder() {
        live("old", T1, "site-a");
        assertThat(live("new", T2, "site-a")).isTrue();
        String inOrder = row();
        truncate();

        live("new", T2, "site-a");
        assertThat(live("old", T1, "site-a")).as("an older version changes nothing").isFalse();

        assertThat(row()).isEqualTo(inOrder).contains("new");
    }

    @Test
    void breaksTiesOfTheClockByOriginSite() {
        live("from a", T1, "site-a");
        live("from c", T1, "site-c");
        String inOrder = row();
        truncate();

        live("from c", T1, "site-c");
        live("from a", T1, "site-a");

        assertThat(row()).isEqualTo(inOrder).contains("from c");
    }

    @Test
    void keepsALaterDeleteOverAnEarlierEditInEitherOrder() {
        live("edit", T1, "site-a");
        assertThat(tombstone(T2, "site-b")).isTrue();
        String inOrder = row();
        truncate();

        tombstone(T2, "site-b");
        assertThat(live("edit", T1, "site-a")).isFalse();

        assertThat(row()).isEqualTo(inOrder);
        assertThat(deleted()).isTrue();
    }

    @Test
    void neverLetsAnEditResurrectADeletedPostEvenWithALaterStamp() {
        // Edited at site-c (clock ahead, or during a partition) after site-b deleted it: delete is final.
        tombstone(T2, "site-b");
        assertThat(live("late edit", T3, "site-c")).isFalse();
        String inOrder = row();
        truncate();

        live("late edit", T3, "site-c");
        assertThat(tombstone(T2, "site-b")).isTrue();

        assertThat(row()).isEqualTo(inOrder).doesNotContain("late edit");
        assertThat(deleted()).isTrue();
        assertThat(api.get("/api/posts/" + post, null).status()).isEqualTo(404);
    }

    @Test
    void keepsTheLaterOfTwoDeletesInEitherOrder() {
        tombstone(T2, "site-b");
        tombstone(T3, "site-a");
        String inOrder = row();
        truncate();

        tombstone(T3, "site-a");
        assertThat(tombstone(T2, "site-b")).isFalse();

        assertThat(row()).isEqualTo(inOrder);
        assertThat(jdbc.sql("SELECT deleted_at = :t3 FROM posts").param("t3", T3).query(Boolean.class).single()).isTrue();
    }

    @Test
    void refusesAVersionWhoseIdDoesNotCarryItsCreationTime() {
        // The feed's cursor relies on it: (created_at, post_id) must order as post_id alone.
        UUID elsewhen = PostIds.generate(CREATED.toEpochMilli() + 1);
        UUID random = UUID.randomUUID();

        assertThatThrownBy(() -> apply(elsewhen, "x", T1, "site-b", false, null))
                .hasMessageContaining("post_id_is_uuid_v7_of_created_at");
        assertThatThrownBy(() -> apply(random, "x", T1, "site-b", false, null))
                .hasMessageContaining("post_id_is_uuid_v7_of_created_at");
        assertThatThrownBy(() -> apply(post, "text kept", T2, "site-b", true, T2)).hasMessageContaining("body_length");
        assertThat(count("posts")).isZero();
    }

    @Test
    void mergesSessionRevocationsLastWriterWinsInEitherOrder() {
        UUID inOrder = UUID.randomUUID();
        UUID reversed = UUID.randomUUID();
        Instant expires = CREATED.plusSeconds(3_600);

        applySession(inOrder, "u1", expires, false, T1);
        applySession(inOrder, "u1", expires, true, T2);
        applySession(reversed, "u1", expires, true, T2);
        boolean stale = applySession(reversed, "u1", expires, false, T1);

        assertThat(stale).isFalse();
        assertThat(jdbc.sql("SELECT bool_and(revoked) FROM sessions").query(Boolean.class).single()).isTrue();
        assertThat(applySession(reversed, "u1", expires, true, T2)).as("applying twice is applying once").isFalse();
    }

    @Test
    void canBeCalledByTheReplicationRole() throws Exception {
        // deploy/postgres/entrypoint.sh makes `replication` a member of news_service: it may apply.
        try (Connection connection = DriverManager.getConnection(TestDatabase.jdbcUrl(TestDatabase.NEWS),
                "replication", TestDatabase.PASSWORD);
             PreparedStatement post = connection.prepareStatement(
                     "SELECT apply_post(?, 'zoe', 'hi', ?, ?, 'site-c', false, NULL)");
             PreparedStatement session = connection.prepareStatement(
                     "SELECT apply_session(?, 'zoe', ?, false, ?, 'site-c')")) {
            post.setObject(1, this.post);
            post.setObject(2, T1);
            post.setObject(3, T1);
            session.setObject(1, UUID.randomUUID());
            session.setObject(2, T1.plusHours(1));
            session.setObject(3, T1);
            for (PreparedStatement apply : new PreparedStatement[] {post, session}) {
                try (ResultSet result = apply.executeQuery()) {
                    assertThat(result.next()).isTrue();
                    assertThat(result.getBoolean(1)).isTrue();
                }
            }
        }
        assertThat(count("posts")).isEqualTo(1);
        assertThat(count("sessions")).isEqualTo(1);
    }

    private boolean live(String body, OffsetDateTime updatedAt, String origin) {
        return apply(post, body, updatedAt, origin, false, null);
    }

    private boolean tombstone(OffsetDateTime deletedAt, String origin) {
        return apply(post, "", deletedAt, origin, true, deletedAt);
    }

    private boolean apply(UUID postId, String body, OffsetDateTime updatedAt, String origin, boolean deleted,
                          OffsetDateTime deletedAt) {
        return jdbc.sql("SELECT apply_post(:id, 'alice', :body, :created, :updated, :origin, :deleted, :deletedAt)")
                .param("id", postId)
                .param("body", body)
                .param("created", T1)
                .param("updated", updatedAt)
                .param("origin", origin)
                .param("deleted", deleted)
                .param("deletedAt", deletedAt, Types.TIMESTAMP_WITH_TIMEZONE)
                .query(Boolean.class)
                .single();
    }

    private String row() {
        Map<String, Object> row = jdbc.sql("SELECT * FROM posts").query().singleRow();
        return row.toString();
    }

    private boolean deleted() {
        return jdbc.sql("SELECT deleted FROM posts").query(Boolean.class).single();
    }

    private void truncate() {
        jdbc.sql("TRUNCATE posts").update();
    }
}
