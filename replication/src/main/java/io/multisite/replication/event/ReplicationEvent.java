package io.multisite.replication.event;

/**
 * What travels on a replication topic: a captured row, or a watermark marker. The format is the
 * project's own, not Debezium's envelope, so the sink depends on a documented contract
 * ({@link EventCodec}) rather than on a connector's internals.
 */
public sealed interface ReplicationEvent permits RowChange, WatermarkMarker {

    /** The site whose database produced the event. */
    String origin();

    String database();

    /** Position in the origin's write-ahead log (PostgreSQL LSN as a number). */
    long lsn();

    /** When the origin committed it, in epoch milliseconds (PostgreSQL's clock at the origin). */
    long committedAtMillis();
}
