package io.multisite.controller.console;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import io.multisite.routing.SiteState;
import io.multisite.routing.UnitState;

/**
 * Everything the console shows, as one JSON document: sent on connect, on every routing change
 * and every heartbeat interval, and served by {@code GET /console/state}.
 *
 * @param epoch the routing epoch held by this instance; null before the first table
 * @param sites in the configured order, which fixes each site's colour
 */
record ConsoleSnapshot(Instant at, ServedBy servedBy, Long epoch, List<Site> sites, List<Unit> units, LagMatrix lag,
                       List<Timeline.Entry> timeline) {

    /** @param leader whether this instance leads the controllers; null where it runs no election */
    record ServedBy(String site, String instance, Boolean leader) {
    }

    /**
     * @param state                  from the routing table; null before the first table
     * @param secondsSinceHeartbeat  silence as this controller counts it; null if it has not heard from the site
     */
    record Site(String site, String city, SiteState state, Double secondsSinceHeartbeat, int units, int recovering, int fenced) {
    }

    record Unit(int unit, String owner, UnitState state, String moveTo, Set<String> catchUpFrom, long since) {
    }
}
