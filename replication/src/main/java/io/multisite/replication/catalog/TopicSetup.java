package io.multisite.replication.catalog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.multisite.routing.MultisiteTopics;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/** Creates what a site's replication service writes to, if missing; every site may be the first. */
public final class TopicSetup {

    private TopicSetup() {
    }

    public static void ensureCreated(String bootstrapServers, String site, int brokers, int partitions) {
        short replicas = (short) brokers;
        Map<String, String> durable = Map.of(
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(Math.min(2, brokers)),
                TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "false");
        Map<String, String> compacted = new HashMap<>(durable);
        compacted.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        List<NewTopic> topics = new ArrayList<>();
        for (ReplicatedTable table : Catalog.tables()) {
            // Retention is Kafka's default (7 days): a site away for longer is rebuilt from a snapshot.
            topics.add(new NewTopic(Topics.of(site, table), partitions, replicas).configs(durable));
        }
        topics.add(new NewTopic(Topics.DEAD_LETTER, 1, replicas).configs(durable));
        topics.add(new NewTopic(Topics.OFFSETS, 1, replicas).configs(compacted));
        topics.add(MultisiteTopics.watermarks(brokers));
        MultisiteTopics.ensureCreated(bootstrapServers, topics);
    }
}
