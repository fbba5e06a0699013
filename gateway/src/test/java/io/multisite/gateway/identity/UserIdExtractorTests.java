package io.multisite.gateway.identity;

import java.nio.charset.StandardCharsets;

import io.multisite.gateway.web.GatewayRefusal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UserIdExtractorTests {

    private static final String TOKEN_OF_BOB = "bob.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.1900000000.c2lnbmF0dXJl";
    private static final byte[] NO_BODY = new byte[0];

    private static HttpHeaders bearer(String token) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + token);
        return headers;
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theUserIdInThePathComesFirst() {
        String user = UserIdExtractor.userIdOf(HttpMethod.GET, "/api/users/alice/profile", bearer(TOKEN_OF_BOB), NO_BODY);

        assertThat(user).isEqualTo("alice");
        assertThat(UserIdExtractor.userIdOf(HttpMethod.GET, "/api/users/alice", new HttpHeaders(), NO_BODY)).isEqualTo("alice");
    }

    @Test
    void registrationAndLoginAreRoutedByTheBodyWhateverTokenComesWithThem() {
        byte[] body = json("{\"password\":\"x\",\"userId\":\"carol_01-Z\"}");

        assertThat(UserIdExtractor.userIdOf(HttpMethod.POST, "/api/users", bearer(TOKEN_OF_BOB), body)).isEqualTo("carol_01-Z");
        assertThat(UserIdExtractor.userIdOf(HttpMethod.POST, "/api/sessions", new HttpHeaders(), body)).isEqualTo("carol_01-Z");
    }

    @Test
    void everythingElseIsRoutedByTheSessionTokensUser() {
        assertThat(UserIdExtractor.userIdOf(HttpMethod.POST, "/api/transfers", bearer(TOKEN_OF_BOB),
                json("{\"toUserId\":\"alice\"}"))).isEqualTo("bob");
        assertThat(UserIdExtractor.userIdOf(HttpMethod.DELETE, "/api/sessions/current", bearer(TOKEN_OF_BOB), NO_BODY))
                .isEqualTo("bob");
        HttpHeaders lowerCaseScheme = new HttpHeaders();
        lowerCaseScheme.set(HttpHeaders.AUTHORIZATION, "bearer " + TOKEN_OF_BOB);
        assertThat(UserIdExtractor.userIdOf(HttpMethod.GET, "/api/users", lowerCaseScheme, NO_BODY)).isEqualTo("bob");
    }

    @Test
    void aTokenWithAnyCaseOfHexAndTheLongestExpiryIsAccepted() {
        assertThat(UserIdExtractor.userIdOf(HttpMethod.GET, "/api/accounts/me",
                bearer("bob.5F0C3A56-1d2b-4C6E-9f11-2A3B4c5d6e7f.999999999999999999.AZaz09_-"), NO_BODY)).isEqualTo("bob");
    }

    @Test
    void aMissingTokenIs401WithoutAUser() {
        assertThatThrownBy(() -> UserIdExtractor.userIdOf(HttpMethod.GET, "/api/accounts/me", new HttpHeaders(), NO_BODY))
                .isInstanceOfSatisfying(GatewayRefusal.class, refusal -> {
                    assertThat(refusal.status()).isEqualTo(HttpStatus.UNAUTHORIZED);
                    assertThat(refusal.code()).isEqualTo("no_user");
                    assertThat(refusal.headers()).containsEntry(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"bob", "bob.x.1.sig", "bob.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.-1.sig",
            "b.o.b.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.1.sig", "bob.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.1.si=g",
            "bob.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7.1.sig", "bob.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f0.1.sig",
            "bob.5f0c3a56a1d2b-4c6e-9f11-2a3b4c5d6e7f.1.sig", "bob.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7g.1.sig",
            "bob.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7\uFF11.1.sig", "bob.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.1234567890123456789.sig",
            "bob.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.\u0661.sig", "bob.5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.1.sig/"})
    void aTokenOfAnotherShapeIsAnInvalidToken(String token) {
        assertThatThrownBy(() -> UserIdExtractor.userIdOf(HttpMethod.GET, "/api/accounts/me", bearer(token), NO_BODY))
                .isInstanceOfSatisfying(GatewayRefusal.class, refusal -> {
                    assertThat(refusal.status()).isEqualTo(HttpStatus.UNAUTHORIZED);
                    assertThat(refusal.code()).isEqualTo("invalid_token");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "null", "\"alice\"", "{}", "{\"userId\":null}", "{\"userId\":[\"alice\"]}",
            "{\"userId\":\"\"}", "{\"userId\":\"alice.b\"}", "{\"userId\":\"a\",\"userId\":\"a\"}", "{\"userId\":\"a\"",
            "{\"userId\":\"a\"}x"})
    void aBodyThatNamesNoValidUserIs400(String body) {
        assertThatThrownBy(() -> UserIdExtractor.userIdOf(HttpMethod.POST, "/api/users", new HttpHeaders(), json(body)))
                .isInstanceOfSatisfying(GatewayRefusal.class, refusal -> {
                    assertThat(refusal.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(refusal.code()).isEqualTo("no_user");
                });
    }

    @Test
    void anEncodedOrOverlongUserIdInThePathIs400() {
        for (String path : new String[] {"/api/users/al%69ce", "/api/users/" + "a".repeat(65) + "/x"}) {
            assertThatThrownBy(() -> UserIdExtractor.userIdOf(HttpMethod.GET, path, bearer(TOKEN_OF_BOB), NO_BODY))
                    .isInstanceOfSatisfying(GatewayRefusal.class,
                            refusal -> assertThat(refusal.status()).isEqualTo(HttpStatus.BAD_REQUEST));
        }
    }
}
