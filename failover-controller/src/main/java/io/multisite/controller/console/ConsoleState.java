package io.multisite.controller.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableSource;
import io.multisite.routing.UnitAssignment;
import io.multisite.routing.UnitState;

/**
 * Builds the console's snapshot from what this instance already holds (the routing table it
 * follows, its heartbeat monitor, the replication positions, its leadership) and keeps the
 * timeline by comparing each table it sees with the one before. Thread-safe; no Kafka of its own.
 */
final class ConsoleState {

    /** How long a site has been silent as this controller counts it, or empty if it has never heard from it. */
    @FunctionalInterface
    interface Heartbeats {
        Optional<Duration> silence(String site);
    }

    private final String site;
    private final String instance;
    private final Map<String, String> cityOfSite;
    private final String database;
    private final RoutingTableSource routing;
    private final Heartbeats heartbeats;
    private final LagMatrix.Reports reports;
    private final Supplier<Optional<Boolean>> leading;
    private final Clock clock;
    private final Timeline timeline;
    private RoutingTable seen;
    private Boolean wasLeading;

    /**
     * @param cityOfSite the configured sites, in the configured order
     * @param database   the database whose replication lag is shown
     * @param leading    whether this instance leads; empty where it runs no election
     */
    ConsoleState(String site, String instance, Map<String, String> cityOfSite, String database, RoutingTableSource routing,
                 Heartbeats heartbeats, LagMatrix.Reports reports, Supplier<Optional<Boolean>> leading, Clock clock, int timelineSize) {
        this.site = site;
        this.instance = instance;
        this.cityOfSite = new LinkedHashMap<>(cityOfSite);
        this.database = database;
        this.routing = routing;
        this.heartbeats = heartbeats;
        this.reports = reports;
        this.leading = leading;
        this.clock = clock;
        this.timeline = new Timeline(timelineSize);
    }

    /**
     * Takes a table into the timeline if it is newer than the last one seen.
     *
     * @return whether it was
     */
    synchronized boolean observe(RoutingTable table) {
        if (seen != null && table.epoch() <= seen.epoch()) {
            return false;
        }
        if (seen == null) {
            timeline.firstTable(clock.instant(), table);
        } else {
            timeline.tableChanged(clock.instant(), seen, table);
        }
        seen = table;
        return true;
    }

    /**
     * Looks at the table held and at this instance's leadership.
     *
     * @return whether either changed since the last look
     */
    synchronized boolean refresh() {
        boolean changed = routing.current().map(this::observe).orElse(false);
        Optional<Boolean> leads = leading.get();
        if (leads.isPresent() && !leads.get().equals(wasLeading)) {
            // The first look only sets the baseline, unless this instance already leads.
            if (wasLeading != null || leads.get()) {
                timeline.leadership(clock.instant(), instance, leads.get());
                changed = true;
            }
            wasLeading = leads.get();
        }
        return changed;
    }

    synchronized ConsoleSnapshot snapshot() {
        refresh();
        Instant now = clock.instant();
        List<String> siteOrder = siteOrder();
        List<ConsoleSnapshot.Site> sites = new ArrayList<>();
        for (String id : siteOrder) {
            int owned = 0;
            int recovering = 0;
            int fenced = 0;
            if (seen != null) {
                for (UnitAssignment unit : seen.units()) {
                    if (unit.owner().equals(id)) {
                        owned++;
                        recovering += unit.state() == UnitState.RECOVERING ? 1 : 0;
                        fenced += unit.state() == UnitState.FENCED ? 1 : 0;
                    }
                }
            }
            Double silence = heartbeats.silence(id).map(d -> Math.round(d.toMillis() / 100.0) / 10.0).orElse(null);
            sites.add(new ConsoleSnapshot.Site(id, cityOfSite.get(id), seen == null ? null : seen.sites().get(id), silence,
                    owned, recovering, fenced));
        }
        List<ConsoleSnapshot.Unit> units = new ArrayList<>();
        if (seen != null) {
            for (int unit = 0; unit < seen.unitCount(); unit++) {
                UnitAssignment assignment = seen.unit(unit);
                units.add(new ConsoleSnapshot.Unit(unit, assignment.owner(), assignment.state(), assignment.moveTo(),
                        assignment.catchUpFrom(), assignment.since()));
            }
        }
        return new ConsoleSnapshot(now, new ConsoleSnapshot.ServedBy(site, instance, wasLeading), seen == null ? null : seen.epoch(),
                List.copyOf(sites), List.copyOf(units), LagMatrix.of(siteOrder, database, reports, now), timeline.newestFirst());
    }

    /** The configured sites in their order, then any other site the table names. */
    private List<String> siteOrder() {
        List<String> order = new ArrayList<>(cityOfSite.keySet());
        if (seen != null) {
            seen.sites().keySet().stream().filter(s -> !order.contains(s)).forEach(order::add);
        }
        return order;
    }
}
