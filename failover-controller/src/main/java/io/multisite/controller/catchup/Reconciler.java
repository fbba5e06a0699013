package io.multisite.controller.catchup;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import io.multisite.routing.PositionReport;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.SiteState;
import io.multisite.routing.UnitAssignment;
import io.multisite.routing.UnitState;

/**
 * Decides which FENCED and RECOVERING units may become ACTIVE at their new owner: those whose
 * new owner has applied, from every site the unit is catching up from, everything that site
 * wrote up to a position it reported at or after the epoch in which the unit left it. Nothing is
 * timed: a site that never reports keeps the unit waiting (an operator may force-activate a
 * RECOVERING unit and accept the loss).
 *
 * <p>A FENCED unit whose target is no longer UP goes back to its owner, which nobody else wrote.
 */
public final class Reconciler {

    private final String ledgerDatabase;

    /** @param ledgerDatabase the database whose replication must catch up: where balances live */
    public Reconciler(String ledgerDatabase) {
        this.ledgerDatabase = ledgerDatabase;
    }

    /** The change to publish, if any unit is ready. */
    public Optional<Plan> plan(RoutingTable table, CatchUp catchUp) {
        RoutingTable.Change change = table.change();
        Map<Integer, String> activated = new LinkedHashMap<>();
        Map<Integer, String> unfenced = new LinkedHashMap<>();
        for (int unit = 0; unit < table.unitCount(); unit++) {
            UnitAssignment assignment = table.unit(unit);
            if (assignment.state() == UnitState.FENCED) {
                SiteState target = table.siteState(assignment.moveTo());
                if (target != SiteState.UP && table.siteState(assignment.owner()) != SiteState.DEAD) {
                    change.unfence(unit);
                    unfenced.put(unit, assignment.owner());
                } else if (target == SiteState.UP && caughtUp(assignment, catchUp)) {
                    change.completeMove(unit);
                    activated.put(unit, assignment.moveTo());
                }
            } else if (assignment.state() == UnitState.RECOVERING
                    && table.siteState(assignment.owner()) == SiteState.UP && caughtUp(assignment, catchUp)) {
                change.activate(unit);
                activated.put(unit, assignment.owner());
            }
        }
        if (activated.isEmpty() && unfenced.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Plan(change.apply(), activated, unfenced));
    }

    /** True once the new owner has applied every former writer's changes up to a position taken after it stopped. */
    boolean caughtUp(UnitAssignment assignment, CatchUp catchUp) {
        String newOwner = assignment.catchingUpSite();
        for (String former : assignment.catchUpFrom()) {
            Optional<PositionReport> stopped = catchUp.ownPosition(former, ledgerDatabase)
                    .filter(report -> report.epoch() >= assignment.since());
            if (stopped.isEmpty()) {
                return false;
            }
            OptionalLong applied = catchUp.watermark(newOwner, former, ledgerDatabase);
            if (applied.isEmpty() || applied.getAsLong() < stopped.get().lsn()) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param activated units now ACTIVE, and at which site
     * @param unfenced  units whose move was abandoned, back ACTIVE at their owner
     */
    public record Plan(RoutingTable table, Map<Integer, String> activated, Map<Integer, String> unfenced) {
    }
}
