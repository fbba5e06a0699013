package io.multisite.account.routing;

import java.time.Duration;

import io.multisite.routing.SiteTimings;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who this instance is and how it learns whether it may write: {@code multisite.*} in
 * application.yml, each value overridable by an environment variable.
 *
 * @param site        this site's id (SITE_ID); the guard admits writes only for units it owns
 * @param instanceId  this instance, named in its heartbeats (INSTANCE_ID, else HOSTNAME)
 * @param units       number of units; must match every other component
 * @param kafka       where the routing table and the heartbeats live
 * @param timings     the lease timings; validated at start-up
 * @param positionReportInterval how often this site's WAL position is reported when no new routing
 *                    table prompts a report (POSITION_REPORT_INTERVAL); not one of the lease timings
 */
@ConfigurationProperties("multisite")
record RoutingProperties(String site, String instanceId, int units, Kafka kafka, Timings timings, Duration positionReportInterval) {

    /**
     * @param enabled          false: no follower, no heartbeater, no topic creation. The context
     *                         must then be given a {@code RoutingTableSource} and a {@code SiteLease}
     *                         bean by someone else (the tests do, to drive routing by hand).
     * @param bootstrapServers the stretched cluster, every site's broker (KAFKA_BOOTSTRAP)
     * @param brokers          broker count: replication factor and heartbeat partitions of the
     *                         topics this instance creates when they are missing
     */
    record Kafka(boolean enabled, String bootstrapServers, int brokers) {
    }

    /** See {@link SiteTimings} for what each one means and the inequalities between them. */
    record Timings(Duration heartbeatInterval, Duration leaseDuration, Duration deadAfter, Duration debitMargin,
                   Duration debitStatementTimeout, Duration brokerSessionTimeout) {

        SiteTimings toSiteTimings() {
            return new SiteTimings(heartbeatInterval, leaseDuration, deadAfter, debitMargin, debitStatementTimeout,
                    brokerSessionTimeout);
        }
    }
}
