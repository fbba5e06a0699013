package io.multisite.gateway;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.Units;
import org.junit.jupiter.api.Test;

import static io.multisite.gateway.FakeSites.ACCOUNTS;
import static io.multisite.gateway.FakeSites.CONTROLLER;
import static io.multisite.gateway.FakeSites.NEWS;
import static org.assertj.core.api.Assertions.assertThat;

class OwnerRoutingIntegrationTests extends GatewayIntegrationTestSupport {

    @Test
    void aUserIdInThePathAlwaysLandsOnTheOwnerOfItsUnit() {
        RoutingTable table = routing.table();
        for (String owner : Tables.SITES) {
            String user = Tables.userOwnedBy(table, owner);
            String unit = Integer.toString(Units.DEFAULT.of(user));
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> response = gateway.get("/api/users/" + user + "/profile?x=1");

                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                assertThat(header(response, "X-Served-By")).isEqualTo(owner);
                assertThat(header(response, "X-Unit")).isEqualTo(unit);
                assertThat(header(response, "X-Routing-Epoch")).isEqualTo("1");
            }
            assertThat(sites.of(owner, ACCOUNTS).received()).hasSize(3).allSatisfy(request -> {
                assertThat(request.pathAndQuery()).isEqualTo("/api/users/" + user + "/profile?x=1");
                assertThat(request.header("X-Unit")).isEqualTo(unit);
                assertThat(request.header("X-Routing-Epoch")).isEqualTo("1");
            });
        }
        assertThat(sites.totalHits()).isEqualTo(9);
    }

    @Test
    void aSessionTokenRoutesEveryRequestOfItsUserToTheOwner() {
        String user = Tables.userOwnedBy(routing.table(), "site-c");
        String authorization = "Bearer " + Tables.tokenOf(user);

        HttpResponse<String> account = gateway.get("/api/accounts/me", "Authorization", authorization);
        HttpResponse<String> transfers = gateway.get("/api/transfers?limit=5", "Authorization", authorization);
        HttpResponse<String> logout = gateway.send("DELETE", "/api/sessions/current", null, "Authorization", authorization);

        assertThat(account.statusCode()).as(account.body()).isEqualTo(200);
        assertThat(transfers.statusCode()).as(transfers.body()).isEqualTo(200);
        assertThat(logout.statusCode()).as(logout.body()).isEqualTo(200);
        assertThat(sites.of("site-c", ACCOUNTS).received())
                .extracting(FakeService.Received::pathAndQuery)
                .containsExactly("/api/accounts/me", "/api/transfers?limit=5", "/api/sessions/current");
        assertThat(sites.of("site-c", ACCOUNTS).received())
                .allSatisfy(request -> assertThat(request.header("Authorization")).isEqualTo(authorization));
        assertThat(sites.totalHits()).isEqualTo(3);
    }

    @Test
    void postsGoToTheNewsServiceOfTheAuthorsOwner() {
        String user = Tables.userOwnedBy(routing.table(), "site-b");
        byte[] post = "{\"body\":\"hello from the other city\"}".getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> response = gateway.send("POST", "/api/posts", post,
                "Authorization", "Bearer " + Tables.tokenOf(user), "Content-Type", "application/json");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(header(response, "X-Served-By")).isEqualTo("site-b");
        assertThat(sites.of("site-b", NEWS).received()).singleElement()
                .satisfies(request -> assertThat(request.body()).isEqualTo(post));
        assertThat(sites.totalHits()).isEqualTo(1);
    }

    @Test
    void registrationAndLoginAreRoutedByTheBodyAndArriveByteForByte() {
        String user = Tables.userOwnedBy(routing.table(), "site-c");
        // Odd spacing, field order and non-ASCII text: anything re-encoded on the way would show.
        byte[] registration = ("{ \"password\" : \"pässwörd-ü-密码\",\n\t\"userId\":\"" + user
                + "\" ,\"initialBalance\": 1000 }").getBytes(StandardCharsets.UTF_8);
        byte[] login = ("{\"userId\":\"" + user + "\",\"password\":\"pässwörd-ü-密码\"}").getBytes(StandardCharsets.UTF_8);
        // A token of someone else (of site-a) does not decide where a login goes.
        String staleToken = "Bearer " + Tables.tokenOf(Tables.userOwnedBy(routing.table(), "site-a"));

        HttpResponse<String> registered = gateway.send("POST", "/api/users", registration,
                "Content-Type", "application/json; charset=utf-8");
        HttpResponse<String> loggedIn = gateway.send("POST", "/api/sessions", login,
                "Content-Type", "application/json", "Authorization", staleToken);

        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
        assertThat(loggedIn.statusCode()).as(loggedIn.body()).isEqualTo(200);
        assertThat(sites.of("site-c", ACCOUNTS).received()).satisfiesExactly(
                request -> {
                    assertThat(request.pathAndQuery()).isEqualTo("/api/users");
                    assertThat(request.body()).isEqualTo(registration);
                    assertThat(request.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
                    assertThat(request.header("Content-Length")).isEqualTo(Integer.toString(registration.length));
                },
                request -> {
                    assertThat(request.pathAndQuery()).isEqualTo("/api/sessions");
                    assertThat(request.body()).isEqualTo(login);
                });
        assertThat(sites.totalHits()).isEqualTo(2);
    }

    @Test
    void aNewRoutingEpochMovesTheUserWithoutARestart() {
        String user = Tables.userOwnedBy(routing.table(), "site-b");
        String path = "/api/users/" + user + "/profile";
        assertThat(header(gateway.get(path), "X-Served-By")).isEqualTo("site-b");

        routing.set(Tables.moved(routing.table(), Units.DEFAULT.of(user), "site-c"));
        HttpResponse<String> afterMove = gateway.get(path);

        assertThat(header(afterMove, "X-Served-By")).isEqualTo("site-c");
        assertThat(header(afterMove, "X-Routing-Epoch")).isEqualTo("2");
        assertThat(sites.of("site-b", ACCOUNTS).received()).hasSize(1);
        assertThat(sites.of("site-c", ACCOUNTS).received()).singleElement()
                .satisfies(request -> assertThat(request.header("X-Routing-Epoch")).isEqualTo("2"));
    }

    @Test
    void theGatewaysWordOnRoutingReplacesWhatAClientClaims() {
        String user = Tables.userOwnedBy(routing.table(), "site-b");

        gateway.get("/api/users/" + user + "/profile", "X-Unit", "63", "X-Routing-Epoch", "999");

        assertThat(sites.of("site-b", ACCOUNTS).received()).singleElement().satisfies(request -> {
            assertThat(request.headers().get("X-Unit")).containsExactly(Integer.toString(Units.DEFAULT.of(user)));
            assertThat(request.headers().get("X-Routing-Epoch")).containsExactly("1");
        });
    }

    @Test
    void theFeedIsReadFromTheLocalSiteEvenWithoutARoutingTable() {
        routing.clear();

        // An encoded query (a percent-encoded UTF-8 character, an encoded '&' and '+') arrives byte for byte.
        HttpResponse<String> response = gateway.get("/api/feed?limit=5&q=caf%C3%A9+%26+more", "X-Unit", "3");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(header(response, "X-Served-By")).isEqualTo(LOCAL_SITE);
        assertThat(header(response, "X-Unit")).isNull();
        assertThat(sites.of(LOCAL_SITE, NEWS).received()).singleElement().satisfies(request -> {
            assertThat(request.pathAndQuery()).isEqualTo("/api/feed?limit=5&q=caf%C3%A9+%26+more");
            assertThat(request.header("X-Unit")).isNull();
        });
        assertThat(sites.totalHits()).isEqualTo(1);
    }

    @Test
    void aPostIsReadFromTheLocalSiteWithoutASession() {
        HttpResponse<String> response = gateway.get("/api/posts/0193b0c4-5d6e-7f00-8a1b-2c3d4e5f6a7b");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(header(response, "X-Served-By")).isEqualTo(LOCAL_SITE);
        assertThat(sites.of(LOCAL_SITE, NEWS).received()).singleElement()
                .satisfies(request -> assertThat(request.pathAndQuery()).isEqualTo("/api/posts/0193b0c4-5d6e-7f00-8a1b-2c3d4e5f6a7b"));
        assertThat(sites.totalHits()).isEqualTo(1);
    }

    @Test
    void routingAdminAndConsoleGoToTheLocalController() {
        byte[] move = "{\"toSite\":\"site-c\"}".getBytes(StandardCharsets.UTF_8);

        gateway.get("/api/routing");
        gateway.send("POST", "/admin/units/7/move", move, "Content-Type", "application/json",
                "Authorization", "Bearer admin-token");
        gateway.get("/console");

        assertThat(sites.of(LOCAL_SITE, CONTROLLER).received()).satisfiesExactly(
                request -> assertThat(request.pathAndQuery()).isEqualTo("/api/routing"),
                request -> {
                    assertThat(request.pathAndQuery()).isEqualTo("/admin/units/7/move");
                    assertThat(request.body()).isEqualTo(move);
                    assertThat(request.header("Authorization")).isEqualTo("Bearer admin-token");
                },
                request -> assertThat(request.pathAndQuery()).isEqualTo("/console"));
        assertThat(sites.totalHits()).isEqualTo(3);
    }
}
