package io.multisite.controller.console;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.multisite.routing.Lsn;
import io.multisite.routing.PositionReport;

/**
 * How far each site's replication is behind every other site, from the two kinds of report the
 * controller already follows on the watermarks topic: each origin's own WAL position (sent every
 * second by its account-service) and each applying site's watermark for that origin.
 *
 * <p>The lag is in bytes of the origin's WAL, not in milliseconds: a watermark names the LSN that
 * was applied, and the reports carry no commit time of that LSN. The age of the watermark (how long
 * ago the applying site last advanced it) is given alongside; an idle database still moves its
 * watermark every CDC heartbeat, so an age of many seconds means the replication is stuck.
 *
 * @param measure  always {@code bytes}
 * @param database the database measured: the ledger, whose catch-up decides hand-overs
 * @param sites    row and column order
 * @param rows     one per applying site
 */
record LagMatrix(String measure, String database, List<String> sites, List<Row> rows) {

    /** Where a site looks up reports; {@code site == origin} asks for the site's own position. */
    @FunctionalInterface
    interface Reports {
        Optional<PositionReport> latest(String site, String origin, String database);
    }

    record Row(String site, List<Cell> cells) {
    }

    /**
     * Null values are unknown (nothing reported yet); the diagonal is all null.
     *
     * @param bytesBehind    the origin's last reported position minus the watermark, never below 0
     *                       (the watermark may be newer than the origin's last report)
     * @param applied        the watermark: the origin's LSN applied at the row's site
     * @param originPosition the origin's last reported own position
     * @param watermarkAgeMs how long ago the row's site applied up to its watermark
     */
    record Cell(String origin, Long bytesBehind, String applied, String originPosition, Long watermarkAgeMs) {
    }

    static LagMatrix of(List<String> sites, String database, Reports reports, Instant now) {
        List<Row> rows = new ArrayList<>();
        for (String site : sites) {
            List<Cell> cells = new ArrayList<>();
            for (String origin : sites) {
                if (origin.equals(site)) {
                    cells.add(new Cell(origin, null, null, null, null));
                    continue;
                }
                Optional<PositionReport> watermark = reports.latest(site, origin, database);
                Optional<PositionReport> position = reports.latest(origin, origin, database);
                Long behind = watermark.isPresent() && position.isPresent()
                        ? Math.max(0, position.get().lsn() - watermark.get().lsn()) : null;
                cells.add(new Cell(origin, behind,
                        watermark.map(w -> Lsn.format(w.lsn())).orElse(null),
                        position.map(p -> Lsn.format(p.lsn())).orElse(null),
                        watermark.map(w -> Math.max(0, Duration.between(w.at(), now).toMillis())).orElse(null)));
            }
            rows.add(new Row(site, List.copyOf(cells)));
        }
        return new LagMatrix("bytes", database, List.copyOf(sites), List.copyOf(rows));
    }
}
