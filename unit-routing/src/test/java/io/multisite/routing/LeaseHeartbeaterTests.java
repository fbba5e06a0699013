package io.multisite.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class LeaseHeartbeaterTests {

    private static final String TOPIC = MultisiteTopics.HEARTBEATS;

    private final FakeNanoClock clock = new FakeNanoClock();
    private final SiteLease lease = new SiteLease(Duration.ofSeconds(3), clock);
    private final MockProducer<String, String> producer = new MockProducer<>(cluster(), false, null, new StringSerializer(), new StringSerializer());
    private final LeaseHeartbeater heartbeater = new LeaseHeartbeater(producer, TOPIC, "site-a", "account-service-a", lease,
            Duration.ofSeconds(1), clock, Clock.fixed(Instant.parse("2026-11-24T12:00:00Z"), ZoneOffset.UTC));

    @Test
    void sendsOneHeartbeatToEveryPartition() {
        heartbeater.beat();
        assertThat(producer.history()).extracting(r -> r.partition()).containsExactly(0, 1, 2);
        assertThat(producer.history()).allSatisfy(r -> {
            assertThat(r.key()).isEqualTo("site-a");
            assertThat(r.value()).isEqualTo("{\"site\":\"site-a\",\"instance\":\"account-service-a\",\"seq\":1,\"sentAt\":\"2026-11-24T12:00:00Z\"}");
        });
    }

    @Test
    void renewsTheLeaseFromTheSendTimeOfAnAcknowledgedHeartbeat() {
        heartbeater.beat();
        clock.advance(Duration.ofMillis(1200)); // the ack takes its time
        producer.completeNext();
        assertThat(lease.remaining()).isEqualTo(Duration.ofMillis(1800));
        assertThat(heartbeater.acknowledged()).isEqualTo(1);
    }

    @Test
    void anyOnePartitionsAckIsEnough() {
        heartbeater.beat();
        producer.errorNext(new NotEnoughReplicasException("partition 0 lost its leader"));
        producer.errorNext(new NotEnoughReplicasException("partition 1 lost its leader"));
        assertThat(lease.isValid()).isFalse();
        producer.completeNext();
        assertThat(lease.isValid()).isTrue();
    }

    @Test
    void failedHeartbeatsDoNotRenewTheLease() {
        heartbeater.beat();
        producer.errorNext(new NotEnoughReplicasException("no quorum"));
        producer.errorNext(new NotEnoughReplicasException("no quorum"));
        producer.errorNext(new NotEnoughReplicasException("no quorum"));
        assertThat(lease.isValid()).isFalse();
        assertThat(heartbeater.acknowledged()).isZero();
    }

    @Test
    void producerIsConfiguredForQuorumAcksAndBoundedWaits() {
        var config = LeaseHeartbeater.producerConfig("kafka-a:9092", "svc", SiteTimings.DEFAULTS);
        assertThat(config).containsEntry("acks", "all")
                .containsEntry("delivery.timeout.ms", 3000)
                .containsEntry("max.block.ms", 500);
    }

    private static Cluster cluster() {
        Node node = new Node(1, "kafka-a", 9092);
        Node[] nodes = {node};
        List<PartitionInfo> partitions = List.of(
                new PartitionInfo(TOPIC, 0, node, nodes, nodes),
                new PartitionInfo(TOPIC, 1, node, nodes, nodes),
                new PartitionInfo(TOPIC, 2, node, nodes, nodes));
        return new Cluster("test", List.of(node), partitions, java.util.Set.of(), java.util.Set.of());
    }
}
