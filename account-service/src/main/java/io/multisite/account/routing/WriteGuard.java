package io.multisite.account.routing;

import java.util.Locale;
import java.util.Optional;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.routing.Admission;
import io.multisite.routing.OwnershipGuard;
import io.multisite.routing.Refusal;
import io.multisite.routing.RefusalReason;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableSource;
import io.multisite.routing.SiteLease;
import io.multisite.routing.Tier;
import io.multisite.routing.Units;

/**
 * The service-side face of the {@link OwnershipGuard}: it works on user ids, turns refusals into
 * {@link WriteRefusedException}s (the web layer maps them to 421/503) and counts them.
 *
 * <p>A write path calls {@link #precheck} before any expensive work (hashing a password), then
 * {@link #admit} around its transaction, and {@link GuardedWrite#confirmLease()} as the last
 * statement before commit.
 */
public final class WriteGuard {

    private final OwnershipGuard guard;
    private final RoutingTableSource routing;
    private final SiteLease lease;
    private final Units units;
    private final MeterRegistry meters;

    WriteGuard(OwnershipGuard guard, RoutingTableSource routing, SiteLease lease, Units units, MeterRegistry meters) {
        this.guard = guard;
        this.routing = routing;
        this.lease = lease;
        this.units = units;
        this.meters = meters;
    }

    /** The site this instance writes as: the origin_site of every row it writes. */
    public String site() {
        return guard.site();
    }

    /** @throws IllegalArgumentException when the user id is not valid */
    public int unitOf(String userId) {
        return units.of(userId);
    }

    /**
     * Judges a write without admitting it, so that a request doomed to be refused is refused
     * before it costs anything. The answer may change before {@link #admit}; only that one counts.
     */
    public void precheck(String userId, Tier tier) {
        int unit = units.of(userId);
        Optional<Refusal> refusal = guard.check(unit, tier);
        if (refusal.isPresent()) {
            throw refused(refusal.get(), tier);
        }
    }

    /**
     * Admits a write of the user's unit; close the result (try-with-resources) once the
     * transaction has ended, so that a fence of the unit waits for it.
     *
     * @throws WriteRefusedException when the guard refuses; nothing has been written then
     */
    public GuardedWrite admit(String userId, Tier tier) {
        Admission admission = guard.admit(units.of(userId), tier);
        if (!admission.granted()) {
            throw refused(admission.refusal().orElseThrow(), tier);
        }
        return new GuardedWrite(this, admission, tier);
    }

    /** Where the user's unit lives, as the routing table held here says; for reads, unguarded. */
    public RoutingView view(String userId) {
        int unit = units.of(userId);
        Optional<RoutingTable> table = routing.current();
        return table.map(t -> new RoutingView(unit, t.epoch(), t.owner(unit), t.unitState(unit)))
                .orElseGet(() -> new RoutingView(unit, 0, null, null));
    }

    /**
     * The admission checked the lease when the write started; a transaction that got slow (waiting
     * for a connection or a row lock) must not commit after the lease has run out, because by then
     * another site may have been given the unit.
     */
    void confirmLease(GuardedWrite write) {
        if (write.tier() != Tier.TOLERANT && !lease.isValid()) {
            throw refused(new Refusal(RefusalReason.LEASE_EXPIRED, write.unit(), write.epoch(), site(),
                    site() + " lost its lease before the write could commit"), write.tier());
        }
    }

    private WriteRefusedException refused(Refusal refusal, Tier tier) {
        Counter.builder("multisite.guard.refusals")
                .description("Writes refused by the ownership guard")
                .tag("reason", refusal.reason().code())
                .tag("tier", tier.name().toLowerCase(Locale.ROOT))
                .register(meters)
                .increment();
        return new WriteRefusedException(refusal, tier);
    }
}
