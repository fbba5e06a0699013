package io.multisite.controller.failover;

import java.time.Instant;
import java.util.UUID;

/**
 * An operator's request, as written to the command topic by whichever controller instance
 * received it and carried out by the leader.
 *
 * @param unit only for {@link Action#FORCE_ACTIVATE}, else null
 * @param site only for the site actions, else null
 */
public record AdminCommand(UUID id, Action action, String site, Integer unit, String reason, Instant at) {

    public enum Action {
        /** Declare a site dead now and move its units, even if it is the last UP site. */
        MARK_DEAD,
        /** Stop giving the site new units (its own units stay until moved). */
        DRAIN,
        /** Accept a DRAINING or DEAD site back as UP. */
        MARK_UP,
        /** Turn a RECOVERING unit ACTIVE without waiting for reconciliation, accepting the loss. */
        FORCE_ACTIVATE
    }
}
