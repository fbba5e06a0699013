package io.multisite.replication.watermark;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToIntFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.replication.catalog.Catalog;
import io.multisite.replication.catalog.ReplicatedTable;
import io.multisite.replication.catalog.Topics;
import io.multisite.replication.event.WatermarkMarker;
import org.apache.kafka.common.TopicPartition;

/**
 * The applied-through position per origin site and database. A marker says "everything before me
 * on this partition"; the origin's changes of one database are spread over the partitions of
 * several topics, so the watermark is the lowest marker position over all of them, and exists only
 * once every one of them has delivered a marker.
 */
public final class Watermarks {

    private final String site;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Map<Key, Map<TopicPartition, WatermarkMarker>> markers = new HashMap<>();
    private final Map<Key, Watermark> current = new ConcurrentHashMap<>();
    private final List<Runnable> advanceListeners = new CopyOnWriteArrayList<>();

    public Watermarks(String site, Clock clock, MeterRegistry meters) {
        this.site = site;
        this.clock = clock;
        this.meters = meters;
    }

    /**
     * Records a marker applied on a partition (called by the sink after the batch committed).
     *
     * @param partitionCount the number of partitions of a topic
     */
    public void markerApplied(TopicPartition partition, WatermarkMarker marker, ToIntFunction<String> partitionCount) {
        if (advance(partition, marker, partitionCount)) {
            advanceListeners.forEach(Runnable::run);
        }
    }

    /**
     * Called, on the sink's thread and outside any lock of this class, each time a watermark
     * advances; a listener must hand off rather than block.
     */
    public void onAdvance(Runnable listener) {
        advanceListeners.add(listener);
    }

    /** @return true if the origin's watermark for the marker's database moved forward */
    private synchronized boolean advance(TopicPartition partition, WatermarkMarker marker, ToIntFunction<String> partitionCount) {
        if (marker.origin().equals(site)) {
            return false; // this site's own sessions topic is read for the local fan-out only
        }
        Key key = new Key(marker.origin(), marker.database());
        Map<TopicPartition, WatermarkMarker> byPartition = markers.computeIfAbsent(key, k -> new HashMap<>());
        byPartition.merge(partition, marker, (old, now) -> now.lsn() >= old.lsn() ? now : old);
        WatermarkMarker lowest = null;
        for (ReplicatedTable table : Catalog.tablesOf(marker.database())) {
            String topic = Topics.of(marker.origin(), table);
            for (int p = 0, n = partitionCount.applyAsInt(topic); p < n; p++) {
                WatermarkMarker seen = byPartition.get(new TopicPartition(topic, p));
                if (seen == null) {
                    return false;
                }
                if (lowest == null || seen.lsn() < lowest.lsn()) {
                    lowest = seen;
                }
            }
        }
        if (lowest == null) {
            return false;
        }
        Watermark previous = current.get(key);
        if (previous != null && lowest.lsn() <= previous.lsn()) {
            return false;
        }
        if (previous == null) {
            registerGauges(key);
        }
        current.put(key, new Watermark(site, key.origin(), key.database(), lowest.lsn(),
                Instant.ofEpochMilli(lowest.committedAtMillis()), clock.instant()));
        return true;
    }

    public List<Watermark> all() {
        return current.values().stream()
                .sorted(Comparator.comparing(Watermark::origin).thenComparing(Watermark::database))
                .toList();
    }

    public Optional<Watermark> of(String origin, String database) {
        return Optional.ofNullable(current.get(new Key(origin, database)));
    }

    private void registerGauges(Key key) {
        Gauge.builder("replication.watermark.lsn", () -> current.get(key).lsn())
                .description("origin WAL position applied through").tags("origin", key.origin(), "database", key.database())
                .register(meters);
        Gauge.builder("replication.watermark.age", () -> (clock.millis() - current.get(key).committedAt().toEpochMilli()) / 1000.0)
                .description("how old, in seconds, the newest origin commit known applied is; grows when replication stalls")
                .baseUnit("seconds").tags("origin", key.origin(), "database", key.database())
                .register(meters);
    }

    private record Key(String origin, String database) {
    }
}
