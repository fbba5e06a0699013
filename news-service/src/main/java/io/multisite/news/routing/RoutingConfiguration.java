package io.multisite.news.routing;

import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.routing.LeaseHeartbeater;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.NanoClock;
import io.multisite.routing.OwnershipGuard;
import io.multisite.routing.RoutingTableFollower;
import io.multisite.routing.RoutingTableSource;
import io.multisite.routing.SiteLease;
import io.multisite.routing.SiteTimings;
import io.multisite.routing.Units;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The ownership guard and what feeds it: the routing table (followed from Kafka) and the site
 * lease (renewed by this instance's Kafka heartbeats). Posts never need the lease, but the guard
 * is the one shared by every service, and this instance's heartbeats also tell the
 * failover-controller that its site is alive.
 *
 * <p>The guard depends only on a {@link RoutingTableSource} and a {@link SiteLease}. With
 * {@code multisite.kafka.enabled=false} neither is created here, and the context does not start
 * unless someone else provides both; there is deliberately no "no Kafka, allow everything" mode.
 */
@Configuration(proxyBeanMethods = false)
class RoutingConfiguration {

    /** Refuses to start with timings that would allow two debit writers at this site. */
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
    WriteGuard writeGuard(OwnershipGuard guard, Units units, MeterRegistry meters) {
        return new WriteGuard(guard, units, meters);
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
                    "news-service-" + properties.instanceId() + "-routing").start();
        }

        @Bean(destroyMethod = "close")
        LeaseHeartbeater leaseHeartbeater(RoutingProperties properties, SiteLease lease, SiteTimings timings) {
            return LeaseHeartbeater.create(properties.kafka().bootstrapServers(), properties.site(),
                    "news-service-" + properties.instanceId(), lease, timings).start();
        }

        // Every instance may be the first to start, so each one makes sure the topics exist.
        private static void createTopicsIfMissing(RoutingProperties.Kafka kafka) {
            MultisiteTopics.ensureCreated(kafka.bootstrapServers(), kafka.brokers());
        }
    }
}
