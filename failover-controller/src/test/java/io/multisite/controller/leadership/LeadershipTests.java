package io.multisite.controller.leadership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.multisite.routing.MultisiteTopics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The election loop against a consumer that the test assigns, feeds and makes fail. */
class LeadershipTests {

    private static final TopicPartition COMMANDS = new TopicPartition(MultisiteTopics.CONTROLLER_COMMANDS, 0);

    private final ParkingConsumer consumer = new ParkingConsumer();
    private final List<String> carriedOut = new CopyOnWriteArrayList<>();
    private final Leadership leadership = new Leadership(consumer, carriedOut::add);
    private long nextOffset;

    @AfterEach
    void stop() {
        leadership.close();
    }

    @Test
    void leadsWhileAssignedTheCommandPartitionAndCarriesOutCommands() {
        leadership.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> consumer.subscription().contains(MultisiteTopics.CONTROLLER_COMMANDS));
        assertThat(leadership.isLeader()).isFalse();

        assign();
        assertThat(leadership.isLeader()).isTrue();
        command("move 1");
        await().atMost(Duration.ofSeconds(5)).until(() -> carriedOut.contains("move 1"));

        consumer.rebalance(List.of());
        assertThat(leadership.isLeader()).as("the partition went to another instance").isFalse();
    }

    @Test
    void keepsLeadingAndCarryingOutCommandsAfterAFailedPoll() {
        leadership.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> consumer.subscription().contains(MultisiteTopics.CONTROLLER_COMMANDS));
        assign();
        command("before");
        await().atMost(Duration.ofSeconds(5)).until(() -> carriedOut.contains("before"));

        // For example the group coordinator moving while offsets are committed.
        consumer.failNextPoll(new KafkaException("coordinator not available"));
        await().atMost(Duration.ofSeconds(5)).until(() -> consumer.failures == 1);
        command("after");

        await().atMost(Duration.ofSeconds(5)).until(() -> carriedOut.contains("after"));
        assertThat(leadership.isLeader()).as("still assigned the partition, so still the leader").isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> committed() == nextOffset);
    }

    @Test
    void neverCommitsACommandItDidNotCarryOut() {
        leadership.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> consumer.subscription().contains(MultisiteTopics.CONTROLLER_COMMANDS));
        assign();
        consumer.failNextPoll(new KafkaException("request timed out"));
        await().atMost(Duration.ofSeconds(5)).until(() -> consumer.failures == 1);
        for (int i = 0; i < 3; i++) {
            command("command " + i);
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> committed() == nextOffset);
        assertThat(carriedOut).as("every command committed was carried out").containsExactly("command 0", "command 1", "command 2");
    }

    private void assign() {
        consumer.updateBeginningOffsets(Map.of(COMMANDS, 0L));
        consumer.rebalance(List.of(COMMANDS));
    }

    private void command(String value) {
        consumer.addRecord(new ConsumerRecord<>(COMMANDS.topic(), COMMANDS.partition(), nextOffset++, "key", value));
    }

    private long committed() {
        OffsetAndMetadata offset = consumer.committed(Set.of(COMMANDS)).get(COMMANDS);
        return offset == null ? -1 : offset.offset();
    }

    /**
     * A mock consumer whose poll waits for records like a real one (the mock returns at once, so
     * the loop would spin), and that can fail one poll on demand.
     */
    private static final class ParkingConsumer extends MockConsumer<String, String> {

        private KafkaException nextFailure;
        private volatile int failures;

        ParkingConsumer() {
            super("earliest");
        }

        synchronized void failNextPoll(KafkaException failure) {
            nextFailure = failure;
            notifyAll();
        }

        @Override
        public synchronized void addRecord(ConsumerRecord<String, String> record) {
            super.addRecord(record);
            notifyAll();
        }

        @Override
        public synchronized void wakeup() {
            super.wakeup();
            notifyAll();
        }

        @Override
        public synchronized ConsumerRecords<String, String> poll(Duration timeout) {
            if (nextFailure != null) {
                KafkaException failure = nextFailure;
                nextFailure = null;
                failures++;
                throw failure;
            }
            ConsumerRecords<String, String> records = super.poll(Duration.ZERO);
            if (!records.isEmpty()) {
                return records;
            }
            try {
                // Parks like a real fetch; addRecord, failNextPoll and wakeup end the wait early.
                wait(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.poll(Duration.ZERO);
        }
    }
}
