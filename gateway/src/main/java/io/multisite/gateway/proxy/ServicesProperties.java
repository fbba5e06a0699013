package io.multisite.gateway.proxy;

import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where each site's services are: one URL template per service in which {@code {site}} stands for
 * the site id, the same in every site (ACCOUNT_SERVICE_URL, NEWS_SERVICE_URL, CONTROLLER_URL).
 *
 * @param overrides exceptions to the templates, {@code overrides.<site>.<service>=<url>}: a site whose
 *                  services live somewhere the template cannot express (the tests point each fake
 *                  site at its own loopback port this way)
 */
@ConfigurationProperties("multisite.services")
record ServicesProperties(String accountService, String newsService, String failoverController,
                          Map<String, Map<String, String>> overrides) {

    ServicesProperties {
        overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
    }

    String template(Service service) {
        return switch (service) {
            case ACCOUNT_SERVICE -> accountService;
            case NEWS_SERVICE -> newsService;
            case FAILOVER_CONTROLLER -> failoverController;
        };
    }
}
