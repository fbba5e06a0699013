package io.multisite.news.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import io.multisite.news.Api;
import io.multisite.news.IntegrationTestSupport;
import io.multisite.routing.session.SessionTokens;
import io.multisite.routing.session.TokenClaims;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A write needs a token account-service issued (the shared codec and secret) and a live session
 * in this site's own replica of the sessions table.
 */
class SessionIntegrationTests extends IntegrationTestSupport {

    private String alice;
    private String bob;
    private String alicePost;

    @BeforeEach
    void users() {
        alice = TestUsers.homedAt("site-a", "alice");
        bob = TestUsers.homedAt("site-a", "bob");
        alicePost = api.postOf(login(alice), "alice's post");
    }

    @Test
    void acceptsATokenOnceItsSessionHasBeenReplicatedHere() {
        UUID sessionId = UUID.randomUUID();
        Instant expiresAt = Instant.now().plusSeconds(600).truncatedTo(ChronoUnit.SECONDS);
        String token = TOKENS.issue(new TokenClaims(bob, sessionId, expiresAt));

        Api.Response beforeTheRow = api.createPost(token, "too early");
        applySession(sessionId, bob, expiresAt, false, OffsetDateTime.now(ZoneOffset.UTC));
        Api.Response afterTheRow = api.createPost(token, "now");

        assertThat(beforeTheRow.status()).isEqualTo(401);
        assertThat(beforeTheRow.json().path("message").asString()).contains("not known at this site");
        assertThat(afterTheRow.status()).as(afterTheRow.text()).isEqualTo(201);
    }

    @Test
    void rejectsATokenWhoseSessionWasRevokedAtTheHomeSite() {
        UUID sessionId = UUID.randomUUID();
        Instant expiresAt = Instant.now().plusSeconds(600).truncatedTo(ChronoUnit.SECONDS);
        OffsetDateTime loggedIn = OffsetDateTime.now(ZoneOffset.UTC);
        applySession(sessionId, alice, expiresAt, false, loggedIn);
        String token = TOKENS.issue(new TokenClaims(alice, sessionId, expiresAt));
        assertThat(api.createPost(token, "still logged in").status()).isEqualTo(201);

        // The logout, replicated from account-service.
        applySession(sessionId, alice, expiresAt, true, loggedIn.plusSeconds(1));

        assertUnauthenticated(token);
    }

    @Test
    void rejectsATokenWithATamperedSignature() {
        String token = login(alice);

        assertUnauthenticated(token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA"));
    }

    @Test
    void rejectsATokenRewrittenToAnotherUser() {
        String token = login(alice);

        assertUnauthenticated(bob + token.substring(alice.length()));
    }

    @Test
    void rejectsATokenSignedWithAnotherSecret() {
        SessionTokens forger = new SessionTokens("a secret that is not the sites' secret".getBytes(StandardCharsets.UTF_8),
                Clock.systemUTC());
        String token = login(alice);
        TokenClaims claims = TOKENS.verify(token);

        assertUnauthenticated(forger.issue(claims));
    }

    @Test
    void rejectsAWellSignedTokenForAnotherUsersSession() {
        // Even with the secret, a session of alice's cannot be used as bob: the row names its user.
        TokenClaims claims = TOKENS.verify(login(alice));

        assertUnauthenticated(TOKENS.issue(new TokenClaims(bob, claims.sessionId(), claims.expiresAt())));
    }

    @Test
    void rejectsAnExpiredToken() {
        TokenClaims claims = TOKENS.verify(login(alice));

        assertUnauthenticated(TOKENS.issue(new TokenClaims(alice, claims.sessionId(),
                Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.SECONDS))));
    }

    @Test
    void rejectsATokenWhoseSessionRowHasExpired() {
        UUID sessionId = UUID.randomUUID();
        applySession(sessionId, alice, Instant.now().minusSeconds(1), false, OffsetDateTime.now(ZoneOffset.UTC));

        assertUnauthenticated(TOKENS.issue(new TokenClaims(alice, sessionId, Instant.now().plusSeconds(600))));
    }

    @Test
    void rejectsRequestsWithoutABearerToken() {
        assertUnauthenticated(null);
        assertUnauthenticated("");
        assertUnauthenticated("garbage");
        assertUnauthenticated("a".repeat(300));
    }

    private void assertUnauthenticated(String token) {
        String before = allRows();
        Api.Response created = api.createPost(token, "hello");
        Api.Response edited = api.editPost(token, alicePost, "hello");
        Api.Response deleted = api.deletePost(token, alicePost);

        for (Api.Response answer : new Api.Response[] {created, edited, deleted}) {
            assertThat(answer.status()).as(answer.text()).isEqualTo(401);
            assertThat(answer.error()).isEqualTo("unauthenticated");
            assertThat(answer.json().path("message").asString()).isNotBlank();
            assertThat(answer.header("WWW-Authenticate")).contains("Bearer");
            assertThat(answer.header("X-Served-By")).contains("site-a");
        }
        assertThat(allRows()).isEqualTo(before);
    }
}
