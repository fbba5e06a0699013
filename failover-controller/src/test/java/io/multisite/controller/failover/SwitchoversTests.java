package io.multisite.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.multisite.controller.catchup.PreCatchUp;
import io.multisite.controller.catchup.ReplicationPositions;
import io.multisite.routing.IllegalTransitionException;
import io.multisite.routing.PositionReport;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.SiteState;
import io.multisite.routing.UnitState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SwitchoversTests {

    private static final String LEDGER = "accounts";
    private static final List<String> SITES = List.of("site-a", "site-b", "site-c");
    private static final Map<String, String> CITIES = Map.of("site-a", "beijing", "site-b", "beijing", "site-c", "guangzhou");
    private static final Instant ACCEPTED = Instant.parse("2026-11-25T10:00:00Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    // Never started: fed by hand, as its Kafka thread would feed it.
    private final ReplicationPositions positions = new ReplicationPositions("localhost:9092", "switchovers-tests");
    private final Switchovers switchovers = new Switchovers(new FailoverPlanner(CITIES), new PreCatchUp(LEDGER, Duration.ofSeconds(2)),
            TIMEOUT, SITES);
    private final RoutingTable initial = RoutingTable.initial(SITES, 64);
    private final int unit = initial.unitsOwnedBy("site-a").get(0);

    @AfterEach
    void close() {
        positions.close();
    }

    @Test
    void aMoveStaysUnfencedWhileItsTargetLags() {
        switchovers.add(move(unit, "site-c"), initial, ACCEPTED).orElseThrow();
        Instant now = ACCEPTED.plusSeconds(1);
        own("site-a", 5_000, now.minusMillis(500));
        watermark("site-c", "site-a", 4_000);

        Switchovers.Decision decision = switchovers.decide(initial, positions, now);

        assertThat(decision.fence()).isEmpty();
        assertThat(decision.dropped()).isEmpty();
        assertThat(switchovers.pending()).hasSize(1);
    }

    @Test
    void fencesTheMoveOnceItsTargetHasCaughtUp() {
        switchovers.add(move(unit, "site-c"), initial, ACCEPTED).orElseThrow();
        Instant now = ACCEPTED.plusSeconds(1);
        own("site-a", 5_000, now.minusMillis(500));
        watermark("site-c", "site-a", 5_000);

        Switchovers.Fence fence = switchovers.decide(initial, positions, now).fence().orElseThrow();

        RoutingTable fenced = fence.plan().table();
        assertThat(fenced.epoch()).as("the whole plan in one epoch").isEqualTo(initial.epoch() + 1);
        assertThat(fenced.unitState(unit)).isEqualTo(UnitState.FENCED);
        assertThat(fenced.unit(unit).moveTo()).isEqualTo("site-c");
        assertThat(fenced.unit(unit).since()).as("the post-fence rule waits for a report from this epoch on").isEqualTo(fenced.epoch());
        assertThat(fence.timedOut()).isFalse();
        assertThat(fence.waited()).isEqualTo(Duration.ofSeconds(1));
        assertThat(fence.lagBytes()).containsExactly(Map.entry("site-a->site-c", 0L));
        switchovers.fenced(fence.pending());
        assertThat(switchovers.isEmpty()).isTrue();
    }

    @Test
    void fencesAnywayOnceTheBoundIsReachedWhenTheTargetNeverCatchesUp() {
        switchovers.add(move(unit, "site-c"), initial, ACCEPTED).orElseThrow();
        own("site-a", 5_000, ACCEPTED);
        watermark("site-c", "site-a", 4_000);

        assertThat(switchovers.decide(initial, positions, ACCEPTED.plus(TIMEOUT).minusMillis(1)).fence()).isEmpty();
        Switchovers.Fence fence = switchovers.decide(initial, positions, ACCEPTED.plus(TIMEOUT)).fence().orElseThrow();

        assertThat(fence.timedOut()).isTrue();
        assertThat(fence.waited()).isEqualTo(TIMEOUT);
        assertThat(fence.lagBytes()).containsExactly(Map.entry("site-a->site-c", 1_000L));
        assertThat(fence.plan().table().unitState(unit)).isEqualTo(UnitState.FENCED);
    }

    @Test
    void aDrainWaitsForEveryTargetThenDrainsAndFencesInOneEpoch() {
        // site-c is alone in its city: its units go to site-a and site-b.
        switchovers.add(drain("site-c"), initial, ACCEPTED).orElseThrow();
        Instant now = ACCEPTED.plusSeconds(1);
        own("site-c", 9_000, now.minusMillis(300));
        watermark("site-a", "site-c", 9_000);
        watermark("site-b", "site-c", 8_000);
        assertThat(switchovers.decide(initial, positions, now).fence()).as("site-b lags").isEmpty();

        watermark("site-b", "site-c", 9_100);
        Switchovers.Fence fence = switchovers.decide(initial, positions, now).fence().orElseThrow();

        RoutingTable draining = fence.plan().table();
        assertThat(draining.epoch()).isEqualTo(initial.epoch() + 1);
        assertThat(draining.siteState("site-c")).isEqualTo(SiteState.DRAINING);
        assertThat(initial.unitsOwnedBy("site-c")).allSatisfy(u -> assertThat(draining.unitState(u)).isEqualTo(UnitState.FENCED));
        assertThat(fence.lagBytes()).containsOnlyKeys("site-c->site-a", "site-c->site-b");
    }

    @Test
    void aFailBackWaitsForTheReturningSiteToCatchUpWithEachCurrentOwner() {
        RoutingTable away = initial.change().markDead("site-c").takeOver(2, "site-a").takeOver(5, "site-b").apply()
                .markUp("site-c").activate(2).activate(5);
        switchovers.add(failBack("site-c"), away, ACCEPTED).orElseThrow();
        Instant now = ACCEPTED.plusSeconds(1);
        own("site-a", 100, now);
        own("site-b", 200, now);
        watermark("site-c", "site-a", 100);
        assertThat(switchovers.decide(away, positions, now).fence()).as("site-c has not caught up with site-b").isEmpty();

        watermark("site-c", "site-b", 200);
        Switchovers.Fence fence = switchovers.decide(away, positions, now).fence().orElseThrow();

        assertThat(fence.plan().moved()).containsOnly(Map.entry(2, "site-c"), Map.entry(5, "site-c"));
    }

    @Test
    void dropsAMoveWhoseUnitChangedHandsBeforeItCouldFence() {
        switchovers.add(move(unit, "site-c"), initial, ACCEPTED).orElseThrow();
        RoutingTable failedOver = initial.change().markDead("site-a").takeOver(unit, "site-b").apply();

        Switchovers.Decision decision = switchovers.decide(failedOver, positions, ACCEPTED.plus(TIMEOUT));

        assertThat(decision.fence()).as("nothing fenced from a stale plan, even past the bound").isEmpty();
        assertThat(decision.dropped()).singleElement().satisfies(d -> assertThat(d.why()).isEqualTo("nothing left to move"));
        assertThat(switchovers.isEmpty()).isTrue();
    }

    @Test
    void takesEachSwitchoverOnceAndRefusesWhatTheTableDoesNotAllow() {
        assertThat(switchovers.add(move(unit, "site-c"), initial, ACCEPTED)).isPresent();
        assertThat(switchovers.add(move(unit, "site-b"), initial, ACCEPTED)).as("the unit is already waiting to move").isEmpty();
        assertThat(switchovers.add(move(initial.unitsOwnedBy("site-b").get(0), "site-b"), initial, ACCEPTED)).as("already there").isEmpty();
        assertThatThrownBy(() -> switchovers.add(drain("site-a"), initial.drain("site-a"), ACCEPTED))
                .isInstanceOf(IllegalTransitionException.class);
        assertThat(switchovers.pending()).hasSize(1);
    }

    private void own(String site, long lsn, Instant at) {
        positions.accept(PositionReport.own(site, LEDGER, lsn, 1, at));
    }

    private void watermark(String site, String origin, long lsn) {
        positions.accept(new PositionReport(site, origin, LEDGER, lsn, 0, ACCEPTED));
    }

    private static AdminCommand move(int unit, String to) {
        return new AdminCommand(UUID.randomUUID(), AdminCommand.Action.MOVE, to, unit, null, ACCEPTED);
    }

    private static AdminCommand drain(String site) {
        return new AdminCommand(UUID.randomUUID(), AdminCommand.Action.DRAIN, site, null, null, ACCEPTED);
    }

    private static AdminCommand failBack(String site) {
        return new AdminCommand(UUID.randomUUID(), AdminCommand.Action.FAIL_BACK, site, null, null, ACCEPTED);
    }
}
