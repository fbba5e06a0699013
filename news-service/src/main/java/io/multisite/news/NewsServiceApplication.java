package io.multisite.news;

import java.time.Clock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/**
 * Posts and the feed of one site. Posts are the tolerant tier: written only at the author's home
 * site (the routing package's {@link io.multisite.news.routing.WriteGuard} admits them), replicated
 * to every site and merged there by the apply functions of the database. The feed is read-mostly:
 * any site serves it from its own replica, unguarded.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class NewsServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(NewsServiceApplication.class, args);
    }

    /** The one clock of the service: token expiry and the time in every post id and version. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
