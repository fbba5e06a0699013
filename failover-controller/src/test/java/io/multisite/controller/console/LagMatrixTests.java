package io.multisite.controller.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.multisite.routing.PositionReport;
import org.junit.jupiter.api.Test;

class LagMatrixTests {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private static final List<String> SITES = List.of("site-a", "site-b", "site-c");

    private final Map<String, PositionReport> reports = new HashMap<>();

    @Test
    void isTheOriginsLastReportedPositionMinusTheApplyingSitesWatermark() {
        own("site-a", 1_000_000);
        watermark("site-b", "site-a", 999_000, NOW.minusMillis(350));
        watermark("site-c", "site-a", 400_000, NOW.minusSeconds(12));

        LagMatrix lag = matrix();

        assertThat(lag.measure()).isEqualTo("bytes");
        assertThat(lag.sites()).isEqualTo(SITES);
        assertThat(lag.rows()).extracting(LagMatrix.Row::site).isEqualTo(SITES);
        LagMatrix.Cell bFromA = cell(lag, "site-b", "site-a");
        assertThat(bFromA.bytesBehind()).isEqualTo(1_000L);
        assertThat(bFromA.applied()).isEqualTo("0/F3E58");
        assertThat(bFromA.originPosition()).isEqualTo("0/F4240");
        assertThat(bFromA.watermarkAgeMs()).isEqualTo(350L);
        assertThat(cell(lag, "site-c", "site-a").bytesBehind()).isEqualTo(600_000L);
        assertThat(cell(lag, "site-c", "site-a").watermarkAgeMs()).isEqualTo(12_000L);
    }

    @Test
    void aWatermarkNewerThanTheOriginsLastReportIsNotBehind() {
        own("site-b", 5_000);
        watermark("site-a", "site-b", 5_200, NOW);
        assertThat(cell(matrix(), "site-a", "site-b").bytesBehind()).isZero();
    }

    @Test
    void isUnknownWithoutBothReportsAndEmptyOnTheDiagonal() {
        own("site-c", 7_000);
        watermark("site-a", "site-b", 10, NOW);
        LagMatrix lag = matrix();
        assertThat(cell(lag, "site-a", "site-c").bytesBehind()).as("site-a has no watermark for site-c").isNull();
        assertThat(cell(lag, "site-a", "site-c").originPosition()).isEqualTo("0/1B58");
        assertThat(cell(lag, "site-a", "site-b").bytesBehind()).as("site-b reported no position").isNull();
        assertThat(cell(lag, "site-a", "site-b").watermarkAgeMs()).isZero();
        assertThat(cell(lag, "site-c", "site-c")).isEqualTo(new LagMatrix.Cell("site-c", null, null, null, null));
    }

    @Test
    void readsOnlyTheGivenDatabase() {
        reports.put(PositionReport.key("site-a", "site-a", "news"), PositionReport.own("site-a", "news", 9_000, 1, NOW));
        reports.put(PositionReport.key("site-b", "site-a", "news"), new PositionReport("site-b", "site-a", "news", 1_000, 0, NOW));
        assertThat(cell(matrix(), "site-b", "site-a").bytesBehind()).isNull();
    }

    private LagMatrix matrix() {
        return LagMatrix.of(SITES, "accounts", (site, origin, database) -> Optional.ofNullable(reports.get(PositionReport.key(site, origin, database))), NOW);
    }

    private void own(String site, long lsn) {
        PositionReport report = PositionReport.own(site, "accounts", lsn, 3, NOW);
        reports.put(report.key(), report);
    }

    private void watermark(String site, String origin, long lsn, Instant appliedAt) {
        PositionReport report = new PositionReport(site, origin, "accounts", lsn, 0, appliedAt);
        reports.put(report.key(), report);
    }

    private static LagMatrix.Cell cell(LagMatrix lag, String site, String origin) {
        return lag.rows().stream().filter(r -> r.site().equals(site)).findFirst().orElseThrow()
                .cells().stream().filter(c -> c.origin().equals(origin)).findFirst().orElseThrow();
    }
}
