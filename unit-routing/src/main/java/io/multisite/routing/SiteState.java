package io.multisite.routing;

/** A site's standing in the routing table. */
public enum SiteState {
    /** Serving, and eligible to receive units. */
    UP,
    /** Still serving what it owns, but about to hand its units away; receives no new units. */
    DRAINING,
    /** Declared dead by the controller: owns nothing it may write, receives no units. */
    DEAD
}
