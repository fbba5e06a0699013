package io.multisite.gateway;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.multisite.gateway.FakeSites.ACCOUNTS;
import static org.assertj.core.api.Assertions.assertThat;

class GatewayRefusalIntegrationTests extends GatewayIntegrationTestSupport {

    private static final int MAX_BODY = 16 * 1024;

    @Test
    void withoutARoutingTableUserRequestsAre503AndNoSiteIsContacted() {
        routing.clear();
        String user = "alice";

        assertGatewayError(gateway.get("/api/users/" + user + "/profile"), 503, "no_routing_table");
        assertGatewayError(gateway.send("POST", "/api/sessions",
                "{\"userId\":\"alice\",\"password\":\"secret123\"}".getBytes(StandardCharsets.UTF_8)), 503, "no_routing_table");
        assertThat(sites.totalHits()).isZero();
    }

    @Test
    void aDeadOwnerIs503AndNoSiteIsContacted() {
        routing.set(routing.table().markDead("site-b"));
        String userOfDeadSite = Tables.userOwnedBy(routing.table(), "site-b");

        HttpResponse<String> response = gateway.get("/api/accounts/me", "Authorization", "Bearer " + Tables.tokenOf(userOfDeadSite));

        assertGatewayError(response, 503, "site_dead");
        assertThat(sites.totalHits()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Bearer not-a-token",
            "Bearer alice.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.1900000000",
            "Bearer alice.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.1900000000.sig.extra",
            "Bearer al!ce.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.1900000000.c2ln",
            "Bearer .5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.1900000000.c2ln",
            "Bearer alice.not-a-uuid.1900000000.c2ln",
            "Bearer alice.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.tomorrow.c2ln",
            "Bearer alice.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.1900000000.",
            "Basic YWxpY2U6c2VjcmV0"})
    void malformedTokensAre401AndNoSiteIsContacted(String authorization) {
        HttpResponse<String> response = gateway.get("/api/accounts/me", "Authorization", authorization);

        assertGatewayError(response, 401, "invalid_token");
        assertThat(header(response, "WWW-Authenticate")).contains("invalid_token");
        assertThat(sites.totalHits()).isZero();
    }

    @Test
    void aRequestForAUserWithoutATokenIs401() {
        HttpResponse<String> response = gateway.get("/api/accounts/me");

        assertGatewayError(response, 401, "no_user");
        assertThat(header(response, "WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(sites.totalHits()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "userId=alice",
            "[\"alice\"]",
            "{\"password\":\"secret123\"}",
            "{\"userId\":42}",
            "{\"userId\":\"al ice\"}",
            "{\"userId\":\"alice\",\"userId\":\"bob\"}",
            "{\"userId\":\"alice\"} {\"userId\":\"bob\"}"})
    void registrationsAndLoginsThatNameNoValidUserAre400(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);

        assertGatewayError(gateway.send("POST", "/api/users", bytes, "Content-Type", "application/json"), 400, "no_user");
        assertGatewayError(gateway.send("POST", "/api/sessions", bytes, "Content-Type", "application/json"), 400, "no_user");
        assertThat(sites.totalHits()).isZero();
    }

    @Test
    void anInvalidUserIdInThePathIs400() {
        assertGatewayError(gateway.get("/api/users/al%20ice/profile"), 400, "no_user");
        assertGatewayError(gateway.get("/api/users/" + "a".repeat(65)), 400, "no_user");
        assertThat(sites.totalHits()).isZero();
    }

    @Test
    void bodiesOverTheCapAre413WhetherAnnouncedOrChunked() {
        byte[] tooLarge = registrationOfSize(MAX_BODY + 1);

        assertGatewayError(gateway.send("POST", "/api/users", tooLarge, "Content-Type", "application/json"), 413, "payload_too_large");
        assertGatewayError(gateway.sendChunked("POST", "/api/users", tooLarge, "Content-Type", "application/json"), 413, "payload_too_large");
        assertThat(sites.totalHits()).isZero();
    }

    @Test
    void aBodyOfExactlyTheCapIsForwardedWhole() {
        byte[] atCap = registrationOfSize(MAX_BODY);

        HttpResponse<String> response = gateway.sendChunked("POST", "/api/users", atCap, "Content-Type", "application/json");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(sites.of(header(response, "X-Served-By"), ACCOUNTS).received()).singleElement()
                .satisfies(request -> assertThat(request.body()).isEqualTo(atCap));
    }

    @Test
    void unknownPathsAre404InTheErrorShape() {
        assertGatewayError(gateway.get("/nothing/here"), 404, "not_found");
        assertGatewayError(gateway.send("POST", "/api/feed", new byte[0]), 404, "not_found");
        assertThat(sites.totalHits()).isZero();
    }

    @Test
    void anUnreachableSiteIs503Quickly() {
        routing.set(Tables.withUnreachableSite());
        String user = Tables.userOwnedBy(routing.table(), FakeSites.UNREACHABLE);

        long started = System.nanoTime();
        HttpResponse<String> response = gateway.get("/api/users/" + user + "/profile");

        assertGatewayError(response, 503, "site_unreachable");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aSiteThatDoesNotAnswerIs503SoonAfterTheResponseTimeout() {
        String user = Tables.userOwnedBy(routing.table(), "site-b");
        sites.of("site-b", ACCOUNTS).respond(sites.stuck());

        long started = System.nanoTime();
        HttpResponse<String> response = gateway.get("/api/accounts/me", "Authorization", "Bearer " + Tables.tokenOf(user));

        assertGatewayError(response, 503, "site_unreachable");
        // The response timeout of these tests is 2 s.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(sites.of("site-b", ACCOUNTS).received()).hasSize(1);
    }

    /** A registration of exactly {@code size} bytes, padded with a field the service would ignore. */
    private static byte[] registrationOfSize(int size) {
        String head = "{\"userId\":\"padded-user\",\"pad\":\"";
        String tail = "\"}";
        char[] pad = new char[size - head.length() - tail.length()];
        Arrays.fill(pad, 'x');
        byte[] body = (head + new String(pad) + tail).getBytes(StandardCharsets.UTF_8);
        assertThat(body).hasSize(size);
        return body;
    }
}
