package io.multisite.load;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.multisite.load.Mix.Kind;
import io.multisite.load.VirtualClient.Answer;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class StatsTests {

    private static final long MS = 1_000_000L;

    private final Stats stats = new Stats();

    @Test
    void printsOpsSuccessRatePercentilesRefusalsAndSwitchesPerWindow() {
        for (int ms = 1; ms <= 98; ms++) {
            stats.record(Kind.ACCOUNT, ok(), ms * MS, 0);
        }
        stats.record(Kind.TRANSFER, refusal(503, "unit_recovering"), 400 * MS, 10);
        stats.record(Kind.TRANSFER, refusal(503, "unit_recovering"), 500 * MS, 10);
        stats.switchedAway(URI.create("http://gateway-a:8080"));

        assertThat(stats.roll(7)).isEqualTo(
                "t=7s ops=100 ok=98.0% p50=50ms p99=400ms refused[unit_recovering=2] errors[] unanswered=0 switched[gateway-a:8080=1]");
    }

    @Test
    void countsRefusedDebitsByTheErrorCodeOfTheBodyNotByStatus() {
        stats.record(Kind.TRANSFER, refusal(503, "unit_recovering"), MS, 5);
        stats.record(Kind.TRANSFER, refusal(503, "lease_expired"), MS, 5);
        stats.record(Kind.TRANSFER, refusal(503, "unit_recovering"), MS, 5);
        stats.record(Kind.TRANSFER, refusal(409, "insufficient_funds"), MS, 5);
        stats.record(Kind.TRANSFER, refusal(503, "unit_recovering"), MS, 5);
        stats.record(Kind.TRANSFER, new Answer(502, "http_502", JsonMapper.shared().missingNode(), null), MS, 5);
        stats.record(Kind.POST, refusal(503, "unit_fenced"), MS, 0);

        assertThat(stats.roll(1)).contains(
                "refused[unit_recovering=3 http_502=1 insufficient_funds=1 lease_expired=1] errors[unit_fenced=1]");
        assertThat(stats.totals().refusedDebits()).isEqualTo(
                Map.of("unit_recovering", 3L, "lease_expired", 1L, "insufficient_funds", 1L, "http_502", 1L));
    }

    @Test
    void emptiesTheWindowOnEveryLineButKeepsTheTotals() {
        stats.record(Kind.TRANSFER, ok(), 3 * MS, 40);
        stats.record(Kind.TRANSFER, ok(), 3 * MS, 2);
        stats.record(Kind.FEED, Answer.unreachable(), 3 * MS, 0);
        assertThat(stats.windowEmpty()).isFalse();
        stats.roll(1);
        assertThat(stats.windowEmpty()).isTrue();

        assertThat(stats.roll(2)).isEqualTo("t=2s ops=0 ok=- p50=- p99=- refused[] errors[] unanswered=0 switched[]");
        Stats.Totals totals = stats.totals();
        assertThat(totals.ops()).isEqualTo(3);
        assertThat(totals.ok()).isEqualTo(2);
        assertThat(totals.unanswered()).isEqualTo(1);
        assertThat(totals.transfersAcknowledged()).isEqualTo(2);
        assertThat(totals.acknowledgedSum()).isEqualTo(42);
        assertThat(stats.summary(0)).contains("summary: transfers acknowledged=2 sum=42");
    }

    @Test
    void takesNearestRankPercentiles() {
        long[] sorted = {1 * MS, 2 * MS, 3 * MS, 4 * MS};

        assertThat(Stats.millis(sorted, 0.50)).isEqualTo("2ms");
        assertThat(Stats.millis(sorted, 0.99)).isEqualTo("4ms");
        assertThat(Stats.millis(new long[] {7 * MS}, 0.50)).isEqualTo("7ms");
        assertThat(Stats.millis(new long[0], 0.99)).isEqualTo("-");
    }

    private static Answer ok() {
        return new Answer(201, null, JsonMapper.shared().missingNode(), "site-a");
    }

    private static Answer refusal(int status, String error) {
        return new Answer(status, error, JsonMapper.shared().createObjectNode().put("error", error), "site-a");
    }
}
