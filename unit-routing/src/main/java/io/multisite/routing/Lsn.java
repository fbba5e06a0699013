package io.multisite.routing;

/** PostgreSQL WAL positions: a 64-bit number, written {@code 16/B374D848} by the server. */
public final class Lsn {

    private Lsn() {
    }

    /** Parses PostgreSQL's notation, as {@code pg_current_wal_lsn()::text} prints it. */
    public static long parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 1 || slash == text.length() - 1) {
            throw new IllegalArgumentException("not an LSN: " + text);
        }
        try {
            return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an LSN: " + text, e);
        }
    }

    /** The inverse of {@link #parse(String)}. */
    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }
}
