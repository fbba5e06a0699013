package io.multisite.gateway.routing;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableFollower;
import io.multisite.routing.RoutingTableSource;
import io.multisite.routing.Units;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The router and what feeds it: the routing table, followed from Kafka unless
 * {@code multisite.kafka.enabled=false}, in which case a {@link RoutingTableSource} bean must come
 * from elsewhere or the context does not start.
 */
@Configuration(proxyBeanMethods = false)
class RoutingConfiguration {

    @Bean
    Units units(RoutingProperties properties) {
        return new Units(properties.units());
    }

    @Bean
    Router router(RoutingProperties properties, RoutingTableSource routing, Units units) {
        return new Router(properties.site(), routing, units, properties.refreshWait());
    }

    /** Part of the readiness group (application.yml). */
    @Bean
    HealthIndicator routingHealthIndicator(RoutingTableSource routing) {
        return new RoutingHealthIndicator(routing);
    }

    /** 0 until a table is held; epochs start at 1. */
    @Bean
    MeterBinder routingEpochGauge(RoutingTableSource routing) {
        return registry -> Gauge.builder("gateway.routing.epoch", routing,
                        source -> source.current().map(RoutingTable::epoch).orElse(0L))
                .description("Epoch of the routing table this gateway routes by")
                .strongReference(true)
                .register(registry);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "multisite.kafka.enabled", matchIfMissing = true)
    static class KafkaRouting {

        @Bean(destroyMethod = "close")
        RoutingTableFollower routingTableFollower(RoutingProperties properties) {
            return new RoutingTableFollower(properties.kafka().bootstrapServers(),
                    "gateway-" + properties.site() + "-" + properties.instanceId() + "-routing").start();
        }
    }
}
