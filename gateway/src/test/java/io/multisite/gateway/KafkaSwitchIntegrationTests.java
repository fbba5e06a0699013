package io.multisite.gateway;

import io.multisite.routing.RoutingTableSource;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaSwitchIntegrationTests {

    @Test
    void withKafkaSwitchedOffTheGatewayDoesNotStartWithoutARoutingTableSource() {
        assertThatThrownBy(() -> {
            try (ConfigurableApplicationContext context = SpringApplication.run(GatewayApplication.class,
                    "--multisite.kafka.enabled=false", "--server.port=0", "--spring.main.banner-mode=off",
                    // The failure is the expected outcome; its report would only clutter the build output.
                    "--logging.level.org.springframework.boot.diagnostics=OFF",
                    "--logging.level.org.springframework.boot.SpringApplication=OFF",
                    "--logging.level.org.springframework.boot.web=OFF")) {
                context.getBean(GatewayApplication.class);
            }
        }).rootCause().isInstanceOfSatisfying(NoSuchBeanDefinitionException.class,
                missing -> assertThat(missing.getBeanType()).isEqualTo(RoutingTableSource.class));
    }
}
