package io.multisite.account.routing;

import java.time.Clock;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.routing.LeaseHeartbeater;
import io.multisite.routing.Lsn;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.NanoClock;
import io.multisite.routing.OwnershipGuard;
import io.multisite.routing.PositionReporter;
import io.multisite.routing.RoutingTableFollower;
import io.multisite.routing.RoutingTableSource;
import io.multisite.routing.SiteLease;
import io.multisite.routing.SiteTimings;
import io.multisite.routing.Units;
import io.multisite.routing.WalPosition;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The ownership guard and what feeds it: the routing table (followed from Kafka) and the site
 * lease (renewed by this instance's Kafka heartbeats).
 *
 * <p>The guard depends only on a {@link RoutingTableSource} and a {@link SiteLease}. With
 * {@code multisite.kafka.enabled=false} neither is created here, and the context does not start
 * unless someone else provides both; there is deliberately no "no Kafka, allow everything" mode.
 */
@Configuration(proxyBeanMethods = false)
class RoutingConfiguration {

    /** Refuses to start with timings that would allow two debit writers. */
    @Bean
    SiteTimings siteTimings(RoutingProperties properties) {
        return properties.timings().toSiteTimings().validate();
    }

    @Bean
    Units units(RoutingProperties properties) {
        return new Units(properties.units());
    }

    @Bean
    OwnershipGuard ownershipGuard(RoutingProperties properties, RoutingTableSource routing, SiteLease lease,
                                  SiteTimings timings, Units units) {
        return new OwnershipGuard(properties.site(), routing, lease, timings, units);
    }

    @Bean
    WriteGuard writeGuard(OwnershipGuard guard, RoutingTableSource routing, SiteLease lease, Units units,
                          MeterRegistry meters) {
        return new WriteGuard(guard, routing, lease, units, meters);
    }

    /** Part of the readiness group: an instance without a routing table can only refuse writes. */
    @Bean
    HealthIndicator routingHealthIndicator(RoutingTableSource routing) {
        return new RoutingHealthIndicator(routing);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "multisite.kafka.enabled", matchIfMissing = true)
    static class KafkaRouting {

        @Bean
        SiteLease siteLease(SiteTimings timings) {
            return new SiteLease(timings.leaseDuration(), NanoClock.SYSTEM);
        }

        @Bean(destroyMethod = "close")
        RoutingTableFollower routingTableFollower(RoutingProperties properties) {
            createTopicsIfMissing(properties.kafka());
            return new RoutingTableFollower(properties.kafka().bootstrapServers(),
                    "account-service-" + properties.instanceId() + "-routing").start();
        }

        @Bean(destroyMethod = "close")
        LeaseHeartbeater leaseHeartbeater(RoutingProperties properties, SiteLease lease, SiteTimings timings) {
            return LeaseHeartbeater.create(properties.kafka().bootstrapServers(), properties.site(),
                    "account-service-" + properties.instanceId(), lease, timings).start();
        }

        /**
         * The old owner's half of every hand-over: this site's WAL position, reported once the
         * writes it admitted for units it has given up are finished (see {@link PositionReporter}),
         * as soon as a new table is read and every {@code position-report-interval} besides.
         */
        @Bean(destroyMethod = "close")
        PositionReporter positionReporter(RoutingProperties properties, RoutingTableFollower follower, OwnershipGuard guard,
                                          JdbcClient jdbc, SiteTimings timings) {
            WalPosition wal = () -> jdbc.sql("SELECT current_database(), pg_current_wal_lsn()::text")
                    .query((row, n) -> new WalPosition.Position(row.getString(1), Lsn.parse(row.getString(2)))).single();
            KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafka().bootstrapServers(),
                    ProducerConfig.CLIENT_ID_CONFIG, "account-service-" + properties.instanceId() + "-positions",
                    ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
            // A debit admitted just before a fence finishes within the lease, or is refused at commit.
            PositionReporter reporter = new PositionReporter(properties.site(), follower, guard, wal, producer,
                    properties.positionReportInterval(), timings.leaseDuration(), Clock.systemUTC());
            // A fence waits for this site's first report at the fence's epoch: send it now, not at the next interval.
            follower.addListener(table -> reporter.reportSoon());
            return reporter.start();
        }

        // Every instance may be the first to start, so each one makes sure the topics exist.
        private static void createTopicsIfMissing(RoutingProperties.Kafka kafka) {
            MultisiteTopics.ensureCreated(kafka.bootstrapServers(), kafka.brokers());
        }
    }
}
