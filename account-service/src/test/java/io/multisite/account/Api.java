package io.multisite.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A plain HTTP client for one running instance, speaking the public contract. */
public final class Api {

    public static final String PASSWORD = "correct horse battery";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public Api(int port) {
        this.base = "http://localhost:" + port;
    }

    public record Response(int status, java.net.http.HttpHeaders headers, String text) {

        public JsonNode json() {
            return text.isEmpty() ? JSON.missingNode() : JSON.readTree(text);
        }

        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        public String error() {
            return json().path("error").asString();
        }
    }

    public static String json(Map<String, ?> fields) {
        return JSON.writeValueAsString(fields);
    }

    public Response send(String method, String path, String token, String body) {
        return send(method, path, token, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body),
                "application/json");
    }

    public Response send(String method, String path, String token, HttpRequest.BodyPublisher body, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Response get(String path, String token) {
        return send("GET", path, token, null);
    }

    public Response post(String path, String token, String body) {
        return send("POST", path, token, body);
    }

    public Response delete(String path, String token) {
        return send("DELETE", path, token, null);
    }

    public Response register(String userId, long initialBalance) {
        return post("/api/users", null, json(Map.of("userId", userId, "password", PASSWORD, "initialBalance", initialBalance)));
    }

    public Response login(String userId, String password) {
        return post("/api/sessions", null, json(Map.of("userId", userId, "password", password)));
    }

    public Response transfer(String token, String toUserId, long amount, String idempotencyKey) {
        return post("/api/transfers", token, json(Map.of("toUserId", toUserId, "amount", amount, "idempotencyKey", idempotencyKey)));
    }

    /** Registers the user and logs in; fails the test unless both succeed. */
    public String registerAndLogin(String userId, long initialBalance) {
        Response registered = register(userId, initialBalance);
        assertThat(registered.status()).as(registered.text()).isEqualTo(201);
        return token(userId);
    }

    public String token(String userId) {
        Response login = login(userId, PASSWORD);
        assertThat(login.status()).as(login.text()).isEqualTo(201);
        return login.json().path("token").asString();
    }
}
