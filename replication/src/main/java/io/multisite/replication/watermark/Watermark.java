package io.multisite.replication.watermark;

import java.time.Instant;

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
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    /** The inverse of {@link #lsnText()}. */
    public static long parseLsn(String text) {
        int slash = text.indexOf('/');
        if (slash < 1) {
            throw new IllegalArgumentException("not an LSN: " + text);
        }
        return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
    }
}
