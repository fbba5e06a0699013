package io.multisite.replication;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Everything that differs between sites comes from the environment (application.yml).
 *
 * @param site      this site: the only origin the source publishes, the one origin the sink skips
 * @param kafka     the shared cluster
 * @param capture   the Debezium side
 * @param databases the local databases by name ({@code accounts}, {@code news}), reached as the
 *                  REPLICATION role, which is a member of each owner role
 */
@ConfigurationProperties("multisite")
public record ReplicationProperties(String site, Kafka kafka, Capture capture, Map<String, Database> databases) {

    /**
     * @param brokers    replication factor of the topics created at start-up
     * @param partitions partitions of each replication topic
     */
    public record Kafka(String bootstrapServers, int brokers, int partitions) {
    }

    /**
     * @param pollInterval        how long Debezium waits to fill a batch; the floor of replication lag
     * @param heartbeatInterval   how often an idle database's watermark moves
     * @param offsetFlushInterval how often source offsets are stored; a restart re-sends at most this much
     */
    public record Capture(Duration pollInterval, Duration heartbeatInterval, Duration offsetFlushInterval) {
    }

    public record Database(String url, String username, String password) {
    }
}
