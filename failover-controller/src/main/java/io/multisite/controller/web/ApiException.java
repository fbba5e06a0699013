package io.multisite.controller.web;

import org.springframework.http.HttpStatus;

/** A request the controller will not carry out, answered as {@code {"error","message"}}. */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String code;

    public ApiException(HttpStatus status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }
}
