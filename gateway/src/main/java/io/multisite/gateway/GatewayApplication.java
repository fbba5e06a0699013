package io.multisite.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * One site's gateway: finds the user a request acts for, looks up the owner of the user's unit in
 * the routing table and forwards the request to that site's service ({@code proxy} package). Feed
 * reads and the controller's pages stay in this site.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
    }
}
