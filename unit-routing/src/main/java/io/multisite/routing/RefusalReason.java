package io.multisite.routing;

import java.time.Duration;
import java.util.Locale;

/** Why the {@link OwnershipGuard} refused a write; each maps to one HTTP answer. */
public enum RefusalReason {
    /** The follower has not read any routing table yet. */
    NO_ROUTING_TABLE(503, Duration.ofSeconds(1)),
    /** The table says this site is DEAD: it must not write anything until it rejoins. */
    SITE_DEAD(503, Duration.ofSeconds(5)),
    /** Another site owns the unit; the caller should go there (421 Misdirected Request). */
    NOT_OWNER(421, null),
    /** A planned move of the unit is in flight; writes resume at the new owner shortly. */
    UNIT_FENCED(503, Duration.ofSeconds(1)),
    /** The unit was taken over after a failure and the old owner's tail is not reconciled yet. */
    UNIT_RECOVERING(503, Duration.ofSeconds(5)),
    /** This site's lease has run out: it cannot prove it is still on the majority side. */
    LEASE_EXPIRED(503, Duration.ofSeconds(1)),
    /** The lease is valid but too short for a debit to be sure to finish within it. */
    LEASE_TOO_SHORT(503, Duration.ofSeconds(1));

    private final int httpStatus;
    private final Duration retryAfter;

    RefusalReason(int httpStatus, Duration retryAfter) {
        this.httpStatus = httpStatus;
        this.retryAfter = retryAfter;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** How long a client should wait before retrying, or null when retrying here is pointless. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** The {@code error} code of the JSON error body, e.g. {@code unit_recovering}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
