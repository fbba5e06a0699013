package io.multisite.controller.leadership;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import io.multisite.routing.KafkaClientDefaults;
import io.multisite.routing.MultisiteTopics;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election with Kafka's group protocol: every controller instance joins one consumer
 * group on the single-partition command topic, and the member that is assigned the partition
 * leads. The leader is also the one that receives the admin commands written to that topic; it
 * commits a command's offset only after carrying it out, so a command outlives its leader.
 *
 * <p>Kafka's group coordinator guarantees at most one owner of the partition per generation, but a
 * deposed leader may not know it yet (it is partitioned, or paused). That is harmless because
 * the leader writes the routing table only through a transactional producer with one fixed
 * transactional.id: the new leader's {@code initTransactions} fences the old one, whose next
 * commit fails. The election decides who <em>should</em> write; the fencing makes sure only one <em>can</em>.
 */
public final class Leadership implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Leadership.class);
    public static final String GROUP = "multisite-controller";

    private final Consumer<String, String> consumer;
    private final java.util.function.Consumer<String> commands;
    private final Thread thread;
    private volatile boolean leader;
    private volatile boolean running = true;

    public Leadership(String bootstrapServers, String instanceId, Duration sessionTimeout, java.util.function.Consumer<String> commands) {
        this(new KafkaConsumer<>(config(bootstrapServers, instanceId, sessionTimeout), new StringDeserializer(), new StringDeserializer()),
                commands);
    }

    /** With any consumer of the command topic: the tests use one that fails on demand. */
    Leadership(Consumer<String, String> consumer, java.util.function.Consumer<String> commands) {
        this.consumer = consumer;
        this.commands = commands;
        this.thread = new Thread(this::run, "controller-election");
        this.thread.setDaemon(true);
    }

    private static Map<String, Object> config(String bootstrapServers, String instanceId, Duration sessionTimeout) {
        Map<String, Object> config = KafkaClientDefaults.config(bootstrapServers, instanceId + "-election");
        config.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A command written before the first leader ever joined is still carried out.
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        // How long a dead leader keeps the partition: the controller's own failover time.
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(200, sessionTimeout.toMillis() / 6));
        return config;
    }

    public Leadership start() {
        thread.start();
        return this;
    }

    public boolean isLeader() {
        return leader;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(MultisiteTopics.CONTROLLER_COMMANDS), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty() && !leader) {
                        leader = true;
                        log.info("this instance now leads the failover-controllers");
                    }
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    stepDown(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    stepDown(partitions);
                }
            });
            while (running) {
                try {
                    ConsumerRecords<String, String> polled = consumer.poll(Duration.ofMillis(200));
                    for (ConsumerRecord<String, String> command : polled) {
                        if (leader && command.value() != null) {
                            try {
                                commands.accept(command.value());
                            } catch (RuntimeException e) {
                                // A command that cannot be carried out must not block the ones behind it.
                                log.warn("admin command refused: {}", e.getMessage());
                            }
                        }
                    }
                    if (!polled.isEmpty()) {
                        consumer.commitSync();
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // Leadership is the assignment, which only the rebalance callbacks change: a lost
                    // membership reaches onPartitionsLost at the next poll. Stepping down here instead
                    // left an instance holding the partition but not leading: it skipped and committed
                    // every command, and no other instance could lead until the next rebalance.
                    leader = !consumer.assignment().isEmpty();
                    log.warn("election consumer failed ({}), {}", e.toString(), leader ? "still leading" : "not leading");
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            leader = false;
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void stepDown(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty() && leader) {
            leader = false;
            log.info("this instance no longer leads the failover-controllers");
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
