package io.multisite.replication.sink;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.multisite.replication.ReplicationProperties;
import io.multisite.replication.catalog.Catalog;
import io.multisite.replication.catalog.ReplicatedTable;
import io.multisite.replication.catalog.Topics;
import io.multisite.replication.event.EventCodec;
import io.multisite.replication.event.ReplicationEvent;
import io.multisite.replication.event.RowChange;
import io.multisite.replication.event.WatermarkMarker;
import io.multisite.replication.watermark.Watermarks;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the other sites' changes to the local databases, at least once and idempotently.
 *
 * <p>For each polled batch: every row goes through its table's apply function in one transaction
 * per database; rows the database rejects go to {@link Topics#DEAD_LETTER} with the reason; then
 * the transactions commit; only then are the consumer offsets committed. A crash anywhere before
 * the offset commit lands redelivers the batch, and applying a row twice is applying it once.
 * Anything that is about the moment (database down, Kafka unreachable) rewinds to the batch's start
 * and retries it after a pause, so no change is ever skipped.
 */
public final class ChangeApplier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChangeApplier.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final String site;
    private final Properties consumerConfig;
    private final Map<String, DataSource> dataSources;
    private final Producer<String, byte[]> producer;
    private final Watermarks watermarks;
    private final MeterRegistry meters;
    private final Map<TableOfOrigin, AppliedMeters> appliedMeters = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
    private final Thread thread;

    private volatile boolean closed;
    private volatile boolean healthy;
    private volatile KafkaConsumer<String, byte[]> consumer;

    public ChangeApplier(ReplicationProperties properties, Map<String, DataSource> dataSources, Producer<String, byte[]> producer,
                         Watermarks watermarks, MeterRegistry meters) {
        this.site = properties.site();
        this.dataSources = Map.copyOf(dataSources);
        this.producer = producer;
        this.watermarks = watermarks;
        this.meters = meters;
        this.consumerConfig = new Properties();
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafka().bootstrapServers());
        // One group per site: every site reads every other site's changes.
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "replication-" + site);
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "replication-sink-" + site);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        // A site that starts later creates its topics later; the pattern subscription sees them this soon.
        consumerConfig.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "5000");
        consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.thread = new Thread(this::runUntilClosed, "replication-sink");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** False while batches fail and are being retried. */
    public boolean healthy() {
        return healthy;
    }

    private void runUntilClosed() {
        Duration backoff = Duration.ofMillis(200);
        while (!closed) {
            try (KafkaConsumer<String, byte[]> kafka = new KafkaConsumer<>(consumerConfig)) {
                consumer = kafka;
                kafka.subscribe(Topics.subscription(site));
                healthy = true;
                while (!closed) {
                    ConsumerRecords<String, byte[]> records = kafka.poll(Duration.ofMillis(200));
                    if (records.isEmpty()) {
                        continue;
                    }
                    try {
                        applyAndCommit(kafka, records);
                        healthy = true;
                        backoff = Duration.ofMillis(200);
                    } catch (SQLException | KafkaException | IllegalStateException e) {
                        healthy = false;
                        log.warn("replication batch of {} records failed, retrying it: {}", records.count(), e.toString());
                        rewind(kafka, records);
                        pause(backoff);
                        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                    }
                }
            } catch (WakeupException e) {
                // closing
            } catch (RuntimeException e) {
                healthy = false;
                log.warn("replication consumer failed, reconnecting: {}", e.toString());
                pause(backoff);
            } finally {
                consumer = null;
            }
        }
    }

    private void applyAndCommit(KafkaConsumer<String, byte[]> kafka, ConsumerRecords<String, byte[]> records) throws SQLException {
        List<ProducerRecord<String, byte[]>> deadLetters = new ArrayList<>();
        Map<TopicPartition, WatermarkMarker> markers = new HashMap<>();
        // Rows grouped by where they go, so that each group is one statement.
        Map<Target, List<Pending>> groups = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                Topics.Source source = Topics.parse(record.topic())
                        .orElseThrow(() -> new IllegalArgumentException("not a replication topic of a known table"));
                ReplicationEvent event = EventCodec.decode(record.value());
                if (!event.origin().equals(source.origin())) {
                    throw new IllegalArgumentException("event of " + event.origin() + " on a topic of " + source.origin());
                }
                if (event instanceof WatermarkMarker marker) {
                    markers.put(new TopicPartition(record.topic(), record.partition()), marker);
                    continue;
                }
                RowChange change = (RowChange) event;
                Object[] arguments = source.table().arguments(change.row());
                for (String database : Catalog.targets(source.table(), change.origin(), site)) {
                    groups.computeIfAbsent(new Target(database, source.table()), t -> new ArrayList<>())
                            .add(new Pending(record, change, arguments));
                }
            } catch (EventCodec.MalformedEventException | IllegalArgumentException e) {
                deadLetters.add(deadLetter(record, e.getMessage()));
            }
        }
        List<Applied> applied = new ArrayList<>();
        try (ApplyBatch batch = new ApplyBatch(dataSources)) {
            for (Map.Entry<Target, List<Pending>> group : groups.entrySet()) {
                List<Pending> pending = group.getValue();
                List<ApplyBatch.Outcome> outcomes = batch.applyAll(group.getKey().database(), group.getKey().table(),
                        pending.stream().map(Pending::arguments).toList());
                for (int i = 0; i < pending.size(); i++) {
                    ApplyBatch.Outcome outcome = outcomes.get(i);
                    if (outcome.rejection() != null) {
                        deadLetters.add(deadLetter(pending.get(i).record(), outcome.rejection()));
                    } else {
                        applied.add(new Applied(pending.get(i).change(), outcome.changed()));
                    }
                }
            }
            batch.commit();
        }
        // The lag ends here, where the rows became visible, not after the bookkeeping below.
        long committedAt = System.currentTimeMillis();
        awaitAll(deadLetters.stream().map(producer::send).toList());
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> ofPartition = records.records(partition);
            offsets.put(partition, new OffsetAndMetadata(ofPartition.get(ofPartition.size() - 1).offset() + 1));
        }
        // Not waited for: the rows are already committed, so an offset commit that fails or never
        // lands only makes these records come again, which the idempotent apply absorbs. Waiting
        // put a round trip to the group coordinator in series with every batch. The next commit
        // carries newer positions anyway, and closing the consumer waits for the pending ones.
        kafka.commitAsync(offsets, (committed, error) -> {
            if (error != null) {
                log.warn("consumer offsets not committed; until a later commit lands, a restart applies these records again: {}",
                        error.toString());
            }
        });
        record(applied, deadLetters, committedAt);
        markers.forEach((partition, marker) -> watermarks.markerApplied(partition, marker,
                topic -> kafka.partitionsFor(topic).size()));
    }

    private void record(List<Applied> applied, List<ProducerRecord<String, byte[]>> deadLetters, long committedAt) {
        for (Applied a : applied) {
            RowChange change = a.change();
            AppliedMeters counted = metersOf(change);
            (a.changed() ? counted.applied() : counted.duplicates()).increment();
            // Commit at the origin to commit here, both read from this machine's clocks: across real
            // data centres this includes their clock offset (NTP keeps it to milliseconds).
            counted.lag().record(Math.max(0, committedAt - change.committedAtMillis()), TimeUnit.MILLISECONDS);
        }
        for (ProducerRecord<String, byte[]> deadLetter : deadLetters) {
            String topic = new String(deadLetter.headers().lastHeader("multisite.topic").value(), StandardCharsets.UTF_8);
            deadLettered.computeIfAbsent(topic, t -> meters.counter("replication.apply.dead_lettered", "topic", t)).increment();
        }
    }

    /** Registered once per origin and table: looking meters up for every row costs a tag sort and a map probe each. */
    private AppliedMeters metersOf(RowChange change) {
        return appliedMeters.computeIfAbsent(new TableOfOrigin(change.origin(), change.table()), key -> new AppliedMeters(
                meters.counter("replication.apply.applied", "origin", key.origin(), "table", key.table()),
                meters.counter("replication.apply.duplicates", "origin", key.origin(), "table", key.table()),
                Timer.builder("replication.lag").description("origin commit to local apply commit")
                        .tags("origin", key.origin(), "table", key.table()).register(meters)));
    }

    private ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        log.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
        ProducerRecord<String, byte[]> deadLetter = new ProducerRecord<>(Topics.DEAD_LETTER, record.key(), record.value());
        deadLetter.headers()
                .add("multisite.reason", String.valueOf(reason).getBytes(StandardCharsets.UTF_8))
                .add("multisite.topic", record.topic().getBytes(StandardCharsets.UTF_8))
                .add("multisite.partition", String.valueOf(record.partition()).getBytes(StandardCharsets.UTF_8))
                .add("multisite.offset", String.valueOf(record.offset()).getBytes(StandardCharsets.UTF_8))
                .add("multisite.applied-by", site.getBytes(StandardCharsets.UTF_8))
                .add("multisite.id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        return deadLetter;
    }

    private static void awaitAll(List<Future<RecordMetadata>> sent) {
        for (Future<RecordMetadata> future : sent) {
            try {
                future.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("dead letter not acknowledged: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Back to the first record of the failed batch on each partition, so it is polled again. */
    private static void rewind(KafkaConsumer<String, byte[]> kafka, ConsumerRecords<String, byte[]> records) {
        for (TopicPartition partition : records.partitions()) {
            kafka.seek(partition, records.records(partition).get(0).offset());
        }
    }

    private void pause(Duration duration) {
        try {
            // Paces retries of a failed batch (growing backoff); progress is measured by offsets and watermarks.
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Applied(RowChange change, boolean changed) {
    }

    private record TableOfOrigin(String origin, String table) {
    }

    private record AppliedMeters(Counter applied, Counter duplicates, Timer lag) {
    }

    private record Target(String database, ReplicatedTable table) {
    }

    private record Pending(ConsumerRecord<String, byte[]> record, RowChange change, Object[] arguments) {
    }
}
