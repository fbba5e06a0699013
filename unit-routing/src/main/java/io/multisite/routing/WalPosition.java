package io.multisite.routing;

/** Where this site's own database has written up to: its name and {@code pg_current_wal_lsn()}. */
@FunctionalInterface
public interface WalPosition {

    Position current();

    record Position(String database, long lsn) {
    }
}
