package io.multisite.news.post;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

import io.multisite.news.Api;
import io.multisite.news.IntegrationTestSupport;
import io.multisite.routing.Units;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostIntegrationTests extends IntegrationTestSupport {

    private String alice;
    private String aliceToken;
    private String bobToken;

    @BeforeEach
    void users() {
        alice = TestUsers.homedAt("site-a", "alice");
        aliceToken = login(alice);
        bobToken = login(TestUsers.homedAt("site-a", "bob"));
    }

    @Test
    void createsAPostAtTheAuthorsHomeSiteUnderATimeOrderedId() {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);

        Api.Response created = api.createPost(aliceToken, "hello from site-a");

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        UUID postId = UUID.fromString(created.json().path("postId").asString());
        Instant createdAt = Instant.parse(created.json().path("createdAt").asString());
        assertThat(PostIds.isPostId(postId)).isTrue();
        assertThat(PostIds.millisOf(postId)).as("the id carries the creation time").isEqualTo(createdAt.toEpochMilli());
        assertThat(createdAt).isBetween(before, Instant.now());
        assertThat(created.header("Location")).contains("/api/posts/" + postId);
        assertThat(created.header("X-Served-By")).contains("site-a");
        assertThat(created.header("X-Unit")).contains(String.valueOf(Units.DEFAULT.of(alice)));
        assertThat(created.header("X-Routing-Epoch")).contains("1");
        Map<String, Object> row = jdbc.sql("SELECT * FROM posts WHERE post_id = ?").param(postId).query().singleRow();
        assertThat(row).containsEntry("author_id", alice).containsEntry("body", "hello from site-a")
                .containsEntry("origin_site", "site-a").containsEntry("deleted", false).containsEntry("deleted_at", null);
        assertThat(row.get("updated_at")).isEqualTo(row.get("created_at"));
    }

    @Test
    void editsItsOwnPostWithANewerVersion() {
        String postId = api.postOf(aliceToken, "first draft");

        Api.Response edited = api.editPost(aliceToken, postId, "second draft");

        assertThat(edited.status()).as(edited.text()).isEqualTo(200);
        assertThat(edited.json().path("postId").asString()).isEqualTo(postId);
        assertThat(edited.json().path("authorId").asString()).isEqualTo(alice);
        assertThat(edited.json().path("body").asString()).isEqualTo("second draft");
        assertThat(edited.json().path("originSite").asString()).isEqualTo("site-a");
        assertThat(Instant.parse(edited.json().path("updatedAt").asString()))
                .isAfter(Instant.parse(edited.json().path("createdAt").asString()));
        assertThat(edited.header("X-Unit")).contains(String.valueOf(Units.DEFAULT.of(alice)));
        assertThat(api.get("/api/posts/" + postId, null).json().path("body").asString()).isEqualTo("second draft");
    }

    @Test
    void editsAPostLastWrittenElsewhereWithAVersionThatWinsEvenAgainstAClockRunningAhead() {
        // alice's post, last edited at site-b, whose clock is an hour ahead of ours.
        Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        UUID postId = PostIds.generate(created.toEpochMilli());
        OffsetDateTime ahead = created.plusSeconds(3_600).atOffset(ZoneOffset.UTC);
        applyPost(postId, alice, "edited at site-b", created, ahead, "site-b");

        Api.Response edited = api.editPost(aliceToken, postId.toString(), "edited at site-a");

        assertThat(edited.status()).as(edited.text()).isEqualTo(200);
        assertThat(Instant.parse(edited.json().path("updatedAt").asString())).isEqualTo(ahead.toInstant().plusNanos(1_000));
        assertThat(applyPost(postId, alice, "edited at site-b", created, ahead, "site-b"))
                .as("site-b's version, delivered again, loses to ours").isFalse();
        assertThat(api.get("/api/posts/" + postId, null).json().path("body").asString()).isEqualTo("edited at site-a");
    }

    @Test
    void deletesItsOwnPostLeavingATombstoneWithoutItsText() {
        String postId = api.postOf(aliceToken, "regrettable");

        Api.Response deleted = api.deletePost(aliceToken, postId);

        assertThat(deleted.status()).isEqualTo(204);
        assertThat(deleted.header("X-Unit")).contains(String.valueOf(Units.DEFAULT.of(alice)));
        Map<String, Object> row = jdbc.sql("SELECT * FROM posts WHERE post_id = ?::uuid").param(postId).query().singleRow();
        assertThat(row).containsEntry("deleted", true).containsEntry("body", "").containsEntry("origin_site", "site-a");
        assertThat(row.get("deleted_at")).isNotNull().isEqualTo(row.get("updated_at"));
        assertThat(api.get("/api/posts/" + postId, null).status()).isEqualTo(404);
        assertThat(api.feed("").json().path("items").size()).isZero();
    }

    @Test
    void answersARepeatedDeleteAlikeAndWritesNothing() {
        String postId = api.postOf(aliceToken, "gone");
        api.deletePost(aliceToken, postId);
        String before = allRows();

        Api.Response again = api.deletePost(aliceToken, postId);

        assertThat(again.status()).as("a client may retry a delete whose answer it lost").isEqualTo(204);
        assertThat(allRows()).isEqualTo(before);
    }

    @Test
    void doesNotEditADeletedPost() {
        String postId = api.postOf(aliceToken, "gone");
        api.deletePost(aliceToken, postId);
        String before = allRows();

        Api.Response edited = api.editPost(aliceToken, postId, "back again");

        assertThat(edited.status()).isEqualTo(404);
        assertThat(edited.error()).isEqualTo("not_found");
        assertThat(allRows()).isEqualTo(before);
    }

    @Test
    void letsOnlyTheAuthorEditOrDeleteAPost() {
        String postId = api.postOf(aliceToken, "mine");
        String before = allRows();

        Api.Response edited = api.editPost(bobToken, postId, "now it is bob's");
        Api.Response deleted = api.deletePost(bobToken, postId);

        for (Api.Response answer : new Api.Response[] {edited, deleted}) {
            assertThat(answer.status()).as(answer.text()).isEqualTo(403);
            assertThat(answer.error()).isEqualTo("forbidden");
            assertThat(answer.json().path("message").asString()).isNotBlank();
            assertThat(answer.header("X-Served-By")).contains("site-a");
        }
        assertThat(allRows()).isEqualTo(before);
    }

    @Test
    void answersPostsThisSiteDoesNotHaveWith404() {
        String unknown = PostIds.generate(System.currentTimeMillis()).toString();
        String before = allRows();

        Api.Response read = api.get("/api/posts/" + unknown, null);
        Api.Response edited = api.editPost(aliceToken, unknown, "text");
        Api.Response deleted = api.deletePost(aliceToken, unknown);

        for (Api.Response answer : new Api.Response[] {read, edited, deleted}) {
            assertThat(answer.status()).as(answer.text()).isEqualTo(404);
            assertThat(answer.error()).isEqualTo("not_found");
        }
        assertThat(allRows()).isEqualTo(before);
    }

    @Test
    void servesAPostToAnyoneWithoutAToken() {
        String postId = api.postOf(aliceToken, "public");

        Api.Response read = api.get("/api/posts/" + postId, null);

        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().path("authorId").asString()).isEqualTo(alice);
        assertThat(read.json().path("body").asString()).isEqualTo("public");
        assertThat(read.json().path("originSite").asString()).isEqualTo("site-a");
        assertThat(read.json().path("createdAt").asString()).isEqualTo(read.json().path("updatedAt").asString());
        assertThat(read.header("X-Served-By")).contains("site-a");
    }

    private boolean applyPost(UUID postId, String author, String body, Instant createdAt, OffsetDateTime updatedAt, String origin) {
        return jdbc.sql("SELECT apply_post(:id, :author, :body, :created, :updated, :origin, false, NULL)")
                .param("id", postId)
                .param("author", author)
                .param("body", body)
                .param("created", createdAt.atOffset(ZoneOffset.UTC))
                .param("updated", updatedAt)
                .param("origin", origin)
                .query(Boolean.class)
                .single();
    }
}
