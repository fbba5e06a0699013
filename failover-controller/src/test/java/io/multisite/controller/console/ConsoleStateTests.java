package io.multisite.controller.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import io.multisite.routing.PositionReport;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.SiteState;
import io.multisite.routing.UnitState;
import org.junit.jupiter.api.Test;

class ConsoleStateTests {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private static final Map<String, String> CITIES = new LinkedHashMap<>();

    static {
        CITIES.put("site-a", "beijing");
        CITIES.put("site-b", "beijing");
        CITIES.put("site-c", "guangzhou");
    }

    private final AtomicReference<RoutingTable> table = new AtomicReference<>();
    private final Map<String, Duration> silence = new HashMap<>();
    private final Map<String, PositionReport> reports = new HashMap<>();
    private final AtomicReference<Optional<Boolean>> leading = new AtomicReference<>(Optional.of(false));
    private final ConsoleState state = new ConsoleState("site-b", "ctl-b", CITIES, "accounts", () -> Optional.ofNullable(table.get()),
            site -> Optional.ofNullable(silence.get(site)),
            (site, origin, database) -> Optional.ofNullable(reports.get(PositionReport.key(site, origin, database))),
            leading::get, Clock.fixed(NOW, ZoneOffset.UTC), 50);

    @Test
    void showsTheTableTheSitesHealthAndWhoServes() {
        RoutingTable initial = RoutingTable.initial(List.copyOf(CITIES.keySet()), 64);
        int moving = initial.unitsOwnedBy("site-a").get(0);
        table.set(initial.fence(moving, "site-b").change().markDead("site-c").takeOver(2, "site-a").apply());
        silence.put("site-a", Duration.ofMillis(420));
        silence.put("site-c", Duration.ofMillis(7_349));

        ConsoleSnapshot snapshot = state.snapshot();

        assertThat(snapshot.epoch()).isEqualTo(3L);
        assertThat(snapshot.servedBy()).isEqualTo(new ConsoleSnapshot.ServedBy("site-b", "ctl-b", false));
        assertThat(snapshot.sites()).extracting(ConsoleSnapshot.Site::site).containsExactly("site-a", "site-b", "site-c");
        assertThat(snapshot.sites().get(0)).isEqualTo(new ConsoleSnapshot.Site("site-a", "beijing", SiteState.UP, 0.4, 23, 1, 1));
        assertThat(snapshot.sites().get(1).secondsSinceHeartbeat()).as("never heard from").isNull();
        assertThat(snapshot.sites().get(2)).isEqualTo(new ConsoleSnapshot.Site("site-c", "guangzhou", SiteState.DEAD, 7.3, 20, 0, 0));
        assertThat(snapshot.units()).hasSize(64);
        assertThat(snapshot.units().get(moving)).isEqualTo(new ConsoleSnapshot.Unit(moving, "site-a", UnitState.FENCED, "site-b",
                java.util.Set.of("site-a"), 2));
        assertThat(snapshot.units().get(2).state()).isEqualTo(UnitState.RECOVERING);
        assertThat(snapshot.units().get(2).catchUpFrom()).containsExactly("site-c");
    }

    @Test
    void recordsEachNewEpochOnceWithWhatChangedAndIgnoresOlderOnes() {
        RoutingTable first = RoutingTable.initial(List.copyOf(CITIES.keySet()), 64);
        table.set(first);
        assertThat(state.refresh()).isTrue();
        assertThat(state.refresh()).as("same epoch again").isFalse();
        RoutingTable drained = first.drain("site-c");
        assertThat(state.observe(drained)).isTrue();
        assertThat(state.observe(first)).as("older epoch").isFalse();

        List<Timeline.Entry> timeline = state.snapshot().timeline();
        assertThat(timeline).extracting(Timeline.Entry::summary).containsExactly(
                "site-c UP → DRAINING",
                "first table seen by this controller: site-a UP, site-b UP, site-c UP");
        assertThat(state.snapshot().epoch()).as("the timeline's latest table, not the source's older one").isEqualTo(2L);
    }

    @Test
    void recordsThisInstancesLeadershipChangesButNotTheFirstLookAtAFollower() {
        state.refresh();
        leading.set(Optional.of(true));
        state.refresh();
        leading.set(Optional.of(false));
        state.refresh();

        assertThat(state.snapshot().timeline()).extracting(Timeline.Entry::summary).containsExactly(
                "this instance (ctl-b) no longer leads the controllers",
                "this instance (ctl-b) now leads the controllers");
    }

    @Test
    void withoutAnElectionLeadershipIsUnknownAndThereIsNoTableYet() {
        leading.set(Optional.empty());
        ConsoleSnapshot snapshot = state.snapshot();
        assertThat(snapshot.servedBy().leader()).isNull();
        assertThat(snapshot.epoch()).isNull();
        assertThat(snapshot.units()).isEmpty();
        assertThat(snapshot.sites()).extracting(ConsoleSnapshot.Site::state).containsOnlyNulls();
        assertThat(snapshot.timeline()).isEmpty();
    }

    @Test
    void measuresReplicationLagOnTheLedgerDatabase() {
        reports.put(PositionReport.key("site-a", "site-a", "accounts"), PositionReport.own("site-a", "accounts", 50_000, 1, NOW));
        reports.put(PositionReport.key("site-b", "site-a", "accounts"), new PositionReport("site-b", "site-a", "accounts", 48_000, 0, NOW));
        LagMatrix lag = state.snapshot().lag();
        assertThat(lag.database()).isEqualTo("accounts");
        assertThat(lag.rows().get(1).cells().get(0).bytesBehind()).isEqualTo(2_000L);
    }
}
