package io.multisite.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The follower and the lease against a real (in-process, KRaft) Kafka broker. Each test gets its
 * own broker because one of them kills it.
 */
class RoutingKafkaIntegrationTests {

    private static final List<String> SITES = List.of("site-a", "site-b", "site-c");

    private EmbeddedKafkaBroker broker;
    private String bootstrap;

    @BeforeEach
    void startBroker() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, 1)
                .brokerProperties(Map.of(
                        "transaction.state.log.replication.factor", "1",
                        "transaction.state.log.min.isr", "1",
                        "group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        bootstrap = broker.getBrokersAsString();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            MultisiteTopics.ensureCreated(admin, 1);
            MultisiteTopics.ensureCreated(admin, 1); // idempotent: every instance calls it at start-up
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> admin.listTopics().names().get().containsAll(List.of(MultisiteTopics.ROUTING, MultisiteTopics.HEARTBEATS)));
        }
    }

    @AfterEach
    void stopBroker() {
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void followerCatchesUpKeepsTheHighestEpochAndFollowsNewTables() throws Exception {
        RoutingTable epoch1 = RoutingTable.initial(SITES, 64);
        RoutingTable epoch2 = epoch1.fence(0, "site-b");
        RoutingTable epoch3 = epoch2.completeMove(0);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(MultisiteTopics.routingRecord(epoch1)).get();
            producer.send(MultisiteTopics.routingRecord(epoch2)).get();
            producer.send(new ProducerRecord<>(MultisiteTopics.ROUTING, 0, MultisiteTopics.ROUTING_KEY, "garbage".getBytes())).get();
            producer.send(MultisiteTopics.routingRecord(epoch1)).get(); // a stale writer replays an old table

            try (RoutingTableFollower follower = new RoutingTableFollower(bootstrap, "test-follower")) {
                List<Optional<RoutingTable>> heldWhenCaughtUp = new java.util.concurrent.CopyOnWriteArrayList<>();
                follower.whenCaughtUp(() -> heldWhenCaughtUp.add(follower.current()));
                follower.start();
                assertThat(follower.awaitEpoch(2, Duration.ofSeconds(20))).contains(epoch2);
                await().atMost(Duration.ofSeconds(10)).until(follower::isCaughtUp);
                assertThat(follower.current()).as("stale and unreadable records are ignored").contains(epoch2);
                assertThat(heldWhenCaughtUp).as("run once, on arrival, with the whole topic read").containsExactly(Optional.of(epoch2));
                List<Boolean> lateRegistration = new java.util.ArrayList<>();
                follower.whenCaughtUp(() -> lateRegistration.add(follower.isCaughtUp()));
                assertThat(lateRegistration).as("run at once when already caught up").containsExactly(true);

                List<RoutingTable> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
                follower.addListener(seen::add);
                producer.send(MultisiteTopics.routingRecord(epoch3)).get();
                assertThat(follower.awaitEpoch(3, Duration.ofSeconds(10))).contains(epoch3);
                await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(epoch3));
            }
        }
    }

    @Test
    void followerNeverSeesATableFromAnAbortedTransaction() throws Exception {
        RoutingTable epoch1 = RoutingTable.initial(SITES, 64);
        try (KafkaProducer<String, byte[]> transactional = transactionalProducer()) {
            transactional.initTransactions();
            transactional.beginTransaction();
            transactional.send(MultisiteTopics.routingRecord(epoch1));
            transactional.commitTransaction();
            transactional.beginTransaction();
            transactional.send(MultisiteTopics.routingRecord(epoch1.markDead("site-c")));
            transactional.flush();
            transactional.abortTransaction();

            try (RoutingTableFollower follower = new RoutingTableFollower(bootstrap, "test-follower").start()) {
                await().atMost(Duration.ofSeconds(20)).until(follower::isCaughtUp);
                assertThat(follower.current()).contains(epoch1);
            }
        }
    }

    @Test
    void leaseIsHeldWhileHeartbeatsAreAcknowledgedAndLostWhenTheBrokerStops() {
        SiteTimings timings = SiteTimings.DEFAULTS;
        SiteLease lease = new SiteLease(timings.leaseDuration(), NanoClock.SYSTEM);
        try (LeaseHeartbeater heartbeater = LeaseHeartbeater.create(bootstrap, "site-a", "it-" + UUID.randomUUID(), lease, timings).start()) {
            await().atMost(Duration.ofSeconds(20)).until(lease::isValid);
            // Kept alive across several lease lengths: renewal works, not just the first ack.
            long acksBefore = heartbeater.acknowledged();
            await().atMost(Duration.ofSeconds(10)).until(() -> heartbeater.acknowledged() >= acksBefore + 6);
            assertThat(lease.isValid()).isTrue();
            assertThat(lease.remaining()).isGreaterThan(timings.leaseDuration().minus(timings.heartbeatInterval()).minusMillis(500));

            broker.destroy();
            broker = null;
            // No ack can arrive from here on, so no lease can end later than one lease from now.
            long stoppedAt = System.nanoTime();

            await().atMost(timings.leaseDuration().plusSeconds(2)).pollInterval(Duration.ofMillis(20)).until(() -> !lease.isValid());
            Duration heldAfterStop = Duration.ofNanos(System.nanoTime() - stoppedAt);
            assertThat(heldAfterStop).as("a lease never outlives its last acknowledged heartbeat").isLessThanOrEqualTo(timings.leaseDuration().plusMillis(200));
            long acksAtLoss = heartbeater.acknowledged();
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> !lease.isValid() && heartbeater.acknowledged() == acksAtLoss);
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer());
    }

    private KafkaProducer<String, byte[]> transactionalProducer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "routing-writer-test"), new StringSerializer(), new ByteArraySerializer());
    }
}
