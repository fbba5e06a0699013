package io.multisite.account.routing;

import io.multisite.routing.Admission;
import io.multisite.routing.Tier;

/** A write admitted by the {@link WriteGuard}; in flight for its unit until closed. */
public final class GuardedWrite implements AutoCloseable {

    private final WriteGuard guard;
    private final Admission admission;
    private final Tier tier;

    GuardedWrite(WriteGuard guard, Admission admission, Tier tier) {
        this.guard = guard;
        this.admission = admission;
        this.tier = tier;
    }

    public int unit() {
        return admission.unit();
    }

    /** The routing epoch the write was admitted under (the {@code X-Routing-Epoch} answer header). */
    public long epoch() {
        return admission.epoch();
    }

    public Tier tier() {
        return tier;
    }

    /**
     * Call as the last step inside the transaction: throws, and so rolls the transaction back,
     * if a lease-bound write has outlived the site lease.
     */
    public void confirmLease() {
        guard.confirmLease(this);
    }

    @Override
    public void close() {
        admission.close();
    }
}
