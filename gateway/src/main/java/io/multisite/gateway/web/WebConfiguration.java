package io.multisite.gateway.web;

import java.time.Duration;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class WebConfiguration {

    /**
     * @param retryAfter sent as {@code Retry-After} (whole seconds, at least 1) with every 503 of
     *                   the gateway: no table yet, owner dead, site unreachable (RETRY_AFTER)
     */
    @Bean
    JsonErrorHandler jsonErrorHandler(@Value("${multisite.site}") String site,
                                      @Value("${multisite.errors.retry-after}") Duration retryAfter, JsonMapper json) {
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        return new JsonErrorHandler(site, seconds, json);
    }
}
