package io.multisite.controller;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.SiteTimings;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The controller's configuration: {@code multisite.*} in application.yml, each value
 * overridable by an environment variable; identical at every site apart from SITE_ID.
 *
 * @param site       this instance's site (SITE_ID)
 * @param instanceId this instance, for client ids (INSTANCE_ID, else HOSTNAME)
 * @param units      number of units; must match every other component
 * @param kafka      the stretched cluster
 * @param timings    heartbeat, lease and dead-after; validated at start-up
 * @param controller what only the controller needs
 */
@ConfigurationProperties("multisite")
public record ControllerProperties(String site, String instanceId, int units, Kafka kafka, SiteTimings timings,
                                   Controller controller) {

    /**
     * @param enabled          false: no Kafka clients at all (tests that only exercise the web layer)
     * @param bootstrapServers every site's broker (KAFKA_BOOTSTRAP)
     * @param brokers          replication factor of the topics created when missing
     */
    public record Kafka(boolean enabled, String bootstrapServers, int brokers) {
    }

    /**
     * @param sites                  every site and its city, {@code site-a=beijing,site-b=beijing,...} (SITES)
     * @param tick                   how often the leader looks at heartbeats and the table
     * @param startupGrace           how long a site never heard from may stay silent before it is declared dead
     * @param electionSessionTimeout how long a dead leader keeps leading, at most
     * @param adminToken             the bearer token of the admin API (ADMIN_TOKEN)
     * @param ledgerDatabase         the database holding balances, whose replication a unit's new owner
     *                               must have caught up on before it takes debits (LEDGER_DATABASE)
     * @param preCatchUpLag          a planned switchover fences its units once each target has applied what
     *                               the owner had written at most this long ago (PRE_CATCH_UP_LAG)
     * @param preCatchUpTimeout      ... or once it has waited this long for that (PRE_CATCH_UP_TIMEOUT)
     */
    public record Controller(String sites, Duration tick, Duration startupGrace, Duration electionSessionTimeout, String adminToken,
                             String ledgerDatabase, Duration preCatchUpLag, Duration preCatchUpTimeout) {

        /** Site id to city, in the configured order. */
        public Map<String, String> cityOfSite() {
            Map<String, String> cities = new LinkedHashMap<>();
            for (String entry : sites.split(",")) {
                String[] parts = entry.trim().split("=", 2);
                if (parts.length != 2 || parts[1].isBlank()) {
                    throw new IllegalStateException("SITES must look like site-a=beijing,site-b=beijing,site-c=guangzhou; got " + sites);
                }
                cities.put(RoutingTable.requireValidSiteId(parts[0].trim()), parts[1].trim());
            }
            return cities;
        }
    }
}
