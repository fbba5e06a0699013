package io.multisite.account.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import io.multisite.account.Api;
import io.multisite.account.IntegrationTestSupport;
import io.multisite.routing.Units;
import io.multisite.testsupport.TestRouting;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Design section 9: every malformed request gets a 4xx with {@code {"error","message"}}, never a
 * 5xx, and writes nothing.
 */
class BadInputIntegrationTests extends IntegrationTestSupport {

    // Fixed ids, so that the cases below can be written out; both are homed at site-a.
    private static final String PAYER = "frank";
    private static final String PAYEE = "bob";

    private String token;

    @BeforeEach
    void users() {
        assertThat(TestRouting.INITIAL.owner(Units.DEFAULT.of(PAYER))).isEqualTo("site-a");
        assertThat(TestRouting.INITIAL.owner(Units.DEFAULT.of(PAYEE))).isEqualTo("site-a");
        token = api.registerAndLogin(PAYER, 1_000);
        api.register(PAYEE, 0);
    }

    static Stream<Arguments> transfers() {
        return Stream.of(
                bad("not JSON", "hello", 400, "malformed_json"),
                bad("truncated JSON", "{\"toUserId\":", 400, "malformed_json"),
                bad("empty body", "", 400, "malformed_json"),
                bad("JSON null", "null", 400, "malformed_json"),
                bad("array instead of object", "[]", 400, "malformed_json"),
                bad("trailing garbage", "{\"toUserId\":\"bob\",\"amount\":1,\"idempotencyKey\":\"k\"} x", 400, "malformed_json"),
                bad("missing toUserId", "{\"amount\":1,\"idempotencyKey\":\"k\"}", 400, "invalid_request"),
                bad("missing amount", "{\"toUserId\":\"bob\",\"idempotencyKey\":\"k\"}", 400, "invalid_request"),
                bad("missing idempotencyKey", "{\"toUserId\":\"bob\",\"amount\":1}", 400, "invalid_request"),
                bad("amount as string", "{\"toUserId\":\"bob\",\"amount\":\"100\",\"idempotencyKey\":\"k\"}", 400, "malformed_json"),
                bad("fractional amount", "{\"toUserId\":\"bob\",\"amount\":1.5,\"idempotencyKey\":\"k\"}", 400, "malformed_json"),
                bad("exponent amount", "{\"toUserId\":\"bob\",\"amount\":1e2,\"idempotencyKey\":\"k\"}", 400, "malformed_json"),
                bad("boolean amount", "{\"toUserId\":\"bob\",\"amount\":true,\"idempotencyKey\":\"k\"}", 400, "malformed_json"),
                bad("object amount", "{\"toUserId\":\"bob\",\"amount\":{},\"idempotencyKey\":\"k\"}", 400, "malformed_json"),
                bad("numeric user id", "{\"toUserId\":42,\"amount\":1,\"idempotencyKey\":\"k\"}", 400, "malformed_json"),
                bad("numeric key", "{\"toUserId\":\"bob\",\"amount\":1,\"idempotencyKey\":7}", 400, "malformed_json"),
                bad("duplicate amount", "{\"toUserId\":\"bob\",\"amount\":1,\"amount\":900,\"idempotencyKey\":\"k\"}", 400, "malformed_json"),
                bad("zero amount", transfer("bob", "0", "k"), 400, "invalid_request"),
                bad("negative amount", transfer("bob", "-5", "k"), 400, "invalid_request"),
                bad("amount above the cap", transfer("bob", "9223372036854775807", "k"), 400, "invalid_request"),
                bad("amount overflowing long", transfer("bob", "9223372036854775808", "k"), 400, "malformed_json"),
                bad("amount underflowing long", transfer("bob", "-9223372036854775809", "k"), 400, "malformed_json"),
                bad("huge amount", transfer("bob", "1" + "0".repeat(400), "k"), 400, "malformed_json"),
                bad("self transfer", transfer("frank", "1", "k"), 422, "self_transfer"),
                bad("unknown payee", transfer("nobody-here", "1", "k"), 422, "unknown_payee"),
                bad("payee id with a dot", transfer("bob.smith", "1", "k"), 400, "invalid_request"),
                bad("payee id with a space", transfer("bob smith", "1", "k"), 400, "invalid_request"),
                bad("payee id not ASCII", transfer("b\u00f6b", "1", "k"), 400, "invalid_request"),
                bad("empty payee id", transfer("", "1", "k"), 400, "invalid_request"),
                bad("payee id too long", transfer("b".repeat(65), "1", "k"), 400, "invalid_request"),
                bad("empty key", transfer("bob", "1", ""), 400, "invalid_request"),
                bad("key too long", transfer("bob", "1", "k".repeat(65)), 400, "invalid_request"),
                bad("key with a control character", transfer("bob", "1", "k\\n1"), 400, "invalid_request"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transfers")
    void rejectsABadTransferWithA4xxAndWritesNothing(String name, String body, int status, String error) {
        assertRejected(() -> api.post("/api/transfers", token, body), status, error);
    }

    static Stream<Arguments> registrations() {
        return Stream.of(
                bad("user id with a dot", register("a.b", "\"long enough\"", "0"), 400, "invalid_request"),
                bad("user id too long", register("u".repeat(65), "\"long enough\"", "0"), 400, "invalid_request"),
                bad("missing password", "{\"userId\":\"carol\",\"initialBalance\":0}", 400, "invalid_request"),
                bad("short password", register("carol", "\"short\"", "0"), 400, "invalid_request"),
                bad("numeric password", register("carol", "12345678901", "0"), 400, "malformed_json"),
                bad("missing initial balance", "{\"userId\":\"carol\",\"password\":\"long enough\"}", 400, "invalid_request"),
                bad("negative initial balance", register("carol", "\"long enough\"", "-1"), 400, "invalid_request"),
                bad("initial balance above the cap", register("carol", "\"long enough\"", "100000001"), 400, "invalid_request"),
                bad("initial balance as string", register("carol", "\"long enough\"", "\"5\""), 400, "malformed_json"),
                bad("fractional initial balance", register("carol", "\"long enough\"", "0.5"), 400, "malformed_json"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("registrations")
    void rejectsABadRegistrationWithA4xxAndWritesNothing(String name, String body, int status, String error) {
        assertRejected(() -> api.post("/api/users", null, body), status, error);
    }

    static Stream<Arguments> logins() {
        return Stream.of(
                bad("missing user id", "{\"password\":\"long enough\"}", 400, "invalid_request"),
                bad("missing password", "{\"userId\":\"frank\"}", 400, "invalid_request"),
                bad("numeric user id", "{\"userId\":1,\"password\":\"long enough\"}", 400, "malformed_json"),
                bad("over-long password", "{\"userId\":\"frank\",\"password\":\"" + "p".repeat(5000) + "\"}", 401, "invalid_credentials"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("logins")
    void rejectsABadLoginWithA4xxAndWritesNothing(String name, String body, int status, String error) {
        assertRejected(() -> api.post("/api/sessions", null, body), status, error);
    }

    @Test
    void rejectsBodiesOverTheCapWith413() {
        String padding = "x".repeat(20 * 1024);
        String body = "{\"toUserId\":\"bob\",\"amount\":1,\"idempotencyKey\":\"k\",\"padding\":\"" + padding + "\"}";

        assertRejected(() -> api.post("/api/transfers", token, body), 413, "payload_too_large");
        assertRejected(() -> api.post("/api/users", null, body), 413, "payload_too_large");
    }

    @Test
    void rejectsChunkedBodiesOverTheCapWith413() {
        byte[] body = ("{\"toUserId\":\"bob\",\"amount\":1,\"idempotencyKey\":\"k\",\"padding\":\""
                + "x".repeat(64 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);

        // No Content-Length: the cap must hold while reading, not only when a length is declared.
        assertRejected(() -> api.send("POST", "/api/transfers", token,
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)), "application/json"),
                413, "payload_too_large");
    }

    @Test
    void acceptsABodyJustUnderTheCap() {
        String body = "{\"toUserId\":\"bob\",\"amount\":1,\"idempotencyKey\":\"k\",\"padding\":\"" + "x".repeat(15 * 1024) + "\"}";

        assertThat(api.post("/api/transfers", token, body).status()).isEqualTo(201);
    }

    @Test
    void rejectsOtherMediaTypesMethodsPathsAndParameters() {
        assertRejected(() -> api.send("POST", "/api/transfers", token,
                HttpRequest.BodyPublishers.ofString("toUserId=bob"), "text/plain"), 415, "unsupported_media_type");
        assertRejected(() -> api.send("PUT", "/api/transfers", token, "{}"), 405, "method_not_allowed");
        assertRejected(() -> api.get("/api/nothing-here", token), 404, "not_found");
        assertRejected(() -> api.get("/api/transfers?limit=0", token), 400, "invalid_request");
        assertRejected(() -> api.get("/api/transfers?limit=101", token), 400, "invalid_request");
        assertRejected(() -> api.get("/api/transfers?limit=abc", token), 400, "invalid_request");
        assertRejected(() -> api.get("/api/transfers?limit=99999999999", token), 400, "invalid_request");
        assertRejected(() -> api.get("/api/transfers/not-a-uuid", token), 400, "invalid_request");
    }

    private void assertRejected(java.util.function.Supplier<Api.Response> request, int status, String error) {
        String before = allRowCounts();

        Api.Response answer = request.get();

        assertThat(answer.status()).as(answer.text()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(answer.error()).as(answer.text()).isEqualTo(error);
        assertThat(answer.json().path("message").asString()).as(answer.text()).isNotBlank()
                .as("no internals in messages").doesNotContain("java.", "io.multisite", "Exception");
        assertThat(answer.header("X-Served-By")).contains("site-a");
        assertThat(allRowCounts()).isEqualTo(before);
    }

    private static Arguments bad(String name, String body, int status, String error) {
        return Arguments.of(name, body, status, error);
    }

    private static String transfer(String to, String amount, String key) {
        return "{\"toUserId\":\"" + to + "\",\"amount\":" + amount + ",\"idempotencyKey\":\"" + key + "\"}";
    }

    private static String register(String userId, String password, String balance) {
        return "{\"userId\":\"" + userId + "\",\"password\":" + password + ",\"initialBalance\":" + balance + "}";
    }
}
