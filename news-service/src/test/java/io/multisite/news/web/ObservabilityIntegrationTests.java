package io.multisite.news.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.multisite.news.Api;
import io.multisite.news.IntegrationTestSupport;
import io.multisite.routing.Units;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.Test;

/** Health groups and Prometheus metrics, tagged with the site and the service. */
class ObservabilityIntegrationTests extends IntegrationTestSupport {

    @Test
    void isNotReadyUntilARoutingTableIsHeld() {
        routing.clear();

        Api.Response withoutTable = api.get("/actuator/health/readiness", null);
        Api.Response alive = api.get("/actuator/health/liveness", null);
        routing.reset();
        Api.Response withTable = api.get("/actuator/health/readiness", null);

        assertThat(withoutTable.status()).isEqualTo(503);
        assertThat(withoutTable.json().path("status").asString()).isEqualTo("DOWN");
        assertThat(alive.status()).as("a missing table is no reason to restart").isEqualTo(200);
        assertThat(withTable.status()).isEqualTo(200);
        assertThat(withTable.json().path("status").asString()).isEqualTo("UP");
        assertThat(withTable.header("X-Served-By")).contains("site-a");
    }

    @Test
    void exportsPostWritesAndGuardRefusalsTaggedWithSiteAndService() {
        String author = TestUsers.homedAt("site-a", "ann");
        String token = login(author);
        String postId = api.postOf(token, "one");
        api.editPost(token, postId, "two");
        api.deletePost(token, postId);
        routing.set(routing.table().fence(Units.DEFAULT.of(author), "site-b"));
        api.createPost(token, "refused");

        String metrics = api.get("/actuator/prometheus", null).text();

        assertThat(metrics)
                .contains("multisite_posts_total{operation=\"created\",service=\"news-service\",site=\"site-a\"}")
                .contains("multisite_posts_total{operation=\"edited\",service=\"news-service\",site=\"site-a\"}")
                .contains("multisite_posts_total{operation=\"deleted\",service=\"news-service\",site=\"site-a\"}")
                .contains("multisite_guard_refusals_total{reason=\"unit_fenced\",service=\"news-service\",site=\"site-a\",tier=\"tolerant\"}");
    }
}
