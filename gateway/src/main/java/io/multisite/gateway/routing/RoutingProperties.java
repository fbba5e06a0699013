package io.multisite.gateway.routing;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Which site this gateway serves and how it learns the routing table: {@code multisite.*} in
 * application.yml, each value from an environment variable.
 *
 * @param site        this site (SITE_ID): where feed reads and controller pages go, and the
 *                    {@code X-Served-By} of the gateway's own answers
 * @param instanceId  names this instance's Kafka client (INSTANCE_ID, else HOSTNAME)
 * @param units       number of units (UNIT_COUNT); must match every other component
 * @param refreshWait how long a request answered 421 waits for a newer routing table before it
 *                    is retried anyway (ROUTING_REFRESH_WAIT)
 * @param kafka       where the routing table comes from
 */
@ConfigurationProperties("multisite")
record RoutingProperties(String site, String instanceId, int units, Duration refreshWait, Kafka kafka) {

    /**
     * @param enabled          false: no {@code RoutingTableFollower} is started, and the context
     *                         does not start unless someone else provides a
     *                         {@code RoutingTableSource} bean (the tests do, to drive routing by
     *                         hand). There is no mode that forwards without a routing table.
     * @param bootstrapServers the stretched cluster, every site's broker (KAFKA_BOOTSTRAP)
     */
    record Kafka(boolean enabled, String bootstrapServers) {
    }
}
