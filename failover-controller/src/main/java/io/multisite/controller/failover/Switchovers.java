package io.multisite.controller.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import io.multisite.controller.catchup.CatchUp;
import io.multisite.controller.catchup.PreCatchUp;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.UnitState;

/**
 * Planned switchovers (MOVE, DRAIN, FAIL_BACK) accepted by the leader and not fenced yet. Each
 * waits, its units still ACTIVE at their owners and taking writes, until every target of its plan
 * is nearly caught up with the owner it takes units from ({@link PreCatchUp}), or until it has
 * waited {@code timeout}; then its whole plan is fenced in one epoch, exactly as the command did
 * at once before. The replication backlog is so paid while the units still take writes, instead
 * of inside the fence.
 *
 * <p>The plan is made again from the current table at every look, so a unit that failed over or
 * moved meanwhile is not fenced from a stale view; a command with nothing left to do is dropped.
 * Pending switchovers live only in the leader's memory: a leader change loses them, which is
 * harmless because none of them has published anything (a drain's DRAINING state is published
 * with its fences). Pure: the clock, the table and the replication progress are passed in.
 */
final class Switchovers {

    private final FailoverPlanner planner;
    private final PreCatchUp preCatchUp;
    private final Duration timeout;
    private final List<String> siteOrder;
    private final List<Pending> pending = new CopyOnWriteArrayList<>();

    /** @param siteOrder the configured site order, which the first table was dealt in (for fail-back) */
    Switchovers(FailoverPlanner planner, PreCatchUp preCatchUp, Duration timeout, List<String> siteOrder) {
        this.planner = planner;
        this.preCatchUp = preCatchUp;
        this.timeout = timeout;
        this.siteOrder = List.copyOf(siteOrder);
    }

    /** A command accepted at {@code acceptedAt}, not fenced yet. */
    record Pending(AdminCommand command, Instant acceptedAt) {
    }

    /**
     * @param plan     the table to publish and what it fences
     * @param timedOut fenced because the command waited {@code timeout}, not because the targets caught up
     * @param waited   from acceptance to this decision
     * @param lagBytes per {@code owner->target}: the owner's WAL, as of its latest report, not yet applied at the target (null: unknown)
     */
    record Fence(Pending pending, FailoverPlanner.Plan plan, boolean timedOut, Duration waited, Map<String, Long> lagBytes) {
    }

    record Dropped(Pending pending, String why) {
    }

    /** What to do now: at most one fence (one epoch per look), and the commands given up. */
    record Decision(Optional<Fence> fence, List<Dropped> dropped) {
    }

    static boolean isSwitchover(AdminCommand.Action action) {
        return action == AdminCommand.Action.MOVE || action == AdminCommand.Action.DRAIN || action == AdminCommand.Action.FAIL_BACK;
    }

    /**
     * Checks the command against {@code table} and queues it.
     *
     * @return the plan it would fence now, or empty when there is nothing to do or the same
     *         switchover (same unit, or same site and action) is already waiting
     * @throws io.multisite.routing.IllegalTransitionException when the table does not allow it
     */
    Optional<FailoverPlanner.Plan> add(AdminCommand command, RoutingTable table, Instant acceptedAt) {
        if (pending.stream().anyMatch(p -> sameSwitchover(p.command(), command))) {
            return Optional.empty();
        }
        Optional<FailoverPlanner.Plan> plan = plan(command, table);
        plan.ifPresent(p -> pending.add(new Pending(command, acceptedAt)));
        return plan;
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    List<Pending> pending() {
        return List.copyOf(pending);
    }

    /** Forgets every pending switchover: this instance no longer leads. */
    int clear() {
        int count = pending.size();
        pending.clear();
        return count;
    }

    /** Called once the fence is published. */
    void fenced(Pending done) {
        pending.remove(done);
    }

    /** Looks at every pending switchover, oldest first, against the current table and progress. */
    Decision decide(RoutingTable table, CatchUp catchUp, Instant now) {
        List<Dropped> dropped = new ArrayList<>();
        for (Pending waiting : pending) {
            Optional<FailoverPlanner.Plan> plan;
            try {
                plan = plan(waiting.command(), table);
            } catch (RuntimeException e) {
                dropped.add(new Dropped(waiting, e.getMessage()));
                continue;
            }
            if (plan.isEmpty()) {
                dropped.add(new Dropped(waiting, "nothing left to move"));
                continue;
            }
            Map<String, Long> lag = new LinkedHashMap<>();
            boolean caughtUp = true;
            for (Map.Entry<Integer, String> move : plan.get().moved().entrySet()) {
                String owner = table.owner(move.getKey());
                String target = move.getValue();
                String pair = owner + "->" + target;
                if (!lag.containsKey(pair)) {
                    lag.put(pair, preCatchUp.lagBytes(owner, target, catchUp).orElse(null));
                    caughtUp &= preCatchUp.caughtUp(owner, target, catchUp, now);
                }
            }
            Duration waited = Duration.between(waiting.acceptedAt(), now);
            boolean timedOut = !caughtUp && waited.compareTo(timeout) >= 0;
            if (caughtUp || timedOut) {
                pending.removeAll(dropped.stream().map(Dropped::pending).toList());
                return new Decision(Optional.of(new Fence(waiting, plan.get(), timedOut, waited, lag)), dropped);
            }
        }
        pending.removeAll(dropped.stream().map(Dropped::pending).toList());
        return new Decision(Optional.empty(), dropped);
    }

    /** The command's plan on {@code table}, as the command would have been carried out at once. */
    private Optional<FailoverPlanner.Plan> plan(AdminCommand command, RoutingTable table) {
        return switch (command.action()) {
            case MOVE -> {
                int unit = command.unit();
                if (table.unitState(unit) != UnitState.ACTIVE || table.owner(unit).equals(command.site())) {
                    yield Optional.empty(); // already moving or moved: a command is carried out at most once
                }
                yield Optional.of(new FailoverPlanner.Plan(table.fence(unit, command.site()), List.of(), List.of(),
                        Map.of(unit, command.site())));
            }
            case DRAIN -> Optional.of(planner.drain(table, command.site()));
            case FAIL_BACK -> planner.failBack(table, command.site(), siteOrder);
            default -> throw new IllegalArgumentException(command.action() + " is not a planned switchover");
        };
    }

    private static boolean sameSwitchover(AdminCommand waiting, AdminCommand command) {
        if (waiting.action() == AdminCommand.Action.MOVE || command.action() == AdminCommand.Action.MOVE) {
            return waiting.action() == command.action() && waiting.unit().equals(command.unit());
        }
        return waiting.action() == command.action() && waiting.site().equals(command.site());
    }
}
