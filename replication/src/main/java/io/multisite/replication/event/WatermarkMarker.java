package io.multisite.replication.event;

/**
 * "Every change of {@code database} that {@code origin} committed before {@code lsn} is on this
 * topic partition, ahead of this marker." The source writes one to every partition of every topic
 * of the database, after the changes before it are acknowledged by Kafka; a sink that has applied
 * the marker on every partition has applied everything before {@code lsn}.
 */
public record WatermarkMarker(String origin, String database, long lsn, long committedAtMillis) implements ReplicationEvent {
}
