package io.multisite.controller.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.multisite.controller.catchup.CatchUp;
import io.multisite.controller.catchup.PreCatchUp;
import io.multisite.controller.catchup.Reconciler;
import io.multisite.controller.leadership.Leadership;
import io.multisite.controller.leadership.RoutingPublisher;
import io.multisite.controller.liveness.HeartbeatMonitor;
import io.multisite.routing.PositionReport;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableFollower;
import io.multisite.routing.SiteState;
import io.multisite.routing.SiteTimings;
import io.multisite.routing.UnitState;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The leader's work: publish the first table, declare silent sites dead and re-home their
 * units, welcome returning sites back, carry out admin commands. Every instance runs one; only
 * the elected leader acts, and only through the fenced {@link RoutingPublisher}.
 *
 * <p>Nothing is decided on a stale view: the leader acts only when its routing follower has
 * caught up with the table topic, and its heartbeat monitor counts silence only up to the last
 * moment it had read the whole heartbeat topic, so silence is real silence.
 *
 * <p>The loop runs every tick, and also at once when a replication position arrives that could let
 * a hand-over go on (a unit FENCED or RECOVERING waits for its sender, or a planned switchover is
 * waiting to fence): the position, not the next tick, decides how soon a unit takes writes again.
 * Planned switchovers first wait, unfenced, for their targets to catch up ({@link Switchovers}).
 */
public final class FailoverLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FailoverLoop.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String instance;
    private final Map<String, String> cityOfSite;
    private final int unitCount;
    private final SiteTimings timings;
    private final Duration tick;
    private final Duration startupGrace;
    private final RoutingTableFollower follower;
    private final HeartbeatMonitor monitor;
    private final FailoverPlanner planner;
    private final String bootstrapServers;
    private final Duration electionSessionTimeout;
    private final Clock clock;
    private final Timer detection;
    private final Timer failoverDuration;
    private final Timer switchoverPause;
    private final Timer recovery;
    private final CatchUp catchUp;
    private final Reconciler reconciler;
    private final String ledgerDatabase;
    private final Switchovers switchovers;
    private final PreCatchUp preCatchUp;
    private final Duration preCatchUpTimeout;
    private final AtomicBoolean wakeRequested = new AtomicBoolean();
    /** When each unit stopped being writable (fenced, or taken over from a dead site), as this leader saw it. */
    private final Map<Integer, Long> stoppedAt = new HashMap<>();
    private final AtomicLong epoch = new AtomicLong();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "failover-loop");
        thread.setDaemon(true);
        return thread;
    });
    private Leadership leadership;
    private RoutingPublisher publisher;

    public FailoverLoop(String instance, Map<String, String> cityOfSite, int unitCount, SiteTimings timings, Duration tick,
                        Duration startupGrace, String bootstrapServers, Duration electionSessionTimeout,
                        RoutingTableFollower follower, HeartbeatMonitor monitor, CatchUp catchUp, String ledgerDatabase,
                        Duration preCatchUpLag, Duration preCatchUpTimeout, Clock clock, MeterRegistry meters) {
        this.instance = instance;
        // In the configured order: the first table is dealt in it, and fail-back finds home units by it.
        this.cityOfSite = Collections.unmodifiableMap(new LinkedHashMap<>(cityOfSite));
        this.unitCount = unitCount;
        this.timings = timings.validate();
        this.tick = tick;
        this.startupGrace = startupGrace.compareTo(timings.deadAfter()) > 0 ? startupGrace : timings.deadAfter();
        this.follower = follower;
        this.monitor = monitor;
        this.planner = new FailoverPlanner(cityOfSite);
        this.catchUp = catchUp;
        this.reconciler = new Reconciler(ledgerDatabase);
        this.ledgerDatabase = ledgerDatabase;
        this.preCatchUp = new PreCatchUp(ledgerDatabase, preCatchUpLag);
        this.preCatchUpTimeout = preCatchUpTimeout;
        this.switchovers = new Switchovers(planner, preCatchUp, preCatchUpTimeout, List.copyOf(this.cityOfSite.keySet()));
        this.bootstrapServers = bootstrapServers;
        this.electionSessionTimeout = electionSessionTimeout;
        this.clock = clock;
        this.detection = Timer.builder("multisite.failover.detection")
                .description("silence of a site when the controller declared it dead")
                .publishPercentiles(0.5, 0.99).register(meters);
        this.failoverDuration = Timer.builder("multisite.failover.duration")
                .description("from the decision that a site is dead to the table re-homing its units being read back committed")
                .publishPercentiles(0.5, 0.99).register(meters);
        this.switchoverPause = Timer.builder("multisite.switchover.pause")
                .description("how long a moved unit took no writes: fenced until ACTIVE at its new owner")
                .publishPercentiles(0.5, 0.99).register(meters);
        this.recovery = Timer.builder("multisite.recovery.duration")
                .description("how long a unit taken over from a dead site refused debits: RECOVERING until ACTIVE")
                .publishPercentiles(0.5, 0.99).register(meters);
        meters.gauge("multisite.routing.epoch", epoch);
        meters.gauge("multisite.controller.leader", this, loop -> loop.isLeader() ? 1 : 0);
        meters.gauge("multisite.units.recovering", follower, f -> f.current()
                .map(t -> t.units().stream().filter(u -> u.state() == UnitState.RECOVERING).count()).orElse(0L));
    }

    public FailoverLoop start() {
        leadership = new Leadership(bootstrapServers, instance, electionSessionTimeout, this::onCommand).start();
        scheduler.scheduleWithFixedDelay(this::tickSafely, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
        catchUp.addListener(this::positionArrived);
        // A tick before the follower has read the whole table topic does nothing; do not wait a tick more.
        follower.whenCaughtUp(this::wake);
        return this;
    }

    /** On the positions' thread: wakes the loop if this record could complete a catch-up. */
    private void positionArrived(PositionReport report) {
        if (!report.database().equals(ledgerDatabase) || !isLeader()) {
            return;
        }
        boolean awaited = !switchovers.isEmpty() || follower.current().map(table -> table.units().stream()
                .anyMatch(unit -> unit.state() != UnitState.ACTIVE && unit.catchUpFrom().contains(report.origin()))).orElse(false);
        if (awaited) {
            wake();
        }
    }

    /** Runs a tick soon on the loop's thread; requests made while one is queued are served by that one. */
    private void wake() {
        if (wakeRequested.compareAndSet(false, true)) {
            try {
                scheduler.execute(() -> {
                    wakeRequested.set(false);
                    tickSafely();
                });
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    public boolean isLeader() {
        return leadership != null && leadership.isLeader();
    }

    synchronized void tick() {
        if (!isLeader()) {
            dropPublisher();
            forgetSwitchovers();
            return;
        }
        if (!follower.isCaughtUp()) {
            return;
        }
        Optional<RoutingTable> current = follower.current();
        if (current.isEmpty()) {
            RoutingTable initial = RoutingTable.initial(List.copyOf(cityOfSite.keySet()), unitCount);
            publish(initial, 0, event(0, initial, "initial table", List.of(), List.of(), Map.of()));
            return;
        }
        RoutingTable table = current.get();
        epoch.set(table.epoch());
        Set<String> silent = table.sites().keySet().stream()
                .filter(this::isSilent)
                .collect(Collectors.toSet());
        Set<String> returning = table.sites().entrySet().stream()
                .filter(e -> e.getValue() == SiteState.DEAD)
                .map(Map.Entry::getKey)
                .filter(site -> monitor.silence(site).compareTo(timings.heartbeatInterval().multipliedBy(2)) < 0)
                .collect(Collectors.toSet());
        Optional<FailoverPlanner.Plan> failover = planner.plan(table, silent, returning);
        if (failover.isPresent()) {
            FailoverPlanner.Plan plan = failover.get();
            plan.declaredDead().forEach(site -> detection.record(monitor.silence(site)));
            long decidedAt = System.nanoTime();
            plan.moved().keySet().forEach(unit -> stoppedAt.putIfAbsent(unit, decidedAt));
            if (publish(plan.table(), table.epoch(), event(table.epoch(), plan.table(), "heartbeats", plan.declaredDead(), plan.rejoined(), plan.moved()))
                    && !plan.declaredDead().isEmpty()) {
                failoverDuration.record(Duration.ofNanos(System.nanoTime() - decidedAt));
            }
            return;
        }
        Optional<Reconciler.Plan> reconciled = reconciler.plan(table, catchUp);
        if (reconciled.isPresent()) {
            Reconciler.Plan plan = reconciled.get();
            Map<String, Object> event = event(table.epoch(), plan.table(), "caught up", List.of(), List.of(), plan.activated());
            event.put("unfenced", plan.unfenced());
            if (publish(plan.table(), table.epoch(), event)) {
                plan.activated().keySet().forEach(unit -> recordPause(unit, table.unitState(unit)));
                plan.unfenced().keySet().forEach(stoppedAt::remove);
            }
            if (!switchovers.isEmpty()) {
                wake(); // on the table just published
            }
            return;
        }
        switchover(table);
    }

    /** Fences the first pending switchover whose targets have caught up, or that waited long enough. */
    private void switchover(RoutingTable table) {
        if (switchovers.isEmpty()) {
            return;
        }
        Switchovers.Decision decision = switchovers.decide(table, catchUp, clock.instant());
        for (Switchovers.Dropped dropped : decision.dropped()) {
            AdminCommand command = dropped.pending().command();
            log.warn("planned {} not carried out, nothing was fenced: {}", describe(command), dropped.why());
            Map<String, Object> event = event(table.epoch(), table, cause(command), List.of(), List.of(), Map.of());
            event.put("command", command.id().toString());
            event.put("preCatchUp", Map.of("phase", "dropped", "why", String.valueOf(dropped.why())));
            publishEvent(table.epoch(), event);
        }
        if (decision.fence().isEmpty()) {
            return;
        }
        Switchovers.Fence fence = decision.fence().get();
        AdminCommand command = fence.pending().command();
        if (fence.timedOut()) {
            log.warn("planned {}: fencing after waiting {} ms for the targets to catch up (WAL bytes behind: {})",
                    describe(command), fence.waited().toMillis(), fence.lagBytes());
        } else {
            log.info("planned {}: targets caught up after {} ms, fencing", describe(command), fence.waited().toMillis());
        }
        FailoverPlanner.Plan plan = fence.plan();
        Map<String, Object> event = event(table.epoch(), plan.table(), cause(command), List.of(), List.of(), plan.moved());
        event.put("command", command.id().toString());
        Map<String, Object> preCatchUpDone = new LinkedHashMap<>();
        preCatchUpDone.put("phase", fence.timedOut() ? "timed out" : "caught up");
        preCatchUpDone.put("waitedMs", fence.waited().toMillis());
        preCatchUpDone.put("lagBytes", fence.lagBytes());
        event.put("preCatchUp", preCatchUpDone);
        long fencedAt = System.nanoTime();
        plan.moved().keySet().forEach(unit -> stoppedAt.put(unit, fencedAt));
        if (publish(plan.table(), table.epoch(), event)) {
            switchovers.fenced(fence.pending());
            if (!switchovers.isEmpty()) {
                wake();
            }
        } else {
            plan.moved().keySet().forEach(stoppedAt::remove);
        }
    }

    private void forgetSwitchovers() {
        int forgotten = switchovers.clear();
        if (forgotten > 0) {
            log.warn("no longer leading: {} planned switchover(s) not fenced yet are given up; re-issue them", forgotten);
        }
    }

    private void recordPause(int unit, UnitState before) {
        Long since = stoppedAt.remove(unit);
        if (since != null) {
            (before == UnitState.FENCED ? switchoverPause : recovery).record(Duration.ofNanos(System.nanoTime() - since));
        }
    }

    /**
     * Silent for dead-after since its last heartbeat; or, for a site this instance has never heard
     * from, for the start-up grace since the instance started. Without the grace, a whole
     * deployment starting up (services boot in tens of seconds, the controller in a few) would
     * declare every site dead before its services had sent a first heartbeat. Declaring later is
     * always safe; it only costs availability.
     */
    private boolean isSilent(String site) {
        Duration limit = monitor.heardFrom(site) ? timings.deadAfter() : startupGrace;
        return monitor.silence(site).compareTo(limit) >= 0;
    }

    synchronized void onCommand(String json) {
        AdminCommand command = JSON.readValue(json, AdminCommand.class);
        RoutingTable table = follower.current().orElseThrow(() -> new IllegalStateException("no routing table yet"));
        if (Switchovers.isSwitchover(command.action())) {
            acceptSwitchover(command, table);
            return;
        }
        RoutingTable next;
        Map<Integer, String> moved = Map.of();
        List<String> dead = List.of();
        switch (command.action()) {
            case MARK_DEAD -> {
                if (table.siteState(command.site()) == SiteState.DEAD) {
                    return;
                }
                FailoverPlanner.Plan plan = planner.declareDead(table, command.site());
                next = plan.table();
                moved = plan.moved();
                moved.keySet().forEach(unit -> stoppedAt.putIfAbsent(unit, System.nanoTime()));
                dead = plan.declaredDead();
            }
            case MARK_UP -> next = table.markUp(command.site());
            case FORCE_ACTIVATE -> next = table.activate(command.unit());
            default -> throw new IllegalStateException("unknown action " + command.action());
        }
        Map<String, Object> event = event(table.epoch(), next, cause(command), dead, List.of(), moved);
        if (command.action() == AdminCommand.Action.FORCE_ACTIVATE) {
            event.put("acceptedLoss", Map.of("unit", command.unit(),
                    "meaning", "changes the unit's previous owner made before it died and that were not replicated are given up"));
        }
        event.put("command", command.id().toString());
        publish(next, table.epoch(), event);
    }

    /**
     * Queues a MOVE, DRAIN or FAIL_BACK; it is fenced by the loop once its targets have caught up.
     * The waiting is announced on the routing events, so that an operator sees it, and can re-issue
     * the command should this leader go before the fence.
     */
    private void acceptSwitchover(AdminCommand command, RoutingTable table) {
        Optional<FailoverPlanner.Plan> plan = switchovers.add(command, table, clock.instant());
        if (plan.isEmpty()) {
            log.info("planned {}: nothing to do, or already waiting", describe(command));
            return;
        }
        log.info("planned {}: waiting, unfenced, for the targets to catch up (at most {} ms): {}", describe(command),
                preCatchUpTimeout.toMillis(), plan.get().moved());
        Map<String, Object> event = event(table.epoch(), table, cause(command), List.of(), List.of(), Map.of());
        event.put("command", command.id().toString());
        Map<String, Object> waiting = new LinkedHashMap<>();
        waiting.put("phase", "waiting");
        waiting.put("planned", plan.get().moved());
        waiting.put("maxLagMs", preCatchUp.maxLag().toMillis());
        waiting.put("timeoutMs", preCatchUpTimeout.toMillis());
        event.put("preCatchUp", waiting);
        publishEvent(table.epoch(), event);
        wake();
    }

    private static String cause(AdminCommand command) {
        return "admin " + command.action().name().toLowerCase() + (command.reason() == null ? "" : ": " + command.reason());
    }

    private static String describe(AdminCommand command) {
        return command.action().name().toLowerCase() + (command.unit() == null ? "" : " of unit " + command.unit())
                + (command.site() == null ? "" : " (" + command.site() + ")") + " [" + command.id() + "]";
    }

    private Map<String, Object> event(long before, RoutingTable after, String cause, List<String> dead, List<String> rejoined,
                                      Map<Integer, String> moved) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("at", clock.instant().toString());
        event.put("by", instance);
        event.put("cause", cause);
        event.put("epochBefore", before);
        event.put("epochAfter", after.epoch());
        event.put("declaredDead", dead);
        event.put("rejoined", rejoined);
        event.put("moved", moved);
        return event;
    }

    /** @return true if the table was published (this instance still leads) */
    private boolean publish(RoutingTable table, long before, Map<String, Object> event) {
        try {
            if (publisher == null) {
                publisher = new RoutingPublisher(bootstrapServers, instance);
            }
            publisher.publish(table, JSON.writeValueAsString(event));
            log.info("published routing epoch {} (was {}): {}", table.epoch(), before, event.get("cause"));
            // Act on the next tick only once our own follower has seen this table.
            follower.awaitEpoch(table.epoch(), Duration.ofSeconds(5));
            epoch.set(table.epoch());
            return true;
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            // Kafka 4's transaction protocol may report the fencing as an invalid epoch.
            log.warn("a newer leader fenced this instance; its routing write was discarded");
            dropPublisher();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** An audit event without a new table (a switchover waiting or given up); best effort. */
    private void publishEvent(long epoch, Map<String, Object> event) {
        try {
            if (publisher == null) {
                publisher = new RoutingPublisher(bootstrapServers, instance);
            }
            publisher.publishEvent(epoch, JSON.writeValueAsString(event));
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            log.warn("a newer leader fenced this instance; its routing event was discarded");
            dropPublisher();
        } catch (RuntimeException e) {
            log.warn("routing event not published: {}", e.toString());
            dropPublisher();
        }
    }

    private void dropPublisher() {
        if (publisher != null) {
            publisher.close();
            publisher = null;
        }
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.warn("failover tick failed: {}", e.toString());
            dropPublisher();
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        if (leadership != null) {
            leadership.close();
        }
        synchronized (this) {
            dropPublisher();
        }
    }
}
