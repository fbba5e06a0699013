package io.multisite.replication.watermark;

import java.time.Instant;

import io.multisite.routing.Lsn;

/**
 * Everything {@code origin} committed in {@code database} before WAL position {@code lsn} has been
 * applied at {@code site}.
 *
 * @param committedAt when the origin committed the marker at {@code lsn}
 * @param appliedAt   when this site had applied it on every partition
 */
public record Watermark(String site, String origin, String database, long lsn, Instant committedAt, Instant appliedAt) {

    /** PostgreSQL's notation, as {@code pg_current_wal_lsn()} prints it: {@code 16/B374D848}. */
    public String lsnText() {
        return Lsn.format(lsn);
    }
}
