package io.multisite.routing.session;

/** A token that must not be accepted; the message says why, without echoing the token. */
public final class InvalidTokenException extends RuntimeException {

    InvalidTokenException(String message) {
        super(message, null, false, false);
    }
}
