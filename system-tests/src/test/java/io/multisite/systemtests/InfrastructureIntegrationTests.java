package io.multisite.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableJson;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The infrastructure story the rest of the system leans on: three Kafka nodes across three
 * sites form one KRaft quorum that keeps accepting quorum writes with any one node dead, and
 * every site's PostgreSQL emits logical-decoding changes for CDC.
 */
@Order(1)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InfrastructureIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(InfrastructureIntegrationTests.class);
    private static final String ALL_BROKERS = "kafka-a:9092,kafka-b:9092,kafka-c:9092";
    private static final List<String> BROKERS = List.of("kafka-a", "kafka-b", "kafka-c");
    private static final String PROBE = "infra-probe";

    private static Compose compose;

    @BeforeAll
    static void deploy() {
        compose = Deployment.up();
    }

    @Test
    @Order(1)
    void threeBrokersFormOneKraftQuorum() {
        for (String broker : BROKERS) {
            String status = compose.exec(broker, "kafka-tool", "metadata-quorum", "--bootstrap-server", "localhost:9092", "describe", "--status");
            assertThat(voterIds(status)).as("voters seen from %s", broker).containsExactly(1, 2, 3);
            assertThat(status).containsPattern("LeaderId:\\s+[123]");
        }
    }

    @Test
    @Order(2)
    void everyPostgresEmitsLogicalDecodingChanges() {
        for (String site : List.of("a", "b", "c")) {
            String service = "postgres-" + site;
            String sql = String.join("\n",
                    "CREATE TABLE IF NOT EXISTS cdc_probe (id int PRIMARY KEY, note text);",
                    "DROP PUBLICATION IF EXISTS cdc_probe_pub;",
                    "CREATE PUBLICATION cdc_probe_pub FOR TABLE cdc_probe;",
                    "SELECT 'slot=' || slot_name FROM pg_create_logical_replication_slot('cdc_probe_slot', 'pgoutput');",
                    "INSERT INTO cdc_probe VALUES (1, 'hello from " + site + "');",
                    "SELECT 'changes=' || count(*) FROM pg_logical_slot_peek_binary_changes('cdc_probe_slot', NULL, NULL,"
                            + " 'proto_version', '1', 'publication_names', 'cdc_probe_pub');",
                    "SELECT pg_drop_replication_slot('cdc_probe_slot');",
                    "DROP PUBLICATION cdc_probe_pub;",
                    "DROP TABLE cdc_probe;");
            // The CDC role (REPLICATION, member of the table owner) is the one Debezium will use.
            Compose.Result result = compose.execResult(service, sql, "env", "PGPASSWORD=multisite",
                    "psql", "-h", "127.0.0.1", "-U", "replication", "-d", "accounts", "-v", "ON_ERROR_STOP=1", "-At");
            assertThat(result.exitCode()).as(result.output()).isZero();
            assertThat(result.output()).contains("slot=cdc_probe_slot");
            Matcher changes = Pattern.compile("changes=(\\d+)").matcher(result.output());
            assertThat(changes.find()).as(result.output()).isTrue();
            // BEGIN, RELATION, INSERT, COMMIT
            assertThat(Integer.parseInt(changes.group(1))).as("pgoutput messages at %s", service).isGreaterThanOrEqualTo(3);
        }
    }

    /**
     * kafka-a here; the later tests lose kafka-b (replication carries on) and site-c with kafka-c
     * (failover), so every node's death is covered once without paying three resyncs here.
     */
    @ParameterizedTest(name = "{0} dies")
    @ValueSource(strings = {"kafka-a"})
    @Order(3)
    void anyOneBrokerCanDieAndQuorumWritesStillSucceed(String victim) {
        String survivor = BROKERS.stream().filter(b -> !b.equals(victim)).findFirst().orElseThrow();
        createTopic(PROBE, 3, "cleanup.policy=delete");
        // The live routing table, written by the failover-controller's leader.
        RoutingTable table = readRoutingTable(survivor);

        compose.compose(Duration.ofMinutes(1), "kill", victim);
        long killedAt = System.nanoTime();
        try {
            // The tool's producer does not retry; a round can fail while leadership and the in-sync
            // sets settle (on a loaded machine a freshly restarted follower may still be catching up),
            // so rounds are repeated until one has all ten writes acknowledged, and that time is logged.
            String produced = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(
                    () -> compose.execResult(survivor, null, "kafka-tool", "verifiable-producer", "--bootstrap-server", ALL_BROKERS,
                            "--topic", PROBE, "--max-messages", "10", "--acks", "-1").output(),
                    output -> count(output, "\"name\":\"producer_send_success\"") == 10 && !output.contains("producer_send_error"));
            Duration toAcked = Duration.ofNanos(System.nanoTime() - killedAt);
            assertThat(count(produced, "\"name\":\"producer_send_success\"")).as(produced).isEqualTo(10);
            log.info("{} killed: 10 acks=all writes acknowledged {} ms after the kill (tool start-up included)", victim, toAcked.toMillis());

            RoutingTable read = readRoutingTable(survivor);
            assertThat(read.epoch()).as("routing table readable with %s dead", victim).isGreaterThanOrEqualTo(table.epoch());
            String described = compose.exec(survivor, "kafka-tool", "topics", "--bootstrap-server", ALL_BROKERS, "--describe", "--topic", PROBE);
            int victimId = BROKERS.indexOf(victim) + 1;
            assertThat(described.lines().filter(l -> l.contains("Isr:")))
                    .hasSize(3)
                    .allSatisfy(line -> assertThat(isr(line)).as(line).hasSize(2).doesNotContain(victimId));
        } finally {
            // Whatever happened, bring the broker back so the next test starts from three.
            // Generous: with the whole deployment on two cores a broker has taken over three minutes
            // to restart and resync. These waits restore the stage; they are not what is measured.
            compose.compose(Duration.ofMinutes(11), "up", "-d", "--wait", "--wait-timeout", "600", victim);
            await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                    assertThat(compose.exec(survivor, "kafka-tool", "topics", "--bootstrap-server", ALL_BROKERS,
                            "--describe", "--under-replicated-partitions")).as("every partition back to 3 in-sync replicas").isBlank());
            log.info("{} back in sync {} s after the kill", victim, Duration.ofNanos(System.nanoTime() - killedAt).toSeconds());
        }
    }

    private void createTopic(String topic, int partitions, String config) {
        compose.exec("kafka-a", "kafka-tool", "topics", "--bootstrap-server", ALL_BROKERS, "--create", "--if-not-exists",
                "--topic", topic, "--partitions", String.valueOf(partitions), "--replication-factor", "3",
                "--config", "min.insync.replicas=2", "--config", config);
    }

    /**
     * The newest routing table on the topic, read the way a follower does: its one partition
     * assigned (no consumer group to join), from the beginning, highest epoch wins.
     */
    private RoutingTable readRoutingTable(String broker) {
        String consumed = compose.exec(broker, "kafka-tool", "console-consumer", "--bootstrap-server", ALL_BROKERS,
                "--topic", MultisiteTopics.ROUTING, "--partition", "0", "--offset", "earliest", "--timeout-ms", "20000",
                "--isolation-level", "read_committed");
        return consumed.lines().filter(l -> l.startsWith("{")).map(RoutingTableJson::read)
                .reduce((a, b) -> b.epoch() > a.epoch() ? b : a)
                .orElseThrow(() -> new AssertionError("no routing table read:\n" + consumed));
    }

    private static Set<Integer> voterIds(String status) {
        String voters = status.lines().filter(l -> l.startsWith("CurrentVoters:")).findFirst().orElse("");
        Set<Integer> ids = new TreeSet<>();
        Matcher m = Pattern.compile("\"id\":\\s*(\\d+)").matcher(voters);
        while (m.find()) {
            ids.add(Integer.parseInt(m.group(1)));
        }
        return ids;
    }

    private static Set<Integer> isr(String describeLine) {
        Matcher m = Pattern.compile("Isr:\\s*([0-9,]+)").matcher(describeLine);
        Set<Integer> ids = new TreeSet<>();
        if (m.find()) {
            for (String id : m.group(1).split(",")) {
                ids.add(Integer.parseInt(id.trim()));
            }
        }
        return ids;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
