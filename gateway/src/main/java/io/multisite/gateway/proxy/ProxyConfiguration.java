package io.multisite.gateway.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.gateway.proxy.SiteRoutingFilter.Target;
import io.multisite.gateway.routing.Router;

import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;

/**
 * The routes of the public contract. They are code rather than YAML because each one is only
 * correct together with its {@link SiteRoutingFilter}; the configuration is where services live,
 * not what goes where.
 */
@Configuration(proxyBeanMethods = false)
class ProxyConfiguration {

    /**
     * The URI every route is declared with. It is never used: {@link SiteRoutingFilter} replaces the
     * host on every request, and a route without that filter fails closed (.invalid never resolves).
     */
    private static final String UNRESOLVED = "http://unresolved.invalid";

    @Bean
    ServiceUrls serviceUrls(ServicesProperties services, Router router) {
        return new ServiceUrls(services, router.localSite());
    }

    /**
     * Reactor Netty resolves names itself and keeps an answer as long as its TTL. Docker's DNS says
     * 600 s, but a site partitioned off the WAN and healed rejoins with new addresses, and an old one
     * may by then belong to another container: the gateway would send that site's users elsewhere
     * for ten minutes. Capped, a moved service is found again within the cap.
     */
    @Bean
    HttpClientCustomizer shortLivedAddresses(ProxyProperties proxy) {
        return client -> client.resolver(spec -> spec.cacheMaxTimeToLive(proxy.addressTtl()));
    }

    @Bean
    ProxyMetrics proxyMetrics(MeterRegistry registry) {
        return new ProxyMetrics(registry);
    }

    @Bean
    RouteLocator multisiteRoutes(RouteLocatorBuilder routes, Router router, ServiceUrls urls, ProxyProperties proxy,
                                 ProxyMetrics metrics) {
        int maxBody = (int) proxy.maxBodySize().toBytes();
        Filters filters = (service, target) -> new SiteRoutingFilter(service, target, router, urls, maxBody, metrics);
        return routes.routes()
                // The read-mostly tier first: every site has every post, so a read needs no user and
                // no owner (a post is read without a session, so there may be no user to route by).
                .route("feed", r -> r.method(HttpMethod.GET).and().path("/api/feed", "/api/posts/{postId}")
                        .filters(f -> f.filter(filters.to(Service.NEWS_SERVICE, Target.LOCAL), SiteRoutingFilter.ORDER))
                        .uri(UNRESOLVED))
                .route("accounts", r -> r.path("/api/users/**", "/api/sessions/**", "/api/accounts/**", "/api/transfers/**")
                        .filters(f -> f.filter(filters.to(Service.ACCOUNT_SERVICE, Target.OWNER), SiteRoutingFilter.ORDER))
                        .uri(UNRESOLVED))
                .route("posts", r -> r.path("/api/posts/**")
                        .filters(f -> f.filter(filters.to(Service.NEWS_SERVICE, Target.OWNER), SiteRoutingFilter.ORDER))
                        .uri(UNRESOLVED))
                .route("controller", r -> r.path("/api/routing", "/admin/**", "/console/**")
                        .filters(f -> f.filter(filters.to(Service.FAILOVER_CONTROLLER, Target.LOCAL), SiteRoutingFilter.ORDER))
                        .uri(UNRESOLVED))
                .build();
    }

    @FunctionalInterface
    private interface Filters {
        GatewayFilter to(Service service, Target target);
    }
}
