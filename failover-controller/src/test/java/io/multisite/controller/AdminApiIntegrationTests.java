package io.multisite.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableJson;
import io.multisite.routing.RoutingTableSource;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * The admin API and {@code GET /api/routing} of one instance, with the table and the command
 * topic in the test's hands: checks, errors and what gets queued for the leader.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "multisite.site=site-b", "multisite.kafka.enabled=false", "multisite.controller.admin-token=test-admin-token"})
@Import(AdminApiIntegrationTests.Fakes.class)
class AdminApiIntegrationTests {

    private static final String TOKEN = "Bearer test-admin-token";

    @LocalServerPort
    int port;
    @Autowired
    AtomicReference<RoutingTable> table;
    @Autowired
    MockProducer<String, String> commands;

    private final HttpClient http = HttpClient.newHttpClient();

    @TestConfiguration
    static class Fakes {

        @Bean
        AtomicReference<RoutingTable> table() {
            return new AtomicReference<>();
        }

        @Bean
        RoutingTableSource routingTableSource(AtomicReference<RoutingTable> table) {
            return () -> Optional.ofNullable(table.get());
        }

        @Bean
        MockProducer<String, String> commandProducer() {
            return new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
        }
    }

    @BeforeEach
    void reset() {
        table.set(RoutingTable.initial(List.of("site-a", "site-b", "site-c"), 64));
        commands.clear();
    }

    @Test
    void servesTheRoutingTableFromAnyInstance() throws Exception {
        HttpResponse<String> response = get("/api/routing");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(RoutingTableJson.read(response.body())).isEqualTo(table.get());
        assertThat(response.headers().firstValue("X-Served-By")).contains("site-b");
        assertThat(response.headers().firstValue("X-Routing-Epoch")).contains("1");
    }

    @Test
    void answersServiceUnavailableBeforeTheFirstTable() throws Exception {
        table.set(null);
        HttpResponse<String> response = get("/api/routing");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("\"error\":\"no_routing_table\"");
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void queuesAnAdminCommandForTheLeader() throws Exception {
        HttpResponse<String> response = post("/admin/sites/site-c/dead?reason=fire", TOKEN);
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).contains("\"action\":\"MARK_DEAD\"");
        assertThat(commands.history()).singleElement().satisfies(record -> {
            assertThat(record.topic()).isEqualTo(MultisiteTopics.CONTROLLER_COMMANDS);
            assertThat(record.value()).contains("\"action\":\"MARK_DEAD\"", "\"site\":\"site-c\"", "\"reason\":\"fire\"");
        });
    }

    @Test
    void refusesAdminCallsWithoutTheAdminToken() throws Exception {
        assertThat(post("/admin/sites/site-c/dead", null).statusCode()).isEqualTo(401);
        HttpResponse<String> forged = post("/admin/sites/site-c/dead", "Bearer guess");
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("\"error\":\"forbidden\"");
        assertThat(commands.history()).isEmpty();
    }

    @Test
    void refusesCommandsTheTableCannotTake() throws Exception {
        assertError(post("/admin/sites/site-x/dead", TOKEN), 404, "unknown_site");
        assertError(post("/admin/units/64/force-activate", TOKEN), 400, "invalid_request");
        assertError(post("/admin/units/abc/force-activate", TOKEN), 400, "invalid_request");
        assertError(post("/admin/units/3/force-activate", TOKEN), 409, "invalid_transition");
        assertError(post("/admin/sites/site-a/up", TOKEN), 409, "invalid_transition");
        table.set(table.get().drain("site-a"));
        assertError(post("/admin/sites/site-a/drain", TOKEN), 409, "invalid_transition");
        assertThat(commands.history()).as("nothing queued").isEmpty();
    }

    @Test
    void acceptsForceActivationOfARecoveringUnit() throws Exception {
        table.set(table.get().change().markDead("site-a").takeOver(0, "site-b").apply());
        assertThat(post("/admin/units/0/force-activate", TOKEN).statusCode()).isEqualTo(202);
        assertThat(commands.history()).singleElement().satisfies(r -> assertThat(r.value()).contains("\"unit\":0"));
    }

    @Test
    void refusesMovesAndFailBacksTheTableCannotTake() throws Exception {
        int unit = table.get().unitsOwnedBy("site-a").get(0);
        assertError(post("/admin/units/" + unit + "/move", TOKEN), 400, "invalid_request");
        assertError(post("/admin/units/64/move?to=site-b", TOKEN), 400, "invalid_request");
        assertError(post("/admin/units/" + unit + "/move?to=site-x", TOKEN), 404, "unknown_site");
        assertError(post("/admin/units/" + unit + "/move?to=site-a", TOKEN), 409, "invalid_transition");
        table.set(table.get().drain("site-c"));
        assertError(post("/admin/units/" + unit + "/move?to=site-c", TOKEN), 409, "invalid_transition");
        assertError(post("/admin/sites/site-c/failback", TOKEN), 409, "invalid_transition");
        table.set(table.get().fence(unit, "site-b"));
        assertError(post("/admin/units/" + unit + "/move?to=site-b", TOKEN), 409, "invalid_transition");
        assertThat(commands.history()).as("nothing queued").isEmpty();
    }

    @Test
    void acceptsAMoveToAnUpSiteAndAFailBackToAnUpSite() throws Exception {
        int unit = table.get().unitsOwnedBy("site-a").get(0);
        HttpResponse<String> move = post("/admin/units/" + unit + "/move?to=site-b&reason=rebalance", TOKEN);
        assertThat(move.statusCode()).as(move.body()).isEqualTo(202);
        assertThat(move.body()).contains("\"action\":\"MOVE\"");
        assertThat(post("/admin/sites/site-c/failback", TOKEN).statusCode()).isEqualTo(202);
        assertThat(commands.history()).hasSize(2);
        assertThat(commands.history().get(0).value()).contains("\"unit\":" + unit, "\"site\":\"site-b\"", "\"action\":\"MOVE\"");
        assertThat(commands.history().get(1).value()).contains("\"action\":\"FAIL_BACK\"", "\"site\":\"site-c\"");
    }

    private void assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.body()).contains("\"error\":\"" + code + "\"").contains("\"message\"");
        assertThat(response.headers().firstValue("X-Served-By")).contains("site-b");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
