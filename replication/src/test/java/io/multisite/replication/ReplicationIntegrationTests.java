package io.multisite.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;

import io.multisite.replication.catalog.Topics;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.PositionReport;
import io.multisite.testsupport.Docker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three sites, each with its own PostgreSQL server (the project's image, the services' schemas)
 * and its replication service, over one Kafka broker: what a write at one site becomes everywhere.
 * Losing one of three brokers is shown against the compose deployment (system-tests), where the
 * brokers are real processes.
 */
class ReplicationIntegrationTests {

    private static final Duration REPLICATED = Duration.ofSeconds(60);

    private static EmbeddedKafkaKraftBroker broker;
    private static TestSite a;
    private static TestSite b;
    private static TestSite c;

    @BeforeAll
    static void startSites() {
        Docker.require();
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        a = new TestSite("site-a", broker.getBrokersAsString(), 1).start();
        b = new TestSite("site-b", broker.getBrokersAsString(), 1).start();
        c = new TestSite("site-c", broker.getBrokersAsString(), 1).start();
        await().atMost(Duration.ofMinutes(2)).until(() -> sites().allMatch(TestSite::ready));
    }

    @AfterAll
    static void stopSites() {
        Stream.of(a, b, c).filter(Objects::nonNull).forEach(TestSite::close);
        if (broker != null) {
            broker.destroy();
        }
    }

    private static Stream<TestSite> sites() {
        return Stream.of(a, b, c);
    }

    @Test
    void writesAtEachSiteAppearAtTheOthers() {
        Instant now = Instant.now();
        sites().forEach(site -> site.registerUser("writer-" + site.id, now));
        UUID post = b.createPost("writer-site-b", "hello from b");

        await().atMost(REPLICATED).untilAsserted(() -> sites().forEach(site -> {
            assertThat(site.scalar(TestSite.ACCOUNTS, "SELECT count(*) FROM users WHERE user_id LIKE 'writer-%'")).isEqualTo(3);
            assertThat(site.scalar(TestSite.NEWS, "SELECT count(*) FROM posts WHERE post_id = ?", post)).isEqualTo(1);
        }));
        // Each row keeps the site that wrote it.
        assertThat(c.query(TestSite.ACCOUNTS, "SELECT origin_site FROM users WHERE user_id = 'writer-site-a'"))
                .containsExactly(Map.of("origin_site", "site-a"));
        assertThat(a.query(TestSite.NEWS, "SELECT body, origin_site FROM posts WHERE post_id = ?", post))
                .containsExactly(Map.of("body", "hello from b", "origin_site", "site-b"));
    }

    @Test
    void noRowEverEchoesBackToItsOrigin() {
        a.registerUser("echo-probe", Instant.now());
        await().atMost(REPLICATED).until(() -> b.scalar(TestSite.ACCOUNTS, "SELECT count(*) FROM users WHERE user_id = 'echo-probe'") == 1
                && c.scalar(TestSite.ACCOUNTS, "SELECT count(*) FROM users WHERE user_id = 'echo-probe'") == 1);
        // A later row from b, then waiting for it at a, proves b's capture has gone past the applied row.
        b.registerUser("echo-fence", Instant.now());
        c.registerUser("echo-fence-c", Instant.now());
        await().atMost(REPLICATED).until(() -> a.scalar(TestSite.ACCOUNTS,
                "SELECT count(*) FROM users WHERE user_id IN ('echo-fence', 'echo-fence-c')") == 2);

        assertThat(keysOn(Topics.PREFIX + "site-b.accounts.users")).contains("echo-fence").doesNotContain("echo-probe");
        assertThat(keysOn(Topics.PREFIX + "site-c.accounts.users")).contains("echo-fence-c").doesNotContain("echo-probe");
        assertThat(keysOn(Topics.PREFIX + "site-a.accounts.users")).containsOnlyOnce("echo-probe");
    }

    @Test
    void theSameRowUpdatedConcurrentlyAtTwoSitesConvergesEverywhere() {
        UUID tie = UUID.randomUUID();
        UUID later = UUID.randomUUID();
        Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        a.createSession(tie, "converge", created.plus(Duration.ofHours(12)), created);
        a.createSession(later, "converge", created.plus(Duration.ofHours(12)), created);
        await().atMost(REPLICATED).until(() -> sites().allMatch(site -> sessionRows(site, tie, later).size() == 2));

        // Both sites change both rows "at the same time", before either sees the other's change.
        Instant stamp = created.plusSeconds(1);
        a.updateSession(tie, true, created.plus(Duration.ofHours(12)), stamp);
        b.updateSession(tie, false, created.plus(Duration.ofHours(24)), stamp);
        a.updateSession(later, true, created.plus(Duration.ofHours(12)), stamp.plusMillis(5));
        b.updateSession(later, false, created.plus(Duration.ofHours(24)), stamp);

        await().atMost(REPLICATED).untilAsserted(() -> {
            // Equal stamps: the greater origin site wins (site-b); otherwise the later stamp (site-a).
            for (TestSite site : List.of(a, b, c)) {
                assertThat(sessionRows(site, tie, later)).containsExactlyInAnyOrder(
                        Map.of("session_id", tie, "revoked", false, "origin_site", "site-b"),
                        Map.of("session_id", later, "revoked", true, "origin_site", "site-a"));
            }
        });
        // The same rows in news-service's replica at every site, this site's own sessions included.
        for (TestSite site : List.of(a, b, c)) {
            await().atMost(REPLICATED).until(() -> site.query(TestSite.NEWS,
                    "SELECT session_id, revoked, origin_site FROM sessions WHERE session_id IN (?, ?) ORDER BY session_id", tie, later)
                    .equals(sessionRows(site, tie, later)));
        }
    }

    @Test
    void ledgerEntriesAreAppliedExactlyOnceEvenWhenRedelivered() throws Exception {
        UUID entry = a.openAccount("exactly-once", 10_000);
        await().atMost(REPLICATED).until(() -> balance(b, "exactly-once") == 10_000 && balance(c, "exactly-once") == 10_000);
        double duplicatesBefore = b.count("replication.apply.duplicates", "site-a", "ledger_entry");

        // Redeliver the very event three more times, as a producer retry or a consumer crash would.
        ConsumerRecord<String, byte[]> original = recordsOn(Topics.PREFIX + "site-a.accounts.ledger_entry").stream()
                .filter(r -> entry.toString().equals(r.key())).findFirst().orElseThrow();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(original.topic(), original.partition(), original.key(), original.value())).get();
            }
        }

        await().atMost(REPLICATED).until(() -> b.count("replication.apply.duplicates", "site-a", "ledger_entry") >= duplicatesBefore + 3);
        for (TestSite site : List.of(b, c)) {
            assertThat(balance(site, "exactly-once")).isEqualTo(10_000);
            assertThat(site.scalar(TestSite.ACCOUNTS, "SELECT count(*) FROM ledger_entry WHERE account_id = 'exactly-once'")).isEqualTo(1);
        }
    }

    @Test
    void watermarksAdvanceWhileTheDatabasesAreIdle() throws Exception {
        long first = watermark(b, "site-a", "news");
        await().atMost(Duration.ofSeconds(30)).until(() -> watermark(b, "site-a", "news") > first);
        long second = watermark(c, "site-b", "accounts");
        await().atMost(Duration.ofSeconds(30)).until(() -> watermark(c, "site-b", "accounts") > second);
    }

    @Test
    void aPositionReportAtANewEpochMovesTheWatermarksWithoutWaitingForTheHeartbeat() throws Exception {
        a.stop();
        // Heartbeats so rare that none falls inside this test: only the report can move the watermark.
        a.start(Map.of("multisite.capture.heartbeat-interval", "10m"));
        try {
            await().atMost(REPLICATED).until(a::ready);
            a.registerUser("hand-over-user", Instant.now());
            long reported = a.scalar(TestSite.ACCOUNTS, "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint");
            await().atMost(REPLICATED).until(() -> b.scalar(TestSite.ACCOUNTS, "SELECT count(*) FROM users WHERE user_id = 'hand-over-user'") == 1);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> watermark(b, "site-a", "accounts") < reported);

            PositionReport report = PositionReport.own("site-a", "accounts", reported, System.currentTimeMillis(), Instant.now());
            try (KafkaProducer<String, byte[]> producer = producer()) {
                producer.send(new ProducerRecord<>(MultisiteTopics.WATERMARKS, report.key(), report.toJson().getBytes(StandardCharsets.UTF_8))).get();
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> watermark(b, "site-a", "accounts") >= reported
                    && watermark(c, "site-a", "accounts") >= reported);
        } finally {
            a.stop();
            a.start();
            await().atMost(REPLICATED).until(a::ready);
        }
    }

    @Test
    void poisonEventsAreDeadLetteredAndTheStreamGoesOn() throws Exception {
        String topic = Topics.PREFIX + "site-a.accounts.users";
        String badRow = "{\"kind\":\"row\",\"origin\":\"site-a\",\"database\":\"accounts\",\"table\":\"users\",\"op\":\"c\","
                + "\"lsn\":1,\"committedAt\":1,\"row\":{\"user_id\":\"not a valid id!\",\"password_hash\":\"h\","
                + "\"created_at\":\"2026-01-01T00:00:00Z\",\"updated_at\":\"2026-01-01T00:00:00Z\",\"origin_site\":\"site-a\"}}";
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(topic, "garbage", "not json".getBytes(StandardCharsets.UTF_8))).get();
            producer.send(new ProducerRecord<>(topic, "not a valid id!", badRow.getBytes(StandardCharsets.UTF_8))).get();
        }
        a.registerUser("after-poison", Instant.now());

        await().atMost(REPLICATED).until(() -> b.scalar(TestSite.ACCOUNTS, "SELECT count(*) FROM users WHERE user_id = 'after-poison'") == 1);
        List<ConsumerRecord<String, byte[]>> deadLetters = recordsOn(Topics.DEAD_LETTER);
        assertThat(deadLetters).filteredOn(r -> "garbage".equals(r.key())).extracting(r -> header(r, "multisite.applied-by"))
                .contains("site-b", "site-c");
        assertThat(deadLetters).filteredOn(r -> "not a valid id!".equals(r.key()) && "site-b".equals(header(r, "multisite.applied-by")))
                .singleElement().satisfies(r -> assertThat(header(r, "multisite.reason")).startsWith("23514"));
        assertThat(b.meters().find("replication.apply.dead_lettered").tags("topic", topic).counter().count()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aRestartedReplicationServiceNeitherLosesNorRepeatsAChange() {
        a.stop();
        // Written while site-a's replication is down: at a (must go out later) and at b (must come in later).
        UUID entryAtA = a.openAccount("restart-a", 700);
        b.openAccount("restart-b", 300);
        a.registerUser("restart-user-a", Instant.now());
        a.start();

        await().atMost(REPLICATED).until(() -> balance(b, "restart-a") == 700 && balance(c, "restart-a") == 700
                && balance(a, "restart-b") == 300
                && c.scalar(TestSite.ACCOUNTS, "SELECT count(*) FROM users WHERE user_id = 'restart-user-a'") == 1);
        await().atMost(REPLICATED).until(a::ready);
        for (TestSite site : List.of(b, c)) {
            assertThat(site.scalar(TestSite.ACCOUNTS, "SELECT count(*) FROM ledger_entry WHERE id = ?", entryAtA)).isEqualTo(1);
        }
    }

    @Test
    void replicationSurvivesARestartOfTheLocalDatabase() {
        // Committed at b just before its PostgreSQL goes down: capture must still send it, once.
        UUID entryAtB = b.openAccount("pg-restart-b", 400);
        b.server.restart();
        a.openAccount("pg-restart-a", 900);
        b.registerUser("pg-restart-user-b", Instant.now());

        await().atMost(REPLICATED).until(() -> balance(b, "pg-restart-a") == 900
                && balance(a, "pg-restart-b") == 400 && balance(c, "pg-restart-b") == 400
                && a.scalar(TestSite.ACCOUNTS, "SELECT count(*) FROM users WHERE user_id = 'pg-restart-user-b'") == 1);
        await().atMost(REPLICATED).until(b::ready);
        for (TestSite site : List.of(a, c)) {
            assertThat(site.scalar(TestSite.ACCOUNTS, "SELECT count(*) FROM ledger_entry WHERE id = ?", entryAtB)).isEqualTo(1);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static List<Map<String, Object>> sessionRows(TestSite site, UUID first, UUID second) {
        return site.query(TestSite.ACCOUNTS,
                "SELECT session_id, revoked, origin_site FROM sessions WHERE session_id IN (?, ?) ORDER BY session_id", first, second);
    }

    private static long balance(TestSite site, String userId) {
        return site.scalar(TestSite.ACCOUNTS, "SELECT coalesce(sum(balance), 0) FROM accounts WHERE user_id = ?", userId);
    }

    /** The applied-through LSN of an origin's database, as the site's HTTP endpoint reports it (0 before the first). */
    private static long watermark(TestSite site, String origin, String database) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + site.port() + "/api/replication/watermarks")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        for (JsonNode watermark : JsonMapper.builder().build().readTree(response.body()).get("watermarks")) {
            if (watermark.get("origin").asString().equals(origin) && watermark.get("database").asString().equals(database)) {
                return watermark.get("lsnValue").asLong();
            }
        }
        return 0;
    }

    private static List<String> keysOn(String topic) {
        return recordsOn(topic).stream().map(ConsumerRecord::key).toList();
    }

    private static List<ConsumerRecord<String, byte[]>> recordsOn(String topic) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(config);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
