package io.multisite.news.web;

import org.springframework.http.HttpStatus;

/**
 * A request that is answered with an error: the status, the {@code error} code of the JSON body
 * and a message for the caller. Thrown before anything is written, or from inside a transaction,
 * which it then rolls back.
 */
public final class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String code;

    public ApiException(HttpStatus status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public static ApiException invalid(String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", message);
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }
}
