package io.multisite.replication.watermark;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.multisite.replication.catalog.Catalog;
import io.multisite.replication.catalog.Topics;
import io.multisite.replication.event.WatermarkMarker;
import io.multisite.routing.Lsn;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class WatermarksTests {

    private static final int PARTITIONS = 2;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Watermarks watermarks = new Watermarks("site-b", Clock.fixed(Instant.parse("2026-11-24T12:00:00Z"), ZoneOffset.UTC), meters);

    @Test
    void hasNoWatermarkUntilEveryPartitionOfEveryTopicDeliveredAMarker() {
        markEverywhereExceptLast("news", 100);
        assertThat(watermarks.of("site-a", "news")).isEmpty();
        mark("multisite.cdc.site-a.news.posts", PARTITIONS - 1, "news", 100);
        assertThat(watermarks.of("site-a", "news")).hasValueSatisfying(w -> assertThat(w.lsn()).isEqualTo(100));
    }

    @Test
    void isTheLowestMarkerOverAllPartitions() {
        for (var table : Catalog.tablesOf("accounts")) {
            for (int p = 0; p < PARTITIONS; p++) {
                mark(Topics.of("site-a", table), p, "accounts", 200);
            }
        }
        // One partition moves ahead: the watermark stays until all have.
        mark("multisite.cdc.site-a.accounts.users", 0, "accounts", 300);
        assertThat(watermarks.of("site-a", "accounts").orElseThrow().lsn()).isEqualTo(200);
        assertThat(meters.get("replication.watermark.lsn").tags("origin", "site-a", "database", "accounts").gauge().value())
                .isEqualTo(200);
    }

    @Test
    void neverMovesBackwards() {
        markEverywhere("news", 500);
        markEverywhere("news", 400);
        assertThat(watermarks.of("site-a", "news").orElseThrow().lsn()).isEqualTo(500);
    }

    @Test
    void tellsItsListenersEachTimeAWatermarkAdvancesAndOnlyThen() {
        AtomicInteger advances = new AtomicInteger();
        watermarks.onAdvance(advances::incrementAndGet);
        markEverywhereExceptLast("news", 100);
        assertThat(advances).as("no watermark yet").hasValue(0);
        mark("multisite.cdc.site-a.news.posts", PARTITIONS - 1, "news", 100);
        assertThat(advances).hasValue(1);

        mark("multisite.cdc.site-a.news.posts", 0, "news", 150);
        assertThat(advances).as("one partition ahead, the lowest marker unchanged").hasValue(1);
        markEverywhere("news", 90);
        assertThat(advances).as("older markers").hasValue(1);
        markEverywhere("news", 200);
        assertThat(advances).hasValue(2);
    }

    @Test
    void ignoresItsOwnSite() {
        watermarks.markerApplied(new TopicPartition("multisite.cdc.site-b.accounts.sessions", 0),
                new WatermarkMarker("site-b", "accounts", 1, 1), topic -> 1);
        assertThat(watermarks.all()).isEmpty();
    }

    @Test
    void printsLsnsAsPostgresDoes() {
        Watermark watermark = new Watermark("site-b", "site-a", "news", Lsn.parse("16/B374D848"), Instant.EPOCH, Instant.EPOCH);
        assertThat(watermark.lsnText()).isEqualTo("16/B374D848");
        assertThat(watermark.lsn()).isEqualTo(0x16B374D848L);
    }

    private void markEverywhere(String database, long lsn) {
        markEverywhereExceptLast(database, lsn);
        mark("multisite.cdc.site-a.news.posts", PARTITIONS - 1, database, lsn);
    }

    private void markEverywhereExceptLast(String database, long lsn) {
        for (var table : Catalog.tablesOf(database)) {
            for (int p = 0; p < PARTITIONS; p++) {
                if (!(table.table().equals("posts") && p == PARTITIONS - 1)) {
                    mark(Topics.of("site-a", table), p, database, lsn);
                }
            }
        }
    }

    private void mark(String topic, int partition, String database, long lsn) {
        watermarks.markerApplied(new TopicPartition(topic, partition), new WatermarkMarker("site-a", database, lsn, 1_000), t -> PARTITIONS);
    }
}
