package io.multisite.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Who owns each unit and in which state, and how each site stands, at one epoch.
 *
 * <p>Immutable. Every change produces a new table with {@code epoch + 1}; a change may touch many
 * units and sites at once (a failover is one change), and either applies completely or throws
 * {@link IllegalTransitionException}. The allowed moves:
 *
 * <pre>
 *   unit  ACTIVE     --fence(to)---------&gt; FENCED       (planned move starts; nobody writes)
 *   unit  FENCED     --completeMove------&gt; ACTIVE @to   (new owner has caught up)
 *   unit  FENCED     --unfence-----------&gt; ACTIVE       (move abandoned; the owner never stopped being it)
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
            if (assignment.moveTo() != null && !sites.containsKey(assignment.moveTo())) {
                throw new IllegalArgumentException("unit " + unit + " moves to unknown site " + assignment.moveTo());
            }
            for (String site : assignment.catchUpFrom()) {
                if (!sites.containsKey(site)) {
                    throw new IllegalArgumentException("unit " + unit + " catches up from unknown site " + site);
                }
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
            units.add(UnitAssignment.active(siteIds.get(unit % siteIds.size())));
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

    public RoutingTable fence(int unit, String toSite) {
        return change().fence(unit, toSite).apply();
    }

    public RoutingTable completeMove(int unit) {
        return change().completeMove(unit).apply();
    }

    public RoutingTable unfence(int unit) {
        return change().unfence(unit).apply();
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

        /** Starts a planned move: from this epoch on nobody writes the unit until {@code toSite} has caught up. */
        public Change fence(int unit, String toSite) {
            UnitAssignment current = current(unit);
            require(current.state() == UnitState.ACTIVE, "unit %d is %s, only an ACTIVE unit can be fenced", unit, current.state());
            require(sites.get(current.owner()) != SiteState.DEAD, "unit %d belongs to DEAD site %s: take it over instead", unit, current.owner());
            require(!current.owner().equals(toSite), "unit %d already belongs to %s", unit, toSite);
            requireUp(toSite, unit);
            return set(unit, new UnitAssignment(current.owner(), UnitState.FENCED, toSite, Set.of(current.owner()), nextEpoch()));
        }

        /** Hands a FENCED unit to the site it was moving to, which must still be UP. */
        public Change completeMove(int unit) {
            UnitAssignment current = current(unit);
            require(current.state() == UnitState.FENCED, "unit %d is %s, only a FENCED unit can complete a move", unit, current.state());
            requireUp(current.moveTo(), unit);
            return set(unit, UnitAssignment.active(current.moveTo()));
        }

        /**
         * Gives a FENCED unit back to its owner, for a move that cannot complete (the target is no
         * longer UP). Safe without any catch-up: nobody but the owner has written the unit.
         */
        public Change unfence(int unit) {
            UnitAssignment current = current(unit);
            require(current.state() == UnitState.FENCED, "unit %d is %s, only a FENCED unit can be unfenced", unit, current.state());
            require(sites.get(current.owner()) != SiteState.DEAD, "unit %d belongs to DEAD site %s: take it over instead", unit, current.owner());
            return set(unit, UnitAssignment.active(current.owner()));
        }

        /**
         * Moves a DEAD site's unit to {@code toSite} as RECOVERING. The dead owner joins the sites to
         * catch up from (with those of an earlier, unfinished recovery), since its last writes may
         * not have been replicated.
         */
        public Change takeOver(int unit, String toSite) {
            UnitAssignment current = current(unit);
            require(sites.get(current.owner()) == SiteState.DEAD, "unit %d belongs to %s site %s, only a DEAD site's units can be taken over",
                    unit, sites.get(current.owner()), current.owner());
            requireUp(toSite, unit);
            Set<String> catchUpFrom = new TreeSet<>(current.catchUpFrom());
            catchUpFrom.add(current.owner());
            catchUpFrom.remove(toSite);
            return set(unit, new UnitAssignment(toSite, UnitState.RECOVERING, null, catchUpFrom, nextEpoch()));
        }

        public Change activate(int unit) {
            UnitAssignment current = current(unit);
            require(current.state() == UnitState.RECOVERING, "unit %d is %s, only a RECOVERING unit can be activated", unit, current.state());
            require(sites.get(current.owner()) == SiteState.UP, "unit %d belongs to %s site %s", unit, sites.get(current.owner()), current.owner());
            return set(unit, UnitAssignment.active(current.owner()));
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

        private long nextEpoch() {
            return base.epoch + 1;
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
