package io.multisite.routing;

import static io.multisite.routing.SiteState.DEAD;
import static io.multisite.routing.SiteState.DRAINING;
import static io.multisite.routing.SiteState.UP;
import static io.multisite.routing.UnitState.ACTIVE;
import static io.multisite.routing.UnitState.FENCED;
import static io.multisite.routing.UnitState.RECOVERING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class RoutingTableTests {

    private static final List<String> SITES = List.of("site-a", "site-b", "site-c");

    private final RoutingTable initial = RoutingTable.initial(SITES, 64);

    @Test
    void initialTableDealsUnitsRoundRobinAllActiveAllUp() {
        assertThat(initial.epoch()).isEqualTo(1);
        assertThat(initial.unitCount()).isEqualTo(64);
        assertThat(initial.owner(0)).isEqualTo("site-a");
        assertThat(initial.owner(1)).isEqualTo("site-b");
        assertThat(initial.owner(2)).isEqualTo("site-c");
        assertThat(initial.owner(63)).isEqualTo("site-a");
        assertThat(initial.unitsOwnedBy("site-a")).hasSize(22);
        assertThat(initial.unitsOwnedBy("site-b")).hasSize(21);
        assertThat(initial.units()).allSatisfy(u -> assertThat(u.state()).isEqualTo(ACTIVE));
        assertThat(initial.sites()).isEqualTo(Map.of("site-a", UP, "site-b", UP, "site-c", UP));
        assertThat(initial.sites().keySet()).as("sorted, so the JSON form is stable").containsExactly("site-a", "site-b", "site-c");
    }

    @Test
    void plannedMoveFencesThenActivatesAtNewOwner() {
        RoutingTable fenced = initial.fence(0, "site-b");
        assertThat(fenced.epoch()).isEqualTo(2);
        assertThat(fenced.unit(0)).as("the owner must hand over its own writes from epoch 2 on")
                .isEqualTo(new UnitAssignment("site-a", FENCED, "site-b", Set.of("site-a"), 2));
        assertThat(fenced.unit(0).catchingUpSite()).isEqualTo("site-b");

        RoutingTable moved = fenced.completeMove(0);
        assertThat(moved.epoch()).isEqualTo(3);
        assertThat(moved.unit(0)).isEqualTo(UnitAssignment.active("site-b"));
        assertThat(initial.unit(0)).as("tables are immutable").isEqualTo(UnitAssignment.active("site-a"));
    }

    @Test
    void fencedUnitCanReturnToItsOwnerToAbortAMove() {
        assertThat(initial.fence(0, "site-b").unfence(0).unit(0)).isEqualTo(UnitAssignment.active("site-a"));
    }

    @Test
    void refusesToFenceAUnitTowardsItsOwnerOrASiteThatIsNotUp() {
        assertIllegal(() -> initial.fence(0, "site-a"), "already belongs to site-a");
        assertIllegal(() -> initial.drain("site-b").fence(0, "site-b"), "cannot move to DRAINING site site-b");
    }

    @Test
    void unplannedFailoverTakesOverDeadSitesUnitsAsRecovering() {
        RoutingTable failover = initial.change().markDead("site-a").takeOver(0, "site-b").takeOver(3, "site-c").apply();
        assertThat(failover.epoch()).as("one change, one epoch").isEqualTo(2);
        assertThat(failover.siteState("site-a")).isEqualTo(DEAD);
        assertThat(failover.unit(0)).as("site-a's last writes may not have reached site-b")
                .isEqualTo(new UnitAssignment("site-b", RECOVERING, null, Set.of("site-a"), 2));
        assertThat(failover.unit(3)).isEqualTo(new UnitAssignment("site-c", RECOVERING, null, Set.of("site-a"), 2));

        RoutingTable reconciled = failover.activate(0);
        assertThat(reconciled.unit(0)).isEqualTo(UnitAssignment.active("site-b"));
        assertThat(reconciled.epoch()).isEqualTo(3);
    }

    @Test
    void fencedAndRecoveringUnitsOfADeadSiteCanBeTakenOver() {
        RoutingTable table = initial.fence(0, "site-c").change().markDead("site-a").takeOver(0, "site-b").takeOver(3, "site-b").apply();
        table = table.change().markDead("site-b").takeOver(0, "site-c").apply();
        assertThat(table.unit(0)).as("both dead owners' tails are still owed to site-c")
                .isEqualTo(new UnitAssignment("site-c", RECOVERING, null, Set.of("site-a", "site-b"), 4));
    }

    @Test
    void siteDrainsDiesAndRejoins() {
        RoutingTable draining = initial.drain("site-c");
        assertThat(draining.siteState("site-c")).isEqualTo(DRAINING);
        assertThat(draining.markUp("site-c").siteState("site-c")).isEqualTo(UP);
        RoutingTable dead = draining.markDead("site-c");
        assertThat(dead.siteState("site-c")).isEqualTo(DEAD);
        assertThat(dead.markUp("site-c").siteState("site-c")).isEqualTo(UP);
        assertThat(initial.markDead("site-b").siteState("site-b")).isEqualTo(DEAD);
    }

    @Test
    void refusesToFenceAUnitThatIsNotActive() {
        RoutingTable fenced = initial.fence(0, "site-b");
        assertIllegal(() -> fenced.fence(0, "site-c"), "only an ACTIVE unit can be fenced");
        RoutingTable recovering = initial.change().markDead("site-a").takeOver(0, "site-b").apply();
        assertIllegal(() -> recovering.fence(0, "site-c"), "only an ACTIVE unit can be fenced");
    }

    @Test
    void refusesToFenceAUnitOfADeadSite() {
        assertIllegal(() -> initial.markDead("site-a").fence(0, "site-b"), "take it over instead");
    }

    @Test
    void refusesToCompleteAMoveThatWasNotFenced() {
        assertIllegal(() -> initial.completeMove(0), "only a FENCED unit can complete a move");
    }

    @Test
    void refusesToMoveUnitsToSitesThatAreNotUp() {
        RoutingTable fenced = initial.fence(0, "site-b");
        assertIllegal(() -> fenced.drain("site-b").completeMove(0), "cannot move to DRAINING site site-b");
        assertIllegal(() -> fenced.markDead("site-b").completeMove(0), "cannot move to DEAD site site-b");
        RoutingTable dead = initial.markDead("site-a");
        assertIllegal(() -> dead.drain("site-b").takeOver(0, "site-b"), "cannot move to DRAINING site site-b");
        assertIllegal(() -> dead.takeOver(0, "site-z"), "unknown site site-z");
    }

    @Test
    void refusesToTakeOverUnitsOfALiveSite() {
        assertIllegal(() -> initial.takeOver(0, "site-b"), "only a DEAD site's units can be taken over");
        assertIllegal(() -> initial.drain("site-a").takeOver(0, "site-b"), "only a DEAD site's units can be taken over");
    }

    @Test
    void refusesToActivateAUnitThatIsNotRecovering() {
        assertIllegal(() -> initial.activate(0), "only a RECOVERING unit can be activated");
        assertIllegal(() -> initial.fence(0, "site-b").activate(0), "only a RECOVERING unit can be activated");
    }

    @Test
    void refusesToActivateARecoveringUnitWhoseOwnerIsNotUp() {
        RoutingTable recovering = initial.change().markDead("site-a").takeOver(0, "site-b").apply();
        assertIllegal(() -> recovering.markDead("site-b").activate(0), "belongs to DEAD site site-b");
    }

    @Test
    void refusesSiteTransitionsThatChangeNothing() {
        assertIllegal(() -> initial.markUp("site-a"), "already UP");
        assertIllegal(() -> initial.markDead("site-a").markDead("site-a"), "already DEAD");
        assertIllegal(() -> initial.drain("site-a").drain("site-a"), "only an UP site can drain");
        assertIllegal(() -> initial.markDead("site-a").drain("site-a"), "only an UP site can drain");
        assertIllegal(() -> initial.drain("site-q"), "unknown site site-q");
    }

    @Test
    void refusesAnEmptyChange() {
        assertIllegal(() -> initial.change().apply(), "empty change");
    }

    @Test
    void aFailedStepLeavesTheChangeUnapplied() {
        RoutingTable.Change change = initial.change().fence(0, "site-b");
        assertIllegal(() -> change.fence(0, "site-c"), "only an ACTIVE unit can be fenced");
        assertThat(initial.unit(0).state()).isEqualTo(ACTIVE);
        assertThat(initial.epoch()).isEqualTo(1);
    }

    @Test
    void refusesUnitsOutOfRange() {
        assertThatIllegalArgumentException().isThrownBy(() -> initial.owner(64));
        assertThatIllegalArgumentException().isThrownBy(() -> initial.fence(-1, "site-b"));
    }

    @Test
    void refusesInconsistentTables() {
        List<UnitAssignment> units = new ArrayList<>(initial.units());
        units.set(5, UnitAssignment.active("site-x"));
        assertThatIllegalArgumentException().isThrownBy(() -> new RoutingTable(2, units, initial.sites()))
                .withMessageContaining("unknown site site-x");
        assertThatIllegalArgumentException().isThrownBy(() -> new RoutingTable(0, initial.units(), initial.sites()));
        assertThatIllegalArgumentException().isThrownBy(() -> new RoutingTable(1, List.of(), initial.sites()));
        assertThatIllegalArgumentException().isThrownBy(() -> RoutingTable.initial(List.of("Site A"), 4));
        assertThatIllegalArgumentException().isThrownBy(() -> RoutingTable.initial(List.of("site-a", "site-a"), 4));
        units.set(5, new UnitAssignment("site-a", FENCED, "site-x", Set.of("site-a"), 2));
        assertThatIllegalArgumentException().isThrownBy(() -> new RoutingTable(2, units, initial.sites()))
                .withMessageContaining("unknown site site-x");
    }

    @Test
    void refusesAssignmentsThatDoNotSayWhatTheyWaitFor() {
        assertThatIllegalArgumentException().isThrownBy(() -> new UnitAssignment("site-a", FENCED, null, Set.of("site-a"), 2));
        assertThatIllegalArgumentException().isThrownBy(() -> new UnitAssignment("site-a", FENCED, "site-a", Set.of("site-a"), 2));
        assertThatIllegalArgumentException().isThrownBy(() -> new UnitAssignment("site-b", RECOVERING, null, Set.of(), 2));
        assertThatIllegalArgumentException().isThrownBy(() -> new UnitAssignment("site-b", RECOVERING, null, Set.of("site-a"), 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new UnitAssignment("site-b", ACTIVE, null, Set.of("site-a"), 2));
    }

    private static void assertIllegal(Runnable transition, String message) {
        assertThatExceptionOfType(IllegalTransitionException.class).isThrownBy(transition::run).withMessageContaining(message);
    }
}
