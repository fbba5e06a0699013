package io.multisite.news.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.multisite.news.Api;
import io.multisite.news.IntegrationTestSupport;
import io.multisite.testsupport.TestUsers;
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

    private String token;
    private String postId;

    @BeforeEach
    void aPost() {
        token = login(TestUsers.homedAt("site-a", "frank"));
        postId = api.postOf(token, "the original");
    }

    static Stream<Arguments> bodies() {
        return Stream.of(
                bad("not JSON", "hello", 400, "malformed_json"),
                bad("truncated JSON", "{\"body\":", 400, "malformed_json"),
                bad("empty request", "", 400, "malformed_json"),
                bad("JSON null", "null", 400, "malformed_json"),
                bad("array instead of object", "[]", 400, "malformed_json"),
                bad("trailing garbage", "{\"body\":\"hi\"} x", 400, "malformed_json"),
                bad("numeric body", "{\"body\":42}", 400, "malformed_json"),
                bad("boolean body", "{\"body\":true}", 400, "malformed_json"),
                bad("object body", "{\"body\":{}}", 400, "malformed_json"),
                bad("array body", "{\"body\":[\"hi\"]}", 400, "malformed_json"),
                bad("duplicate body", "{\"body\":\"one\",\"body\":\"two\"}", 400, "malformed_json"),
                bad("missing body", "{}", 400, "invalid_request"),
                bad("null body", "{\"body\":null}", 400, "invalid_request"),
                bad("empty body", "{\"body\":\"\"}", 400, "invalid_request"),
                bad("blank body", "{\"body\":\" \\n\\t \"}", 400, "invalid_request"),
                bad("body of 4097 characters", "{\"body\":\"" + "x".repeat(4097) + "\"}", 400, "invalid_request"),
                bad("body with a NUL", "{\"body\":\"a\\u0000b\"}", 400, "invalid_request"),
                bad("body with a control character", "{\"body\":\"ring \\u0007\"}", 400, "invalid_request"),
                bad("body with a lone surrogate", "{\"body\":\"half \\ud83d\"}", 400, "invalid_request"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodies")
    void rejectsABadNewPostWithA4xxAndWritesNothing(String name, String body, int status, String error) {
        assertRejected(() -> api.post("/api/posts", token, body), status, error);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodies")
    void rejectsABadEditWithA4xxAndWritesNothing(String name, String body, int status, String error) {
        assertRejected(() -> api.put("/api/posts/" + postId, token, body), status, error);
    }

    @Test
    void acceptsBodiesOfUpTo4096CharactersCountedAsPostgreSqlCountsThem() {
        // 4096 characters, of which 100 are outside the BMP: 4196 UTF-16 units, still 4096 characters.
        String longest = "\uD83D\uDE00".repeat(100) + "x".repeat(3996);

        Api.Response created = api.createPost(token, longest);
        Api.Response edited = api.editPost(token, postId, "keeps tabs\tand\r\nline breaks");

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(edited.status()).as(edited.text()).isEqualTo(200);
        assertThat(jdbc.sql("SELECT char_length(body) FROM posts WHERE post_id = ?::uuid")
                .param(created.json().path("postId").asString()).query(Integer.class).single()).isEqualTo(4096);
    }

    @Test
    void rejectsRequestsOverTheCapWith413() {
        String body = "{\"body\":\"hi\",\"padding\":\"" + "x".repeat(20 * 1024) + "\"}";

        assertRejected(() -> api.post("/api/posts", token, body), 413, "payload_too_large");
        assertRejected(() -> api.put("/api/posts/" + postId, token, body), 413, "payload_too_large");
    }

    @Test
    void rejectsChunkedRequestsOverTheCapWith413() {
        byte[] body = ("{\"body\":\"hi\",\"padding\":\"" + "x".repeat(64 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);

        // No Content-Length: the cap must hold while reading, not only when a length is declared.
        assertRejected(() -> api.send("POST", "/api/posts", token,
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)), "application/json"),
                413, "payload_too_large");
    }

    @Test
    void rejectsBadIdsAndParameters() {
        assertRejected(() -> api.put("/api/posts/not-a-uuid", token, "{\"body\":\"hi\"}"), 400, "invalid_request");
        assertRejected(() -> api.delete("/api/posts/not-a-uuid", token), 400, "invalid_request");
        assertRejected(() -> api.get("/api/posts/not-a-uuid", null), 400, "invalid_request");
        assertRejected(() -> api.get("/api/posts/" + "1".repeat(5000), null), 400, "invalid_request");
        assertRejected(() -> api.feed("?limit=0"), 400, "invalid_request");
        assertRejected(() -> api.feed("?limit=101"), 400, "invalid_request");
        assertRejected(() -> api.feed("?limit=abc"), 400, "invalid_request");
        assertRejected(() -> api.feed("?limit=99999999999"), 400, "invalid_request");
        assertRejected(() -> api.feed("?before=not-a-uuid"), 400, "invalid_request");
        assertRejected(() -> api.feed("?before=" + UUID.randomUUID()), 400, "invalid_request");
    }

    @Test
    void rejectsOtherMediaTypesMethodsAndPaths() {
        assertRejected(() -> api.send("POST", "/api/posts", token,
                HttpRequest.BodyPublishers.ofString("body=hi"), "text/plain"), 415, "unsupported_media_type");
        assertRejected(() -> api.send("PATCH", "/api/posts/" + postId, token, "{\"body\":\"hi\"}"), 405, "method_not_allowed");
        assertRejected(() -> api.send("POST", "/api/feed", token, "{}"), 405, "method_not_allowed");
        assertRejected(() -> api.get("/api/nothing-here", token), 404, "not_found");
    }

    private void assertRejected(Supplier<Api.Response> request, int status, String error) {
        String before = allRows();

        Api.Response answer = request.get();

        assertThat(answer.status()).as(answer.text()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(answer.error()).as(answer.text()).isEqualTo(error);
        assertThat(answer.json().path("message").asString()).as(answer.text()).isNotBlank()
                .as("no internals in messages").doesNotContain("java.", "io.multisite", "Exception");
        assertThat(answer.header("X-Served-By")).contains("site-a");
        assertThat(allRows()).isEqualTo(before);
    }

    private static Arguments bad(String name, String body, int status, String error) {
        return Arguments.of(name, body, status, error);
    }
}
