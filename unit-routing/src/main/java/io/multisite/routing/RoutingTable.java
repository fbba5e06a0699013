package io.multisite.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Who owns each unit and in which state, and how each site stands, at one epoch.
 *
 * <p>Immutable. Every change produces a new table with {@code epoch + 1}; a change may touch many
 * units and sites at once (a failover is one change), and either applies completely or throws
 * {@link IllegalTransitionException}. The allowed moves:
 *
 * <pre>
 *   unit  ACTIVE     --fence-------------&gt; FENCED       (planned move starts; nobody writes)
 *   unit  FENCED     --completeMove(to)--&gt; ACTIVE @to   (new owner has caught up)
 *   unit  any @dead  --takeOver(to)------&gt; RECOVERING @to (owner's site is DEAD)
 *   unit  RECOVERING --activate----------&gt; ACTIVE       (reconciled, or loss accepted)
 *   site  UP         --drain-------------&gt; DRAINING
 *   site  UP|DRAINING --markDead---------&gt; DEAD
 *   site  DRAINING|DEAD --markUp---------&gt; UP
 * </pre>
 *
 * Units only ever move to sites that are UP, and only a DEAD site's units can be taken over
 * without a fence: that is what keeps one writer per unit.
 */
public record RoutingTable(long epoch, List<UnitAssignment> units, Map<String, SiteState> sites) {

    private static final Pattern SITE_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    public RoutingTable {
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be >= 1, was " + epoch);
        }
        Objects.requireNonNull(units, "units");
        Objects.requireNonNull(sites, "sites");
        if (units.isEmpty()) {
            throw new IllegalArgumentException("a routing table needs at least one unit");
        }
        if (sites.isEmpty()) {
            throw new IllegalArgumentException("a routing table needs at least one site");
        }
        sites.forEach((site, state) -> {
            requireValidSiteId(site);
            Objects.requireNonNull(state, () -> "state of site " + site);
        });
        for (int unit = 0; unit < units.size(); unit++) {
            UnitAssignment assignment = Objects.requireNonNull(units.get(unit), "unit " + unit);
            if (!sites.containsKey(assignment.owner())) {
                throw new IllegalArgumentException("unit " + unit + " is owned by unknown site " + assignment.owner());
            }
        }
        units = List.copyOf(units);
        sites = Collections.unmodifiableMap(new TreeMap<>(sites));
    }

    /** Epoch 1: units dealt round-robin over the given sites, all ACTIVE, all sites UP. */
    public static RoutingTable initial(List<String> siteIds, int unitCount) {
        if (siteIds.isEmpty()) {
            throw new IllegalArgumentException("at least one site is needed");
        }
        if (unitCount < 1) {
            throw new IllegalArgumentException("unit count must be >= 1");
        }
        Map<String, SiteState> sites = new TreeMap<>();
        siteIds.forEach(site -> {
            if (sites.put(requireValidSiteId(site), SiteState.UP) != null) {
                throw new IllegalArgumentException("duplicate site " + site);
            }
        });
        List<UnitAssignment> units = new ArrayList<>(unitCount);
        for (int unit = 0; unit < unitCount; unit++) {
            units.add(new UnitAssignment(siteIds.get(unit % siteIds.size()), UnitState.ACTIVE));
        }
        return new RoutingTable(1, units, sites);
    }

    public static String requireValidSiteId(String site) {
        if (site == null || !SITE_ID.matcher(site).matches()) {
            throw new IllegalArgumentException("site id must be 1-32 characters of [a-z0-9-], was " + site);
        }
        return site;
    }

    public int unitCount() {
        return units.size();
    }

    public UnitAssignment unit(int unit) {
        if (unit < 0 || unit >= units.size()) {
            throw new IllegalArgumentException("unit must be between 0 and " + (units.size() - 1) + ", was " + unit);
        }
        return units.get(unit);
    }

    public String owner(int unit) {
        return unit(unit).owner();
    }

    public UnitState unitState(int unit) {
        return unit(unit).state();
    }

    public boolean hasSite(String site) {
        return sites.containsKey(site);
    }

    public SiteState siteState(String site) {
        SiteState state = sites.get(site);
        if (state == null) {
            throw new IllegalArgumentException("unknown site " + site);
        }
        return state;
    }

    public List<Integer> unitsOwnedBy(String site) {
        List<Integer> owned = new ArrayList<>();
        for (int unit = 0; unit < units.size(); unit++) {
            if (units.get(unit).owner().equals(site)) {
                owned.add(unit);
            }
        }
        return owned;
    }

    /** Starts a change that becomes the table of the next epoch when {@link Change#apply()} is called. */
    public Change change() {
        return new Change(this);
    }

    public RoutingTable fence(int unit) {
        return change().fence(unit).apply();
    }

    public RoutingTable completeMove(int unit, String toSite) {
        return change().completeMove(unit, toSite).apply();
    }

    public RoutingTable takeOver(int unit, String toSite) {
        return change().takeOver(unit, toSite).apply();
    }

    public RoutingTable activate(int unit) {
        return change().activate(unit).apply();
    }

    public RoutingTable drain(String site) {
        return change().drain(site).apply();
    }

    public RoutingTable markDead(String site) {
        return change().markDead(site).apply();
    }

    public RoutingTable markUp(String site) {
        return change().markUp(site).apply();
    }

    /** A set of transitions applied together as one epoch. Not thread-safe; use once. */
    public static final class Change {

        private final RoutingTable base;
        private final UnitAssignment[] units;
        private final Map<String, SiteState> sites;
        private int steps;

        private Change(RoutingTable base) {
            this.base = base;
            this.units = base.units.toArray(UnitAssignment[]::new);
            this.sites = new TreeMap<>(base.sites);
        }

        public Change fence(int unit) {
            UnitAssignment current = current(unit);
            require(current.state() == UnitState.ACTIVE, "unit %d is %s, only an ACTIVE unit can be fenced", unit, current.state());
            require(sites.get(current.owner()) != SiteState.DEAD, "unit %d belongs to DEAD site %s: take it over instead", unit, current.owner());
            return set(unit, new UnitAssignment(current.owner(), UnitState.FENCED));
        }

        public Change completeMove(int unit, String toSite) {
            UnitAssignment current = current(unit);
            require(current.state() == UnitState.FENCED, "unit %d is %s, only a FENCED unit can complete a move", unit, current.state());
            requireUp(toSite, unit);
            return set(unit, new UnitAssignment(toSite, UnitState.ACTIVE));
        }

        public Change takeOver(int unit, String toSite) {
            UnitAssignment current = current(unit);
            require(sites.get(current.owner()) == SiteState.DEAD, "unit %d belongs to %s site %s, only a DEAD site's units can be taken over",
                    unit, sites.get(current.owner()), current.owner());
            requireUp(toSite, unit);
            return set(unit, new UnitAssignment(toSite, UnitState.RECOVERING));
        }

        public Change activate(int unit) {
            UnitAssignment current = current(unit);
            require(current.state() == UnitState.RECOVERING, "unit %d is %s, only a RECOVERING unit can be activated", unit, current.state());
            require(sites.get(current.owner()) == SiteState.UP, "unit %d belongs to %s site %s", unit, sites.get(current.owner()), current.owner());
            return set(unit, new UnitAssignment(current.owner(), UnitState.ACTIVE));
        }

        public Change drain(String site) {
            SiteState state = siteState(site);
            require(state == SiteState.UP, "site %s is %s, only an UP site can drain", site, state);
            return setSite(site, SiteState.DRAINING);
        }

        public Change markDead(String site) {
            SiteState state = siteState(site);
            require(state != SiteState.DEAD, "site %s is already DEAD", site);
            return setSite(site, SiteState.DEAD);
        }

        public Change markUp(String site) {
            SiteState state = siteState(site);
            require(state != SiteState.UP, "site %s is already UP", site);
            return setSite(site, SiteState.UP);
        }

        /** The table as it would be after the steps so far, without consuming the change. */
        public UnitAssignment current(int unit) {
            if (unit < 0 || unit >= units.length) {
                throw new IllegalArgumentException("unit must be between 0 and " + (units.length - 1) + ", was " + unit);
            }
            return units[unit];
        }

        public SiteState siteState(String site) {
            SiteState state = sites.get(site);
            if (state == null) {
                throw new IllegalTransitionException("unknown site " + site);
            }
            return state;
        }

        public RoutingTable apply() {
            if (steps == 0) {
                throw new IllegalTransitionException("an empty change would bump the epoch for nothing");
            }
            return new RoutingTable(Math.addExact(base.epoch, 1), Arrays.asList(units), sites);
        }

        private void requireUp(String site, int unit) {
            SiteState state = siteState(site);
            require(state == SiteState.UP, "unit %d cannot move to %s site %s", unit, state, site);
        }

        private Change set(int unit, UnitAssignment assignment) {
            units[unit] = assignment;
            steps++;
            return this;
        }

        private Change setSite(String site, SiteState state) {
            sites.put(site, state);
            steps++;
            return this;
        }

        private static void require(boolean condition, String format, Object... args) {
            if (!condition) {
                throw new IllegalTransitionException(String.format(format, args));
            }
        }
    }
}
