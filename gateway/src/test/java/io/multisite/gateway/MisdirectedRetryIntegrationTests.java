package io.multisite.gateway;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.Units;
import org.junit.jupiter.api.Test;

import static io.multisite.gateway.FakeSites.ACCOUNTS;
import static io.multisite.gateway.FakeSites.NEWS;
import static org.assertj.core.api.Assertions.assertThat;

class MisdirectedRetryIntegrationTests extends GatewayIntegrationTestSupport {

    /** What account-service answers when it does not own the unit. */
    private static FakeService.Reply notOwner(String owner, long epoch) {
        return new FakeService.Reply(421, Map.of("X-Owner-Site", owner, "X-Routing-Epoch", Long.toString(epoch)),
                "{\"error\":\"not_owner\",\"message\":\"" + owner + " owns this unit\",\"owner\":\"" + owner + "\"}");
    }

    private static FakeService.Reply notOwnerSayingNothing() {
        return new FakeService.Reply(421, Map.of(), "{\"error\":\"not_owner\",\"message\":\"not here\"}");
    }

    @Test
    void aMisdirectedRegistrationIsResentIntactToTheOwnerOfTheNewerTable() {
        RoutingTable table = routing.table();
        String user = Tables.userOwnedBy(table, "site-b");
        RoutingTable moved = Tables.moved(table, Units.DEFAULT.of(user), "site-c");
        // The table moves while site-b answers: the gateway learns of it only by refreshing.
        sites.of("site-b", ACCOUNTS).respond(request -> {
            routing.set(moved);
            return notOwnerSayingNothing();
        });
        byte[] registration = ("{\"userId\":\"" + user + "\",  \"password\":\"correct horse ✓\",\"initialBalance\":5}")
                .getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> response = gateway.send("POST", "/api/users", registration, "Content-Type", "application/json");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(header(response, "X-Served-By")).isEqualTo("site-c");
        assertThat(header(response, "X-Routing-Epoch")).isEqualTo("2");
        assertThat(sites.of("site-b", ACCOUNTS).received()).singleElement().satisfies(request -> {
            assertThat(request.body()).isEqualTo(registration);
            assertThat(request.header("X-Routing-Epoch")).isEqualTo("1");
        });
        assertThat(sites.of("site-c", ACCOUNTS).received()).singleElement().satisfies(request -> {
            assertThat(request.body()).isEqualTo(registration);
            assertThat(request.header("Content-Length")).isEqualTo(Integer.toString(registration.length));
            assertThat(request.header("X-Routing-Epoch")).isEqualTo("2");
        });
        assertThat(sites.totalHits()).isEqualTo(2);
    }

    @Test
    void withoutANewerTableTheOwnerNamedByAServiceThatIsAheadGetsTheRetry() {
        String user = Tables.userOwnedBy(routing.table(), "site-b");
        sites.of("site-b", NEWS).respond(request -> notOwner("site-c", 5));
        byte[] post = "{\"body\":\"first!\"}".getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> response = gateway.send("POST", "/api/posts", post,
                "Authorization", "Bearer " + Tables.tokenOf(user), "Content-Type", "application/json");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(header(response, "X-Served-By")).isEqualTo("site-c");
        assertThat(sites.of("site-b", NEWS).received()).hasSize(1);
        assertThat(sites.of("site-c", NEWS).received()).singleElement()
                .satisfies(request -> assertThat(request.body()).isEqualTo(post));
        assertThat(sites.totalHits()).isEqualTo(2);
    }

    @Test
    void aSecondMisdirectedAnswerGoesBackToTheClientAsItCame() {
        String user = Tables.userOwnedBy(routing.table(), "site-b");
        sites.of("site-b", ACCOUNTS).respond(request -> notOwner("site-c", 5));
        sites.of("site-c", ACCOUNTS).respond(request -> notOwner("site-b", 6));

        HttpResponse<String> response = gateway.send("POST", "/api/transfers",
                "{\"toUserId\":\"bob\",\"amount\":5,\"idempotencyKey\":\"k1\"}".getBytes(StandardCharsets.UTF_8),
                "Authorization", "Bearer " + Tables.tokenOf(user), "Content-Type", "application/json");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(421);
        assertThat(header(response, "X-Served-By")).isEqualTo("site-c");
        assertThat(header(response, "X-Owner-Site")).isEqualTo("site-b");
        assertThat(header(response, "X-Routing-Epoch")).isEqualTo("6");
        assertThat(json(response).get("owner").stringValue()).isEqualTo("site-b");
        assertThat(sites.of("site-b", ACCOUNTS).received()).hasSize(1);
        assertThat(sites.of("site-c", ACCOUNTS).received()).hasSize(1);
        assertThat(sites.totalHits()).isEqualTo(2);
    }

    @Test
    void aServiceThatIsBehindGetsTheRequestOnceMoreAfterTheRefreshWait() {
        String user = Tables.userOwnedBy(routing.table(), "site-b");
        // The service still believes in an older table (epoch 0: it did not say), naming site-a.
        sites.of("site-b", ACCOUNTS).respond(request -> new FakeService.Reply(421, Map.of("X-Owner-Site", "site-a"),
                "{\"error\":\"not_owner\",\"message\":\"site-a owns this unit\",\"owner\":\"site-a\"}"));

        HttpResponse<String> response = gateway.get("/api/accounts/me", "Authorization", "Bearer " + Tables.tokenOf(user));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(421);
        assertThat(sites.of("site-b", ACCOUNTS).received()).hasSize(2);
        assertThat(sites.totalHits()).isEqualTo(2);
    }

    @Test
    void aMisdirectedRequestWhoseOwnerTurnsOutDeadIs503() {
        RoutingTable table = routing.table();
        String user = Tables.userOwnedBy(table, "site-b");
        sites.of("site-b", ACCOUNTS).respond(request -> {
            routing.set(table.markDead("site-b"));
            return notOwnerSayingNothing();
        });

        HttpResponse<String> response = gateway.get("/api/accounts/me", "Authorization", "Bearer " + Tables.tokenOf(user));

        assertGatewayError(response, 503, "site_dead");
        assertThat(sites.totalHits()).isEqualTo(1);
    }
}
