package io.multisite.news.web;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;

import io.multisite.news.routing.WriteRefusedException;
import io.multisite.routing.Refusal;
import io.multisite.routing.RefusalReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;

import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The one place that turns exceptions into answers, all of them {@code {"error","message"}}.
 * Spring MVC's own exceptions (unreadable body, wrong method, unknown path...) keep the status
 * Spring gives them and get this body instead of a problem detail.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);
    private static final int MAX_MESSAGE = 300;

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ApiError> apiException(ApiException e) {
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(e.status());
        if (e.status() == HttpStatus.UNAUTHORIZED) {
            answer.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return answer.body(new ApiError(e.code(), e.getMessage()));
    }

    /** 421 with the owner to go to, or 503 with when to come back. */
    @ExceptionHandler(WriteRefusedException.class)
    ResponseEntity<RefusalError> refused(WriteRefusedException e) {
        Refusal refusal = e.refusal();
        RefusalReason reason = refusal.reason();
        ResponseEntity.BodyBuilder answer = RoutedResponses.routed(HttpStatusCode.valueOf(reason.httpStatus()),
                refusal.unit(), refusal.epoch());
        if (reason.retryAfter() != null) {
            answer.header(HttpHeaders.RETRY_AFTER, retryAfterSeconds(reason.retryAfter()));
        }
        String owner = null;
        if (reason == RefusalReason.NOT_OWNER) {
            owner = refusal.owner();
            answer.header(RoutedResponses.OWNER_SITE, owner);
        }
        return answer.body(new RefusalError(reason.code(), refusal.message(), refusal.unit(), refusal.epoch(), owner));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ApiError> unexpected(Exception e) {
        log.error("unexpected failure", e);
        return ResponseEntity.internalServerError().body(new ApiError("internal_error", "an unexpected error occurred"));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        Throwable tooLarge = cause(e, BodySizeLimitFilter.BodyTooLargeException.class);
        if (tooLarge != null) {
            return handleExceptionInternal(e, new ApiError("payload_too_large", tooLarge.getMessage()), headers,
                    HttpStatus.CONTENT_TOO_LARGE, request);
        }
        return handleExceptionInternal(e, new ApiError("malformed_json", unreadableMessage(e)), headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException e, HttpHeaders headers, HttpStatusCode status,
                                                        WebRequest request) {
        String name = e.getPropertyName() != null ? e.getPropertyName() : "a parameter";
        return handleExceptionInternal(e, new ApiError("invalid_request", name + " must be " + expected(e.getRequiredType())),
                headers, status, request);
    }

    /** Every Spring MVC exception ends here; give it the error shape of this API. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception e, Object body, HttpHeaders headers,
                                                             HttpStatusCode status, WebRequest request) {
        ApiError error = body instanceof ApiError apiError ? apiError : new ApiError(codeOf(status), truncate(e.getMessage()));
        return ResponseEntity.status(status).headers(headers).body(error);
    }

    static String codeOf(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> "invalid_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            default -> {
                HttpStatus known = HttpStatus.resolve(status.value());
                yield known == null ? "http_" + status.value()
                        : known.name().toLowerCase(Locale.ROOT);
            }
        };
    }

    private static String unreadableMessage(HttpMessageNotReadableException e) {
        MismatchedInputException mismatch = (MismatchedInputException) cause(e, MismatchedInputException.class);
        if (mismatch != null) {
            // Says which field and what was expected, without Java type names.
            String field = mismatch.getPath().stream()
                    .map(JacksonException.Reference::getPropertyName)
                    .filter(Objects::nonNull)
                    .collect(Collectors.joining("."));
            return field.isEmpty() ? "request body must be a JSON object" : field + " must be " + expected(mismatch.getTargetType());
        }
        JacksonException jackson = (JacksonException) cause(e, JacksonException.class);
        if (jackson != null) {
            // The parser's own message without the source excerpt, which would echo the body.
            return "request body is not valid JSON: " + truncate(jackson.getOriginalMessage());
        }
        return e.getMessage() != null && e.getMessage().startsWith("Required request body is missing")
                ? "request body is missing" : "request body is not valid JSON";
    }

    private static String expected(Class<?> type) {
        if (type == Long.class || type == long.class || type == Integer.class || type == int.class) {
            return "an integer";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == UUID.class) {
            return "a UUID";
        }
        return "a value of another type";
    }

    private static Throwable cause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return cause;
            }
        }
        return null;
    }

    private static String retryAfterSeconds(Duration duration) {
        return String.valueOf(Math.max(1, (duration.toMillis() + 999) / 1000));
    }

    private static String truncate(String message) {
        if (message == null) {
            return "";
        }
        return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE) + "...";
    }
}
