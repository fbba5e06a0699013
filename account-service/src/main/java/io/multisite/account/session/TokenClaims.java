package io.multisite.account.session;

import java.time.Instant;
import java.util.UUID;

/** What a session token says, once its signature has been checked. */
record TokenClaims(String userId, UUID sessionId, Instant expiresAt) {
}
