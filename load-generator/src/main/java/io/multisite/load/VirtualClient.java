package io.multisite.load;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One demo user: its credentials, its session token and the gateway it sticks to. When that
 * gateway cannot be reached (refused, connect or request timeout, connection lost) the client moves
 * to the next gateway for good and, if the request may be sent twice, sends it there.
 */
final class VirtualClient {

    /** Told about every request that had to leave its gateway. */
    interface SwitchListener {
        void switchedAway(URI gateway);
    }

    /**
     * What came back. {@code status} 0 means no gateway answered; {@code error} is the body's
     * {@code error} code, or {@code http_<status>} for an error without one.
     */
    record Answer(int status, String error, JsonNode body, String servedBy) {

        static Answer unreachable() {
            return new Answer(0, "unreachable", null, null);
        }

        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private static final JsonMapper JSON = JsonMapper.shared();

    private final String userId;
    private final String password;
    private final HttpClient http;
    private final List<URI> gateways;
    private final Duration requestTimeout;
    private final SwitchListener switches;
    private final AtomicInteger gateway;
    private volatile String token;

    VirtualClient(String userId, String password, HttpClient http, List<URI> gateways, int firstGateway,
                  Duration requestTimeout, SwitchListener switches) {
        this.userId = userId;
        this.password = password;
        this.http = http;
        this.gateways = List.copyOf(gateways);
        this.requestTimeout = requestTimeout;
        this.switches = switches;
        this.gateway = new AtomicInteger(Math.floorMod(firstGateway, gateways.size()));
    }

    String userId() {
        return userId;
    }

    URI gateway() {
        return gateways.get(gateway.get());
    }

    boolean loggedIn() {
        return token != null;
    }

    Answer register(long initialBalance) {
        // Safe to resend: a registration that did arrive the first time comes back 409 user_exists.
        return send("POST", "/api/users",
                Map.of("userId", userId, "password", password, "initialBalance", initialBalance), null, true);
    }

    Answer login() {
        Answer answer = send("POST", "/api/sessions", Map.of("userId", userId, "password", password), null, true);
        if (answer.ok()) {
            token = text(answer.body().path("token"));
        }
        return answer;
    }

    Answer transfer(String toUserId, long amount, String idempotencyKey) {
        // The key makes a resend harmless: the owner answers it with the first attempt's result.
        return authorized("POST", "/api/transfers",
                Map.of("toUserId", toUserId, "amount", amount, "idempotencyKey", idempotencyKey), true);
    }

    Answer post(String text) {
        // A post has no idempotency key: resent after a timeout it could be published twice.
        return authorized("POST", "/api/posts", Map.of("body", text), false);
    }

    Answer account() {
        return authorized("GET", "/api/accounts/me", null, true);
    }

    Answer feed() {
        return send("GET", "/api/feed?limit=20", null, null, true);
    }

    private Answer authorized(String method, String path, Object body, boolean resendable) {
        if (token == null) {
            Answer login = login();
            if (!login.ok()) {
                return login;
            }
        }
        Answer answer = send(method, path, body, token, resendable);
        if (answer.status() == 401) {
            // Log in again on this client's next operation rather than repeat this one.
            token = null;
        }
        return answer;
    }

    private Answer send(String method, String path, Object body, String bearer, boolean resendable) {
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
        for (int attempt = 0; attempt < gateways.size(); attempt++) {
            int index = gateway.get();
            URI target = gateways.get(index);
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + path))
                    .timeout(requestTimeout)
                    .header("Accept", "application/json")
                    .method(method, publisher);
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            if (bearer != null) {
                request.header("Authorization", "Bearer " + bearer);
            }
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                return answer(response);
            } catch (IOException e) {
                // Concurrent failures of one client move it one gateway on, not one per request.
                gateway.compareAndSet(index, (index + 1) % gateways.size());
                switches.switchedAway(target);
                if (!resendable && !neverArrived(e)) {
                    return Answer.unreachable();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Answer.unreachable();
            }
        }
        return Answer.unreachable();
    }

    private static String text(JsonNode node) {
        return node.isString() ? node.stringValue() : null;
    }

    private static boolean neverArrived(IOException e) {
        return e instanceof ConnectException || e instanceof HttpConnectTimeoutException;
    }

    private static Answer answer(HttpResponse<String> response) {
        int status = response.statusCode();
        JsonNode body;
        try {
            body = response.body().isEmpty() ? JSON.missingNode() : JSON.readTree(response.body());
        } catch (JacksonException e) {
            body = JSON.missingNode();
        }
        String error = null;
        if (status >= 300) {
            String code = text(body.path("error"));
            error = code == null || code.isBlank() ? "http_" + status : code;
        }
        return new Answer(status, error, body, response.headers().firstValue("X-Served-By").orElse(null));
    }
}
