package io.multisite.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Every timing that the one-writer guarantee depends on, in one place, with the inequalities that
 * make it safe. {@link #validate()} is called at start-up by every component that uses them, so a
 * mis-tuned deployment refuses to start instead of risking two writers.
 *
 * <ol>
 *   <li>{@code heartbeatInterval + brokerSessionTimeout < leaseDuration}: when a broker dies, the
 *       heartbeats in flight wait until Kafka fences it and moves its partitions (the broker
 *       session timeout). Surviving sites must get an ack before their lease runs out, or losing
 *       one broker would stop every site's debits.</li>
 *   <li>{@code debitStatementTimeout <= debitMargin}: a debit starts only with at least the margin
 *       of lease left and its transaction cannot outlive its statement timeout, so it commits or
 *       aborts while the lease is still valid.</li>
 *   <li>{@code debitMargin < leaseDuration - heartbeatInterval}: a healthy site's lease never drops
 *       below the margin between two renewals, so debits do not stall every heartbeat cycle.</li>
 *   <li>{@code deadAfter > leaseDuration + debitMargin}: by the time the controller declares a silent
 *       site DEAD and gives its units away, the site's last lease (counted from the send time of a
 *       heartbeat the controller has already seen) has run out and its last debit has finished,
 *       even if the site is alive behind a partition.</li>
 * </ol>
 *
 * The broker side of (1) is configured in {@code deploy/kafka/entrypoint.sh}
 * ({@code broker.session.timeout.ms}); {@link #brokerSessionTimeout} must match it.
 */
public record SiteTimings(
        Duration heartbeatInterval,
        Duration leaseDuration,
        Duration deadAfter,
        Duration debitMargin,
        Duration debitStatementTimeout,
        Duration brokerSessionTimeout) {

    public static final SiteTimings DEFAULTS = new SiteTimings(
            Duration.ofSeconds(1),
            Duration.ofSeconds(3),
            Duration.ofSeconds(6),
            Duration.ofMillis(500),
            Duration.ofMillis(400),
            Duration.ofMillis(1500));

    public SiteTimings {
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(leaseDuration, "leaseDuration");
        Objects.requireNonNull(deadAfter, "deadAfter");
        Objects.requireNonNull(debitMargin, "debitMargin");
        Objects.requireNonNull(debitStatementTimeout, "debitStatementTimeout");
        Objects.requireNonNull(brokerSessionTimeout, "brokerSessionTimeout");
    }

    /** Each inequality that does not hold, in words; empty when the timings are safe. */
    public List<String> violations() {
        List<String> violations = new ArrayList<>();
        positive(violations, "heartbeatInterval", heartbeatInterval);
        positive(violations, "leaseDuration", leaseDuration);
        positive(violations, "deadAfter", deadAfter);
        positive(violations, "debitMargin", debitMargin);
        positive(violations, "debitStatementTimeout", debitStatementTimeout);
        positive(violations, "brokerSessionTimeout", brokerSessionTimeout);
        if (heartbeatInterval.plus(brokerSessionTimeout).compareTo(leaseDuration) >= 0) {
            violations.add("heartbeatInterval + brokerSessionTimeout (" + heartbeatInterval.plus(brokerSessionTimeout)
                    + ") must be < leaseDuration (" + leaseDuration + "), or losing one broker costs every site its lease");
        }
        if (debitStatementTimeout.compareTo(debitMargin) > 0) {
            violations.add("debitStatementTimeout (" + debitStatementTimeout + ") must be <= debitMargin (" + debitMargin
                    + "), or a debit can commit after the lease ended");
        }
        if (debitMargin.compareTo(leaseDuration.minus(heartbeatInterval)) >= 0) {
            violations.add("debitMargin (" + debitMargin + ") must be < leaseDuration - heartbeatInterval ("
                    + leaseDuration.minus(heartbeatInterval) + "), or a healthy site refuses debits between heartbeats");
        }
        if (deadAfter.compareTo(leaseDuration.plus(debitMargin)) <= 0) {
            violations.add("deadAfter (" + deadAfter + ") must be > leaseDuration + debitMargin (" + leaseDuration.plus(debitMargin)
                    + "), or a partitioned site may still be debiting when its units are given away");
        }
        return violations;
    }

    /** @throws IllegalStateException naming every violated inequality */
    public SiteTimings validate() {
        List<String> violations = violations();
        if (!violations.isEmpty()) {
            throw new IllegalStateException("unsafe site timings: " + String.join("; ", violations));
        }
        return this;
    }

    private static void positive(List<String> violations, String name, Duration value) {
        if (value.isZero() || value.isNegative()) {
            violations.add(name + " must be positive, was " + value);
        }
    }
}
