package io.multisite.replication.source;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.multisite.routing.PositionReport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HandOverBeatsTests {

    private final List<String> beats = new ArrayList<>();
    private final HandOverBeats handOverBeats = new HandOverBeats("site-a", Map.of(
            "accounts", () -> beats.add("accounts"),
            "news", () -> beats.add("news")));

    @Test
    void beatsOnceForTheFirstOwnReportAtANewEpoch() {
        assertThat(handOverBeats.accept(own("site-a", "accounts", 7))).isTrue();
        assertThat(handOverBeats.accept(own("site-a", "accounts", 7))).isFalse();
        assertThat(handOverBeats.accept(own("site-a", "accounts", 6))).isFalse();
        assertThat(handOverBeats.accept(own("site-a", "accounts", 8))).isTrue();
        assertThat(beats).containsExactly("accounts", "accounts");
    }

    @Test
    void tracksEachDatabaseOnItsOwn() {
        handOverBeats.accept(own("site-a", "accounts", 7));
        assertThat(handOverBeats.accept(own("site-a", "news", 7))).isTrue();
        assertThat(beats).containsExactly("accounts", "news");
    }

    @Test
    void ignoresOtherSitesReportsWatermarksAndDatabasesItDoesNotCapture() {
        assertThat(handOverBeats.accept(own("site-b", "accounts", 9))).isFalse();
        assertThat(handOverBeats.accept(new PositionReport("site-a", "site-b", "accounts", 100, 0, Instant.now()).toJson())).isFalse();
        assertThat(handOverBeats.accept(own("site-a", "billing", 9))).isFalse();
        assertThat(handOverBeats.accept("not a report")).isFalse();
        assertThat(beats).isEmpty();
    }

    @Test
    void aFailedBeatIsTriedAgainByTheNextReportAtTheSameEpoch() {
        List<Integer> attempts = new ArrayList<>();
        HandOverBeats failingOnce = new HandOverBeats("site-a", Map.of("accounts", () -> {
            attempts.add(attempts.size());
            if (attempts.size() == 1) {
                throw new SQLException("connection refused");
            }
        }));
        assertThat(failingOnce.accept(own("site-a", "accounts", 3))).isFalse();
        assertThat(failingOnce.accept(own("site-a", "accounts", 3))).isTrue();
        assertThat(failingOnce.accept(own("site-a", "accounts", 3))).isFalse();
        assertThat(attempts).hasSize(2);
    }

    private static String own(String site, String database, long epoch) {
        return PositionReport.own(site, database, 1_000 + epoch, epoch, Instant.now()).toJson();
    }
}
