package io.multisite.gateway.routing;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableSource;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Down until a routing table is held: a gateway without one can only answer 503. */
final class RoutingHealthIndicator implements HealthIndicator {

    private final RoutingTableSource routing;

    RoutingHealthIndicator(RoutingTableSource routing) {
        this.routing = routing;
    }

    @Override
    public Health health() {
        return routing.current()
                .map(RoutingTable::epoch)
                .map(epoch -> Health.up().withDetail("epoch", epoch).build())
                .orElseGet(() -> Health.down().withDetail("reason", "no routing table has been read yet").build());
    }
}
