package io.multisite.controller.failover;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.SiteState;
import io.multisite.routing.UnitAssignment;
import io.multisite.routing.UnitState;

/**
 * Decides the next routing table from the current one and what the controller observed. Pure:
 * no clock, no Kafka; the same inputs always give the same table, which is what makes the safety
 * rules testable one by one.
 *
 * <p>Safety rules (in the spirit of Route 53 ARC's routing controls):
 * <ul>
 *   <li>never assign a unit to a site that is not UP;</li>
 *   <li>never leave a unit with a DEAD owner while some site is UP;</li>
 *   <li>never mark the last UP site dead automatically: with nobody left to take over, declaring
 *       it dead would only stop the one site that may still serve. If every UP site looks silent
 *       at once, the controller's own view is the likelier fault, so nobody is declared dead.
 *       An operator can still declare any site dead.</li>
 * </ul>
 *
 * <p>Placement: a dead site's units go to UP sites of the same city first (the users' latency
 * barely changes), spread evenly over them; only when the city has no UP site left are they
 * spread over all UP sites. Ties go to the site with fewer units, then to the lower site id.
 */
public final class FailoverPlanner {

    private final Map<String, String> cityOfSite;

    public FailoverPlanner(Map<String, String> cityOfSite) {
        this.cityOfSite = Map.copyOf(cityOfSite);
    }

    /**
     * @param silent sites the controller has not heard from for dead-after
     * @param returning DEAD sites that are heartbeating again
     * @return the change to publish, or empty when the table is already right
     */
    public Optional<Plan> plan(RoutingTable table, Set<String> silent, Set<String> returning) {
        RoutingTable.Change change = table.change();
        List<String> declaredDead = new ArrayList<>();
        List<String> rejoined = new ArrayList<>();
        for (String site : table.sites().keySet()) {
            if (returning.contains(site) && !silent.contains(site) && change.siteState(site) == SiteState.DEAD) {
                change.markUp(site);
                rejoined.add(site);
            }
        }
        List<String> silentLive = table.sites().keySet().stream()
                .filter(site -> silent.contains(site) && change.siteState(site) != SiteState.DEAD)
                .toList();
        boolean someoneStaysUp = table.sites().keySet().stream()
                .anyMatch(site -> !silent.contains(site) && change.siteState(site) == SiteState.UP);
        // If every UP site looks silent, the controller's own view is the likelier fault: declare nobody.
        if (someoneStaysUp) {
            for (String site : silentLive) {
                change.markDead(site);
                declaredDead.add(site);
            }
        }
        Map<Integer, String> moved = reassignOrphans(change, table);
        if (declaredDead.isEmpty() && rejoined.isEmpty() && moved.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Plan(change.apply(), declaredDead, rejoined, moved));
    }

    /** An operator's "this site is dead": allowed even for the last UP site, and re-homes its units. */
    public Plan declareDead(RoutingTable table, String site) {
        RoutingTable.Change change = table.change().markDead(site);
        Map<Integer, String> moved = reassignOrphans(change, table);
        return new Plan(change.apply(), List.of(site), List.of(), moved);
    }

    /**
     * An operator's planned drain: the site receives no units from now on and hands each of its
     * ACTIVE units to another UP site (same city first, spread evenly), every one FENCED until its
     * target has caught up. Units it holds FENCED or RECOVERING finish that first.
     */
    public Plan drain(RoutingTable table, String site) {
        RoutingTable.Change change = table.change().drain(site);
        Map<String, Integer> owned = ownedCounts(change, table);
        Map<Integer, String> moved = new TreeMap<>();
        for (int unit = 0; unit < table.unitCount(); unit++) {
            UnitAssignment assignment = change.current(unit);
            if (!assignment.owner().equals(site) || assignment.state() != UnitState.ACTIVE) {
                continue;
            }
            Optional<String> target = target(change, table, site, owned);
            if (target.isEmpty()) {
                break; // no other UP site: the units stay where they are
            }
            change.fence(unit, target.get());
            owned.merge(site, -1, Integer::sum);
            owned.merge(target.get(), 1, Integer::sum);
            moved.put(unit, target.get());
        }
        return new Plan(change.apply(), List.of(), List.of(), moved);
    }

    /**
     * Fail back: every unit that the first table dealt to {@code site} and that is ACTIVE at another
     * live site now moves back to it, FENCED until {@code site} has caught up.
     *
     * @param siteOrder the configured site order, which the first table was dealt in
     */
    public Optional<Plan> failBack(RoutingTable table, String site, List<String> siteOrder) {
        RoutingTable home = RoutingTable.initial(siteOrder, table.unitCount());
        RoutingTable.Change change = table.change();
        Map<Integer, String> moved = new TreeMap<>();
        for (int unit = 0; unit < table.unitCount(); unit++) {
            UnitAssignment assignment = table.unit(unit);
            if (home.owner(unit).equals(site) && !assignment.owner().equals(site) && assignment.state() == UnitState.ACTIVE
                    && table.siteState(assignment.owner()) != SiteState.DEAD) {
                change.fence(unit, site);
                moved.put(unit, site);
            }
        }
        return moved.isEmpty() ? Optional.empty() : Optional.of(new Plan(change.apply(), List.of(), List.of(), moved));
    }

    private static Map<String, Integer> ownedCounts(RoutingTable.Change change, RoutingTable table) {
        Map<String, Integer> owned = new HashMap<>();
        for (int unit = 0; unit < table.unitCount(); unit++) {
            owned.merge(change.current(unit).owner(), 1, Integer::sum);
        }
        return owned;
    }

    private Map<Integer, String> reassignOrphans(RoutingTable.Change change, RoutingTable table) {
        Map<String, Integer> owned = ownedCounts(change, table);
        Map<Integer, String> moved = new TreeMap<>();
        for (int unit = 0; unit < table.unitCount(); unit++) {
            String owner = change.current(unit).owner();
            if (change.siteState(owner) != SiteState.DEAD) {
                continue;
            }
            Optional<String> target = target(change, table, owner, owned);
            if (target.isEmpty()) {
                continue;
            }
            change.takeOver(unit, target.get());
            owned.merge(owner, -1, Integer::sum);
            owned.merge(target.get(), 1, Integer::sum);
            moved.put(unit, target.get());
        }
        return moved;
    }

    private Optional<String> target(RoutingTable.Change change, RoutingTable table, String deadOwner, Map<String, Integer> owned) {
        List<String> up = table.sites().keySet().stream().filter(s -> change.siteState(s) == SiteState.UP).toList();
        String city = cityOfSite.get(deadOwner);
        List<String> sameCity = up.stream().filter(s -> city != null && city.equals(cityOfSite.get(s))).toList();
        List<String> candidates = sameCity.isEmpty() ? up : sameCity;
        return candidates.stream()
                .min(Comparator.<String>comparingInt(s -> owned.getOrDefault(s, 0)).thenComparing(Comparator.naturalOrder()));
    }

    /** A table to publish and what it changed, for the audit event. */
    public record Plan(RoutingTable table, List<String> declaredDead, List<String> rejoined, Map<Integer, String> moved) {
    }
}
