package io.multisite.testsupport;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableSource;
import io.multisite.routing.SiteLease;
import io.multisite.routing.Units;

/**
 * Routing driven by the test: the table this site holds is whatever the test sets, and the site
 * lease lives on a fake clock that moves only when the test advances it. Stands in for the Kafka
 * follower and heartbeater ({@code multisite.kafka.enabled=false}).
 */
public final class TestRouting implements RoutingTableSource {

    public static final List<String> SITES = List.of("site-a", "site-b", "site-c");
    public static final RoutingTable INITIAL = RoutingTable.initial(SITES, Units.DEFAULT_COUNT);

    private final AtomicReference<RoutingTable> table = new AtomicReference<>();
    private final FakeNanoClock clock = new FakeNanoClock();
    private final SiteLease lease;
    private final Duration leaseDuration;

    public TestRouting(Duration leaseDuration) {
        this.leaseDuration = leaseDuration;
        this.lease = new SiteLease(leaseDuration, clock);
    }

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

    public SiteLease lease() {
        return lease;
    }

    /** As if a heartbeat sent just now had been acknowledged. */
    public void renewLease() {
        lease.renewFromSend(clock.nanoTime());
    }

    public void advance(Duration duration) {
        clock.advance(duration);
    }

    /** The initial table and a full lease, as on a healthy site. */
    public void reset() {
        table.set(INITIAL);
        clock.advance(leaseDuration.multipliedBy(10));
        renewLease();
    }
}
