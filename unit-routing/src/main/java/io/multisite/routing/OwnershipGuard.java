package io.multisite.routing;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Answers "may this site write this unit for this tier right now, and if not, why". Every write
 * path asks it before touching the database; nothing else decides ownership.
 *
 * <p>The checks, in order (the first that fails is the reason given):
 * <ol>
 *   <li>a routing table is held ({@link RefusalReason#NO_ROUTING_TABLE});</li>
 *   <li>this site is not DEAD in it ({@link RefusalReason#SITE_DEAD});</li>
 *   <li>this site owns the unit ({@link RefusalReason#NOT_OWNER});</li>
 *   <li>the unit is not FENCED ({@link RefusalReason#UNIT_FENCED});</li>
 *   <li>debits only: the unit is not RECOVERING ({@link RefusalReason#UNIT_RECOVERING});</li>
 *   <li>debits and credits: the site lease is valid ({@link RefusalReason#LEASE_EXPIRED});</li>
 *   <li>debits only: at least {@link SiteTimings#debitMargin()} of lease is left
 *       ({@link RefusalReason#LEASE_TOO_SHORT}).</li>
 * </ol>
 *
 * <p>Granted writes are counted per unit until their {@link Admission} is closed. When a unit is
 * fenced, the owner waits in {@link #awaitQuiescent} for the writes admitted before the fence to
 * finish, and only then reports its WAL position: the position then covers every write it made.
 * The count is raised <em>before</em> the table is read, so a write that saw the unit ACTIVE is
 * always visible to a waiter that saw it FENCED.
 */
public final class OwnershipGuard {

    private final String site;
    private final RoutingTableSource routing;
    private final SiteLease lease;
    private final long debitMarginNanos;
    private final AtomicIntegerArray inFlight;
    private final Object quiescence = new Object();

    public OwnershipGuard(String site, RoutingTableSource routing, SiteLease lease, SiteTimings timings, Units units) {
        this.site = RoutingTable.requireValidSiteId(site);
        this.routing = routing;
        this.lease = lease;
        this.debitMarginNanos = timings.debitMargin().toNanos();
        this.inFlight = new AtomicIntegerArray(units.count());
    }

    public String site() {
        return site;
    }

    /** Judges a write without admitting it (for answers such as "which state is my unit in"). */
    public Optional<Refusal> check(int unit, Tier tier) {
        requireUnit(unit);
        return judge(unit, tier, routing.current());
    }

    /** Judges a write and, if granted, counts it in flight until the admission is closed. */
    public Admission admit(int unit, Tier tier) {
        requireUnit(unit);
        inFlight.incrementAndGet(unit);
        Optional<RoutingTable> held = routing.current();
        Optional<Refusal> refusal;
        try {
            refusal = judge(unit, tier, held);
        } catch (RuntimeException e) {
            release(unit);
            throw e;
        }
        if (refusal.isPresent()) {
            release(unit);
            return Admission.refused(refusal.get());
        }
        return Admission.granted(this, unit, held.get().epoch());
    }

    /** Writes admitted for the unit and not yet finished. */
    public int inFlight(int unit) {
        requireUnit(unit);
        return inFlight.get(unit);
    }

    /**
     * Waits until no admitted write of the unit is in flight. Call it after the follower holds the
     * table that fences the unit, so no new write can be admitted meanwhile.
     *
     * @return false if writes were still in flight when the timeout ran out
     */
    public boolean awaitQuiescent(int unit, Duration timeout) throws InterruptedException {
        requireUnit(unit);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (quiescence) {
            while (inFlight.get(unit) > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                quiescence.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    void release(int unit) {
        if (inFlight.decrementAndGet(unit) == 0) {
            synchronized (quiescence) {
                quiescence.notifyAll();
            }
        }
    }

    private Optional<Refusal> judge(int unit, Tier tier, Optional<RoutingTable> held) {
        if (held.isEmpty()) {
            return refuse(RefusalReason.NO_ROUTING_TABLE, unit, 0, null, "no routing table has been read yet");
        }
        RoutingTable table = held.get();
        if (unit >= table.unitCount()) {
            throw new IllegalStateException("routing table has " + table.unitCount() + " units, this site is configured for " + inFlight.length());
        }
        UnitAssignment assignment = table.unit(unit);
        long epoch = table.epoch();
        String owner = assignment.owner();
        if (table.sites().get(site) == SiteState.DEAD) {
            return refuse(RefusalReason.SITE_DEAD, unit, epoch, owner, site + " is DEAD at epoch " + epoch + " and must rejoin first");
        }
        if (!owner.equals(site)) {
            return refuse(RefusalReason.NOT_OWNER, unit, epoch, owner, "unit " + unit + " is owned by " + owner + " at epoch " + epoch);
        }
        if (assignment.state() == UnitState.FENCED) {
            return refuse(RefusalReason.UNIT_FENCED, unit, epoch, owner, "unit " + unit + " is fenced for a move");
        }
        if (tier == Tier.DEBIT && assignment.state() == UnitState.RECOVERING) {
            return refuse(RefusalReason.UNIT_RECOVERING, unit, epoch, owner,
                    "unit " + unit + " is recovering from a site failure; debits resume once it is reconciled");
        }
        if (tier == Tier.TOLERANT) {
            return Optional.empty();
        }
        long leaseLeft = lease.remainingNanos();
        if (leaseLeft <= 0) {
            return refuse(RefusalReason.LEASE_EXPIRED, unit, epoch, owner, site + " holds no valid lease");
        }
        if (tier == Tier.DEBIT && leaseLeft < debitMarginNanos) {
            return refuse(RefusalReason.LEASE_TOO_SHORT, unit, epoch, owner,
                    "lease has " + Duration.ofNanos(leaseLeft).toMillis() + " ms left, a debit needs " + Duration.ofNanos(debitMarginNanos).toMillis());
        }
        return Optional.empty();
    }

    private static Optional<Refusal> refuse(RefusalReason reason, int unit, long epoch, String owner, String message) {
        return Optional.of(new Refusal(reason, unit, epoch, owner, message));
    }

    private void requireUnit(int unit) {
        if (unit < 0 || unit >= inFlight.length()) {
            throw new IllegalArgumentException("unit must be between 0 and " + (inFlight.length() - 1) + ", was " + unit);
        }
    }
}
