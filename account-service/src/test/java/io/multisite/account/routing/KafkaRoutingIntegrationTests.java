package io.multisite.account.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.multisite.account.Api;
import io.multisite.account.TestApplication;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.PositionReport;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableFollower;
import io.multisite.testsupport.Docker;
import io.multisite.testsupport.TestDatabase;
import io.multisite.testsupport.TestRouting;
import io.multisite.testsupport.TestUsers;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The production wiring ({@code multisite.kafka.enabled=true}) against a real, in-process Kafka
 * broker: the instance creates the topics, follows the routing table, renews its lease with
 * heartbeats, becomes ready only once it holds a table, and reports its WAL position as soon as it
 * reads a new one.
 */
class KafkaRoutingIntegrationTests {

    private EmbeddedKafkaBroker broker;
    private ConfigurableApplicationContext context;

    @BeforeAll
    static void requireDocker() {
        Docker.require();
    }

    @BeforeEach
    void startBroker() {
        broker = new EmbeddedKafkaKraftBroker(1, 1).brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.close();
        }
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void becomesReadyAndAdmitsWritesOnceItFollowsATableAndHoldsALease() throws Exception {
        context = TestApplication.start("site-a", TestDatabase.ACCOUNTS, null,
                "--multisite.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--multisite.kafka.brokers=1");
        Api api = new Api(TestApplication.port(context));
        TestApplication.jdbc(context).sql("TRUNCATE users, accounts, ledger_entry, transfers, sessions").update();
        String user = TestUsers.homedAt("site-a", "kafka");

        Api.Response notReady = api.get("/actuator/health/readiness", null);
        Api.Response refused = api.register(user, 100);

        assertThat(notReady.status()).isEqualTo(503);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.error()).isEqualTo("no_routing_table");
        assertThat(context.getBeanNamesForType(RoutingTableFollower.class)).hasSize(1);

        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(MultisiteTopics.routingRecord(TestRouting.INITIAL)).get();
        }

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(api.get("/actuator/health/readiness", null).status()).isEqualTo(200));
        // A credit needs the lease, which only acknowledged heartbeats give.
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(api.register(user, 100).status()).isEqualTo(201));
        assertThat(TestApplication.jdbc(context).sql("SELECT balance FROM accounts WHERE user_id = ?").param(user)
                .query(Long.class).single()).isEqualTo(100);
    }

    @Test
    void reportsItsWalPositionAsSoonAsItReadsANewEpochNotAtTheNextInterval() throws Exception {
        // An hour between periodic reports: only the new table can prompt the reports awaited below.
        context = TestApplication.start("site-a", TestDatabase.ACCOUNTS, null,
                "--multisite.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--multisite.kafka.brokers=1",
                "--multisite.position-report-interval=1h");
        RoutingTable fenced = TestRouting.INITIAL.fence(TestRouting.INITIAL.unitsOwnedBy("site-a").get(0), "site-b");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()),
                new StringSerializer(), new ByteArraySerializer());
             KafkaConsumer<String, String> reports = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                     ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            reports.assign(List.of(new TopicPartition(MultisiteTopics.WATERMARKS, 0)));
            List<PositionReport> seen = new ArrayList<>();

            producer.send(MultisiteTopics.routingRecord(TestRouting.INITIAL)).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> ownReports(reports, seen).stream().anyMatch(r -> r.epoch() == 1));
            producer.send(MultisiteTopics.routingRecord(fenced)).get();

            await().atMost(Duration.ofSeconds(10)).until(() -> ownReports(reports, seen).stream().anyMatch(r -> r.epoch() == 2));
            assertThat(seen).allSatisfy(r -> assertThat(r.database()).isEqualTo(TestDatabase.ACCOUNTS));
        }
    }

    /** Every own-position report of site-a read so far. */
    private static List<PositionReport> ownReports(KafkaConsumer<String, String> consumer, List<PositionReport> seen) {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> {
            PositionReport report = PositionReport.fromJson(record.value());
            if (report.isOwnPosition() && report.site().equals("site-a")) {
                seen.add(report);
            }
        });
        return seen;
    }
}
