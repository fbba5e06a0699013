package io.multisite.account.session;

import java.time.Instant;

record LoginResponse(String token, Instant expiresAt) {
}
