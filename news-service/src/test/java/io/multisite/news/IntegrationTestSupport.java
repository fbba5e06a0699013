package io.multisite.news;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import io.multisite.routing.session.SessionTokens;
import io.multisite.routing.session.TokenClaims;
import io.multisite.testsupport.Docker;
import io.multisite.testsupport.TestDatabase;
import io.multisite.testsupport.TestRouting;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The service as site-a, on a real port and the shared test database ({@code news}), with routing
 * and lease in the test's hands ({@link TestRouting}). All subclasses share one application context.
 *
 * <p>news-service does not log anyone in: account-service does, and the replication service copies
 * the session row here. {@link #login} plays both parts with the development secret of
 * application.yml.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "multisite.site=site-a",
        "multisite.kafka.enabled=false"})
@Import(TestRoutingConfiguration.class)
public abstract class IntegrationTestSupport {

    /** The default of SESSION_SECRET in application.yml, which these tests run with. */
    public static final String DEVELOPMENT_SECRET = "development-only-session-secret-never-use-in-production";
    /** Tokens as account-service issues them with that secret. */
    public static final SessionTokens TOKENS = new SessionTokens(DEVELOPMENT_SECRET.getBytes(StandardCharsets.UTF_8),
            Clock.systemUTC());

    @LocalServerPort
    protected int port;

    @Autowired
    protected JdbcClient jdbc;

    @Autowired
    protected TestRouting routing;

    protected Api api;

    @BeforeAll
    static void requireDocker() {
        Docker.require();
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> TestDatabase.jdbcUrl(TestDatabase.NEWS));
        registry.add("spring.datasource.username", () -> TestDatabase.owner(TestDatabase.NEWS));
        registry.add("spring.datasource.password", () -> TestDatabase.PASSWORD);
    }

    @BeforeEach
    void cleanSlate() {
        jdbc.sql("TRUNCATE posts, sessions").update();
        routing.reset();
        api = new Api(port);
    }

    /**
     * A token of a new live session of the user, whose row has reached this site as the
     * replication service would bring it (written by account-service at site-a).
     */
    protected String login(String userId) {
        UUID sessionId = UUID.randomUUID();
        Instant expiresAt = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        applySession(sessionId, userId, expiresAt, false, OffsetDateTime.now(ZoneOffset.UTC));
        return TOKENS.issue(new TokenClaims(userId, sessionId, expiresAt));
    }

    protected boolean applySession(UUID sessionId, String userId, Instant expiresAt, boolean revoked, OffsetDateTime updatedAt) {
        return jdbc.sql("SELECT apply_session(:id, :user, :expires, :revoked, :updated, 'site-a')")
                .param("id", sessionId)
                .param("user", userId)
                .param("expires", expiresAt.atOffset(ZoneOffset.UTC))
                .param("revoked", revoked)
                .param("updated", updatedAt)
                .query(Boolean.class)
                .single();
    }

    protected long count(String table) {
        return jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single();
    }

    /** Every row of both tables as text: equal before and after shows that nothing was written, not even an update. */
    protected String allRows() {
        return jdbc.sql("""
                        SELECT coalesce((SELECT string_agg(p::text, E'\\n' ORDER BY post_id) FROM posts p), '')
                            || E'\\n--\\n'
                            || coalesce((SELECT string_agg(s::text, E'\\n' ORDER BY session_id) FROM sessions s), '')""")
                .query(String.class)
                .single();
    }
}
