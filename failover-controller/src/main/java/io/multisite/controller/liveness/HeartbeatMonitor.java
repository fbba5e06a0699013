package io.multisite.controller.liveness;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import io.multisite.routing.KafkaClientDefaults;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.NanoClock;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every site's heartbeats and says how long each has been silent.
 *
 * <p>Silence is measured on this process's monotonic clock from the moment a heartbeat was
 * <em>read</em> (or this monitor's start, for a site never heard from) up to the last moment at
 * which the monitor is known to have read the whole topic. A monitor that is behind therefore
 * never sees silence where there are heartbeats (see docs/architecture.md, "Leases and timings").
 */
public final class HeartbeatMonitor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HeartbeatMonitor.class);

    private final KafkaConsumer<String, String> consumer;
    private final NanoClock clock;
    private final long startedAt;
    private final Map<String, Long> lastHeard = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile long caughtUpAt;
    private volatile boolean everCaughtUp;
    private volatile boolean running = true;

    public HeartbeatMonitor(String bootstrapServers, String clientId, NanoClock clock) {
        // A partition led by a cut-off broker must not hide silence for the default 30 s request timeout.
        Map<String, Object> config = KafkaClientDefaults.config(bootstrapServers, clientId + "-heartbeats");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
        this.clock = clock;
        this.startedAt = clock.nanoTime();
        this.thread = new Thread(this::run, "heartbeat-monitor");
        this.thread.setDaemon(true);
    }

    public HeartbeatMonitor start() {
        thread.start();
        return this;
    }

    /**
     * How long the site has been silent, as far as this monitor can vouch: from its last heartbeat
     * read (or this monitor's start) up to the last moment at which the monitor had read
     * everything the topic held. Counting only up to that moment means a monitor that falls
     * behind sees silence grow more slowly, never faster, so it can only declare a site dead
     * late, never early.
     */
    public Duration silence(String site) {
        if (!everCaughtUp) {
            return Duration.ZERO;
        }
        long last = lastHeard.getOrDefault(site, startedAt);
        return Duration.ofNanos(Math.max(0, caughtUpAt - last));
    }

    /** Whether this monitor has read any heartbeat of the site since it started. */
    public boolean heardFrom(String site) {
        return lastHeard.containsKey(site);
    }

    /** Whether a heartbeat of the site was read after the given instant of this monitor's clock. */
    public boolean heardSince(String site, long nanos) {
        Long last = lastHeard.get(site);
        return last != null && last - nanos > 0;
    }

    private void run() {
        try {
            List<TopicPartition> partitions = null;
            Map<TopicPartition, Long> target = null;
            long targetTakenAt = 0;
            while (running) {
                try {
                    if (partitions == null) {
                        partitions = consumer.partitionsFor(MultisiteTopics.HEARTBEATS, Duration.ofSeconds(2)).stream()
                                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                        if (partitions.isEmpty()) {
                            partitions = null;
                            Thread.sleep(500); // paces retries: the topic is not created yet
                            continue;
                        }
                        consumer.assign(partitions);
                        // Only fresh heartbeats say anything about liveness now.
                        consumer.seekToEnd(partitions);
                    }
                    // The end offsets are taken first and the reading catches up with them: "position at
                    // the end offsets read just now" is rarely true while every site heartbeats into the
                    // topic (a busy deployment never caught up by that test, and so never saw silence).
                    if (target == null) {
                        targetTakenAt = clock.nanoTime();
                        target = consumer.endOffsets(partitions, Duration.ofSeconds(1));
                    }
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                        if (record.key() != null) {
                            lastHeard.put(record.key(), clock.nanoTime());
                        }
                    }
                    boolean reached = true;
                    for (TopicPartition partition : partitions) {
                        reached &= consumer.position(partition) >= target.get(partition);
                    }
                    if (reached) {
                        // Every heartbeat acknowledged before targetTakenAt has now been read.
                        caughtUpAt = targetTakenAt;
                        everCaughtUp = true;
                        target = null;
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    log.warn("heartbeat monitor could not read: {}", e.toString());
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
    }

    /** Sites heard from at least once, for the console. */
    public Set<String> knownSites() {
        return lastHeard.keySet().stream().collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
