package io.multisite.gateway.web;

import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * An answer the gateway gives itself instead of forwarding: rendered by {@link JsonErrorHandler} as
 * {@code {"error": code, "message": ...}} with this status. Every 503 also gets {@code Retry-After}.
 */
public final class GatewayRefusal extends RuntimeException {

    private final HttpStatus status;
    private final String code;
    private final Map<String, String> headers;

    private GatewayRefusal(HttpStatus status, String code, String message, Map<String, String> headers, Throwable cause) {
        // No stack trace: a refusal is an answer to the client, not a failure of the gateway.
        super(message, cause, false, false);
        this.status = status;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    public static GatewayRefusal badRequest(String code, String message) {
        return new GatewayRefusal(HttpStatus.BAD_REQUEST, code, message, Map.of(), null);
    }

    /** 401 for a request that carries no session token where one is needed. */
    public static GatewayRefusal unauthenticated(String code, String message) {
        return new GatewayRefusal(HttpStatus.UNAUTHORIZED, code, message,
                Map.of(HttpHeaders.WWW_AUTHENTICATE, "Bearer"), null);
    }

    /** 401 for a token that cannot be a session token at all (RFC 6750's invalid_token). */
    public static GatewayRefusal invalidToken(String message) {
        return new GatewayRefusal(HttpStatus.UNAUTHORIZED, "invalid_token", message,
                Map.of(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""), null);
    }

    public static GatewayRefusal payloadTooLarge(String message) {
        return new GatewayRefusal(HttpStatus.PAYLOAD_TOO_LARGE, "payload_too_large", message, Map.of(), null);
    }

    public static GatewayRefusal unavailable(String code, String message) {
        return new GatewayRefusal(HttpStatus.SERVICE_UNAVAILABLE, code, message, Map.of(), null);
    }

    public static GatewayRefusal unavailable(String code, String message, Throwable cause) {
        return new GatewayRefusal(HttpStatus.SERVICE_UNAVAILABLE, code, message, Map.of(), cause);
    }

    static GatewayRefusal of(HttpStatus status, String code, String message) {
        return new GatewayRefusal(status, code, message, Map.of(), null);
    }

    public HttpStatus status() {
        return status;
    }

    /** The {@code error} field, and the {@code reason} tag of the request metrics. */
    public String code() {
        return code;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
