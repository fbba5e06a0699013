package io.multisite.routing;

import java.time.Duration;

/**
 * This site's permission to write the strong tier, held as long as its heartbeats keep being
 * acknowledged by a Kafka quorum.
 *
 * <p>Every acknowledged heartbeat extends the lease to {@code sentAt + leaseDuration}, where
 * {@code sentAt} is when the heartbeat was <em>sent</em>, read before the send. A slow ack can
 * therefore only shorten the lease, never stretch it past what the controller can reason about.
 * Renewals never move the end backwards, so acks arriving out of order are harmless.
 *
 * <p>Thread-safe: renewals come from the producer's I/O thread, checks from request threads.
 */
public final class SiteLease {

    private final long leaseNanos;
    private final NanoClock clock;
    private volatile long validUntil;
    private volatile boolean held;

    public SiteLease(Duration leaseDuration, NanoClock clock) {
        if (leaseDuration.isZero() || leaseDuration.isNegative()) {
            throw new IllegalArgumentException("lease duration must be positive");
        }
        this.leaseNanos = leaseDuration.toNanos();
        this.clock = clock;
    }

    /** Called when a heartbeat sent at {@code sentAtNanos} (on this lease's clock) was acknowledged. */
    public synchronized void renewFromSend(long sentAtNanos) {
        long candidate = sentAtNanos + leaseNanos;
        // nanoTime values may wrap, so compare by difference, never with < on raw values.
        if (!held || candidate - validUntil > 0) {
            validUntil = candidate;
            held = true;
        }
    }

    /** Nanoseconds of lease left; zero or less when the lease has run out or was never held. */
    public long remainingNanos() {
        if (!held) {
            return 0;
        }
        return validUntil - clock.nanoTime();
    }

    public boolean isValid() {
        return remainingNanos() > 0;
    }

    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, remainingNanos()));
    }
}
