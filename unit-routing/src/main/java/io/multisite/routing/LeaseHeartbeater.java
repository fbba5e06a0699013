package io.multisite.routing;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this instance's heartbeat every {@code heartbeatInterval} to every partition of the
 * heartbeat topic with {@code acks=all}, and renews the {@link SiteLease} from the send time of
 * each heartbeat that any partition acknowledges.
 *
 * <p>The heartbeats are also how the failover-controller knows the site is alive, so the lease
 * and the controller's view are fed by the same records. With {@code min.insync.replicas=2}, a
 * site cut off from the Kafka majority can get no ack at all, so its lease simply runs out.
 */
public final class LeaseHeartbeater implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaseHeartbeater.class);

    private final Producer<String, String> producer;
    private final String topic;
    private final String site;
    private final String instance;
    private final SiteLease lease;
    private final Duration interval;
    private final NanoClock nanoClock;
    private final Clock wallClock;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "lease-heartbeat");
        thread.setDaemon(true);
        return thread;
    });

    public LeaseHeartbeater(Producer<String, String> producer, String topic, String site, String instance,
                            SiteLease lease, Duration interval, NanoClock nanoClock, Clock wallClock) {
        this.producer = producer;
        this.topic = topic;
        this.site = RoutingTable.requireValidSiteId(site);
        this.instance = instance;
        this.lease = lease;
        this.interval = interval;
        this.nanoClock = nanoClock;
        this.wallClock = wallClock;
    }

    /** A heartbeater with its own producer, tuned so that no ack can arrive after it is useless. */
    public static LeaseHeartbeater create(String bootstrapServers, String site, String instance, SiteLease lease, SiteTimings timings) {
        KafkaProducer<String, String> producer = new KafkaProducer<>(
                producerConfig(bootstrapServers, instance, timings), new StringSerializer(), new StringSerializer());
        return new LeaseHeartbeater(producer, MultisiteTopics.HEARTBEATS, site, instance, lease,
                timings.heartbeatInterval(), NanoClock.SYSTEM, Clock.systemUTC());
    }

    public static Map<String, Object> producerConfig(String bootstrapServers, String clientId, SiteTimings timings) {
        int leaseMillis = (int) timings.leaseDuration().toMillis();
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-heartbeat");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // An ack later than one lease after the send renews nothing, so give up on it by then.
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, leaseMillis);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, leaseMillis);
        // Never let a send block the heartbeat thread for longer than one interval.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timings.heartbeatInterval().toMillis() / 2);
        config.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
        config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        config.put(ProducerConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, 1000);
        config.put(ProducerConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, 2000);
        config.put(ProducerConfig.METADATA_MAX_AGE_CONFIG, 5000);
        return config;
    }

    public LeaseHeartbeater start() {
        scheduler.scheduleAtFixedRate(this::beatSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Heartbeats acknowledged so far (any partition), for metrics and tests. */
    public long acknowledged() {
        return acknowledged.get();
    }

    /** Sends one round of heartbeats, one per partition. */
    void beat() {
        long sentAt = nanoClock.nanoTime();
        long seq = sequence.incrementAndGet();
        String value = "{\"site\":\"" + site + "\",\"instance\":\"" + jsonEscape(instance) + "\",\"seq\":" + seq
                + ",\"sentAt\":\"" + wallClock.instant() + "\"}";
        List<PartitionInfo> partitions = producer.partitionsFor(topic);
        for (PartitionInfo partition : partitions) {
            producer.send(new ProducerRecord<>(topic, partition.partition(), site, value), (metadata, exception) -> {
                if (exception == null) {
                    lease.renewFromSend(sentAt);
                    acknowledged.incrementAndGet();
                }
            });
        }
    }

    private void beatSafely() {
        try {
            beat();
        } catch (RuntimeException e) {
            // The lease simply is not renewed; the next beat tries again.
            log.warn("heartbeat of {} not sent: {}", site, e.toString());
        }
    }

    private static String jsonEscape(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        producer.close(Duration.ofSeconds(1));
    }
}
