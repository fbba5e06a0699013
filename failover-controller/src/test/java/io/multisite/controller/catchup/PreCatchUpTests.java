package io.multisite.controller.catchup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import io.multisite.routing.PositionReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PreCatchUpTests {

    private static final String LEDGER = "accounts";
    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

    // Never started: fed by hand, as its Kafka thread would feed it.
    private final ReplicationPositions positions = new ReplicationPositions("localhost:9092", "pre-catch-up-tests");
    private final PreCatchUp preCatchUp = new PreCatchUp(LEDGER, Duration.ofSeconds(2));

    @AfterEach
    void close() {
        positions.close();
    }

    @Test
    void needsTheTargetToHaveAppliedAPositionTheOwnerReportedWithinTheLag() {
        own("site-a", 1_000, NOW.minusMillis(3_000));
        own("site-a", 2_000, NOW.minusMillis(1_500));
        own("site-a", 3_000, NOW.minusMillis(500));

        watermark("site-c", "site-a", 1_500);
        assertThat(preCatchUp.caughtUp("site-a", "site-c", positions, NOW)).as("past a report 3 s old only").isFalse();

        watermark("site-c", "site-a", 2_000);
        assertThat(preCatchUp.caughtUp("site-a", "site-c", positions, NOW))
                .as("everything site-a wrote 1.5 s ago is applied, though its latest report is ahead").isTrue();
        assertThat(preCatchUp.caughtUp("site-a", "site-c", positions, NOW.plusMillis(600))).as("that report is now too old").isFalse();
        assertThat(preCatchUp.lagBytes("site-a", "site-c", positions)).contains(1_000L);
    }

    @Test
    void countsOnlyTheTargetsOwnProgressAndOnlyTheLedger() {
        own("site-a", 1_000, NOW);
        assertThat(preCatchUp.caughtUp("site-a", "site-c", positions, NOW)).as("no watermark yet").isFalse();
        watermark("site-b", "site-a", 1_000);
        assertThat(preCatchUp.caughtUp("site-a", "site-c", positions, NOW)).as("another site's progress").isFalse();
        positions.accept(new PositionReport("site-c", "site-a", "news", 1_000, 0, NOW));
        assertThat(preCatchUp.caughtUp("site-a", "site-c", positions, NOW)).as("another database").isFalse();
        assertThat(preCatchUp.lagBytes("site-a", "site-c", positions)).isEmpty();
    }

    @Test
    void waitsWhileTheOwnerReportsNothing() {
        watermark("site-c", "site-a", 10_000);
        assertThat(preCatchUp.caughtUp("site-a", "site-c", positions, NOW)).isFalse();
    }

    @Test
    void keepsAShortHistoryOfOwnPositionsInOrder() {
        for (int i = 1; i <= 40; i++) {
            own("site-a", i * 100L, NOW.plusSeconds(i));
        }
        own("site-a", 50, NOW.plusSeconds(41)); // an older record read late
        assertThat(positions.recentOwnPositions("site-a", LEDGER)).hasSize(32)
                .extracting(PositionReport::lsn).startsWith(900L).endsWith(4_000L).isSorted();
        assertThat(positions.recentOwnPositions("site-b", LEDGER)).isEmpty();
    }

    private void own(String site, long lsn, Instant at) {
        positions.accept(PositionReport.own(site, LEDGER, lsn, 1, at));
    }

    private void watermark(String site, String origin, long lsn) {
        positions.accept(new PositionReport(site, origin, LEDGER, lsn, 0, NOW));
    }
}
