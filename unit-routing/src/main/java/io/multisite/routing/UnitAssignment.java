package io.multisite.routing;

import java.util.Objects;

/** One unit's row of the routing table. */
public record UnitAssignment(String owner, UnitState state) {

    public UnitAssignment {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(state, "state");
    }
}
