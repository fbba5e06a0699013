package io.multisite.gateway.identity;

import io.multisite.gateway.web.GatewayRefusal;
import io.multisite.routing.Units;

/**
 * The user of a session token {@code <userId>.<sessionId>.<expiresEpochSeconds>.<signature>}
 * (issued by account-service). Only the form is checked here; signature, expiry and revocation are
 * the service's business, because only it holds the secret and the session table.
 */
final class SessionTokenUser {

    private static final String BEARER = "Bearer ";

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
        if (!isUuid(parts[1]) || !isEpochSeconds(parts[2]) || !isBase64Url(parts[3])) {
            throw GatewayRefusal.invalidToken("the session token is malformed");
        }
        return parts[0];
    }

    // Checked by hand rather than by regular expressions: this runs on every request that carries
    // a token, and a Matcher per part was a visible share of the gateway's own work per request.

    /** 8-4-4-4-12 hexadecimal digits. */
    private static boolean isUuid(String s) {
        if (s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean ok = (i == 8 || i == 13 || i == 18 || i == 23) ? c == '-' : Character.digit(c, 16) >= 0 && c < 128;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** 1-18 decimal digits: fits a long. */
    private static boolean isEpochSeconds(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** One or more of [A-Za-z0-9_-]. */
    private static boolean isBase64Url(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
