package io.multisite.account.session;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import io.multisite.account.routing.GuardedWrite;
import io.multisite.account.routing.WriteGuard;
import io.multisite.account.user.Credentials;
import io.multisite.account.web.ApiException;
import io.multisite.routing.Tier;
import io.multisite.routing.Units;
import io.multisite.routing.session.SessionTokens;
import io.multisite.routing.session.TokenClaims;

import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sessions are the tolerant tier: written at the user's home site, replicated to every site and
 * merged last-writer-wins. So they need the unit's owner but no lease, and a site cut off from
 * the others keeps logging in the users it can still reach.
 */
@Service
class SessionService {

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final WriteGuard guard;
    private final Credentials credentials;
    private final SessionTokens tokens;
    private final SessionProperties properties;
    private final Clock clock;

    SessionService(JdbcClient jdbc, TransactionTemplate transactions, WriteGuard guard, Credentials credentials,
                   SessionTokens tokens, SessionProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.guard = guard;
        this.credentials = credentials;
        this.tokens = tokens;
        this.properties = properties;
        this.clock = clock;
    }

    Login login(LoginRequest request) {
        if (!Units.isValidUserId(request.userId())) {
            throw ApiException.invalid("userId must be 1-64 characters of [A-Za-z0-9_-]");
        }
        if (request.password() == null) {
            throw ApiException.invalid("password is required");
        }
        String userId = request.userId();
        // Before the password check: a site that does not own the user may not have the user's
        // row yet, and must send the caller to the owner rather than answer 401.
        guard.precheck(userId, Tier.TOLERANT);
        if (!credentials.verify(userId, request.password())) {
            throw new ApiException(HttpStatus.UNAUTHORIZED, "invalid_credentials", "user id or password is wrong");
        }
        UUID sessionId = UUID.randomUUID();
        Instant expiresAt = clock.instant().plus(properties.ttl()).truncatedTo(ChronoUnit.SECONDS);
        try (GuardedWrite write = guard.admit(userId, Tier.TOLERANT)) {
            transactions.executeWithoutResult(status -> jdbc.sql("""
                            INSERT INTO sessions (session_id, user_id, expires_at, revoked, updated_at, origin_site)
                            VALUES (:sessionId, :userId, :expiresAt, false, clock_timestamp(), :site)""")
                    .param("sessionId", sessionId)
                    .param("userId", userId)
                    .param("expiresAt", expiresAt.atOffset(ZoneOffset.UTC))
                    .param("site", guard.site())
                    .update());
            String token = tokens.issue(new TokenClaims(userId, sessionId, expiresAt));
            return new Login(new LoginResponse(token, expiresAt), write.unit(), write.epoch());
        }
    }

    /**
     * Marks the session revoked. An update rather than a delete, with a newer updated_at, so the
     * revocation wins the last-writer-wins merge at every site it replicates to.
     *
     * @return the routing the revocation was admitted under
     */
    Revocation revoke(CurrentUser user) {
        try (GuardedWrite write = guard.admit(user.userId(), Tier.TOLERANT)) {
            transactions.executeWithoutResult(status -> jdbc.sql("""
                            UPDATE sessions
                               SET revoked = true,
                                   -- strictly newer than the version it replaces, even if that one
                                   -- came from a site whose clock runs ahead of ours
                                   updated_at = greatest(clock_timestamp(), updated_at + interval '1 microsecond'),
                                   origin_site = :site
                             WHERE session_id = :sessionId AND user_id = :userId AND NOT revoked""")
                    .param("site", guard.site())
                    .param("sessionId", user.sessionId())
                    .param("userId", user.userId())
                    .update());
            return new Revocation(write.unit(), write.epoch());
        }
    }

    /** The routing a revocation was admitted under. */
    record Revocation(int unit, long epoch) {
    }
}
