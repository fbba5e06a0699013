package io.multisite.controller.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.SiteState;
import io.multisite.routing.UnitState;
import org.junit.jupiter.api.Test;

class TimelineTests {

    private static final Instant AT = Instant.parse("2026-11-25T10:00:00Z");
    private final RoutingTable initial = RoutingTable.initial(List.of("site-a", "site-b", "site-c"), 64);

    @Test
    void describesAFailoverAsTheDeadSiteAndItsUnitsGroupedByNewOwner() {
        RoutingTable.Change change = initial.change().markDead("site-c");
        List<Integer> lost = initial.unitsOwnedBy("site-c");
        for (int i = 0; i < lost.size(); i++) {
            change.takeOver(lost.get(i), i % 2 == 0 ? "site-a" : "site-b");
        }
        RoutingTable failedOver = change.apply();

        assertThat(Timeline.siteChanges(initial, failedOver))
                .containsExactly(new Timeline.SiteChange("site-c", SiteState.UP, SiteState.DEAD));
        List<Timeline.UnitChange> units = Timeline.unitChanges(initial, failedOver);
        assertThat(units).hasSize(2);
        assertThat(units.get(0)).isEqualTo(new Timeline.UnitChange(everyOther(lost, 0), "site-c", UnitState.ACTIVE, "site-a",
                UnitState.RECOVERING, null));
        assertThat(units.get(1)).isEqualTo(new Timeline.UnitChange(everyOther(lost, 1), "site-c", UnitState.ACTIVE, "site-b",
                UnitState.RECOVERING, null));

        Timeline timeline = new Timeline(50);
        timeline.tableChanged(AT, initial, failedOver);
        Timeline.Entry entry = timeline.newestFirst().get(0);
        assertThat(entry.kind()).isEqualTo("routing");
        assertThat(entry.epochBefore()).isEqualTo(1L);
        assertThat(entry.epochAfter()).isEqualTo(2L);
        assertThat(entry.summary()).startsWith("site-c UP → DEAD; units 2, 8, 14, 20 (+7 more): site-c ACTIVE → site-a RECOVERING; ")
                .contains("units 5, 11, 17, 23 (+6 more): site-c ACTIVE → site-b RECOVERING");
    }

    @Test
    void namesAPlannedMoveWithItsTargetAndItsCompletion() {
        int unit = initial.unitsOwnedBy("site-a").get(0);
        RoutingTable fenced = initial.fence(unit, "site-c");
        RoutingTable moved = fenced.completeMove(unit);

        Timeline timeline = new Timeline(50);
        timeline.tableChanged(AT, initial, fenced);
        timeline.tableChanged(AT.plusSeconds(1), fenced, moved);

        List<Timeline.Entry> entries = timeline.newestFirst();
        assertThat(entries).extracting(Timeline.Entry::summary).containsExactly(
                "unit " + unit + ": site-a FENCED → site-c ACTIVE",
                "unit " + unit + ": site-a ACTIVE → FENCED (moving to site-c)");
        assertThat(entries.get(1).units()).containsExactly(new Timeline.UnitChange(List.of(unit), "site-a", UnitState.ACTIVE, "site-a",
                UnitState.FENCED, "site-c"));
        assertThat(entries.get(1).sites()).isEmpty();
    }

    @Test
    void saysSoWhenEpochsWereSkipped() {
        RoutingTable drained = initial.drain("site-b").markUp("site-b").drain("site-a");
        Timeline timeline = new Timeline(50);
        timeline.tableChanged(AT, initial, drained);
        assertThat(timeline.newestFirst().get(0).summary()).isEqualTo("(epochs in between not seen here); site-a UP → DRAINING");
    }

    @Test
    void keepsTheNewestEntriesFirstAndNoMoreThanItsCapacity() {
        Timeline timeline = new Timeline(3);
        timeline.firstTable(AT, initial);
        RoutingTable table = initial;
        for (int i = 0; i < 4; i++) {
            RoutingTable next = i % 2 == 0 ? table.drain("site-b") : table.markUp("site-b");
            timeline.tableChanged(AT.plusSeconds(i + 1), table, next);
            table = next;
        }
        timeline.leadership(AT.plusSeconds(9), "ctl-a", true);

        List<Timeline.Entry> entries = timeline.newestFirst();
        assertThat(entries).hasSize(3);
        assertThat(entries.get(0).kind()).isEqualTo("leader");
        assertThat(entries.get(0).summary()).isEqualTo("this instance (ctl-a) now leads the controllers");
        assertThat(entries.subList(1, 3)).extracting(Timeline.Entry::epochAfter).containsExactly(5L, 4L);
    }

    @Test
    void theFirstTableListsTheSitesAndNoChanges() {
        Timeline timeline = new Timeline(50);
        timeline.firstTable(AT, initial.markDead("site-c"));
        Timeline.Entry entry = timeline.newestFirst().get(0);
        assertThat(entry.epochBefore()).isNull();
        assertThat(entry.epochAfter()).isEqualTo(2L);
        assertThat(entry.summary()).isEqualTo("first table seen by this controller: site-a UP, site-b UP, site-c DEAD");
    }

    private static List<Integer> everyOther(List<Integer> units, int start) {
        return java.util.stream.IntStream.range(0, units.size()).filter(i -> i % 2 == start).mapToObj(units::get).toList();
    }
}
