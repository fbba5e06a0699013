package io.multisite.controller.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.multisite.controller.FailoverControllerApplication;
import io.multisite.controller.liveness.HeartbeatMonitor;
import io.multisite.routing.LeaseHeartbeater;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.NanoClock;
import io.multisite.routing.PositionReport;
import io.multisite.routing.SiteLease;
import io.multisite.routing.SiteTimings;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The console in a real browser: the controller application runs in-process against an
 * in-process KRaft broker, three sites heartbeat into it, and headless Chromium watches
 * {@code /console} while one site goes silent and its units are taken over.
 */
class ConsoleBrowserIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(ConsoleBrowserIntegrationTests.class);
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final SiteTimings TIMINGS = SiteTimings.DEFAULTS;

    private EmbeddedKafkaBroker broker;
    private ConfigurableApplicationContext controller;
    private ConsolePage page;
    private final Map<String, LeaseHeartbeater> heartbeats = new HashMap<>();

    @BeforeEach
    void startBrokerSitesAndController() {
        // Before anything is started: without a browser the test is aborted (or, in CI, failed).
        ConsolePage.requireBrowser();
        broker = new EmbeddedKafkaKraftBroker(1, 1).brokerProperties(Map.of(
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1",
                "offsets.topic.replication.factor", "1",
                "group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        MultisiteTopics.ensureCreated(broker.getBrokersAsString(), 1);
        for (String site : List.of("site-a", "site-b", "site-c")) {
            heartbeats.put(site, LeaseHeartbeater.create(broker.getBrokersAsString(), site, site + "-svc-" + UUID.randomUUID(),
                    new SiteLease(TIMINGS.leaseDuration(), NanoClock.SYSTEM), TIMINGS).start());
        }
        controller = new SpringApplicationBuilder(FailoverControllerApplication.class).run(
                "--server.port=0",
                "--multisite.site=site-a",
                "--multisite.instance-id=ctl-browser",
                "--multisite.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--multisite.kafka.brokers=1",
                "--multisite.controller.sites=site-a=beijing,site-b=beijing,site-c=guangzhou");
    }

    @AfterEach
    void stopEverything() {
        List<AutoCloseable> resources = new ArrayList<>();
        resources.add(page);
        resources.add(controller);
        resources.addAll(heartbeats.values());
        for (AutoCloseable resource : resources) {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception e) {
                log.warn("could not stop {}: {}", resource, e.toString());
            }
        }
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void aDeadSitesUnitsChangeOwnerAndColourOnTheLiveConsole() throws Exception {
        for (String name : List.of("before.png", "after.png")) {
            Files.deleteIfExists(SCREENSHOTS.resolve(name)); // so that only this run's pictures can pass
        }
        String port = controller.getEnvironment().getProperty("local.server.port");
        page = ConsolePage.open("http://127.0.0.1:" + port, SCREENSHOTS);
        // The first table needs an elected leader first.
        page.awaitUnits(64, Duration.ofSeconds(60));
        Map<Integer, ConsolePage.Cell> before = page.cells();
        List<Integer> siteC = before.values().stream().filter(c -> c.owner().equals("site-c")).map(ConsolePage.Cell::unit).toList();
        assertThat(siteC).hasSize(21);
        assertThat(page.siteState("site-c")).isEqualTo("UP");
        // What site-a's account-service and site-b's replication would report: site-b is 2,000 bytes behind site-a.
        report(PositionReport.own("site-a", "accounts", 50_000, 1, Instant.now()));
        report(new PositionReport("site-b", "site-a", "accounts", 48_000, 0, Instant.now()));
        await().atMost(Duration.ofSeconds(15)).until(() -> Long.valueOf(2_000).equals(page.lagBytes("site-b", "site-a")));
        assertThat(page.lagBytes("site-c", "site-a")).as("site-c published no watermark").isNull();
        Path beforePng = page.screenshot("before.png");

        // As FailoverKafkaIntegrationTests do: site-c stops heartbeating once this controller has heard it (else the start-up grace applies).
        HeartbeatMonitor monitor = controller.getBean(HeartbeatMonitor.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> monitor.heardFrom("site-c"));
        heartbeats.remove("site-c").close();
        long silentSince = System.nanoTime();

        page.awaitSiteState("site-c", "DEAD", TIMINGS.deadAfter().plusSeconds(20));
        page.awaitCells(cells -> siteC.stream().allMatch(unit -> !cells.get(unit).owner().equals("site-c")
                && !cells.get(unit).background().equals(before.get(unit).background())), Duration.ofSeconds(10));
        log.info("the console showed site-c's units re-homed {} ms after its heartbeats stopped",
                Duration.ofNanos(System.nanoTime() - silentSince).toMillis());
        Map<Integer, ConsolePage.Cell> after = page.cells();
        assertThat(siteC).allSatisfy(unit -> {
            assertThat(after.get(unit).owner()).isIn("site-a", "site-b");
            assertThat(after.get(unit).state()).isEqualTo("RECOVERING");
        });
        assertThat(after.values().stream().filter(c -> !siteC.contains(c.unit())))
                .as("nobody else's units moved").allSatisfy(c -> assertThat(c).isEqualTo(before.get(c.unit())));
        assertThat(page.epoch()).isEqualTo("2");
        Path afterPng = page.screenshot("after.png");

        for (Path png : List.of(beforePng, afterPng)) {
            assertThat(png).exists();
            byte[] bytes = Files.readAllBytes(png);
            assertThat(bytes.length).as(png + " size").isGreaterThan(PNG_SIGNATURE.length);
            assertThat(Arrays.copyOf(bytes, PNG_SIGNATURE.length)).as(png + " is a PNG").isEqualTo(PNG_SIGNATURE);
        }
        assertThat(Files.readAllBytes(afterPng)).as("the page looks different after the failover").isNotEqualTo(Files.readAllBytes(beforePng));
    }

    private void report(PositionReport report) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(MultisiteTopics.WATERMARKS, report.key(), report.toJson())).get();
        }
    }
}
