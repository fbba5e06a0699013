package io.multisite.controller;

import java.time.Clock;
import java.util.Arrays;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.controller.catchup.ReplicationPositions;
import io.multisite.controller.failover.FailoverLoop;
import io.multisite.controller.liveness.HeartbeatMonitor;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.NanoClock;
import io.multisite.routing.RoutingTableFollower;
import io.multisite.routing.SiteTimings;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The controller's moving parts: follower, heartbeat monitor, election, failover loop. */
@Configuration(proxyBeanMethods = false)
class ControllerConfiguration {

    static final String DEVELOPMENT_ADMIN_TOKEN = "development-only-admin-token";

    @Bean
    SiteTimings siteTimings(ControllerProperties properties, Environment environment) {
        String token = properties.controller().adminToken();
        if (Arrays.asList(environment.getActiveProfiles()).contains("prod")
                && (DEVELOPMENT_ADMIN_TOKEN.equals(token) || token.length() < 24)) {
            throw new IllegalStateException("ADMIN_TOKEN must be set to a secret of at least 24 characters in production");
        }
        // Refuses to start with timings under which a silent site could still be debiting when its units move.
        return properties.timings().validate();
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "multisite.kafka.enabled", matchIfMissing = true)
    static class KafkaParts {

        @Bean(destroyMethod = "close")
        RoutingTableFollower routingTableFollower(ControllerProperties properties) {
            MultisiteTopics.ensureCreated(properties.kafka().bootstrapServers(), properties.kafka().brokers());
            return new RoutingTableFollower(properties.kafka().bootstrapServers(), clientId(properties) + "-routing").start();
        }

        @Bean(destroyMethod = "close")
        HeartbeatMonitor heartbeatMonitor(ControllerProperties properties) {
            return new HeartbeatMonitor(properties.kafka().bootstrapServers(), clientId(properties), NanoClock.SYSTEM).start();
        }

        @Bean(destroyMethod = "close")
        ReplicationPositions replicationPositions(ControllerProperties properties, RoutingTableFollower follower) {
            // After the follower: it creates the topics.
            return new ReplicationPositions(properties.kafka().bootstrapServers(), clientId(properties)).start();
        }

        @Bean(destroyMethod = "close")
        FailoverLoop failoverLoop(ControllerProperties properties, SiteTimings timings, RoutingTableFollower follower,
                                  HeartbeatMonitor monitor, ReplicationPositions positions, MeterRegistry meters) {
            return new FailoverLoop(clientId(properties), properties.controller().cityOfSite(), properties.units(), timings,
                    properties.controller().tick(), properties.controller().startupGrace(), properties.kafka().bootstrapServers(),
                    properties.controller().electionSessionTimeout(), follower, monitor, positions,
                    properties.controller().ledgerDatabase(), properties.controller().preCatchUpLag(),
                    properties.controller().preCatchUpTimeout(), Clock.systemUTC(), meters).start();
        }

        @Bean(destroyMethod = "close")
        KafkaProducer<String, String> commandProducer(ControllerProperties properties) {
            return new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafka().bootstrapServers(),
                    ProducerConfig.CLIENT_ID_CONFIG, clientId(properties) + "-commands",
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000), new StringSerializer(), new StringSerializer());
        }

        private static String clientId(ControllerProperties properties) {
            return "failover-controller-" + properties.instanceId();
        }
    }
}
