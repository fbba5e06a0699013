package io.multisite.news;

import io.multisite.routing.SiteLease;
import io.multisite.routing.SiteTimings;
import io.multisite.testsupport.TestRouting;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/** The routing source and site lease of a context started with {@code multisite.kafka.enabled=false}. */
@TestConfiguration(proxyBeanMethods = false)
public class TestRoutingConfiguration {

    @Bean
    TestRouting testRouting(SiteTimings timings) {
        TestRouting routing = new TestRouting(timings.leaseDuration());
        routing.reset();
        return routing;
    }

    @Bean
    SiteLease siteLease(TestRouting routing) {
        return routing.lease();
    }
}
