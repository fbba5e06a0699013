package io.multisite.routing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the current routing table by reading the compacted routing topic from the beginning and
 * then following it.
 *
 * <p>Only committed records are read (the controller writes transactionally, so an aborted write
 * of a deposed leader is never seen), and a table is taken only if its epoch is higher than the one
 * held: a stale or replayed record can never move a follower backwards. A record that does not
 * parse is logged and skipped rather than stopping the follower.
 */
public final class RoutingTableFollower implements RoutingTableSource, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RoutingTableFollower.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final TopicPartition partition;
    private final AtomicReference<RoutingTable> current = new AtomicReference<>();
    private final List<Consumer<RoutingTable>> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> caughtUpActions = new CopyOnWriteArrayList<>();
    private final Object epochMonitor = new Object();
    private final Thread thread;
    private volatile boolean caughtUp;
    private volatile boolean running = true;

    public RoutingTableFollower(String bootstrapServers, String clientId) {
        this(consumerConfig(bootstrapServers, clientId), MultisiteTopics.ROUTING);
    }

    public RoutingTableFollower(Map<String, Object> consumerConfig, String topic) {
        this.consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        this.partition = new TopicPartition(topic, 0);
        this.thread = new Thread(this::run, "routing-follower");
        this.thread.setDaemon(true);
    }

    public static Map<String, Object> consumerConfig(String bootstrapServers, String clientId) {
        Map<String, Object> config = KafkaClientDefaults.config(bootstrapServers, clientId);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // fetch.max.wait.ms stays at its default (500 ms): it bounds only how long the broker parks
        // an idle fetch; a new table (its commit marker) completes the parked fetch at once. A
        // smaller value buys no latency and multiplies idle requests by every follower in the system.
        return config;
    }

    public RoutingTableFollower start() {
        thread.start();
        return this;
    }

    @Override
    public Optional<RoutingTable> current() {
        return Optional.ofNullable(current.get());
    }

    /** True once the follower has read everything that was in the topic when it last checked. */
    public boolean isCaughtUp() {
        return caughtUp;
    }

    /**
     * Runs {@code action} once, as soon as the follower is caught up: at once if it already is,
     * else on the follower's thread when it gets there. Lets a reader that found the follower not
     * yet caught up act on arrival instead of polling for it.
     */
    public void whenCaughtUp(Runnable action) {
        caughtUpActions.add(action);
        if (caughtUp) {
            runOnce(action);
        }
    }

    private void runOnce(Runnable action) {
        // Removal decides who runs it when the registering thread and the follower's race.
        if (caughtUpActions.remove(action)) {
            action.run();
        }
    }

    /** Called on the follower's thread with every table that raises the epoch. */
    public void addListener(Consumer<RoutingTable> listener) {
        listeners.add(listener);
    }

    /** Waits until a table of at least {@code epoch} is held; returns it, or empty on timeout. */
    public Optional<RoutingTable> awaitEpoch(long epoch, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (epochMonitor) {
            while (true) {
                RoutingTable table = current.get();
                if (table != null && table.epoch() >= epoch) {
                    return Optional.of(table);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                epochMonitor.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    private void run() {
        try {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            while (running) {
                try {
                    pollOnce();
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // Brokers come and go; the table held stays valid (a newer one can only
                    // take ownership away, and the controller waits for this site's fence
                    // acknowledgement before completing a planned move).
                    log.warn("routing follower could not read {}: {}", partition, e.toString());
                    backOff();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
    }

    private void pollOnce() {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            accept(record);
        }
        if (!caughtUp) {
            Long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(2)).get(partition);
            caughtUp = end != null && consumer.position(partition) >= end;
            if (caughtUp) {
                caughtUpActions.forEach(this::runOnce);
            }
        }
    }

    private void backOff() {
        try {
            // Paces retries after a failed poll (broker away); readiness itself is the caught-up check.
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return;
        }
        RoutingTable table;
        try {
            table = RoutingTableJson.read(record.value());
        } catch (IllegalArgumentException e) {
            log.warn("skipping unreadable routing record at offset {}: {}", record.offset(), e.getMessage());
            return;
        }
        RoutingTable held = current.get();
        if (held != null && table.epoch() <= held.epoch()) {
            return;
        }
        current.set(table);
        synchronized (epochMonitor) {
            epochMonitor.notifyAll();
        }
        for (Consumer<RoutingTable> listener : listeners) {
            try {
                listener.accept(table);
            } catch (RuntimeException e) {
                log.warn("routing listener failed on epoch {}", table.epoch(), e);
            }
        }
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
