package io.multisite.gateway;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableSource;

/** The routing table of a test, set by hand where the real gateway would follow Kafka. */
public final class TestRouting implements RoutingTableSource {

    private final AtomicReference<RoutingTable> table = new AtomicReference<>();

    @Override
    public Optional<RoutingTable> current() {
        return Optional.ofNullable(table.get());
    }

    public RoutingTable table() {
        return table.get();
    }

    public void set(RoutingTable next) {
        table.set(next);
    }

    public void clear() {
        table.set(null);
    }
}
