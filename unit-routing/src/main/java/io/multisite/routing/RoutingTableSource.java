package io.multisite.routing;

import java.util.Optional;

/** Where a component gets the routing table it acts under. */
@FunctionalInterface
public interface RoutingTableSource {

    /** The newest table known here, or empty before the first one has been read. */
    Optional<RoutingTable> current();
}
