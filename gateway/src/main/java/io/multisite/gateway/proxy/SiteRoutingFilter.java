package io.multisite.gateway.proxy;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.TimeoutException;

import io.multisite.gateway.identity.UserIdExtractor;
import io.multisite.gateway.routing.Misdirection;
import io.multisite.gateway.routing.Placement;
import io.multisite.gateway.routing.Router;
import io.multisite.gateway.web.GatewayRefusal;
import io.netty.channel.ChannelException;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Sends a request to one site's instance of a service: the owner of the user's unit, or this
 * site. It replaces the host of the URL that {@link RouteToRequestUrlFilter} derived from the
 * route's placeholder URI, so it must run after that filter and before the Netty routing filter.
 *
 * <p>The body is read first (capped), because the user id of a registration or login is in it and
 * because a request answered 421 is sent again, to the owner found after refreshing the table
 * ({@link Router#afterMisdirected}). That happens once: a second 421 goes to the client as it came.
 * Both attempts happen before anything is written to the client: Spring Cloud Gateway only copies
 * the downstream status and headers into the response here and streams the body later
 * ({@code NettyWriteResponseFilter}), so the first 421 can still be thrown away.
 */
final class SiteRoutingFilter implements GatewayFilter {

    static final int ORDER = RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1;

    static final String OWNER_SITE = "X-Owner-Site";

    private static final byte[] NO_BODY = new byte[0];
    private static final int MISDIRECTED = HttpStatus.MISDIRECTED_REQUEST.value();

    /** Where a route's requests go. */
    enum Target {
        /** The owner site of the user's unit (needs a user id and a routing table). */
        OWNER,
        /** This gateway's own site (read-mostly data and the controller's pages). */
        LOCAL
    }

    private final Service service;
    private final Target target;
    private final Router router;
    private final ServiceUrls urls;
    private final int maxBodyBytes;
    private final ProxyMetrics metrics;

    SiteRoutingFilter(Service service, Target target, Router router, ServiceUrls urls, int maxBodyBytes,
                      ProxyMetrics metrics) {
        this.service = service;
        this.target = target;
        this.router = router;
        this.urls = urls;
        this.maxBodyBytes = maxBodyBytes;
        this.metrics = metrics;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        return new Forwarding(exchange, chain).run();
    }

    @Override
    public String toString() {
        return "SiteRoutingFilter[" + service.configName() + " of the " + target.name().toLowerCase() + " site]";
    }

    /** One request's way through the filter; its steps run one after another, possibly on different threads. */
    private final class Forwarding {

        private final ServerWebExchange exchange;
        private final GatewayFilterChain chain;
        private final long started = System.nanoTime();
        private final String route;
        private volatile byte[] body = NO_BODY;
        private volatile String site = ProxyMetrics.NONE;
        private volatile Placement placement;
        private volatile boolean retried;

        Forwarding(ServerWebExchange exchange, GatewayFilterChain chain) {
            this.exchange = exchange;
            this.chain = chain;
            Route matched = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
            this.route = matched == null ? ProxyMetrics.NONE : matched.getId();
        }

        Mono<Void> run() {
            exchange.getResponse().beforeCommit(this::addRoutingHeaders);
            return readBody()
                    .flatMap(bytes -> {
                        body = bytes;
                        choose();
                        return forward();
                    })
                    .then(Mono.defer(this::retryIfMisdirected))
                    .onErrorMap(this::asRefusal)
                    .doOnSuccess(done -> metrics.record(route, site, retried ? "retried_421" : "forwarded",
                            ProxyMetrics.NONE, started))
                    .doOnError(this::recordFailure);
        }

        private Mono<byte[]> readBody() {
            ServerHttpRequest request = exchange.getRequest();
            HttpHeaders headers = request.getHeaders();
            long length = headers.getContentLength();
            if (length > maxBodyBytes) {
                return Mono.error(tooLarge());
            }
            if (length <= 0 && !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING)) {
                // HTTP/1.1: without a length or a transfer encoding there is no body; most requests
                // are such reads, and subscribing to an empty body still costs a join.
                return Mono.just(NO_BODY);
            }
            return DataBufferUtils.join(request.getBody(), maxBodyBytes)
                    .map(buffer -> {
                        try {
                            byte[] bytes = new byte[buffer.readableByteCount()];
                            buffer.read(bytes);
                            return bytes;
                        } finally {
                            DataBufferUtils.release(buffer);
                        }
                    })
                    .defaultIfEmpty(NO_BODY)
                    .onErrorMap(DataBufferLimitException.class, e -> tooLarge());
        }

        private GatewayRefusal tooLarge() {
            return GatewayRefusal.payloadTooLarge("request bodies are limited to " + maxBodyBytes + " bytes");
        }

        private void choose() {
            if (target == Target.LOCAL) {
                site = router.localSite();
                return;
            }
            ServerHttpRequest request = exchange.getRequest();
            String userId = UserIdExtractor.userIdOf(request.getMethod(),
                    request.getPath().pathWithinApplication().value(), request.getHeaders(), body);
            placement = router.place(userId);
            site = placement.site();
        }

        private Mono<Void> forward() {
            URI base = urls.baseUrl(site, service);
            URI routed = exchange.getRequiredAttribute(GATEWAY_REQUEST_URL_ATTR);
            // The request's raw path and query, exactly as encoded, behind the site's scheme://host:port.
            String query = routed.getRawQuery();
            URI url = URI.create(base.getScheme() + "://" + base.getRawAuthority() + routed.getRawPath()
                    + (query == null ? "" : "?" + query));
            exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, url);
            ServerHttpRequest request = new ReplayableRequest(exchange.getRequest(), body, placement);
            return chain.filter(exchange.mutate().request(request).build());
        }

        private Mono<Void> retryIfMisdirected() {
            HttpStatusCode status = exchange.getResponse().getStatusCode();
            if (target != Target.OWNER || retried || status == null || status.value() != MISDIRECTED
                    || exchange.getAttribute(CLIENT_RESPONSE_CONN_ATTR) == null) {
                return Mono.empty();
            }
            HttpHeaders answer = exchange.getResponse().getHeaders();
            Misdirection misdirection = Misdirection.of(answer.getFirst(OWNER_SITE),
                    answer.getFirst(ReplayableRequest.EPOCH));
            discardAnswer();
            retried = true;
            return router.afterMisdirected(placement, misdirection).flatMap(next -> {
                placement = next;
                site = next.site();
                return forward();
            });
        }

        /** Forgets the 421 before it reaches the client: its connection, its headers, the routed mark. */
        private void discardAnswer() {
            Connection connection = exchange.getAttribute(CLIENT_RESPONSE_CONN_ATTR);
            exchange.getAttributes().remove(CLIENT_RESPONSE_CONN_ATTR);
            exchange.getAttributes().remove(CLIENT_RESPONSE_ATTR);
            if (connection != null) {
                // Its unread body makes the connection unfit for reuse.
                connection.dispose();
            }
            ServerWebExchangeUtils.reset(exchange);
        }

        /** The service's own X-Unit / X-Routing-Epoch (the epoch a write was admitted under) win. */
        private Mono<Void> addRoutingHeaders() {
            Placement placed = placement;
            if (placed != null) {
                HttpHeaders headers = exchange.getResponse().getHeaders();
                if (!headers.containsHeader(ReplayableRequest.UNIT)) {
                    headers.set(ReplayableRequest.UNIT, Integer.toString(placed.unit()));
                }
                if (!headers.containsHeader(ReplayableRequest.EPOCH)) {
                    headers.set(ReplayableRequest.EPOCH, Long.toString(placed.epoch()));
                }
            }
            return Mono.empty();
        }

        private Throwable asRefusal(Throwable failure) {
            if (failure instanceof GatewayRefusal || !isTransportFailure(failure)) {
                return failure;
            }
            // Not retried elsewhere: the request may have been executed, and only the owner may execute it.
            return GatewayRefusal.unavailable("site_unreachable", service.configName() + " of " + site
                    + " could not be reached or did not answer in time (" + describe(failure) + ")", failure);
        }

        private void recordFailure(Throwable failure) {
            if (failure instanceof GatewayRefusal refusal) {
                String outcome = refusal.code().equals("site_unreachable") ? "unreachable" : "refused";
                metrics.record(route, site, outcome, refusal.code(), started);
            } else {
                metrics.record(route, site, "error", failure.getClass().getSimpleName(), started);
            }
        }
    }

    /** Connect failures and timeouts toward a site, however Netty and the gateway wrap them. */
    static boolean isTransportFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException || cause instanceof TimeoutException || cause instanceof ChannelException) {
                return true;
            }
            if (cause instanceof ResponseStatusException status && status.getStatusCode().value() == 504) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    private static String describe(Throwable failure) {
        if (failure instanceof ResponseStatusException status && status.getStatusCode().value() == 504) {
            return "no response within the response timeout";
        }
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
