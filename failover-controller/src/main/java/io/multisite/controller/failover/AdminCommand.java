package io.multisite.controller.failover;

import java.time.Instant;
import java.util.UUID;

/**
 * An operator's request, as written to the command topic by whichever controller instance
 * received it and carried out by the leader.
 *
 * @param unit only for the unit actions ({@link Action#FORCE_ACTIVATE}, {@link Action#MOVE}), else null
 * @param site the site of a site action, the target of {@link Action#MOVE}, else null
 */
public record AdminCommand(UUID id, Action action, String site, Integer unit, String reason, Instant at) {

    public enum Action {
        /** Declare a site dead now and move its units, even if it is the last UP site. */
        MARK_DEAD,
        /** Stop giving the site units and move each of its units away by planned switchover. */
        DRAIN,
        /** Move back to the site, by planned switchover, the units the first table dealt to it. */
        FAIL_BACK,
        /** Accept a DRAINING or DEAD site back as UP. */
        MARK_UP,
        /** Turn a RECOVERING unit ACTIVE without waiting for reconciliation, accepting the loss. */
        FORCE_ACTIVATE,
        /** Planned switchover of one unit to {@code site}: fence, let the target catch up, activate there. */
        MOVE
    }
}
