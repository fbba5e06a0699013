package io.multisite.controller.catchup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import io.multisite.routing.PositionReport;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.UnitAssignment;
import io.multisite.routing.UnitState;
import org.junit.jupiter.api.Test;

class ReconcilerTests {

    private static final String LEDGER = "accounts";

    private final Reconciler reconciler = new Reconciler(LEDGER);
    private final Positions positions = new Positions();
    private final RoutingTable initial = RoutingTable.initial(List.of("site-a", "site-b", "site-c"), 6);

    @Test
    void activatesARecoveringUnitOnlyWhenTheNewOwnerHasAppliedTheDeadSitesPositionFromAfterTheTakeOver() {
        RoutingTable recovering = initial.change().markDead("site-a").takeOver(0, "site-b").apply();
        assertThat(reconciler.plan(recovering, positions)).as("nothing reported").isEmpty();

        positions.own("site-a", 900, 1);
        positions.watermark("site-b", "site-a", 5_000);
        assertThat(reconciler.plan(recovering, positions)).as("reported before the unit left site-a").isEmpty();

        positions.own("site-a", 1_000, 2);
        positions.watermark("site-b", "site-a", 999);
        assertThat(reconciler.plan(recovering, positions)).as("one byte short").isEmpty();

        positions.watermark("site-b", "site-a", 1_000);
        Reconciler.Plan plan = reconciler.plan(recovering, positions).orElseThrow();
        assertThat(plan.table().unit(0)).isEqualTo(UnitAssignment.active("site-b"));
        assertThat(plan.activated()).containsExactly(Map.entry(0, "site-b"));
        assertThat(plan.table().epoch()).isEqualTo(recovering.epoch() + 1);
    }

    @Test
    void waitsForEveryFormerOwnerWhenTheUnitChangedHandsTwice() {
        RoutingTable twice = initial.change().markDead("site-a").takeOver(0, "site-b").apply()
                .change().markDead("site-b").takeOver(0, "site-c").apply()
                .markUp("site-a");
        positions.own("site-a", 100, 3);
        positions.watermark("site-c", "site-a", 100);
        assertThat(reconciler.plan(twice, positions)).as("site-b's tail is still owed").isEmpty();
        positions.own("site-b", 70, 3);
        positions.watermark("site-c", "site-b", 70);
        assertThat(reconciler.plan(twice, positions)).isPresent();
    }

    @Test
    void completesAPlannedMoveAtTheTargetOnlyAfterItCaughtUpWithTheFencedOwner() {
        RoutingTable fenced = initial.fence(0, "site-c");
        positions.own("site-a", 2_000, 1);
        positions.watermark("site-c", "site-a", 2_000);
        assertThat(reconciler.plan(fenced, positions)).as("site-a reported before it saw the fence").isEmpty();

        positions.own("site-a", 2_100, 2);
        assertThat(reconciler.plan(fenced, positions)).isEmpty();
        positions.watermark("site-b", "site-a", 2_100);
        assertThat(reconciler.plan(fenced, positions)).as("another site's progress does not count").isEmpty();
        positions.watermark("site-c", "site-a", 2_100);
        assertThat(reconciler.plan(fenced, positions).orElseThrow().table().unit(0)).isEqualTo(UnitAssignment.active("site-c"));
    }

    @Test
    void abandonsAMoveWhoseTargetIsNoLongerUp() {
        RoutingTable fenced = initial.fence(0, "site-c").drain("site-c");
        Reconciler.Plan plan = reconciler.plan(fenced, positions).orElseThrow();
        assertThat(plan.table().unit(0)).isEqualTo(UnitAssignment.active("site-a"));
        assertThat(plan.unfenced()).containsExactly(Map.entry(0, "site-a"));
    }

    @Test
    void leavesARecoveringUnitWhoseOwnerIsNotUpAlone() {
        RoutingTable recovering = initial.change().markDead("site-a").takeOver(0, "site-b").apply().drain("site-b");
        positions.own("site-a", 1, 5);
        positions.watermark("site-b", "site-a", 1);
        assertThat(reconciler.plan(recovering, positions)).isEmpty();
        assertThat(recovering.unit(0).state()).isEqualTo(UnitState.RECOVERING);
    }

    private static final class Positions implements CatchUp {

        private final Map<String, PositionReport> own = new HashMap<>();
        private final Map<String, Long> applied = new HashMap<>();

        void own(String site, long lsn, long epoch) {
            own.put(site, PositionReport.own(site, LEDGER, lsn, epoch, Instant.EPOCH));
        }

        void watermark(String site, String origin, long lsn) {
            applied.put(site + "/" + origin, lsn);
        }

        @Override
        public Optional<PositionReport> ownPosition(String site, String database) {
            return LEDGER.equals(database) ? Optional.ofNullable(own.get(site)) : Optional.empty();
        }

        @Override
        public List<PositionReport> recentOwnPositions(String site, String database) {
            return ownPosition(site, database).map(List::of).orElse(List.of());
        }

        @Override
        public OptionalLong watermark(String site, String origin, String database) {
            Long lsn = applied.get(site + "/" + origin);
            return lsn == null || !LEDGER.equals(database) ? OptionalLong.empty() : OptionalLong.of(lsn);
        }

        @Override
        public void addListener(java.util.function.Consumer<PositionReport> listener) {
            throw new UnsupportedOperationException("the Reconciler only reads positions");
        }
    }
}
