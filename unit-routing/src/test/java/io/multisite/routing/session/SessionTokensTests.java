package io.multisite.routing.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SessionTokensTests {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static final byte[] SECRET = "a test secret of at least thirty-two bytes".getBytes(StandardCharsets.UTF_8);

    private final SessionTokens tokens = new SessionTokens(SECRET, Clock.fixed(NOW, ZoneOffset.UTC));
    private final UUID sessionId = UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e");
    private final TokenClaims alice = new TokenClaims("alice", sessionId, NOW.plus(Duration.ofHours(1)));

    @Test
    void verifiesTheTokensItIssues() {
        String token = tokens.issue(alice);

        assertThat(token).startsWith("alice." + sessionId + "." + alice.expiresAt().getEpochSecond() + ".");
        assertThat(tokens.verify(token)).isEqualTo(alice);
    }

    @Test
    void carriesTheUserIdInClearSoThatAGatewayCanRouteWithoutALookup() {
        String token = tokens.issue(alice);

        assertThat(token.substring(0, token.indexOf('.'))).isEqualTo("alice");
    }

    @Test
    void rejectsATamperedSignature() {
        String token = tokens.issue(alice);
        char last = token.charAt(token.length() - 1);
        String tampered = token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A');

        assertThatThrownBy(() -> tokens.verify(tampered)).isInstanceOf(InvalidTokenException.class)
                .hasMessageContaining("signature");
    }

    @Test
    void rejectsAnotherUsersIdUnderAValidSignature() {
        String token = tokens.issue(alice);
        String forged = "mallory" + token.substring("alice".length());

        assertThatThrownBy(() -> tokens.verify(forged)).isInstanceOf(InvalidTokenException.class)
                .hasMessageContaining("signature");
    }

    @Test
    void rejectsAnExtendedExpiry() {
        String token = tokens.issue(alice);
        String[] parts = token.split("\\.");
        String extended = parts[0] + "." + parts[1] + "." + (Long.parseLong(parts[2]) + 86_400) + "." + parts[3];

        assertThatThrownBy(() -> tokens.verify(extended)).isInstanceOf(InvalidTokenException.class);
    }

    @Test
    void rejectsATokenSignedWithAnotherSecret() {
        SessionTokens otherSite = new SessionTokens("another secret of at least thirty-two bytes".getBytes(StandardCharsets.UTF_8),
                Clock.fixed(NOW, ZoneOffset.UTC));

        assertThatThrownBy(() -> tokens.verify(otherSite.issue(alice))).isInstanceOf(InvalidTokenException.class);
    }

    @Test
    void rejectsAnExpiredToken() {
        String token = tokens.issue(new TokenClaims("alice", sessionId, NOW));

        assertThatThrownBy(() -> tokens.verify(token)).isInstanceOf(InvalidTokenException.class)
                .hasMessageContaining("expired");
    }

    @Test
    void rejectsAWellSignedPayloadThatIsNotAToken() {
        // Signed with the right secret but not in the token format: only this codec's own output is accepted.
        String payload = "alice.not-a-uuid.123";
        String token = payload + "." + sign(payload);

        assertThatThrownBy(() -> tokens.verify(token)).isInstanceOf(InvalidTokenException.class)
                .hasMessageContaining("malformed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "...", "alice", "alice.x.y", "a.b.c.!!!", "a.b.c.d.e"})
    void rejectsMalformedTokens(String token) {
        assertThatThrownBy(() -> tokens.verify(token)).isInstanceOf(InvalidTokenException.class);
    }

    @Test
    void rejectsOversizedTokensWithoutComputingAnything() {
        assertThatThrownBy(() -> tokens.verify("a".repeat(10_000))).isInstanceOf(InvalidTokenException.class)
                .hasMessageContaining("malformed");
    }

    @Test
    void readsTheUserIdOfAnIssuedTokenWithoutTheSecret() {
        assertThat(SessionTokens.userIdOf(tokens.issue(alice))).contains("alice");
    }

    @Test
    void readsTheUserIdOfAForgedTokenTooBecauseReadingItProvesNothing() {
        // Routing a forgery to mallory's home site is harmless: that service verifies and refuses it.
        String forged = "mallory." + sessionId + "." + NOW.plusSeconds(60).getEpochSecond() + ".AAAA";

        assertThat(SessionTokens.userIdOf(forged)).contains("mallory");
        assertThatThrownBy(() -> tokens.verify(forged)).isInstanceOf(InvalidTokenException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "...", "alice", "alice.x.y", "alice.not-a-uuid.123.AAAA",
            "alice.0f8fad5b-d9cb-469f-a165-70867728950e.123.", "alice.0f8fad5b-d9cb-469f-a165-70867728950e.soon.AAAA",
            "alice.0f8fad5b-d9cb-469f-a165-70867728950e.123.!!!", "al ice.0f8fad5b-d9cb-469f-a165-70867728950e.123.AAAA",
            "a.0f8fad5b-d9cb-469f-a165-70867728950e.1.AAAA.extra"})
    void findsNoUserInAStringThatIsNotShapedLikeAToken(String token) {
        assertThat(SessionTokens.userIdOf(token)).isEmpty();
    }

    @Test
    void findsNoUserInAnOversizedOrMissingToken() {
        assertThat(SessionTokens.userIdOf("a".repeat(10_000))).isEmpty();
        assertThat(SessionTokens.userIdOf(null)).isEmpty();
    }

    private static String sign(String payload) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(SECRET, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
