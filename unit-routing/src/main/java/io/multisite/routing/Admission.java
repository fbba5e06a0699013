package io.multisite.routing;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The answer of {@link OwnershipGuard#admit}: either a granted write, which counts as in flight
 * for its unit until closed, or a refusal. Use it in try-with-resources around the transaction so
 * that a fence waits for the write to finish.
 */
public final class Admission implements AutoCloseable {

    private final OwnershipGuard guard;
    private final int unit;
    private final long epoch;
    private final Refusal refusal;
    private final AtomicBoolean open;

    private Admission(OwnershipGuard guard, int unit, long epoch, Refusal refusal) {
        this.guard = guard;
        this.unit = unit;
        this.epoch = epoch;
        this.refusal = refusal;
        this.open = new AtomicBoolean(refusal == null);
    }

    static Admission granted(OwnershipGuard guard, int unit, long epoch) {
        return new Admission(guard, unit, epoch, null);
    }

    static Admission refused(Refusal refusal) {
        return new Admission(null, refusal.unit(), refusal.epoch(), refusal);
    }

    public boolean granted() {
        return refusal == null;
    }

    public Optional<Refusal> refusal() {
        return Optional.ofNullable(refusal);
    }

    public int unit() {
        return unit;
    }

    /** The routing epoch the write was admitted under. */
    public long epoch() {
        return epoch;
    }

    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            guard.release(unit);
        }
    }
}
