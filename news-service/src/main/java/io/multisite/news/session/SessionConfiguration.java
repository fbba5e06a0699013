package io.multisite.news.session;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

import io.multisite.routing.session.SessionTokens;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration(proxyBeanMethods = false)
class SessionConfiguration {

    /** Under the prod profile the application does not start with a guessable secret. */
    @Bean
    SessionTokens sessionTokens(SessionProperties properties, Environment environment, Clock clock) {
        if (environment.matchesProfiles("prod")) {
            properties.requireProductionSecret();
        }
        return new SessionTokens(properties.secret().getBytes(StandardCharsets.UTF_8), clock);
    }

    @Bean
    WebMvcConfigurer currentUserArgument(SessionTokens tokens, JdbcClient jdbc) {
        CurrentUserResolver resolver = new CurrentUserResolver(tokens, jdbc);
        return new WebMvcConfigurer() {
            @Override
            public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
                resolvers.add(resolver);
            }
        };
    }
}
