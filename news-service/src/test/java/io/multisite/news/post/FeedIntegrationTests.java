package io.multisite.news.post;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.multisite.news.Api;
import io.multisite.news.IntegrationTestSupport;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The read-mostly tier: any site serves the feed from its own replica, to anyone. */
class FeedIntegrationTests extends IntegrationTestSupport {

    private static final long T0 = Instant.parse("2026-11-24T12:00:00Z").toEpochMilli();

    @Test
    void servesTheNewestPostsFirstFromTheLocalReplicaWhateverTheirOrigin() {
        UUID fromB = replicated("bea", "from site-b", T0 + 1_000, "site-b");
        UUID fromC = replicated("cai", "from site-c", T0 + 3_000, "site-c");
        UUID fromA = replicated("ann", "from site-a", T0 + 2_000, "site-a");

        Api.Response feed = api.feed("");

        assertThat(feed.status()).isEqualTo(200);
        assertThat(ids(feed)).containsExactly(fromC.toString(), fromA.toString(), fromB.toString());
        JsonNode first = feed.json().path("items").get(0);
        assertThat(first.path("authorId").asString()).isEqualTo("cai");
        assertThat(first.path("body").asString()).isEqualTo("from site-c");
        assertThat(first.path("originSite").asString()).isEqualTo("site-c");
        assertThat(Instant.parse(first.path("createdAt").asString())).isEqualTo(Instant.ofEpochMilli(T0 + 3_000));
        assertThat(Instant.parse(first.path("updatedAt").asString())).isEqualTo(Instant.ofEpochMilli(T0 + 3_000));
        assertThat(feed.json().path("nextBefore").isNull()).as("one page holds them all").isTrue();
        assertThat(feed.header("X-Served-By")).contains("site-a");
        assertThat(feed.header("X-Unit")).as("a feed is about nobody in particular").isEmpty();
    }

    @Test
    void showsAPostJustWrittenHereFirst() {
        replicated("bea", "older", T0, "site-b");
        String token = login(TestUsers.homedAt("site-a", "ann"));

        String postId = api.postOf(token, "newest");

        assertThat(ids(api.feed("?limit=1"))).containsExactly(postId);
    }

    @Test
    void pagesThroughEveryPostOnceWithTheCursor() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            // Two posts per millisecond at times: the id decides between them.
            expected.add(replicated("ann", "post " + i, T0 + i / 2, "site-a").toString());
        }
        expected.sort((a, b) -> b.compareTo(a));

        List<String> seen = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String query = "?limit=3";
        while (true) {
            Api.Response page = api.feed(query);
            assertThat(page.status()).as(page.text()).isEqualTo(200);
            pageSizes.add(page.json().path("items").size());
            seen.addAll(ids(page));
            JsonNode next = page.json().path("nextBefore");
            if (next.isNull()) {
                break;
            }
            assertThat(next.asString()).isEqualTo(seen.get(seen.size() - 1));
            query = "?limit=3&before=" + next.asString();
        }

        assertThat(pageSizes).containsExactly(3, 3, 1);
        assertThat(seen).isEqualTo(expected);
    }

    @Test
    void leavesDeletedPostsOutButStillPagesPastThem() {
        UUID oldest = replicated("ann", "oldest", T0, "site-a");
        UUID deleted = replicated("ann", "deleted", T0 + 1, "site-a");
        UUID newest = replicated("ann", "newest", T0 + 2, "site-a");
        jdbc.sql("SELECT apply_post(:id, 'ann', '', :created, :deletedAt, 'site-a', true, :deletedAt)")
                .param("id", deleted)
                .param("created", Instant.ofEpochMilli(T0 + 1).atOffset(ZoneOffset.UTC))
                .param("deletedAt", Instant.ofEpochMilli(T0 + 5).atOffset(ZoneOffset.UTC))
                .query(Boolean.class)
                .single();

        assertThat(ids(api.feed(""))).containsExactly(newest.toString(), oldest.toString());
        assertThat(ids(api.feed("?before=" + deleted))).as("a cursor that was deleted since").containsExactly(oldest.toString());
    }

    @Test
    void takesAnyPostIdAsCursorAlsoOneThisSiteHasNotReceived() {
        UUID older = replicated("ann", "older", T0, "site-a");
        replicated("ann", "newer", T0 + 10, "site-a");

        Api.Response page = api.feed("?before=" + PostIds.generate(T0 + 5));

        assertThat(ids(page)).containsExactly(older.toString());
    }

    @Test
    void servesTwentyPostsByDefaultAndAtMostAHundred() {
        for (int i = 0; i < 101; i++) {
            replicated("ann", "post " + i, T0 + i, "site-a");
        }

        assertThat(api.feed("").json().path("items").size()).isEqualTo(20);
        assertThat(api.feed("?limit=100").json().path("items").size()).isEqualTo(100);
        assertThat(api.feed("?limit=100").json().path("nextBefore").isNull()).isFalse();
    }

    /** A post as the replication service brings it from its origin. */
    private UUID replicated(String author, String body, long createdMillis, String origin) {
        UUID postId = PostIds.generate(createdMillis);
        boolean applied = jdbc.sql("SELECT apply_post(:id, :author, :body, :created, :created, :origin, false, NULL)")
                .param("id", postId)
                .param("author", author)
                .param("body", body)
                .param("created", Instant.ofEpochMilli(createdMillis).atOffset(ZoneOffset.UTC))
                .param("origin", origin)
                .query(Boolean.class)
                .single();
        assertThat(applied).isTrue();
        return postId;
    }

    private static List<String> ids(Api.Response feed) {
        List<String> ids = new ArrayList<>();
        JsonNode items = feed.json().path("items");
        for (int i = 0; i < items.size(); i++) {
            ids.add(items.get(i).path("postId").asString());
        }
        return ids;
    }
}
