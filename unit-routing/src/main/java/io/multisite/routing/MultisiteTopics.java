package io.multisite.routing;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Kafka topics that routing and liveness run on, and how they are created. */
public final class MultisiteTopics {

    /** How long a starting service keeps trying to create its topics before it gives up. */
    public static final Duration STARTUP_PATIENCE = Duration.ofMinutes(3);

    private static final Logger log = LoggerFactory.getLogger(MultisiteTopics.class);

    /** Compacted, one partition: the latest routing table is always the last record of its key. */
    public static final String ROUTING = "multisite.routing";
    public static final String ROUTING_KEY = "routing-table";

    /**
     * One partition per broker so that leaders are spread: a heartbeat is sent to every partition
     * and any acknowledged one renews the lease, so losing the broker that leads one partition
     * costs no site its lease.
     */
    public static final String HEARTBEATS = "multisite.heartbeats";

    /** Every routing change as an audit event, written in the same transaction as the table. */
    public static final String ROUTING_EVENTS = "multisite.routing-events";

    /**
     * Admin commands, and the controllers' election: one partition, and the failover-controller
     * whose consumer-group member owns it is the leader. Any instance accepts a command and
     * writes it here; the leader, and only the leader, reads and carries it out, committing the
     * offset afterwards, so a command survives a change of leader.
     */
    public static final String CONTROLLER_COMMANDS = "multisite.controller-commands";

    /**
     * Compacted, one partition: each site's replication watermarks and each site's own WAL position
     * ({@link PositionReport}), which together tell the controller when a unit's new owner has caught up.
     */
    public static final String WATERMARKS = "multisite.replication-watermarks";

    private MultisiteTopics() {
    }

    public static ProducerRecord<String, byte[]> routingRecord(RoutingTable table) {
        return new ProducerRecord<>(ROUTING, 0, ROUTING_KEY, RoutingTableJson.writeBytes(table));
    }

    /**
     * {@link #ensureCreated(Admin, int)} with a short-lived admin client: what a service calls at
     * start-up, since any instance may be the first. See {@link #ensureCreated(String, Collection)}.
     */
    public static void ensureCreated(String bootstrapServers, int brokers) {
        ensureCreated(bootstrapServers, topics(brokers));
    }

    /**
     * Creates the topics that are missing, trying again for up to {@link #STARTUP_PATIENCE}. When a
     * whole deployment starts at once, one attempt can time out (brokers still electing, a loaded
     * machine); a service that gave up would exit, and nothing restarts it. Fails with an unchecked
     * exception after that.
     */
    public static void ensureCreated(String bootstrapServers, Collection<NewTopic> topics) {
        long deadline = System.nanoTime() + STARTUP_PATIENCE.toNanos();
        while (true) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
                create(admin, topics);
                return;
            } catch (ExecutionException | TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not create topics on " + bootstrapServers + " within " + STARTUP_PATIENCE, e);
                }
                log.warn("creating topics on {} failed, trying again: {}", bootstrapServers, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating topics", e);
            }
        }
    }

    /**
     * Creates the topics if they are missing; safe to call from every instance at start-up.
     *
     * @param brokers the number of brokers: the replication factor and the heartbeat partition count
     */
    public static void ensureCreated(Admin admin, int brokers) throws InterruptedException, ExecutionException, TimeoutException {
        create(admin, topics(brokers));
    }

    private static List<NewTopic> topics(int brokers) {
        short replicationFactor = (short) brokers;
        String minInsync = String.valueOf(Math.min(2, brokers));
        NewTopic routing = new NewTopic(ROUTING, 1, replicationFactor).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minInsync,
                TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "false"));
        NewTopic heartbeats = new NewTopic(HEARTBEATS, brokers, replicationFactor).configs(Map.of(
                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(TimeUnit.HOURS.toMillis(1)),
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minInsync,
                TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "false"));
        Map<String, String> durable = Map.of(
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minInsync,
                TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "false");
        NewTopic events = new NewTopic(ROUTING_EVENTS, 1, replicationFactor).configs(durable);
        NewTopic commands = new NewTopic(CONTROLLER_COMMANDS, 1, replicationFactor).configs(durable);
        return List.of(routing, heartbeats, events, commands, watermarks(brokers));
    }

    /** The {@link #WATERMARKS} topic, as every service that writes or reads it creates it. */
    public static NewTopic watermarks(int brokers) {
        return new NewTopic(WATERMARKS, 1, (short) brokers).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(Math.min(2, brokers)),
                TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "false"));
    }

    private static void create(Admin admin, Collection<NewTopic> topics) throws InterruptedException, ExecutionException, TimeoutException {
        for (NewTopic topic : topics) {
            try {
                admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }
}
