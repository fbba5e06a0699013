package io.multisite.gateway.proxy;

import java.net.URI;

import io.multisite.gateway.GatewayIntegrationTestSupport;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

class ConfiguredServiceUrlsIntegrationTests extends GatewayIntegrationTestSupport {

    @Autowired
    private ServiceUrls urls;

    @Test
    void theDefaultTemplatesOfApplicationYmlNameEachSitesServices() {
        // site-q has no test override, so the templates of application.yml apply.
        assertThat(urls.baseUrl("site-q", Service.ACCOUNT_SERVICE)).isEqualTo(URI.create("http://account-service-site-q:8080"));
        assertThat(urls.baseUrl("site-q", Service.NEWS_SERVICE)).isEqualTo(URI.create("http://news-service-site-q:8080"));
        assertThat(urls.baseUrl("site-q", Service.FAILOVER_CONTROLLER))
                .isEqualTo(URI.create("http://failover-controller-site-q:8080"));
    }
}
