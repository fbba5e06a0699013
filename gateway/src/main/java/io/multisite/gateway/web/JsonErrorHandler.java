package io.multisite.gateway.web;

import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Renders every error the gateway produces itself (its refusals, unmatched paths, failures) in the
 * contract's shape, with {@code X-Served-By} naming this site so that a client can tell which
 * gateway answered. Answers of the services pass through untouched: they are responses, not errors.
 */
final class JsonErrorHandler implements WebExceptionHandler, Ordered {

    /** Ahead of Boot's ErrorWebExceptionHandler (-1), whose body has another shape. */
    static final int ORDER = -2;

    static final String SERVED_BY = "X-Served-By";

    private static final Logger log = LoggerFactory.getLogger(JsonErrorHandler.class);

    private final String site;
    private final String retryAfterSeconds;
    private final JsonMapper json;

    JsonErrorHandler(String site, long retryAfterSeconds, JsonMapper json) {
        this.site = site;
        this.retryAfterSeconds = Long.toString(retryAfterSeconds);
        this.json = json;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            // Part of a downstream answer is already on its way; all that can be done is to cut it.
            return Mono.error(failure);
        }
        GatewayRefusal refusal = asRefusal(exchange, failure);
        HttpHeaders headers = response.getHeaders();
        // Whatever a downstream answer put here before failing does not describe this answer.
        headers.clear();
        response.setStatusCode(refusal.status());
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set(SERVED_BY, site);
        refusal.headers().forEach(headers::set);
        if (refusal.status() == HttpStatus.SERVICE_UNAVAILABLE) {
            headers.set(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
        }
        byte[] body = json.writeValueAsBytes(new ErrorBody(refusal.code(), refusal.getMessage()));
        headers.setContentLength(body.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }

    private GatewayRefusal asRefusal(ServerWebExchange exchange, Throwable failure) {
        if (failure instanceof GatewayRefusal refusal) {
            return refusal;
        }
        if (failure instanceof ResponseStatusException statusException) {
            HttpStatus status = HttpStatus.resolve(statusException.getStatusCode().value());
            if (status == null) {
                status = HttpStatus.INTERNAL_SERVER_ERROR;
            }
            if (status.is5xxServerError()) {
                log.warn("{} {} failed", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), failure);
            }
            return GatewayRefusal.of(status, code(status), message(exchange, status, statusException.getReason()));
        }
        log.error("{} {} failed", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), failure);
        return GatewayRefusal.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error",
                "the gateway could not handle this request");
    }

    private static String code(HttpStatus status) {
        return status.name().toLowerCase(Locale.ROOT);
    }

    private static String message(ServerWebExchange exchange, HttpStatus status, String reason) {
        if (status == HttpStatus.NOT_FOUND) {
            return "no route for " + exchange.getRequest().getMethod() + " " + exchange.getRequest().getPath();
        }
        if (reason != null && !reason.isBlank()) {
            return reason;
        }
        return status.getReasonPhrase();
    }
}
