package io.multisite.routing;

import static io.multisite.routing.RefusalReason.LEASE_EXPIRED;
import static io.multisite.routing.RefusalReason.LEASE_TOO_SHORT;
import static io.multisite.routing.RefusalReason.NOT_OWNER;
import static io.multisite.routing.RefusalReason.NO_ROUTING_TABLE;
import static io.multisite.routing.RefusalReason.SITE_DEAD;
import static io.multisite.routing.RefusalReason.UNIT_FENCED;
import static io.multisite.routing.RefusalReason.UNIT_RECOVERING;
import static io.multisite.routing.Tier.CREDIT;
import static io.multisite.routing.Tier.DEBIT;
import static io.multisite.routing.Tier.TOLERANT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OwnershipGuardTests {

    // site-a owns units 0, 3, 6, ... ; site-b owns 1, 4, ...
    private static final int OWN = 0;
    private static final int FOREIGN = 1;

    private final FakeNanoClock clock = new FakeNanoClock();
    private final SiteLease lease = new SiteLease(SiteTimings.DEFAULTS.leaseDuration(), clock);
    private final AtomicReference<RoutingTable> table = new AtomicReference<>(RoutingTable.initial(List.of("site-a", "site-b", "site-c"), 64));
    private final OwnershipGuard guard = new OwnershipGuard("site-a", () -> Optional.ofNullable(table.get()), lease, SiteTimings.DEFAULTS, Units.DEFAULT);

    OwnershipGuardTests() {
        lease.renewFromSend(clock.nanoTime());
    }

    @ParameterizedTest
    @EnumSource(Tier.class)
    void grantsEveryTierToTheLeasedOwnerOfAnActiveUnit(Tier tier) {
        assertThat(guard.check(OWN, tier)).isEmpty();
        try (Admission admission = guard.admit(OWN, tier)) {
            assertThat(admission.granted()).isTrue();
            assertThat(admission.epoch()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Tier.class)
    void refusesEveryTierWithoutARoutingTable(Tier tier) {
        table.set(null);
        assertRefused(OWN, tier, NO_ROUTING_TABLE, 503);
        assertThat(guard.check(OWN, tier)).get().extracting(Refusal::epoch, Refusal::owner).containsExactly(0L, null);
    }

    @ParameterizedTest
    @EnumSource(Tier.class)
    void refusesEveryTierWhenThisSiteIsDead(Tier tier) {
        table.set(table.get().markDead("site-a"));
        assertRefused(OWN, tier, SITE_DEAD, 503);
    }

    @ParameterizedTest
    @EnumSource(Tier.class)
    void refusesEveryTierForAUnitOwnedElsewhereAndNamesTheOwner(Tier tier) {
        Refusal refusal = assertRefused(FOREIGN, tier, NOT_OWNER, 421);
        assertThat(refusal.owner()).isEqualTo("site-b");
        assertThat(refusal.epoch()).isEqualTo(1);
        assertThat(RefusalReason.NOT_OWNER.retryAfter()).isNull();
    }

    @ParameterizedTest
    @EnumSource(Tier.class)
    void refusesEveryTierOnAFencedUnit(Tier tier) {
        table.set(table.get().fence(OWN, "site-b"));
        assertRefused(OWN, tier, UNIT_FENCED, 503);
    }

    @Test
    void refusesDebitsButNotCreditsOrTolerantWritesOnARecoveringUnit() {
        table.set(table.get().change().markDead("site-b").takeOver(FOREIGN, "site-a").apply());
        assertRefused(FOREIGN, DEBIT, UNIT_RECOVERING, 503);
        assertThat(guard.check(FOREIGN, CREDIT)).isEmpty();
        assertThat(guard.check(FOREIGN, TOLERANT)).isEmpty();
    }

    @Test
    void rejectsDebitWhenLeaseExpired() {
        clock.advance(SiteTimings.DEFAULTS.leaseDuration());
        assertRefused(OWN, DEBIT, LEASE_EXPIRED, 503);
        assertRefused(OWN, CREDIT, LEASE_EXPIRED, 503);
        assertThat(guard.check(OWN, TOLERANT)).as("tolerant writes merge later and need no lease").isEmpty();
    }

    @Test
    void rejectsDebitWhenTheLeaseWasNeverHeld() {
        OwnershipGuard fresh = new OwnershipGuard("site-a", () -> Optional.ofNullable(table.get()),
                new SiteLease(Duration.ofSeconds(3), clock), SiteTimings.DEFAULTS, Units.DEFAULT);
        assertThat(fresh.check(OWN, DEBIT)).get().extracting(Refusal::reason).isEqualTo(LEASE_EXPIRED);
    }

    @Test
    void rejectsDebitWhenTooLittleLeaseIsLeftToFinish() {
        clock.advance(SiteTimings.DEFAULTS.leaseDuration().minus(SiteTimings.DEFAULTS.debitMargin()).plusNanos(1));
        assertRefused(OWN, DEBIT, LEASE_TOO_SHORT, 503);
        assertThat(guard.check(OWN, CREDIT)).as("a credit cannot overdraw, any valid lease will do").isEmpty();
    }

    @Test
    void acceptsDebitWithExactlyTheMarginLeft() {
        clock.advance(SiteTimings.DEFAULTS.leaseDuration().minus(SiteTimings.DEFAULTS.debitMargin()));
        assertThat(guard.check(OWN, DEBIT)).isEmpty();
    }

    @Test
    void testsCoverEveryRefusalReason() {
        Set<RefusalReason> covered = EnumSet.of(NO_ROUTING_TABLE, SITE_DEAD, NOT_OWNER, UNIT_FENCED, UNIT_RECOVERING, LEASE_EXPIRED, LEASE_TOO_SHORT);
        assertThat(covered).containsExactlyInAnyOrder(RefusalReason.values());
    }

    @Test
    void reportsTheFirstFailedCheck() {
        // Dead AND expired AND fenced: the site's death is the reason that matters to the caller.
        table.set(table.get().fence(OWN, "site-b").markDead("site-a"));
        clock.advance(Duration.ofSeconds(10));
        assertRefused(OWN, DEBIT, SITE_DEAD, 503);
    }

    @Test
    void refusalsCarryRetryAdviceAndErrorCodes() {
        assertThat(UNIT_RECOVERING.code()).isEqualTo("unit_recovering");
        assertThat(UNIT_RECOVERING.retryAfter()).isPositive();
        assertThat(LEASE_EXPIRED.retryAfter()).isPositive();
    }

    @Test
    void countsGrantedWritesInFlightUntilClosed() {
        Admission first = guard.admit(OWN, DEBIT);
        Admission second = guard.admit(OWN, TOLERANT);
        assertThat(guard.inFlight(OWN)).isEqualTo(2);
        first.close();
        first.close();
        assertThat(guard.inFlight(OWN)).as("closing twice releases once").isEqualTo(1);
        second.close();
        assertThat(guard.inFlight(OWN)).isZero();
    }

    @Test
    void refusedWritesAreNotCounted() {
        try (Admission refused = guard.admit(FOREIGN, DEBIT)) {
            assertThat(refused.granted()).isFalse();
            assertThat(refused.refusal()).get().extracting(Refusal::reason).isEqualTo(NOT_OWNER);
        }
        assertThat(guard.inFlight(FOREIGN)).isZero();
    }

    @Test
    void fenceWaitsForWritesAdmittedBeforeIt() throws Exception {
        Admission inFlight = guard.admit(OWN, DEBIT);
        table.set(table.get().fence(OWN, "site-b"));
        assertThat(guard.admit(OWN, DEBIT).granted()).as("nothing new after the fence").isFalse();

        CompletableFuture<Boolean> quiescent = CompletableFuture.supplyAsync(() -> {
            try {
                return guard.awaitQuiescent(OWN, Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(quiescent).isNotDone();
        assertThat(guard.awaitQuiescent(OWN, Duration.ofMillis(50))).as("times out while a write is open").isFalse();
        inFlight.close();
        assertThat(quiescent.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void refusesUnitsOutsideTheConfiguredCount() {
        assertThatIllegalArgumentException().isThrownBy(() -> guard.admit(64, DEBIT));
        assertThatIllegalArgumentException().isThrownBy(() -> guard.check(-1, TOLERANT));
    }

    private Refusal assertRefused(int unit, Tier tier, RefusalReason reason, int status) {
        Optional<Refusal> refusal = guard.check(unit, tier);
        assertThat(refusal).as("%s on unit %d", tier, unit).isPresent();
        assertThat(refusal.get().reason()).isEqualTo(reason);
        assertThat(refusal.get().reason().httpStatus()).isEqualTo(status);
        assertThat(refusal.get().unit()).isEqualTo(unit);
        assertThat(refusal.get().message()).isNotBlank();
        try (Admission admission = guard.admit(unit, tier)) {
            assertThat(admission.granted()).isFalse();
            assertThat(admission.refusal()).contains(refusal.get());
        }
        return refusal.get();
    }
}
