package io.multisite.replication.source;

import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.multisite.routing.KafkaClientDefaults;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.PositionReport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls the heartbeat forward when this site gives a unit up.
 *
 * <p>A unit fenced away from this site turns ACTIVE at its new owner once that owner has applied
 * this site's changes up to the position this site reported at the fence's epoch. The new owner's
 * watermark moves only when a {@link io.multisite.replication.event.WatermarkMarker marker} arrives,
 * and a marker follows a heartbeat row, written every heartbeat interval: the wait for the next one
 * (up to a second) was the one timer left in a planned switchover. So this follows the site's own
 * position reports and, on the first report at an epoch not seen before, writes the heartbeat row at
 * once. That row commits after the reported position was read, so the marker it produces covers the
 * report. Reports at an epoch already seen (every second, from every instance) change nothing and
 * cost nothing; a missed beat only means waiting for the regular one.
 */
public final class HandOverBeats implements AutoCloseable {

    /** What a capture does on request: write its heartbeat row now. */
    @FunctionalInterface
    interface Heartbeat {
        void beatNow() throws SQLException;
    }

    private static final Logger log = LoggerFactory.getLogger(HandOverBeats.class);

    private final String site;
    private final Map<String, Heartbeat> heartbeats;
    private final Map<String, Long> beatEpochs = new HashMap<>();
    private volatile KafkaConsumer<String, String> consumer;
    private volatile Thread thread;

    /** @param heartbeats by PostgreSQL database name, as the position reports name it */
    HandOverBeats(String site, Map<String, Heartbeat> heartbeats) {
        this.site = site;
        this.heartbeats = Map.copyOf(heartbeats);
    }

    public static HandOverBeats of(String site, List<DatabaseCapture> captures) {
        Map<String, Heartbeat> heartbeats = new HashMap<>();
        captures.forEach(capture -> heartbeats.put(capture.databaseName(), capture::beatNow));
        return new HandOverBeats(site, heartbeats);
    }

    /** Follows the watermarks topic from its end: only reports made from now on can be waited for. */
    public HandOverBeats start(String bootstrapServers) {
        Map<String, Object> config = KafkaClientDefaults.config(bootstrapServers, "replication-" + site + "-hand-over-beats");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, String> follower = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
        follower.assign(List.of(new TopicPartition(MultisiteTopics.WATERMARKS, 0)));
        follower.seekToEnd(follower.assignment());
        consumer = follower;
        thread = new Thread(() -> follow(follower), "hand-over-beats");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void follow(KafkaConsumer<String, String> follower) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<String, String> record : follower.poll(Duration.ofSeconds(1))) {
                    if (record.value() != null) {
                        accept(record.value());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.warn("stopped following position reports; hand-overs wait for the regular heartbeat: {}", e.toString());
        } finally {
            follower.close(Duration.ofSeconds(1));
        }
    }

    /**
     * Takes one record of the watermarks topic into account.
     *
     * @return true when it wrote a heartbeat row
     */
    boolean accept(String value) {
        PositionReport report;
        try {
            report = PositionReport.fromJson(value);
        } catch (IllegalArgumentException e) {
            return false;
        }
        Heartbeat heartbeat = heartbeats.get(report.database());
        if (!report.isOwnPosition() || !report.site().equals(site) || heartbeat == null) {
            return false;
        }
        Long beaten = beatEpochs.get(report.database());
        if (beaten != null && report.epoch() <= beaten) {
            return false;
        }
        try {
            heartbeat.beatNow();
        } catch (SQLException | RuntimeException e) {
            // Not recorded, so the next report at this epoch tries again; the regular heartbeat follows anyway.
            log.warn("heartbeat of {} for the report at epoch {} not written: {}", report.database(), report.epoch(), e.toString());
            return false;
        }
        beatEpochs.put(report.database(), report.epoch());
        log.info("heartbeat of {} written at once for {}'s position report at epoch {}", report.database(), site, report.epoch());
        return true;
    }

    @Override
    public void close() {
        KafkaConsumer<String, String> follower = consumer;
        if (follower != null) {
            follower.wakeup();
        }
        Thread running = thread;
        if (running != null) {
            try {
                running.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
