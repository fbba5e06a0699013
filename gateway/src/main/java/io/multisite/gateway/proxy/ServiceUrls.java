package io.multisite.gateway.proxy;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The base URL of a service at a site, from the templates and overrides of {@link ServicesProperties}. */
final class ServiceUrls {

    static final String SITE_PLACEHOLDER = "{site}";

    private final ServicesProperties properties;
    private final Map<String, URI> resolved = new ConcurrentHashMap<>();

    /** Fails at start-up, not on the first request, when a template or an override is no usable URL. */
    ServiceUrls(ServicesProperties properties, String localSite) {
        this.properties = properties;
        for (Service service : Service.values()) {
            String template = properties.template(service);
            if (template == null || template.isBlank()) {
                throw new IllegalArgumentException("no URL template for " + service.configName());
            }
            baseUrl(localSite, service);
        }
        properties.overrides().forEach((site, services) -> services.forEach((name, url) -> {
            if (java.util.Arrays.stream(Service.values()).noneMatch(s -> s.configName().equals(name))) {
                throw new IllegalArgumentException("override for unknown service " + name + " of " + site);
            }
            parse(url, "override of " + name + " for " + site);
        }));
    }

    /** @param site a site id of the routing table ({@code [a-z0-9-]}, so it is safe in a host name) */
    URI baseUrl(String site, Service service) {
        return resolved.computeIfAbsent(site + ' ' + service.configName(), key -> {
            String override = properties.overrides().getOrDefault(site, Map.of()).get(service.configName());
            if (override != null) {
                return parse(override, "override of " + service.configName() + " for " + site);
            }
            return parse(properties.template(service).replace(SITE_PLACEHOLDER, site), service.configName() + " of " + site);
        });
    }

    private static URI parse(String url, String what) {
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not a URL: " + url, e);
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException(what + " must be an http(s) URL: " + url);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(what + " has no valid host name: " + url);
        }
        // The request's own path and query are appended unchanged: a base path would be dropped.
        if ((uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))
                || uri.getRawQuery() != null) {
            throw new IllegalArgumentException(what + " must be scheme://host:port only: " + url);
        }
        return uri;
    }
}
