package io.multisite.controller.catchup;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

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
 * Follows the watermarks topic: what each site has applied of each other site's changes, and
 * where each site's own database had written up to when it last reported. Read from the
 * beginning, so a new leader knows as much as the old one did.
 */
public final class ReplicationPositions implements CatchUp, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicationPositions.class);
    /** Own positions kept per site and database: about this many seconds at one report a second. */
    private static final int HISTORY = 32;

    private final KafkaConsumer<String, String> consumer;
    private final Map<String, PositionReport> latest = new ConcurrentHashMap<>();
    private final Map<String, Deque<PositionReport>> ownHistory = new ConcurrentHashMap<>();
    private final List<Consumer<PositionReport>> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public ReplicationPositions(String bootstrapServers, String clientId) {
        Map<String, Object> config = KafkaClientDefaults.config(bootstrapServers, clientId + "-positions");
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
        if (report.isOwnPosition()) {
            Deque<PositionReport> history = ownHistory.computeIfAbsent(report.key(), key -> new ArrayDeque<>());
            synchronized (history) {
                if (history.isEmpty() || report.lsn() >= history.peekLast().lsn()) {
                    history.addLast(report);
                    if (history.size() > HISTORY) {
                        history.removeFirst();
                    }
                }
            }
        }
        for (Consumer<PositionReport> listener : listeners) {
            try {
                listener.accept(report);
            } catch (RuntimeException e) {
                log.warn("position listener failed on {}", report.key(), e);
            }
        }
    }

    @Override
    public void addListener(Consumer<PositionReport> listener) {
        listeners.add(listener);
    }

    @Override
    public Optional<PositionReport> ownPosition(String site, String database) {
        return Optional.ofNullable(latest.get(PositionReport.key(site, site, database)));
    }

    @Override
    public List<PositionReport> recentOwnPositions(String site, String database) {
        Deque<PositionReport> history = ownHistory.get(PositionReport.key(site, site, database));
        if (history == null) {
            return List.of();
        }
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    @Override
    public OptionalLong watermark(String site, String origin, String database) {
        PositionReport report = latest.get(PositionReport.key(site, origin, database));
        return report == null ? OptionalLong.empty() : OptionalLong.of(report.lsn());
    }

    /** The latest report of {@code site} about {@code origin} (its own position when they are equal), for the console. */
    public Optional<PositionReport> latest(String site, String origin, String database) {
        return Optional.ofNullable(latest.get(PositionReport.key(site, origin, database)));
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
