package io.multisite.controller.console;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.SiteState;
import io.multisite.routing.UnitAssignment;
import io.multisite.routing.UnitState;

/**
 * What this controller instance has seen happen, newest first and bounded: every routing epoch it
 * read with what changed from the one before, and its own leadership changes. It lives in memory,
 * so it starts with the table held when the instance (re)started.
 */
final class Timeline {

    /**
     * @param kind        {@code routing} or {@code leader}
     * @param epochBefore routing only: the epoch held before, null for the first table seen
     * @param epochAfter  routing only: the epoch read
     */
    record Entry(Instant at, String kind, Long epochBefore, Long epochAfter, String summary, List<SiteChange> sites,
                 List<UnitChange> units) {
    }

    record SiteChange(String site, SiteState from, SiteState to) {
    }

    /** Units that went the same way, e.g. all of a dead site's units that one site took over. */
    record UnitChange(List<Integer> units, String fromOwner, UnitState fromState, String toOwner, UnitState toState,
                      String moveTo) {
    }

    private static final int UNITS_NAMED_IN_SUMMARY = 4;

    private final int capacity;
    private final Deque<Entry> entries = new ArrayDeque<>();

    Timeline(int capacity) {
        this.capacity = capacity;
    }

    void firstTable(Instant at, RoutingTable table) {
        String sites = table.sites().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        add(new Entry(at, "routing", null, table.epoch(), "first table seen by this controller: " + sites, List.of(), List.of()));
    }

    void tableChanged(Instant at, RoutingTable before, RoutingTable after) {
        List<SiteChange> sites = siteChanges(before, after);
        List<UnitChange> units = unitChanges(before, after);
        List<String> parts = new ArrayList<>();
        if (after.epoch() - before.epoch() > 1) {
            parts.add("(epochs in between not seen here)");
        }
        sites.forEach(c -> parts.add(c.site() + " " + c.from() + " → " + c.to()));
        units.forEach(c -> parts.add(describe(c)));
        if (sites.isEmpty() && units.isEmpty()) {
            parts.add("no change in owners or states");
        }
        add(new Entry(at, "routing", before.epoch(), after.epoch(), String.join("; ", parts), sites, units));
    }

    void leadership(Instant at, String instance, boolean leads) {
        String summary = "this instance (" + instance + ") " + (leads ? "now leads the controllers" : "no longer leads the controllers");
        add(new Entry(at, "leader", null, null, summary, List.of(), List.of()));
    }

    List<Entry> newestFirst() {
        return List.copyOf(entries);
    }

    static List<SiteChange> siteChanges(RoutingTable before, RoutingTable after) {
        TreeSet<String> sites = new TreeSet<>(before.sites().keySet());
        sites.addAll(after.sites().keySet());
        List<SiteChange> changes = new ArrayList<>();
        for (String site : sites) {
            SiteState from = before.sites().get(site);
            SiteState to = after.sites().get(site);
            if (from != to) {
                changes.add(new SiteChange(site, from, to));
            }
        }
        return changes;
    }

    /** Every unit whose row changed, grouped by where it came from and went to, in unit order. */
    static List<UnitChange> unitChanges(RoutingTable before, RoutingTable after) {
        Map<Way, List<Integer>> groups = new LinkedHashMap<>();
        for (int unit = 0; unit < Math.min(before.unitCount(), after.unitCount()); unit++) {
            UnitAssignment from = before.unit(unit);
            UnitAssignment to = after.unit(unit);
            if (!from.equals(to)) {
                groups.computeIfAbsent(new Way(from.owner(), from.state(), to.owner(), to.state(), to.moveTo()), k -> new ArrayList<>())
                        .add(unit);
            }
        }
        List<UnitChange> changes = new ArrayList<>();
        groups.forEach((way, units) -> changes.add(new UnitChange(List.copyOf(units), way.fromOwner(), way.fromState(), way.toOwner(),
                way.toState(), way.moveTo())));
        return changes;
    }

    private record Way(String fromOwner, UnitState fromState, String toOwner, UnitState toState, String moveTo) {
    }

    static String describe(UnitChange change) {
        List<Integer> units = change.units();
        String named = units.stream().limit(UNITS_NAMED_IN_SUMMARY).map(String::valueOf).collect(Collectors.joining(", "));
        String which = (units.size() == 1 ? "unit " : "units ") + named
                + (units.size() > UNITS_NAMED_IN_SUMMARY ? " (+" + (units.size() - UNITS_NAMED_IN_SUMMARY) + " more)" : "");
        String from = change.fromOwner() + " " + change.fromState();
        String to = (Objects.equals(change.fromOwner(), change.toOwner()) ? "" : change.toOwner() + " ") + change.toState();
        String moving = change.moveTo() == null ? "" : " (moving to " + change.moveTo() + ")";
        return which + ": " + from + " → " + to + moving;
    }

    private void add(Entry entry) {
        entries.addFirst(entry);
        while (entries.size() > capacity) {
            entries.removeLast();
        }
    }
}
