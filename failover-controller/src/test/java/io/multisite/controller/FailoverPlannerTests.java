package io.multisite.controller;

import static io.multisite.routing.SiteState.DEAD;
import static io.multisite.routing.SiteState.UP;
import static io.multisite.routing.UnitState.ACTIVE;
import static io.multisite.routing.UnitState.RECOVERING;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.multisite.controller.failover.FailoverPlanner;
import io.multisite.controller.failover.FailoverPlanner.Plan;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.SiteState;
import io.multisite.routing.UnitAssignment;
import io.multisite.routing.UnitState;
import org.junit.jupiter.api.Test;

class FailoverPlannerTests {

    private static final Map<String, String> CITIES = Map.of("site-a", "beijing", "site-b", "beijing", "site-c", "guangzhou");

    private final FailoverPlanner planner = new FailoverPlanner(CITIES);
    private final RoutingTable initial = RoutingTable.initial(List.of("site-a", "site-b", "site-c"), 64);

    @Test
    void movesADeadSitesUnitsToItsSameCitySiteAsRecovering() {
        Plan plan = planner.plan(initial, Set.of("site-a"), Set.of()).orElseThrow();
        RoutingTable table = plan.table();
        assertThat(table.epoch()).isEqualTo(2);
        assertThat(table.siteState("site-a")).isEqualTo(DEAD);
        assertThat(plan.declaredDead()).containsExactly("site-a");
        assertThat(plan.moved()).hasSize(22).allSatisfy((unit, site) -> assertThat(site).isEqualTo("site-b"));
        for (int unit : initial.unitsOwnedBy("site-a")) {
            assertThat(table.unit(unit)).isEqualTo(new UnitAssignment("site-b", RECOVERING, null, Set.of("site-a"), 2));
        }
        assertThat(table.unitsOwnedBy("site-c")).allSatisfy(unit -> assertThat(table.unitState(unit)).isEqualTo(ACTIVE));
    }

    @Test
    void spreadsUnitsEvenlyWhenTheCityHasNoOtherSite() {
        RoutingTable table = planner.plan(initial, Set.of("site-c"), Set.of()).orElseThrow().table();
        assertThat(table.unitsOwnedBy("site-c")).isEmpty();
        int a = table.unitsOwnedBy("site-a").size();
        int b = table.unitsOwnedBy("site-b").size();
        assertThat(a + b).isEqualTo(64);
        assertThat(Math.abs(a - b)).as("even spread").isLessThanOrEqualTo(1);
    }

    @Test
    void neverAssignsUnitsToASiteThatIsNotUp() {
        RoutingTable draining = initial.drain("site-b");
        RoutingTable table = planner.plan(draining, Set.of("site-a"), Set.of()).orElseThrow().table();
        for (int unit : initial.unitsOwnedBy("site-a")) {
            assertThat(table.owner(unit)).as("the same-city site is DRAINING").isEqualTo("site-c");
        }
    }

    @Test
    void neverDeclaresEveryUpSiteDead() {
        assertThat(planner.plan(initial, Set.of("site-a", "site-b", "site-c"), Set.of())).isEmpty();
        RoutingTable twoDead = planner.plan(initial, Set.of("site-a", "site-b"), Set.of()).orElseThrow().table();
        assertThat(planner.plan(twoDead, Set.of("site-c"), Set.of())).as("site-c is the last UP site").isEmpty();
        assertThat(twoDead.unitsOwnedBy("site-c")).hasSize(64);
    }

    @Test
    void declaresSeveralSilentSitesDeadAtOnceWhenOneStaysUp() {
        Plan plan = planner.plan(initial, Set.of("site-a", "site-c"), Set.of()).orElseThrow();
        assertThat(plan.declaredDead()).containsExactly("site-a", "site-c");
        assertThat(plan.table().unitsOwnedBy("site-b")).hasSize(64);
        assertThat(plan.table().epoch()).as("one change, one epoch").isEqualTo(2);
    }

    @Test
    void welcomesAReturningSiteBackWithoutGivingItUnits() {
        RoutingTable failedOver = planner.plan(initial, Set.of("site-a"), Set.of()).orElseThrow().table();
        Plan rejoin = planner.plan(failedOver, Set.of(), Set.of("site-a")).orElseThrow();
        assertThat(rejoin.rejoined()).containsExactly("site-a");
        assertThat(rejoin.table().siteState("site-a")).isEqualTo(UP);
        assertThat(rejoin.table().unitsOwnedBy("site-a")).as("units return only by reconciliation or switchover").isEmpty();
    }

    @Test
    void rehomesOrphanedUnitsAsSoonAsASiteIsUp() {
        // An operator declared every site dead; the units have no UP owner to go to.
        RoutingTable allDead = planner.declareDead(planner.declareDead(planner.declareDead(initial, "site-a").table(), "site-b").table(),
                "site-c").table();
        assertThat(allDead.unitsOwnedBy("site-c")).isNotEmpty();
        Plan plan = planner.plan(allDead, Set.of(), Set.of("site-b")).orElseThrow();
        assertThat(plan.table().unitsOwnedBy("site-b")).hasSize(64);
        assertThat(plan.table().units()).allSatisfy(u -> assertThat(u.state()).isEqualTo(RECOVERING));
    }

    @Test
    void operatorMayDeclareTheLastUpSiteDead() {
        RoutingTable twoDead = planner.plan(initial, Set.of("site-a", "site-b"), Set.of()).orElseThrow().table();
        Plan plan = planner.declareDead(twoDead, "site-c");
        assertThat(plan.table().siteState("site-c")).isEqualTo(DEAD);
        assertThat(plan.moved()).as("nobody to take the units").isEmpty();
    }

    @Test
    void leavesADrainingSiteAndItsUnitsAlone() {
        RoutingTable draining = initial.drain("site-c");
        assertThat(planner.plan(draining, Set.of(), Set.of())).isEmpty();
    }

    @Test
    void proposesNothingWhenAllIsWell() {
        assertThat(planner.plan(initial, Set.of(), Set.of())).isEmpty();
        assertThat(planner.plan(initial, Set.of(), Set.of("site-a"))).as("an UP site cannot rejoin").isEmpty();
    }

    @Test
    void drainingASiteFencesEachOfItsUnitsTowardsTheSameCityFirst() {
        Plan plan = planner.drain(initial, "site-a");
        RoutingTable table = plan.table();
        assertThat(table.epoch()).as("one change").isEqualTo(2);
        assertThat(table.siteState("site-a")).isEqualTo(SiteState.DRAINING);
        assertThat(plan.moved()).hasSize(22);
        for (int unit : initial.unitsOwnedBy("site-a")) {
            UnitAssignment assignment = table.unit(unit);
            assertThat(assignment.state()).as("nobody writes it until the target caught up").isEqualTo(UnitState.FENCED);
            assertThat(assignment.owner()).isEqualTo("site-a");
            assertThat(assignment.moveTo()).as("site-b shares site-a's city").isEqualTo("site-b");
        }
    }

    @Test
    void drainingLeavesUnitsThatAreStillCatchingUpAlone() {
        RoutingTable recovering = initial.change().markDead("site-c").takeOver(2, "site-a").apply().markUp("site-c");
        Plan plan = planner.drain(recovering, "site-a");
        assertThat(plan.table().unit(2).state()).isEqualTo(UnitState.RECOVERING);
        assertThat(plan.moved()).doesNotContainKey(2);
    }

    @Test
    void failingBackFencesTheUnitsFirstDealtToTheSiteTowardsIt() {
        RoutingTable away = initial.change().markDead("site-c").takeOver(2, "site-a").takeOver(5, "site-b").apply()
                .markUp("site-c").activate(2);
        Plan plan = planner.failBack(away, "site-c", List.of("site-a", "site-b", "site-c")).orElseThrow();
        assertThat(plan.moved()).as("unit 5 is still RECOVERING: it is reconciled first").containsExactly(Map.entry(2, "site-c"));
        assertThat(plan.table().unit(2)).isEqualTo(new UnitAssignment("site-a", UnitState.FENCED, "site-c", Set.of("site-a"), plan.table().epoch()));
        assertThat(planner.failBack(initial, "site-c", List.of("site-a", "site-b", "site-c"))).as("nothing is away").isEmpty();
    }
}
