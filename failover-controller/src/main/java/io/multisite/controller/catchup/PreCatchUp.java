package io.multisite.controller.catchup;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

import io.multisite.routing.PositionReport;

/**
 * When a planned move may fence: once its target is nearly caught up with the owner, which still
 * writes the unit. The rule: the target's watermark for the owner's ledger database has reached
 * the position of an own-position report that the owner took at most {@code maxLag} ago (by the
 * report's time against the controller's clock). The target has then applied everything the owner
 * had written {@code maxLag} ago, so after the fence only the last {@code maxLag} of writes, plus
 * the fence itself, are left to replicate before the {@link Reconciler} may activate the unit.
 *
 * <p>This decides nothing about safety: the unit stays ACTIVE at its one owner until the fence,
 * and the Reconciler's rule for leaving FENCED is unchanged. A clock offset between the owner and
 * the controller only shifts how early the fence comes.
 */
public final class PreCatchUp {

    private final String ledgerDatabase;
    private final Duration maxLag;

    /** @param ledgerDatabase the database whose replication must catch up, as for the {@link Reconciler} */
    public PreCatchUp(String ledgerDatabase, Duration maxLag) {
        this.ledgerDatabase = ledgerDatabase;
        this.maxLag = maxLag;
    }

    /** True once {@code target} has applied what {@code owner} had written at most {@code maxLag} before {@code now}. */
    public boolean caughtUp(String owner, String target, CatchUp catchUp, Instant now) {
        OptionalLong applied = catchUp.watermark(target, owner, ledgerDatabase);
        if (applied.isEmpty()) {
            return false;
        }
        Instant since = now.minus(maxLag);
        return catchUp.recentOwnPositions(owner, ledgerDatabase).stream()
                .anyMatch(report -> !report.at().isBefore(since) && report.lsn() <= applied.getAsLong());
    }

    /** Bytes of the owner's WAL, as of its latest report, that the target has not applied; for logs and events. */
    public Optional<Long> lagBytes(String owner, String target, CatchUp catchUp) {
        Optional<PositionReport> reported = catchUp.ownPosition(owner, ledgerDatabase);
        OptionalLong applied = catchUp.watermark(target, owner, ledgerDatabase);
        if (reported.isEmpty() || applied.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Math.max(0, reported.get().lsn() - applied.getAsLong()));
    }

    public Duration maxLag() {
        return maxLag;
    }
}
