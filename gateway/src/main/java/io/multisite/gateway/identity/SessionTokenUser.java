package io.multisite.gateway.identity;

import java.util.regex.Pattern;

import io.multisite.gateway.web.GatewayRefusal;
import io.multisite.routing.Units;

/**
 * The user of a session token {@code <userId>.<sessionId>.<expiresEpochSeconds>.<signature>}
 * (issued by account-service). Only the form is checked here; signature, expiry and revocation are
 * the service's business, because only it holds the secret and the session table.
 */
final class SessionTokenUser {

    private static final String BEARER = "Bearer ";
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern EPOCH_SECONDS = Pattern.compile("[0-9]{1,18}");
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+");

    private SessionTokenUser() {
    }

    static String of(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw GatewayRefusal.unauthenticated("no_user",
                    "this request acts for a user: send a session token as 'Authorization: Bearer <token>'");
        }
        if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw GatewayRefusal.invalidToken("the Authorization header must be 'Bearer <session token>'");
        }
        String[] parts = authorization.substring(BEARER.length()).trim().split("\\.", -1);
        if (parts.length != 4) {
            throw GatewayRefusal.invalidToken("a session token has four dot-separated parts");
        }
        if (!Units.isValidUserId(parts[0])) {
            throw GatewayRefusal.invalidToken("the session token's user id is not 1-64 characters of [A-Za-z0-9_-]");
        }
        if (!UUID.matcher(parts[1]).matches() || !EPOCH_SECONDS.matcher(parts[2]).matches()
                || !BASE64URL.matcher(parts[3]).matches()) {
            throw GatewayRefusal.invalidToken("the session token is malformed");
        }
        return parts[0];
    }
}
