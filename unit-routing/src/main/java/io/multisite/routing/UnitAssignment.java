package io.multisite.routing;

import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One unit's row of the routing table.
 *
 * <p>A unit that changed hands carries what it still waits for. {@code catchUpFrom} names the
 * sites that wrote the unit before and whose writes may not have reached the new owner yet: the
 * owner itself while FENCED (it is handing over), the dead former owners while RECOVERING.
 * {@code since} is the epoch from which none of them may write the unit any more. The unit leaves
 * FENCED or RECOVERING once each of those sites has reported a WAL position taken at epoch
 * {@code since} or later, and the new owner's replication has applied that site's changes up to it.
 *
 * @param moveTo      FENCED only: the site the unit is being handed to
 * @param catchUpFrom FENCED or RECOVERING: the sites whose changes the new owner must have applied
 * @param since       FENCED or RECOVERING: the epoch at which the unit entered that state; else 0
 */
public record UnitAssignment(String owner, UnitState state, String moveTo, Set<String> catchUpFrom, long since) {

    public UnitAssignment {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(state, "state");
        catchUpFrom = catchUpFrom == null ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(catchUpFrom));
        if (state == UnitState.ACTIVE && (moveTo != null || !catchUpFrom.isEmpty() || since != 0)) {
            throw new IllegalArgumentException("an ACTIVE unit waits for nothing");
        }
        if (state == UnitState.FENCED && (moveTo == null || moveTo.equals(owner))) {
            throw new IllegalArgumentException("a FENCED unit moves to another site than its owner " + owner);
        }
        if (state == UnitState.RECOVERING && moveTo != null) {
            throw new IllegalArgumentException("a RECOVERING unit is not moving");
        }
        if (state != UnitState.ACTIVE && (catchUpFrom.isEmpty() || since < 1)) {
            throw new IllegalArgumentException("a " + state + " unit names the sites to catch up from and the epoch since when");
        }
    }

    /** An ACTIVE unit of {@code owner}. */
    public static UnitAssignment active(String owner) {
        return new UnitAssignment(owner, UnitState.ACTIVE, null, Set.of(), 0);
    }

    /** The site whose replication must catch up before the unit may become ACTIVE: the new owner. */
    public String catchingUpSite() {
        return state == UnitState.FENCED ? moveTo : owner;
    }
}
