package io.multisite.news.routing;

import io.multisite.routing.Admission;

/** A write admitted by the {@link WriteGuard}; in flight for its unit until closed. */
public final class GuardedWrite implements AutoCloseable {

    private final Admission admission;

    GuardedWrite(Admission admission) {
        this.admission = admission;
    }

    public int unit() {
        return admission.unit();
    }

    /** The routing epoch the write was admitted under (the {@code X-Routing-Epoch} answer header). */
    public long epoch() {
        return admission.epoch();
    }

    @Override
    public void close() {
        admission.close();
    }
}
