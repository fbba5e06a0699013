package io.multisite.routing;

/** What kind of write is asked for; each tier has its own rule (reads are never guarded). */
public enum Tier {
    /**
     * Takes money out of an account. Exactly one writer per unit: the owner, with the unit ACTIVE
     * and enough site lease left to finish.
     */
    DEBIT,
    /**
     * Puts money in (an opening balance). Cannot overdraw anything, so it is also accepted while
     * the unit is RECOVERING, but still needs the owner and a valid lease.
     */
    CREDIT,
    /**
     * Sessions, posts, profiles: written at the owner, merged last-writer-wins across sites, so
     * neither the lease nor RECOVERING stops them. Only a fence (a planned move) does.
     */
    TOLERANT
}
