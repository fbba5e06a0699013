package io.multisite.news.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

import io.multisite.news.Api;
import io.multisite.news.IntegrationTestSupport;
import io.multisite.news.TestApplication;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.RoutingTableFollower;
import io.multisite.routing.session.SessionTokens;
import io.multisite.routing.session.TokenClaims;
import io.multisite.testsupport.Docker;
import io.multisite.testsupport.TestDatabase;
import io.multisite.testsupport.TestRouting;
import io.multisite.testsupport.TestUsers;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The production wiring ({@code multisite.kafka.enabled=true}) against a real, in-process Kafka
 * broker: the instance creates the topics, follows the routing table, and becomes ready and takes
 * posts only once it holds a table.
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
    void becomesReadyAndTakesPostsOnceItFollowsATable() throws Exception {
        context = TestApplication.start("site-a", TestDatabase.NEWS, null,
                "--multisite.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--multisite.kafka.brokers=1");
        Api api = new Api(TestApplication.port(context));
        JdbcClient jdbc = TestApplication.jdbc(context);
        jdbc.sql("TRUNCATE posts, sessions").update();
        String token = login(jdbc, TestUsers.homedAt("site-a", "kafka"));

        Api.Response notReady = api.get("/actuator/health/readiness", null);
        Api.Response refused = api.createPost(token, "too early");

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
        Api.Response created = api.createPost(token, "hello over Kafka routing");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.header("X-Routing-Epoch")).contains(String.valueOf(TestRouting.INITIAL.epoch()));
    }

    /** A session as account-service writes it and the replication service copies it here. */
    private static String login(JdbcClient jdbc, String userId) {
        UUID sessionId = UUID.randomUUID();
        Instant expiresAt = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        jdbc.sql("SELECT apply_session(:id, :user, :expires, false, :updated, 'site-a')")
                .param("id", sessionId)
                .param("user", userId)
                .param("expires", expiresAt.atOffset(ZoneOffset.UTC))
                .param("updated", OffsetDateTime.now(ZoneOffset.UTC))
                .query(Boolean.class)
                .single();
        SessionTokens tokens = new SessionTokens(IntegrationTestSupport.DEVELOPMENT_SECRET.getBytes(StandardCharsets.UTF_8),
                Clock.systemUTC());
        return tokens.issue(new TokenClaims(userId, sessionId, expiresAt));
    }
}
