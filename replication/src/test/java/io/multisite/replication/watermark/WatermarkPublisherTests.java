package io.multisite.replication.watermark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.multisite.replication.catalog.Catalog;
import io.multisite.replication.catalog.Topics;
import io.multisite.replication.event.WatermarkMarker;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.PositionReport;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class WatermarkPublisherTests {

    private static final int PARTITIONS = 2;

    private final Watermarks watermarks = new Watermarks("site-b", Clock.systemUTC(), new SimpleMeterRegistry());

    @Test
    void publishesAWatermarkAsSoonAsItAdvancesNotAtTheNextInterval() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        // An hour between periodic runs: only the advance itself can publish within the wait below.
        try (WatermarkPublisher publisher = new WatermarkPublisher(watermarks, producer).start(Duration.ofHours(1))) {
            markEverywhere("accounts", 4_000);

            await().atMost(Duration.ofSeconds(2)).until(() -> producer.history().size() == 1);
            assertThat(producer.history().get(0).topic()).isEqualTo(MultisiteTopics.WATERMARKS);
            assertThat(producer.history().get(0).key()).isEqualTo("site-b/site-a/accounts");
            assertThat(PositionReport.fromJson(new String(producer.history().get(0).value())).lsn()).isEqualTo(4_000);

            markEverywhere("accounts", 5_000);
            await().atMost(Duration.ofSeconds(2)).until(() -> producer.history().size() == 2);
            assertThat(PositionReport.fromJson(new String(producer.history().get(1).value())).lsn()).isEqualTo(5_000);
        }
    }

    @Test
    void sendsAgainWhatWasNotAcknowledgedAndNothingElse() {
        MockProducer<String, byte[]> producer = new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
        WatermarkPublisher publisher = new WatermarkPublisher(watermarks, producer);
        markEverywhere("accounts", 4_000);

        publisher.publishChanged();
        producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("no broker"));
        publisher.publishChanged();
        producer.completeNext();
        publisher.publishChanged();

        assertThat(producer.history()).as("failed, resent, then acknowledged and not sent again").hasSize(2);
    }

    private void markEverywhere(String database, long lsn) {
        for (var table : Catalog.tablesOf(database)) {
            for (int p = 0; p < PARTITIONS; p++) {
                watermarks.markerApplied(new TopicPartition(Topics.of("site-a", table), p), new WatermarkMarker("site-a", database, lsn, 1_000),
                        topic -> PARTITIONS);
            }
        }
    }
}
