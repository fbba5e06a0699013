package io.multisite.gateway;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

import io.multisite.routing.Units;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ObservabilityIntegrationTests extends GatewayIntegrationTestSupport {

    @Test
    void requestsAreMeasuredByRouteTargetAndOutcome() {
        String user = Tables.userOwnedBy(routing.table(), "site-b");
        gateway.get("/api/users/" + user + "/profile");
        gateway.get("/api/accounts/me");

        String metrics = gateway.get("/actuator/prometheus").body();

        assertThat(sample(metrics, "gateway_requests_seconds_count", Map.of("route", "accounts", "target", "site-b",
                "outcome", "forwarded", "reason", "none", "site", LOCAL_SITE, "service", "gateway")))
                .hasValueSatisfying(count -> assertThat(count).isGreaterThanOrEqualTo(1));
        assertThat(sample(metrics, "gateway_requests_seconds_count", Map.of("route", "accounts", "target", "none",
                "outcome", "refused", "reason", "no_user")))
                .hasValueSatisfying(count -> assertThat(count).isGreaterThanOrEqualTo(1));
    }

    @Test
    void theRoutingEpochIsAGauge() {
        routing.set(Tables.moved(routing.table(), Units.DEFAULT.of("alice"), "site-c"));

        String metrics = gateway.get("/actuator/prometheus").body();

        assertThat(sample(metrics, "gateway_routing_epoch", Map.of("site", LOCAL_SITE, "service", "gateway")))
                .hasValue(2.0);
    }

    @Test
    void readinessIsDownUntilARoutingTableIsHeld() {
        routing.clear();
        assertThat(gateway.get("/actuator/health/readiness").statusCode()).isEqualTo(503);

        routing.set(Tables.threeSites());
        assertThat(gateway.get("/actuator/health/readiness").statusCode()).isEqualTo(200);
    }

    /** The value of the first sample of {@code name} that has all the given labels. */
    private static Optional<Double> sample(String exposition, String name, Map<String, String> labels) {
        return Arrays.stream(exposition.split("\n"))
                .filter(line -> line.startsWith(name + "{"))
                .filter(line -> labels.entrySet().stream()
                        .allMatch(label -> line.contains(label.getKey() + "=\"" + label.getValue() + "\"")))
                .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst();
    }
}
