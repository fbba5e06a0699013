package io.multisite.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class PositionReporterTests {

    private static final int OWN = 0;

    private final AtomicReference<RoutingTable> table = new AtomicReference<>(RoutingTable.initial(List.of("site-a", "site-b", "site-c"), 64));
    private final RoutingTableSource routing = () -> Optional.ofNullable(table.get());
    private final SiteLease lease = new SiteLease(SiteTimings.DEFAULTS.leaseDuration(), NanoClock.SYSTEM);
    private final OwnershipGuard guard = new OwnershipGuard("site-a", routing, lease, SiteTimings.DEFAULTS, Units.DEFAULT);
    private final AtomicInteger walReads = new AtomicInteger();
    private final WalPosition wal = () -> new WalPosition.Position("accounts", 1_000 + walReads.incrementAndGet());
    private final MockProducer<String, String> producer = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    private final PositionReporter reporter = new PositionReporter("site-a", routing, guard, wal, producer,
            Duration.ofSeconds(1), Duration.ofMillis(100), Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));

    {
        lease.renewFromSend(NanoClock.SYSTEM.nanoTime());
    }

    @Test
    void reportsTheWalPositionWithTheEpochItHolds() throws Exception {
        PositionReport report = reporter.report().orElseThrow();
        assertThat(report).isEqualTo(PositionReport.own("site-a", "accounts", 1_001, 1, Instant.parse("2026-01-01T00:00:00Z")));
        assertThat(producer.history()).singleElement().satisfies(record -> {
            assertThat(record.topic()).isEqualTo(MultisiteTopics.WATERMARKS);
            assertThat(record.key()).isEqualTo("site-a/site-a/accounts");
            assertThat(PositionReport.fromJson(record.value())).isEqualTo(report);
        });
    }

    @Test
    void takesThePositionOnlyAfterWritesAdmittedBeforeTheFenceHaveFinished() throws Exception {
        Admission write = guard.admit(OWN, Tier.CREDIT);
        assertThat(write.granted()).isTrue();
        table.set(table.get().fence(OWN, "site-b"));

        assertThat(reporter.report()).as("a write admitted under epoch 1 is still running").isEmpty();
        assertThat(walReads).as("no position taken that could miss it").hasValue(0);
        assertThat(producer.history()).isEmpty();

        write.close();
        PositionReport report = reporter.report().orElseThrow();
        assertThat(report.epoch()).isEqualTo(2);
        assertThat(walReads).hasValue(1);
    }

    @Test
    void doesNotWaitForWritesOfUnitsTheSiteStillOwns() throws Exception {
        try (Admission write = guard.admit(OWN, Tier.CREDIT)) {
            assertThat(write.granted()).isTrue();
            assertThat(reporter.report()).isPresent();
        }
    }

    @Test
    void reportsANewEpochAtOnceRatherThanAtTheNextInterval() {
        try (PositionReporter hourly = new PositionReporter("site-a", routing, guard, wal, producer, Duration.ofHours(1),
                Duration.ofMillis(100), Clock.systemUTC()).start()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> producer.history().size() == 1);
            table.set(table.get().fence(OWN, "site-b"));

            hourly.reportSoon();

            await().atMost(Duration.ofSeconds(2)).until(() -> producer.history().size() == 2);
            assertThat(PositionReport.fromJson(producer.history().get(1).value()).epoch()).isEqualTo(2);
        }
    }

    @Test
    void reportsNothingWithoutATable() throws Exception {
        table.set(null);
        assertThat(reporter.report()).isEmpty();
        assertThat(producer.history()).isEmpty();
    }
}
