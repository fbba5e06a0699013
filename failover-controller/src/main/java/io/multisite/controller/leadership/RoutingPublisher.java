package io.multisite.controller.leadership;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.multisite.routing.KafkaClientDefaults;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.RoutingTable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes a routing table and its audit event in one Kafka transaction. Every controller uses
 * the same transactional.id, so creating a publisher fences every earlier one: a deposed leader's
 * next publish fails with {@link org.apache.kafka.common.errors.ProducerFencedException} and
 * nothing of it becomes visible to followers, which read committed records only.
 */
public final class RoutingPublisher implements AutoCloseable {

    public static final String TRANSACTIONAL_ID = "multisite-routing-writer";

    private final KafkaProducer<String, byte[]> producer;

    public RoutingPublisher(String bootstrapServers, String instanceId) {
        Map<String, Object> config = KafkaClientDefaults.config(bootstrapServers, instanceId + "-routing");
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        this.producer.initTransactions();
    }

    public void publish(RoutingTable table, String auditEvent) {
        inTransaction(List.of(MultisiteTopics.routingRecord(table), event(table.epoch(), auditEvent)));
    }

    /**
     * Writes an audit event without a new table, in a transaction of its own, so that a deposed
     * leader's event is discarded like its tables.
     *
     * @param epoch the epoch of the table the event was decided on (the record's key)
     */
    public void publishEvent(long epoch, String auditEvent) {
        inTransaction(List.of(event(epoch, auditEvent)));
    }

    private static ProducerRecord<String, byte[]> event(long epoch, String auditEvent) {
        return new ProducerRecord<>(MultisiteTopics.ROUTING_EVENTS, 0, String.valueOf(epoch), auditEvent.getBytes(StandardCharsets.UTF_8));
    }

    private void inTransaction(List<ProducerRecord<String, byte[]>> records) {
        producer.beginTransaction();
        try {
            records.forEach(producer::send);
            producer.commitTransaction();
        } catch (RuntimeException e) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw e;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
    }
}
