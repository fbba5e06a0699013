package io.multisite.gateway;

import org.springframework.context.annotation.Bean;

/**
 * The routing source of a context started with {@code multisite.kafka.enabled=false}. Imported, and
 * deliberately not annotated: a plain application run from the test classpath
 * ({@link KafkaSwitchIntegrationTests}) must not find it by component scanning.
 */
public class TestRoutingConfiguration {

    @Bean
    TestRouting testRouting() {
        return new TestRouting();
    }
}
