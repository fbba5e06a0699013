package io.multisite.routing.session;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.multisite.routing.Units;

/**
 * Session tokens: {@code <userId>.<sessionId>.<expiresEpochSeconds>.<signature>}, where the
 * signature is the unpadded base64url HMAC-SHA256 of everything before the last dot.
 *
 * <p>The user id is in clear text on purpose: the gateway routes a request to the user's home
 * site from the token alone, without a lookup and without the secret ({@link #userIdOf}; user ids
 * contain no dots). Nothing in the token is secret; the signature only proves that a site holding
 * the secret issued it. Whether the session was revoked is not in the token: every service also
 * checks the session row in its own database.
 *
 * <p>This codec lives in the routing library because routing is the one thing every component
 * does with a token; the services use the same class to issue and verify them.
 */
public final class SessionTokens {

    private static final String ALGORITHM = "HmacSHA256";
    private static final int MAX_TOKEN_LENGTH = 256;
    private static final Pattern EPOCH_SECONDS = Pattern.compile("[0-9]{1,12}");
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final SecretKeySpec key;
    private final Clock clock;

    /** @param secret the HMAC key; every site shares it, since a token issued at one is checked at all */
    public SessionTokens(byte[] secret, Clock clock) {
        this.key = new SecretKeySpec(secret, ALGORITHM);
        this.clock = clock;
    }

    public String issue(TokenClaims claims) {
        String payload = Units.requireValidUserId(claims.userId()) + "." + claims.sessionId() + "."
                + claims.expiresAt().getEpochSecond();
        return payload + "." + ENCODER.encodeToString(sign(payload));
    }

    /**
     * @return the claims of a token this codec issued and that has not expired
     * @throws InvalidTokenException for anything else
     */
    public TokenClaims verify(String token) {
        if (token == null || token.length() > MAX_TOKEN_LENGTH) {
            throw new InvalidTokenException("token is malformed");
        }
        int lastDot = token.lastIndexOf('.');
        if (lastDot < 0) {
            throw new InvalidTokenException("token is malformed");
        }
        String payload = token.substring(0, lastDot);
        byte[] signature;
        try {
            signature = DECODER.decode(token.substring(lastDot + 1));
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("token is malformed");
        }
        // Check the signature before reading anything out of the payload, in constant time.
        if (!MessageDigest.isEqual(sign(payload), signature)) {
            throw new InvalidTokenException("token signature is not valid");
        }
        String[] parts = payload.split("\\.", -1);
        if (parts.length != 3 || !Units.isValidUserId(parts[0]) || !EPOCH_SECONDS.matcher(parts[2]).matches()) {
            throw new InvalidTokenException("token is malformed");
        }
        UUID sessionId;
        try {
            sessionId = UUID.fromString(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("token is malformed");
        }
        Instant expiresAt = Instant.ofEpochSecond(Long.parseLong(parts[2]));
        if (!clock.instant().isBefore(expiresAt)) {
            throw new InvalidTokenException("token has expired");
        }
        return new TokenClaims(parts[0], sessionId, expiresAt);
    }

    /**
     * The user id a token names, read without the secret, for routing only: it tells a gateway
     * which site to send the request to, and <em>proves nothing</em>. Anyone can write a token
     * naming any user; the service that receives the request verifies it ({@link #verify}) and
     * checks the session row. The worst a forged token achieves here is being routed to the
     * named user's home site, where it is refused.
     *
     * <p>Only the shape is checked (four dot-separated parts, a valid user id, a UUID, an expiry
     * in seconds, a base64url signature), so that garbage is not routed as if it were a user.
     *
     * @return the user id, or empty when the string does not have the shape of a token
     */
    public static Optional<String> userIdOf(String token) {
        if (token == null || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 4 || !Units.isValidUserId(parts[0]) || !EPOCH_SECONDS.matcher(parts[2]).matches()
                || parts[3].isEmpty()) {
            return Optional.empty();
        }
        try {
            UUID.fromString(parts[1]);
            DECODER.decode(parts[3]);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.of(parts[0]);
    }

    private byte[] sign(String payload) {
        try {
            // A Mac is not thread-safe and cheap to create; one per call.
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
