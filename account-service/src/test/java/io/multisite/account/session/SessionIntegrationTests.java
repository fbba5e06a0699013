package io.multisite.account.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

import io.multisite.account.Api;
import io.multisite.account.IntegrationTestSupport;
import io.multisite.routing.Units;
import io.multisite.routing.session.SessionTokens;
import io.multisite.routing.session.TokenClaims;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SessionIntegrationTests extends IntegrationTestSupport {

    /** Tokens signed with the service's own (test) secret: forgeries that only a broken check would accept. */
    private final SessionTokens sameSecret = new SessionTokens(
            SessionProperties.DEVELOPMENT_SECRET.getBytes(StandardCharsets.UTF_8), Clock.systemUTC());

    private String alice;
    private String bob;

    @BeforeEach
    void users() {
        alice = TestUsers.homedAt("site-a", "alice");
        bob = TestUsers.homedAt("site-a", "bob");
        api.register(alice, 1_000);
        api.register(bob, 1_000);
    }

    @Test
    void logsInWithASignedTokenThatNamesTheUser() {
        Api.Response login = api.login(alice, Api.PASSWORD);

        assertThat(login.status()).isEqualTo(201);
        String token = login.json().path("token").asString();
        assertThat(token).startsWith(alice + ".");
        Instant expiresAt = Instant.parse(login.json().path("expiresAt").asString());
        assertThat(expiresAt).isBetween(Instant.now().plus(Duration.ofHours(11)), Instant.now().plus(Duration.ofHours(13)));
        assertThat(login.header("X-Unit")).contains(String.valueOf(Units.DEFAULT.of(alice)));
        assertThat(jdbc.sql("SELECT origin_site FROM sessions WHERE user_id = ? AND NOT revoked").param(alice)
                .query(String.class).list()).containsExactly("site-a");
        assertThat(api.get("/api/accounts/me", token).status()).isEqualTo(200);
    }

    @Test
    void answersAWrongPasswordAndAnUnknownUserAlike() {
        Api.Response wrongPassword = api.login(alice, "not the password");
        Api.Response unknownUser = api.login(TestUsers.homedAt("site-a", "nobody"), Api.PASSWORD);

        assertThat(wrongPassword.status()).isEqualTo(401);
        assertThat(unknownUser.status()).isEqualTo(401);
        assertThat(unknownUser.text()).isEqualTo(wrongPassword.text());
        assertThat(count("sessions")).isZero();
    }

    @Test
    void revokesTheCurrentSessionWithANewerVersionOfItsRow() {
        String token = api.token(alice);
        String other = api.token(alice);
        OffsetDateTime before = jdbc.sql("SELECT updated_at FROM sessions WHERE session_id = ?")
                .param(sessionId(token)).query(OffsetDateTime.class).single();

        Api.Response logout = api.delete("/api/sessions/current", token);

        assertThat(logout.status()).isEqualTo(204);
        assertThat(logout.header("X-Routing-Epoch")).contains("1");
        Map<String, Object> row = jdbc.sql("SELECT revoked, updated_at, origin_site FROM sessions WHERE session_id = ?")
                .param(sessionId(token)).query().singleRow();
        assertThat(row.get("revoked")).isEqualTo(true);
        assertThat(((java.sql.Timestamp) row.get("updated_at")).toInstant()).isAfter(before.toInstant());
        Api.Response afterwards = api.get("/api/accounts/me", token);
        assertThat(afterwards.status()).isEqualTo(401);
        assertThat(afterwards.error()).isEqualTo("unauthenticated");
        assertThat(afterwards.header("WWW-Authenticate")).contains("Bearer");
        assertThat(api.get("/api/accounts/me", other).status()).as("only the current session ends").isEqualTo(200);
    }

    @Test
    void rejectsATokenWithATamperedSignature() {
        String token = api.token(alice);
        String tampered = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");

        assertUnauthenticated(tampered);
    }

    @Test
    void rejectsATokenRewrittenToAnotherUser() {
        String token = api.token(alice);

        assertUnauthenticated(bob + token.substring(alice.length()));
    }

    @Test
    void rejectsAWellSignedTokenForAnotherUsersSession() {
        // Even with the secret, a session of alice's cannot be used as bob: the row names its user.
        String token = api.token(alice);
        TokenClaims claims = sameSecret.verify(token);

        assertUnauthenticated(sameSecret.issue(new TokenClaims(bob, claims.sessionId(), claims.expiresAt())));
    }

    @Test
    void rejectsAnExpiredToken() {
        String token = api.token(alice);
        TokenClaims claims = sameSecret.verify(token);

        assertUnauthenticated(sameSecret.issue(new TokenClaims(alice, claims.sessionId(),
                Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.SECONDS))));
    }

    @Test
    void rejectsASessionThatThisSiteDoesNotKnow() {
        assertUnauthenticated(sameSecret.issue(new TokenClaims(alice, UUID.randomUUID(), Instant.now().plusSeconds(600))));
    }

    @Test
    void rejectsRequestsWithoutABearerToken() {
        assertThat(api.get("/api/accounts/me", null).status()).isEqualTo(401);
        assertThat(api.send("GET", "/api/accounts/me", null, null).error()).isEqualTo("unauthenticated");
        assertUnauthenticated("garbage");
        assertUnauthenticated("");
    }

    private void assertUnauthenticated(String token) {
        String before = allRowCounts();
        Api.Response me = api.get("/api/accounts/me", token);
        Api.Response transfer = api.transfer(token, bob, 1, "k-" + UUID.randomUUID());
        Api.Response logout = api.delete("/api/sessions/current", token);

        for (Api.Response answer : new Api.Response[] {me, transfer, logout}) {
            assertThat(answer.status()).as(answer.text()).isEqualTo(401);
            assertThat(answer.error()).isEqualTo("unauthenticated");
            assertThat(answer.json().path("message").asString()).isNotBlank();
        }
        assertThat(allRowCounts()).isEqualTo(before);
        assertThat(jdbc.sql("SELECT count(*) FROM sessions WHERE revoked").query(Long.class).single()).isZero();
    }

    private static UUID sessionId(String token) {
        return UUID.fromString(token.split("\\.")[1]);
    }
}
