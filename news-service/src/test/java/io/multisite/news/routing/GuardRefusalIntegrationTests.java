package io.multisite.news.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.news.Api;
import io.multisite.news.IntegrationTestSupport;
import io.multisite.routing.RefusalReason;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.Units;
import io.multisite.testsupport.TestRouting;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Posts are the tolerant tier: written at the owner of the author's unit, and only a fence stops
 * that owner; the lease and a RECOVERING unit do not. Every refusal a tolerant write can get, as
 * the HTTP answer a client sees, with nothing written.
 */
class GuardRefusalIntegrationTests extends IntegrationTestSupport {

    /** What the guard can refuse a tolerant write for (RECOVERING and the lease only stop debits). */
    private static final RefusalReason[] TOLERANT_REFUSALS = {
            RefusalReason.NO_ROUTING_TABLE, RefusalReason.SITE_DEAD, RefusalReason.NOT_OWNER, RefusalReason.UNIT_FENCED};

    @Autowired
    MeterRegistry meters;

    static Stream<Arguments> refusedWrites() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (RefusalReason reason : TOLERANT_REFUSALS) {
            cases.add(Arguments.of(reason, "create"));
            cases.add(Arguments.of(reason, "edit"));
            cases.add(Arguments.of(reason, "delete"));
        }
        return cases.build();
    }

    @ParameterizedTest(name = "{1} refused for {0}")
    @MethodSource("refusedWrites")
    void answersEveryRefusedWriteWithItsStatusAndWritesNothing(RefusalReason reason, String operation) {
        String author = TestUsers.homedAt("site-a", "author");
        int unit = Units.DEFAULT.of(author);
        String token = login(author);
        String postId = api.postOf(token, "written while healthy");
        arrange(reason, unit);
        double refusalsBefore = refusals(reason);
        String before = allRows();

        Api.Response answer = operations(postId).get(operation).apply(api, token);

        assertThat(answer.status()).as(answer.text()).isEqualTo(reason.httpStatus());
        assertThat(answer.error()).isEqualTo(reason.code());
        assertThat(answer.json().path("message").asString()).isNotBlank();
        assertThat(answer.json().path("unit").asInt()).isEqualTo(unit);
        assertThat(answer.header("X-Unit")).contains(String.valueOf(unit));
        assertThat(answer.header("X-Served-By")).contains("site-a");
        if (reason == RefusalReason.NO_ROUTING_TABLE) {
            assertThat(answer.json().path("epoch").asLong()).isZero();
            assertThat(answer.header("X-Routing-Epoch")).isEmpty();
        } else {
            assertThat(answer.json().path("epoch").asLong()).isEqualTo(routing.table().epoch());
            assertThat(answer.header("X-Routing-Epoch")).contains(String.valueOf(routing.table().epoch()));
        }
        if (reason == RefusalReason.NOT_OWNER) {
            assertThat(answer.header("X-Owner-Site")).contains("site-b");
            assertThat(answer.json().path("owner").asString()).isEqualTo("site-b");
            assertThat(answer.header("Retry-After")).isEmpty();
        } else {
            assertThat(answer.header("Retry-After")).contains(String.valueOf(reason.retryAfter().toSeconds()));
            assertThat(answer.json().has("owner")).isFalse();
        }
        assertThat(allRows()).isEqualTo(before);
        assertThat(refusals(reason) - refusalsBefore).isEqualTo(1);
    }

    @Test
    void sendsAnotherSitesAuthorsToTheirOwner() {
        String token = login(TestUsers.homedAt("site-c", "carl"));

        Api.Response created = api.createPost(token, "hello");

        assertThat(created.status()).isEqualTo(421);
        assertThat(created.error()).isEqualTo("not_owner");
        assertThat(created.header("X-Owner-Site")).contains("site-c");
        assertThat(created.json().path("owner").asString()).isEqualTo("site-c");
        assertThat(count("posts")).isZero();
    }

    @Test
    void writesPostsWithoutALease() {
        // A site cut off from the Kafka majority loses its lease, and keeps taking posts from the
        // clients that still reach it: they merge last-writer-wins when the partition heals.
        String token = login(TestUsers.homedAt("site-a", "lena"));
        routing.advance(Duration.ofSeconds(10));

        Api.Response created = api.createPost(token, "posted during a partition");
        String postId = created.json().path("postId").asString();

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(api.editPost(token, postId, "edited during a partition").status()).isEqualTo(200);
        assertThat(api.deletePost(token, postId).status()).isEqualTo(204);
    }

    @Test
    void writesPostsInAUnitThatIsRecoveringFromAFailover() {
        String author = TestUsers.homedAt("site-b", "dora");
        routing.set(TestRouting.INITIAL.change().markDead("site-b").takeOver(Units.DEFAULT.of(author), "site-a").apply());

        Api.Response created = api.createPost(login(author), "site-b is down, site-a took me over");

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.header("X-Routing-Epoch")).contains(String.valueOf(routing.table().epoch()));
    }

    @Test
    void servesReadsWithoutARoutingTable() {
        String postId = api.postOf(login(TestUsers.homedAt("site-a", "rita")), "readable anywhere");
        routing.clear();

        assertThat(api.feed("").status()).isEqualTo(200);
        assertThat(api.get("/api/posts/" + postId, null).status()).isEqualTo(200);
    }

    /** The routing state in which the guard refuses the unit's writes for {@code reason}. */
    private void arrange(RefusalReason reason, int unit) {
        RoutingTable table = routing.table();
        switch (reason) {
            case NO_ROUTING_TABLE -> routing.clear();
            case SITE_DEAD -> routing.set(table.markDead("site-a"));
            case NOT_OWNER -> routing.set(table.change().fence(unit, "site-b").apply().completeMove(unit));
            case UNIT_FENCED -> routing.set(table.fence(unit, "site-b"));
            default -> throw new IllegalArgumentException("a tolerant write is never refused for " + reason);
        }
    }

    private static Map<String, BiFunction<Api, String, Api.Response>> operations(String postId) {
        return Map.of(
                "create", (api, token) -> api.createPost(token, "another"),
                "edit", (api, token) -> api.editPost(token, postId, "edited"),
                "delete", (api, token) -> api.deletePost(token, postId));
    }

    private double refusals(RefusalReason reason) {
        return meters.counter("multisite.guard.refusals", "reason", reason.code(), "tier", "tolerant").count();
    }
}
