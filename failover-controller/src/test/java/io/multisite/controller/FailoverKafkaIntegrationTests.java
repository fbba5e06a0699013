package io.multisite.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.multisite.controller.catchup.ReplicationPositions;
import io.multisite.controller.failover.AdminCommand;
import io.multisite.controller.failover.FailoverLoop;
import io.multisite.controller.leadership.RoutingPublisher;
import io.multisite.controller.liveness.HeartbeatMonitor;
import io.multisite.routing.LeaseHeartbeater;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.NanoClock;
import io.multisite.routing.PositionReport;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableFollower;
import io.multisite.routing.SiteLease;
import io.multisite.routing.SiteState;
import io.multisite.routing.SiteTimings;
import io.multisite.routing.UnitState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two controller instances, three sites' heartbeats and a real (in-process KRaft) broker: the
 * first table, dead-site detection and failover, rejoin, leader change with fencing, and admin
 * commands carried out by whichever instance leads.
 */
class FailoverKafkaIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(FailoverKafkaIntegrationTests.class);
    private static final Map<String, String> CITIES = Map.of("site-a", "beijing", "site-b", "beijing", "site-c", "guangzhou");
    private static final SiteTimings TIMINGS = SiteTimings.DEFAULTS;
    private static final String LEDGER = "accounts";
    /** Generous, so that a slow test machine does not make the reports the tests send too old. */
    private static final Duration PRE_CATCH_UP_LAG = Duration.ofSeconds(10);
    private static final Duration PRE_CATCH_UP_TIMEOUT = Duration.ofSeconds(30);

    private EmbeddedKafkaBroker broker;
    private String bootstrap;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final Map<String, LeaseHeartbeater> heartbeats = new java.util.HashMap<>();
    private final Map<String, HeartbeatMonitor> monitors = new java.util.HashMap<>();
    private final Map<String, RoutingTableFollower> followers = new java.util.HashMap<>();
    private RoutingTableFollower observer;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void startBrokerAndSites() {
        broker = new EmbeddedKafkaKraftBroker(1, 1).brokerProperties(Map.of(
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1",
                "offsets.topic.replication.factor", "1",
                "group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        bootstrap = broker.getBrokersAsString();
        MultisiteTopics.ensureCreated(bootstrap, 1);
        for (String site : CITIES.keySet()) {
            startHeartbeats(site);
        }
        observer = track(new RoutingTableFollower(bootstrap, "test-observer").start());
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        broker.destroy();
    }

    @Test
    void publishesTheFirstTableThenFailsOverASilentSiteAndWelcomesItBack() throws Exception {
        List<FailoverLoop> controllers = List.of(controller("ctl-a"), controller("ctl-b"));
        RoutingTable first = observer.awaitEpoch(1, Duration.ofSeconds(30)).orElseThrow();
        assertThat(first.sites().values()).containsOnly(SiteState.UP);
        await().atMost(Duration.ofSeconds(20)).until(() -> controllers.stream().filter(FailoverLoop::isLeader).count() == 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> monitors.values().stream().allMatch(m -> m.heardFrom("site-c")));

        heartbeats.remove("site-c").close();
        long silentSince = System.nanoTime();
        RoutingTable failedOver = awaitTable(t -> t.siteState("site-c") == SiteState.DEAD, Duration.ofSeconds(20));
        Duration detection = Duration.ofNanos(System.nanoTime() - silentSince);
        log.info("site-c declared dead {} ms after its last heartbeat was sent", detection.toMillis());
        // Its last heartbeat went out at most one interval before we stopped it.
        assertThat(detection).isGreaterThanOrEqualTo(TIMINGS.deadAfter().minus(TIMINGS.heartbeatInterval()));
        assertThat(detection).isLessThan(TIMINGS.deadAfter().plusSeconds(3));
        assertThat(failedOver.unitsOwnedBy("site-c")).isEmpty();
        for (int unit : first.unitsOwnedBy("site-c")) {
            assertThat(failedOver.unitState(unit)).isEqualTo(UnitState.RECOVERING);
            assertThat(failedOver.siteState(failedOver.owner(unit))).isEqualTo(SiteState.UP);
        }
        assertThat(failedOver.siteState("site-a")).isEqualTo(SiteState.UP);
        assertThat(failedOver.siteState("site-b")).isEqualTo(SiteState.UP);
        await().atMost(Duration.ofSeconds(5)).until(() -> meters.timer("multisite.failover.duration").count() == 1);
        log.info("failover decided and published in {} ms", meters.timer("multisite.failover.duration").totalTime(java.util.concurrent.TimeUnit.MILLISECONDS));

        startHeartbeats("site-c");
        RoutingTable rejoined = awaitTable(t -> t.siteState("site-c") == SiteState.UP, Duration.ofSeconds(20));
        assertThat(rejoined.unitsOwnedBy("site-c")).as("a returning site owns nothing until units are moved back").isEmpty();
        assertThat(routingEvents()).anySatisfy(e -> assertThat(e).contains("\"declaredDead\":[\"site-c\"]"))
                .anySatisfy(e -> assertThat(e).contains("\"rejoined\":[\"site-c\"]"));
    }

    @Test
    void givesASiteNeverHeardFromTheStartUpGraceBeforeDeclaringItDead() throws Exception {
        heartbeats.remove("site-c").close();
        controller("ctl-a", Duration.ofSeconds(12));
        long startedAt = System.nanoTime();
        observer.awaitEpoch(1, Duration.ofSeconds(30)).orElseThrow();
        // Well past dead-after, still within the grace: a slow-booting site is not failed over.
        await().during(TIMINGS.deadAfter().plusSeconds(2)).atMost(TIMINGS.deadAfter().plusSeconds(3))
                .until(() -> observer.current().map(t -> t.siteState("site-c") == SiteState.UP).orElse(false));
        awaitTable(t -> t.siteState("site-c") == SiteState.DEAD, Duration.ofSeconds(20));
        assertThat(Duration.ofNanos(System.nanoTime() - startedAt)).isGreaterThanOrEqualTo(Duration.ofSeconds(12));
    }

    @Test
    void anotherInstanceTakesOverWhenTheLeaderStops() throws Exception {
        FailoverLoop first = controller("ctl-a");
        observer.awaitEpoch(1, Duration.ofSeconds(30)).orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(first::isLeader);
        FailoverLoop second = controller("ctl-b");
        // A site the new leader never heard from would get the start-up grace instead of dead-after.
        await().atMost(Duration.ofSeconds(20)).until(() -> monitors.get("ctl-b").heardFrom("site-b"));

        first.close();
        long stoppedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(second::isLeader);
        log.info("second controller leads {} ms after the first stopped", Duration.ofNanos(System.nanoTime() - stoppedAt).toMillis());

        heartbeats.remove("site-b").close();
        RoutingTable table = awaitTable(t -> t.siteState("site-b") == SiteState.DEAD, Duration.ofSeconds(30));
        assertThat(table.unitsOwnedBy("site-b")).isEmpty();
    }

    @Test
    void aDeposedLeadersWritesAreFenced() throws Exception {
        RoutingTable table = RoutingTable.initial(List.copyOf(CITIES.keySet()), 64);
        try (RoutingPublisher old = new RoutingPublisher(bootstrap, "old-leader")) {
            old.publish(table, "{}");
            try (RoutingPublisher current = new RoutingPublisher(bootstrap, "new-leader")) {
                // Kafka 4's transaction protocol reports the fencing as InvalidProducerEpochException.
                assertThatThrownBy(() -> old.publish(table.markDead("site-a"), "{}"))
                        .isInstanceOfAny(ProducerFencedException.class, InvalidProducerEpochException.class);
                current.publish(table.drain("site-c"), "{}");
            }
        }
        RoutingTable seen = observer.awaitEpoch(2, Duration.ofSeconds(20)).orElseThrow();
        assertThat(seen.siteState("site-c")).isEqualTo(SiteState.DRAINING);
        assertThat(seen.siteState("site-a")).as("the fenced write never became visible").isEqualTo(SiteState.UP);
    }

    @Test
    void theLeaderCarriesOutAdminCommandsAndRecordsTheAcceptedLoss() throws Exception {
        controller("ctl-a");
        RoutingTable first = observer.awaitEpoch(1, Duration.ofSeconds(30)).orElseThrow();
        int unit = first.unitsOwnedBy("site-c").get(0);

        command(new AdminCommand(UUID.randomUUID(), AdminCommand.Action.MARK_DEAD, "site-c", null, "fire drill", Instant.now()));
        RoutingTable dead = awaitTable(t -> t.siteState("site-c") == SiteState.DEAD, Duration.ofSeconds(20));
        assertThat(dead.unitState(unit)).isEqualTo(UnitState.RECOVERING);

        command(new AdminCommand(UUID.randomUUID(), AdminCommand.Action.FORCE_ACTIVATE, null, unit, "accepting the loss", Instant.now()));
        RoutingTable activated = awaitTable(t -> t.unitState(unit) == UnitState.ACTIVE, Duration.ofSeconds(20));
        assertThat(activated.owner(unit)).isNotEqualTo("site-c");
        assertThat(routingEvents()).anySatisfy(e -> assertThat(e).contains("admin force_activate: accepting the loss").contains("acceptedLoss"));
    }

    @Test
    void countsASitesSilenceEvenWhileOthersKeepTheHeartbeatTopicBusy() throws Exception {
        HeartbeatMonitor monitor = track(new HeartbeatMonitor(bootstrap, "busy", NanoClock.SYSTEM).start());
        await().atMost(Duration.ofSeconds(20)).until(() -> monitor.heardFrom("site-c"));
        heartbeats.remove("site-c").close();
        long silentSince = System.nanoTime();
        // Far more heartbeats than a real deployment sends: at no instant has the monitor read all of them.
        AtomicBoolean flooding = new AtomicBoolean(true);
        Thread flood = new Thread(() -> {
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new StringSerializer())) {
                while (flooding.get()) {
                    producer.send(new ProducerRecord<>(MultisiteTopics.HEARTBEATS, 0, "site-a", "{\"site\":\"site-a\"}")).get();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        flood.start();
        try {
            await().atMost(TIMINGS.deadAfter().plusSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> monitor.silence("site-c").compareTo(TIMINGS.deadAfter()) >= 0);
            log.info("busy topic: site-c's silence reached dead-after {} ms after its last heartbeat",
                    Duration.ofNanos(System.nanoTime() - silentSince).toMillis());
            assertThat(monitor.silence("site-a")).as("the flooding site is not silent").isLessThan(Duration.ofSeconds(1));
        } finally {
            flooding.set(false);
            flood.join(10_000);
        }
    }

    @Test
    void aRecoveringUnitTakesDebitsOnlyOnceItsNewOwnerHasAppliedTheDeadSitesLastWrites() throws Exception {
        controller("ctl-a");
        RoutingTable first = observer.awaitEpoch(1, Duration.ofSeconds(30)).orElseThrow();
        int unit = first.unitsOwnedBy("site-c").get(0);
        command(new AdminCommand(UUID.randomUUID(), AdminCommand.Action.MARK_DEAD, "site-c", null, "drill", Instant.now()));
        RoutingTable dead = awaitTable(t -> t.siteState("site-c") == SiteState.DEAD, Duration.ofSeconds(20));
        String newOwner = dead.owner(unit);
        long since = dead.unit(unit).since();
        assertThat(dead.unit(unit).catchUpFrom()).containsExactly("site-c");

        // A position site-c reported before it lost the unit proves nothing, however far it is applied.
        report(PositionReport.own("site-c", LEDGER, 100, since - 1, Instant.now()));
        report(watermark(newOwner, "site-c", 10_000));
        assertStays(unit, UnitState.RECOVERING);

        // Taken after the unit left: the new owner must apply up to it, and not one byte less.
        report(PositionReport.own("site-c", LEDGER, 20_000, since, Instant.now()));
        assertStays(unit, UnitState.RECOVERING);
        report(watermark(newOwner, "site-c", 19_999));
        assertStays(unit, UnitState.RECOVERING);
        report(watermark(newOwner, "site-c", 20_000));
        RoutingTable reconciled = awaitTable(t -> t.unitState(unit) == UnitState.ACTIVE, Duration.ofSeconds(10));
        assertThat(reconciled.owner(unit)).isEqualTo(newOwner);
        assertThat(routingEvents()).anySatisfy(e -> assertThat(e).contains("\"cause\":\"caught up\"").contains("\"" + unit + "\":\"" + newOwner + "\""));
        // Recorded by the leader right after its follower saw the new table, so possibly just after ours did.
        await().atMost(Duration.ofSeconds(5)).until(() -> meters.timer("multisite.recovery.duration").count() >= 1);
    }

    @Test
    void aPlannedMoveFencesTheUnitUntilTheTargetHasCaughtUpThenActivatesItThere() throws Exception {
        controller("ctl-a");
        RoutingTable first = observer.awaitEpoch(1, Duration.ofSeconds(30)).orElseThrow();
        int unit = first.unitsOwnedBy("site-a").get(0);
        command(new AdminCommand(UUID.randomUUID(), AdminCommand.Action.MOVE, "site-c", unit, "rebalance", Instant.now()));
        caughtUpBeforeTheFence("site-a", first.epoch(), 4_000, "site-c");
        RoutingTable fenced = awaitTable(t -> t.unitState(unit) == UnitState.FENCED, Duration.ofSeconds(20));
        assertThat(fenced.owner(unit)).as("nobody writes a FENCED unit: not the owner, not the target").isEqualTo("site-a");
        assertThat(fenced.unit(unit).moveTo()).isEqualTo("site-c");

        report(PositionReport.own("site-a", LEDGER, 5_000, fenced.epoch(), Instant.now()));
        report(watermark("site-c", "site-a", 4_999));
        assertStays(unit, UnitState.FENCED);
        report(watermark("site-c", "site-a", 5_000));
        RoutingTable moved = awaitTable(t -> t.unitState(unit) == UnitState.ACTIVE, Duration.ofSeconds(10));
        assertThat(moved.owner(unit)).isEqualTo("site-c");
        assertThat(moved.epoch()).isEqualTo(fenced.epoch() + 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> meters.timer("multisite.switchover.pause").count() == 1);
        log.info("switchover pause of unit {}: {} ms", unit, meters.timer("multisite.switchover.pause").totalTime(java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    @Test
    void aMoveWhoseTargetDiesIsAbandonedAndTheUnitGoesBackToItsOwner() throws Exception {
        controller("ctl-a");
        RoutingTable first = observer.awaitEpoch(1, Duration.ofSeconds(30)).orElseThrow();
        int unit = first.unitsOwnedBy("site-a").get(0);
        command(new AdminCommand(UUID.randomUUID(), AdminCommand.Action.MOVE, "site-c", unit, null, Instant.now()));
        caughtUpBeforeTheFence("site-a", first.epoch(), 4_000, "site-c");
        RoutingTable fenced = awaitTable(t -> t.unitState(unit) == UnitState.FENCED, Duration.ofSeconds(20));
        command(new AdminCommand(UUID.randomUUID(), AdminCommand.Action.DRAIN, "site-c", null, null, Instant.now()));
        caughtUpBeforeTheFence("site-c", fenced.epoch(), 3_000, "site-a", "site-b");
        RoutingTable back = awaitTable(t -> t.unitState(unit) == UnitState.ACTIVE, Duration.ofSeconds(10));
        assertThat(back.owner(unit)).isEqualTo("site-a");
    }

    @Test
    void aDrainedSiteHandsOverEveryUnitAndFailBackBringsThemHome() throws Exception {
        controller("ctl-a");
        RoutingTable first = observer.awaitEpoch(1, Duration.ofSeconds(30)).orElseThrow();
        List<Integer> home = first.unitsOwnedBy("site-a");
        command(new AdminCommand(UUID.randomUUID(), AdminCommand.Action.DRAIN, "site-a", null, "maintenance", Instant.now()));
        caughtUpBeforeTheFence("site-a", first.epoch(), 6_000, "site-b", "site-c");
        RoutingTable draining = awaitTable(t -> t.siteState("site-a") == SiteState.DRAINING, Duration.ofSeconds(20));
        assertThat(home).allSatisfy(u -> assertThat(draining.unitState(u)).isEqualTo(UnitState.FENCED));

        report(PositionReport.own("site-a", LEDGER, 7_000, draining.epoch(), Instant.now()));
        report(watermark("site-b", "site-a", 7_000));
        report(watermark("site-c", "site-a", 7_000));
        RoutingTable drained = awaitTable(t -> t.unitsOwnedBy("site-a").isEmpty(), Duration.ofSeconds(10));
        assertThat(home).allSatisfy(u -> assertThat(drained.unitState(u)).isEqualTo(UnitState.ACTIVE));

        command(new AdminCommand(UUID.randomUUID(), AdminCommand.Action.MARK_UP, "site-a", null, null, Instant.now()));
        RoutingTable up = awaitTable(t -> t.siteState("site-a") == SiteState.UP, Duration.ofSeconds(20));
        command(new AdminCommand(UUID.randomUUID(), AdminCommand.Action.FAIL_BACK, "site-a", null, null, Instant.now()));
        for (String site : List.of("site-b", "site-c")) {
            caughtUpBeforeTheFence(site, up.epoch(), 8_000, "site-a");
        }
        RoutingTable failingBack = awaitTable(t -> home.stream().allMatch(u -> t.unitState(u) == UnitState.FENCED), Duration.ofSeconds(20));
        for (String site : List.of("site-b", "site-c")) {
            report(PositionReport.own(site, LEDGER, 9_000, failingBack.epoch(), Instant.now()));
            report(watermark("site-a", site, 9_000));
        }
        RoutingTable back = awaitTable(t -> t.unitsOwnedBy("site-a").equals(home)
                && home.stream().allMatch(u -> t.unitState(u) == UnitState.ACTIVE), Duration.ofSeconds(10));
        assertThat(back.unitsOwnedBy("site-b")).isEqualTo(first.unitsOwnedBy("site-b"));
    }

    @Test
    void aPlannedMoveLeavesTheUnitActiveAtItsOwnerWhileTheTargetLagsAndFencesItOnceCaughtUp() throws Exception {
        controller("ctl-a");
        RoutingTable first = observer.awaitEpoch(1, Duration.ofSeconds(30)).orElseThrow();
        int unit = first.unitsOwnedBy("site-a").get(0);
        AdminCommand move = new AdminCommand(UUID.randomUUID(), AdminCommand.Action.MOVE, "site-c", unit, "pre-catch-up", Instant.now());
        command(move);
        report(PositionReport.own("site-a", LEDGER, 5_000, first.epoch(), Instant.now()));
        report(watermark("site-c", "site-a", 4_000));
        await().atMost(Duration.ofSeconds(20)).until(() -> routingEvents().stream()
                .anyMatch(e -> e.contains(move.id().toString()) && e.contains("\"phase\":\"waiting\"")));

        // Still ACTIVE at site-a: it keeps taking writes while site-c catches up.
        assertStays(unit, UnitState.ACTIVE);
        assertThat(observer.current().orElseThrow().owner(unit)).isEqualTo("site-a");

        report(watermark("site-c", "site-a", 5_000));
        RoutingTable fenced = awaitTable(t -> t.unitState(unit) == UnitState.FENCED, Duration.ofSeconds(10));
        assertThat(fenced.unit(unit).moveTo()).isEqualTo("site-c");
        assertThat(fenced.epoch()).as("nothing was published for the unit while it waited").isEqualTo(first.epoch() + 1);
        assertThat(routingEvents()).anySatisfy(e -> assertThat(e).contains(move.id().toString()).contains("\"phase\":\"caught up\"")
                .contains("\"site-a->site-c\":0"));

        // The post-fence rule is unchanged: a report from the fence's epoch on, applied at the target.
        report(PositionReport.own("site-a", LEDGER, 5_100, fenced.epoch(), Instant.now()));
        report(watermark("site-c", "site-a", 5_100));
        assertThat(awaitTable(t -> t.unitState(unit) == UnitState.ACTIVE, Duration.ofSeconds(10)).owner(unit)).isEqualTo("site-c");
    }

    @Test
    void aPlannedMoveFencesAfterTheBoundWhenItsTargetNeverCatchesUpAndSaysSo() throws Exception {
        controller("ctl-a", Duration.ofSeconds(60), Duration.ofMillis(250), Duration.ofSeconds(3));
        RoutingTable first = observer.awaitEpoch(1, Duration.ofSeconds(30)).orElseThrow();
        int unit = first.unitsOwnedBy("site-a").get(0);
        AdminCommand move = new AdminCommand(UUID.randomUUID(), AdminCommand.Action.MOVE, "site-c", unit, null, Instant.now());
        report(PositionReport.own("site-a", LEDGER, 5_000, first.epoch(), Instant.now()));
        report(watermark("site-c", "site-a", 1_000));
        long sent = System.nanoTime();
        command(move);

        awaitTable(t -> t.unitState(unit) == UnitState.FENCED, Duration.ofSeconds(20));
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("not before the bound").isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(routingEvents()).anySatisfy(e -> assertThat(e).contains(move.id().toString()).contains("\"phase\":\"timed out\"")
                .contains("\"site-a->site-c\":4000"));
    }

    @Test
    void runsTheLoopAsSoonAsAPositionArrivesThatCompletesACatchUpNotAtTheNextTick() throws Exception {
        RoutingTable first = RoutingTable.initial(List.copyOf(CITIES.keySet()), 64);
        int unit = first.unitsOwnedBy("site-a").get(0);
        RoutingTable fenced = first.fence(unit, "site-c");
        try (RoutingPublisher earlier = new RoutingPublisher(bootstrap, "earlier-leader")) {
            earlier.publish(first, "{}");
            earlier.publish(fenced, "{}");
        }
        // An hour between ticks: only the arriving positions can run the loop within the waits below.
        FailoverLoop controller = controller("ctl-a", Duration.ofSeconds(60), Duration.ofHours(1), PRE_CATCH_UP_TIMEOUT);
        await().atMost(Duration.ofSeconds(30)).until(controller::isLeader);
        followers.get("ctl-a").awaitEpoch(fenced.epoch(), Duration.ofSeconds(20)).orElseThrow();

        // Reported again every half second, as the sites do (PositionReporter, WatermarkPublisher):
        // a report that arrives while the leader is still settling must not decide the test.
        RoutingTable moved = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() -> {
            report(PositionReport.own("site-a", LEDGER, 5_000, fenced.epoch(), Instant.now()));
            report(watermark("site-c", "site-a", 5_000));
            return observer.current().filter(t -> t.unitState(unit) == UnitState.ACTIVE);
        }, Optional::isPresent).orElseThrow();
        assertThat(moved.owner(unit)).isEqualTo("site-c");
    }

    private FailoverLoop controller(String instance) {
        return controller(instance, Duration.ofSeconds(60));
    }

    private FailoverLoop controller(String instance, Duration startupGrace) {
        return controller(instance, startupGrace, Duration.ofMillis(250), PRE_CATCH_UP_TIMEOUT);
    }

    private FailoverLoop controller(String instance, Duration startupGrace, Duration tick, Duration preCatchUpTimeout) {
        RoutingTableFollower follower = track(new RoutingTableFollower(bootstrap, instance + "-routing").start());
        followers.put(instance, follower);
        HeartbeatMonitor monitor = track(new HeartbeatMonitor(bootstrap, instance, NanoClock.SYSTEM).start());
        monitors.put(instance, monitor);
        ReplicationPositions positions = track(new ReplicationPositions(bootstrap, instance).start());
        return track(new FailoverLoop(instance, CITIES, 64, TIMINGS, tick, startupGrace, bootstrap, Duration.ofSeconds(6),
                follower, monitor, positions, LEDGER, PRE_CATCH_UP_LAG, preCatchUpTimeout, Clock.systemUTC(), meters).start());
    }

    /**
     * What lets a planned switchover fence: {@code owner} reports its position (it still writes
     * the units), and each target has applied it.
     */
    private void caughtUpBeforeTheFence(String owner, long epoch, long lsn, String... targets) throws Exception {
        report(PositionReport.own(owner, LEDGER, lsn, epoch, Instant.now()));
        for (String target : targets) {
            report(watermark(target, owner, lsn));
        }
    }

    /** What the old owner's guard reports (PositionReporter) and what the new owner's replication publishes. */
    private void report(PositionReport report) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(MultisiteTopics.WATERMARKS, report.key(), report.toJson())).get();
        }
    }

    private static PositionReport watermark(String site, String origin, long lsn) {
        return new PositionReport(site, origin, LEDGER, lsn, 0, Instant.now());
    }

    /** Holds for a while (the controller ticks every 250 ms), measured rather than slept. */
    private void assertStays(int unit, UnitState state) {
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> observer.current().map(t -> t.unitState(unit) == state).orElse(false));
    }

    private void startHeartbeats(String site) {
        heartbeats.put(site, track(LeaseHeartbeater.create(bootstrap, site, site + "-svc-" + UUID.randomUUID(),
                new SiteLease(TIMINGS.leaseDuration(), NanoClock.SYSTEM), TIMINGS).start()));
    }

    private RoutingTable awaitTable(java.util.function.Predicate<RoutingTable> condition, Duration timeout) {
        return await().atMost(timeout).pollInterval(Duration.ofMillis(50))
                .until(() -> observer.current().filter(condition), Optional::isPresent).orElseThrow();
    }

    private void command(AdminCommand command) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(MultisiteTopics.CONTROLLER_COMMANDS, 0, command.id().toString(),
                    JsonMapper.builder().build().writeValueAsString(command))).get();
        }
    }

    private List<String> routingEvents() {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(MultisiteTopics.ROUTING_EVENTS, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<String> events = new ArrayList<>();
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> events.add(r.value()));
            }
            return events;
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }
}
