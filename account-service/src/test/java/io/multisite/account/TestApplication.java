package io.multisite.account;

import java.util.ArrayList;
import java.util.List;

import io.multisite.routing.RoutingTableSource;
import io.multisite.routing.SiteLease;
import io.multisite.testsupport.TestDatabase;
import io.multisite.testsupport.TestRouting;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Starts a whole instance of the service outside the test framework's context cache, for tests
 * that need several instances (one per site) or a start-up that is expected to fail.
 */
public final class TestApplication {

    private TestApplication() {
    }

    /**
     * @param routing the instance's routing source and lease; null to give it none (Kafka on,
     *                or a test of what happens without them)
     */
    public static ConfigurableApplicationContext start(String site, String database, TestRouting routing, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--multisite.site=" + site,
                "--multisite.kafka.enabled=" + (routing == null),
                "--multisite.password.bcrypt-cost=4",
                "--spring.datasource.url=" + TestDatabase.jdbcUrl(database),
                "--spring.datasource.username=" + TestDatabase.owner(database),
                "--spring.datasource.password=" + TestDatabase.PASSWORD,
                "--spring.jmx.enabled=false"));
        args.addAll(List.of(extraArgs));
        SpringApplicationBuilder builder = new SpringApplicationBuilder(AccountServiceApplication.class);
        if (routing != null) {
            builder.initializers(context -> {
                context.getBeanFactory().registerSingleton("testRouting", (RoutingTableSource) routing);
                context.getBeanFactory().registerSingleton("siteLease", (SiteLease) routing.lease());
            });
        }
        return builder.run(args.toArray(String[]::new));
    }

    public static int port(ConfigurableApplicationContext context) {
        return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    public static JdbcClient jdbc(ConfigurableApplicationContext context) {
        return context.getBean(JdbcClient.class);
    }
}
