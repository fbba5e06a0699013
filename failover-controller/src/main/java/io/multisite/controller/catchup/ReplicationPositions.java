package io.multisite.controller.catchup;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

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
 * Follows the watermarks topic: what each site has applied of each other site's changes, and
 * where each site's own database had written up to when it last reported. Read from the
 * beginning, so a new leader knows as much as the old one did.
 */
public final class ReplicationPositions implements CatchUp, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicationPositions.class);

    private final KafkaConsumer<String, String> consumer;
    private final Map<String, PositionReport> latest = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    public ReplicationPositions(String bootstrapServers, String clientId) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-positions");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
        this.thread = new Thread(this::run, "replication-positions");
        this.thread.setDaemon(true);
    }

    public ReplicationPositions start() {
        consumer.assign(List.of(new TopicPartition(MultisiteTopics.WATERMARKS, 0)));
        consumer.seekToBeginning(consumer.assignment());
        thread.start();
        return this;
    }

    /** Takes one report into account; newer epochs, then higher positions, win. */
    public void accept(PositionReport report) {
        latest.merge(report.key(), report, (old, now) ->
                now.epoch() > old.epoch() || (now.epoch() == old.epoch() && now.lsn() >= old.lsn()) ? now : old);
    }

    @Override
    public Optional<PositionReport> ownPosition(String site, String database) {
        return Optional.ofNullable(latest.get(PositionReport.key(site, site, database)));
    }

    @Override
    public OptionalLong watermark(String site, String origin, String database) {
        PositionReport report = latest.get(PositionReport.key(site, origin, database));
        return report == null ? OptionalLong.empty() : OptionalLong.of(report.lsn());
    }

    private void run() {
        while (running) {
            try {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() == null) {
                        continue;
                    }
                    try {
                        accept(PositionReport.fromJson(record.value()));
                    } catch (IllegalArgumentException e) {
                        log.warn("skipping record {} of {}: {}", record.offset(), MultisiteTopics.WATERMARKS, e.getMessage());
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("reading {} failed, retrying: {}", MultisiteTopics.WATERMARKS, e.toString());
            }
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(1));
    }
}
