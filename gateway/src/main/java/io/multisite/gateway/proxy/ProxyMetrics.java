package io.multisite.gateway.proxy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * {@code gateway.requests}: one timer for every routed request (until the downstream's response
 * headers, or the gateway's own answer), tagged
 * <ul>
 *   <li>{@code route}: accounts, posts, feed, controller;</li>
 *   <li>{@code target}: the site it was sent to last, {@code none} if it was not sent;</li>
 *   <li>{@code outcome}: forwarded, retried_421, refused, unreachable, error;</li>
 *   <li>{@code reason}: the error code of a refusal or of an unreachable site, else {@code none}.</li>
 * </ul>
 * The common tags {@code site} and {@code service} come from application.yml. The tag is
 * {@code target}, not {@code site}, because {@code site} already names the gateway's own site.
 */
final class ProxyMetrics {

    static final String NONE = "none";

    private final MeterRegistry registry;
    /** One timer per tag combination, found without building a meter id on every request. */
    private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();

    ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(String route, String target, String outcome, String reason, long startedNanos) {
        timers.computeIfAbsent(List.of(route, target, outcome, reason), tags -> Timer.builder("gateway.requests")
                        .description("Requests routed by the gateway")
                        .tags("route", route, "target", target, "outcome", outcome, "reason", reason)
                        .register(registry))
                .record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    }
}
