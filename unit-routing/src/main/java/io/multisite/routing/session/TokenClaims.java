package io.multisite.routing.session;

import java.time.Instant;
import java.util.UUID;

/** What a session token says, once its signature has been checked. */
public record TokenClaims(String userId, UUID sessionId, Instant expiresAt) {
}
