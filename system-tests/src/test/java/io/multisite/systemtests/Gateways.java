package io.multisite.systemtests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The public entry of the deployment, as a user's client sees it: each site's gateway, published
 * on the host (docker-compose.yml: site-a 8081, site-b 8082, site-c 8083).
 */
final class Gateways {

    static final Map<String, Integer> PORTS = Map.of("site-a", 8081, "site-b", 8082, "site-c", 8083);

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Gateways() {
    }

    /**
     * Paces the retries of one request under one idempotency key (a bounded loop's pause, not a
     * wait for readiness): 20 ms more per attempt, at most 200 ms.
     *
     * @return false if interrupted
     */
    static boolean paceRetry(int attempt) {
        try {
            Thread.sleep(Math.min(200, 20L * attempt));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** What came back; a connection that failed is status -1 with the reason as the body. */
    record Answer(int status, String servedBy, String body) {

        JsonNode json() {
            return JSON.readTree(body);
        }

        String error() {
            return status < 0 ? "unreachable" : json().path("error").asString("");
        }

        /** A refusal that says "not now" (the unit is being handed over), or no answer at all: worth the same request again. */
        boolean worthRetrying() {
            return status == 503 || status == 421 || status < 0;
        }

        /** From {@code curl -i} output: a status line, headers, a blank line, the body; nothing = unreachable. */
        static Answer fromRawHttp(String raw) {
            int headersEnd = raw.indexOf("\r\n\r\n");
            if (!raw.startsWith("HTTP/") || headersEnd < 0) {
                return new Answer(-1, "", raw);
            }
            String[] head = raw.substring(0, headersEnd).split("\r\n");
            String servedBy = "";
            for (String header : head) {
                if (header.regionMatches(true, 0, "X-Served-By:", 0, "X-Served-By:".length())) {
                    servedBy = header.substring("X-Served-By:".length()).strip();
                }
            }
            return new Answer(Integer.parseInt(head[0].split(" ")[1]), servedBy, raw.substring(headersEnd + 4));
        }

        @Override
        public String toString() {
            return status + " (served by " + servedBy + ") " + body;
        }
    }

    static Answer post(String site, String path, String token, String json) {
        return send(site, path, token, HttpRequest.BodyPublishers.ofString(json), "POST");
    }

    static Answer get(String site, String path, String token) {
        return send(site, path, token, HttpRequest.BodyPublishers.noBody(), "GET");
    }

    static Answer register(String site, String userId, long initialBalance) {
        return post(site, "/api/users", null, "{\"userId\":\"" + userId + "\",\"password\":\"correct-horse\",\"initialBalance\":" + initialBalance + "}");
    }

    static Answer login(String site, String userId) {
        return post(site, "/api/sessions", null, "{\"userId\":\"" + userId + "\",\"password\":\"correct-horse\"}");
    }

    static Answer transfer(String site, String token, String toUserId, long amount, String idempotencyKey) {
        return post(site, "/api/transfers", token,
                "{\"toUserId\":\"" + toUserId + "\",\"amount\":" + amount + ",\"idempotencyKey\":\"" + idempotencyKey + "\"}");
    }

    private static Answer send(String site, String path, String token, HttpRequest.BodyPublisher body, String method) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + PORTS.get(site) + path))
                .timeout(Duration.ofSeconds(15)).method(method, body).header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers().firstValue("X-Served-By").orElse(""), response.body());
        } catch (IOException e) {
            return new Answer(-1, "", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
