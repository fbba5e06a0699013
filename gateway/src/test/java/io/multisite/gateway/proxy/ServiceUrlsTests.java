package io.multisite.gateway.proxy;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceUrlsTests {

    private static ServicesProperties templates(String account, Map<String, Map<String, String>> overrides) {
        return new ServicesProperties(account, "http://news-service-{site}:8080", "https://controller.{site}.example",
                overrides);
    }

    @Test
    void theSitePlaceholderIsReplacedByTheSiteId() {
        ServiceUrls urls = new ServiceUrls(templates("http://account-service-{site}:8080", null), "site-a");

        assertThat(urls.baseUrl("site-b", Service.ACCOUNT_SERVICE)).isEqualTo(URI.create("http://account-service-site-b:8080"));
        assertThat(urls.baseUrl("site-c", Service.NEWS_SERVICE)).isEqualTo(URI.create("http://news-service-site-c:8080"));
        assertThat(urls.baseUrl("site-a", Service.FAILOVER_CONTROLLER))
                .isEqualTo(URI.create("https://controller.site-a.example"));
    }

    @Test
    void anOverrideReplacesTheTemplateForOneServiceOfOneSite() {
        ServiceUrls urls = new ServiceUrls(templates("http://account-service-{site}:8080",
                Map.of("site-b", Map.of("account-service", "http://127.0.0.1:41234"))), "site-a");

        assertThat(urls.baseUrl("site-b", Service.ACCOUNT_SERVICE)).isEqualTo(URI.create("http://127.0.0.1:41234"));
        assertThat(urls.baseUrl("site-b", Service.NEWS_SERVICE)).isEqualTo(URI.create("http://news-service-site-b:8080"));
        assertThat(urls.baseUrl("site-c", Service.ACCOUNT_SERVICE)).isEqualTo(URI.create("http://account-service-site-c:8080"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"account-service-{site}:8080", "ftp://account-service-{site}", "http://account_service_{site}:8080",
            "http://account-service-{site}:8080/base", "http://account-service-{site}:8080?x=1", " "})
    void aTemplateThatIsNoBaseUrlStopsTheStart(String template) {
        assertThatThrownBy(() -> new ServiceUrls(templates(template, null), "site-a"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anOverrideOfAnUnknownServiceStopsTheStart() {
        assertThatThrownBy(() -> new ServiceUrls(templates("http://account-service-{site}:8080",
                Map.of("site-b", Map.of("ledger", "http://127.0.0.1:1"))), "site-a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ledger");
    }
}
