package io.multisite.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableJson;
import io.multisite.routing.SiteState;
import io.multisite.routing.UnitState;
import io.multisite.routing.Units;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the end-to-end tests do to and read from the deployed sites, beside what a user's client
 * does through the gateways ({@link Gateways}): routing tables, SQL at each site's PostgreSQL,
 * admin calls, and killing, restoring and partitioning a whole site.
 */
final class Sites {

    static final List<String> ALL = List.of("site-a", "site-b", "site-c");

    private static final Logger log = LoggerFactory.getLogger(Sites.class);
    /** Every service of one site, in the order docker-compose.yml starts them. */
    private static final List<String> SERVICES = List.of("postgres", "kafka", "failover-controller", "account-service",
            "news-service", "replication", "gateway");

    private final Compose compose;

    Sites(Compose compose) {
        this.compose = compose;
    }

    /** The compose service of {@code name} at {@code site}: ("postgres", "site-b") is postgres-b. */
    static String service(String name, String site) {
        return name + "-" + site.substring("site-".length());
    }

    RoutingTable routingTable(String site) {
        return RoutingTableJson.read(compose.exec(service("failover-controller", site), "curl", "-fsS", "localhost:8080/api/routing"));
    }

    String accountsQuery(String site, String sql) {
        return compose.exec(service("postgres", site), "psql", "-X", "-U", "account_service", "-d", "accounts", "-tAc", sql).strip();
    }

    String newsQuery(String site, String sql) {
        return compose.exec(service("postgres", site), "psql", "-X", "-U", "news_service", "-d", "news", "-tAc", sql).strip();
    }

    /** An admin call, as an operator makes it: to any controller instance, with the admin token. */
    String admin(String pathAndQuery) {
        return compose.exec("failover-controller-b", "curl", "-s", "-i", "-X", "POST",
                "-H", "Authorization: Bearer development-only-admin-token", "localhost:8080" + pathAndQuery);
    }

    /** A registration sent straight to one account-service, past the gateways. */
    String register(String service, String body) {
        return compose.exec(service, "curl", "-s", "-i", "-X", "POST", "localhost:8080/api/users",
                "-H", "Content-Type: application/json", "-d", body);
    }

    /** A fresh user id whose unit the table gives to {@code site}. */
    static String userHomedAt(RoutingTable table, String site, String prefix) {
        long seed = System.nanoTime();
        for (int i = 0; ; i++) {
            String userId = prefix + seed + "-" + i;
            if (table.owner(Units.DEFAULT.of(userId)).equals(site)) {
                return userId;
            }
        }
    }

    /** Registers at the user's home site, then waits for the user and the balance at every site. */
    void registerAtHomeAndAwaitEverywhere(String userId, long balance) {
        String home = routingTable("site-a").owner(Units.DEFAULT.of(userId));
        String body = "{\"userId\":\"" + userId + "\",\"password\":\"correct-horse\",\"initialBalance\":" + balance + "}";
        // 503 only while the site (re)gains its lease after a broker or a site was lost.
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(register(service("account-service", home), body)).contains("HTTP/1.1 201"));
        long registered = System.nanoTime();

        // The user row and the opening ledger entry travel by CDC; each site derives the balance.
        // Generous: with a broker down and the machine loaded this has taken 80 s (13-17 s otherwise).
        for (String site : ALL) {
            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(accountsQuery(site, "SELECT count(*) || ':' || coalesce(sum(balance), 0) FROM accounts a JOIN users u USING (user_id) "
                            + "WHERE user_id = '" + userId + "'")).isEqualTo("1:" + balance));
        }
        log.info("{} registered at {} and visible with its balance at every site {} ms later", userId, home,
                Duration.ofNanos(System.nanoTime() - registered).toMillis());
    }

    /** Every site UP and every unit ACTIVE: nothing failed over, fenced or waiting for a catch-up. */
    static boolean settled(RoutingTable table) {
        return table.sites().values().stream().allMatch(s -> s == SiteState.UP)
                && table.units().stream().allMatch(u -> u.state() == UnitState.ACTIVE);
    }

    /** Waits until the table, as {@code observer}'s controller sees it, is {@link #settled}; returns it. */
    RoutingTable awaitSettled(String observer, Duration within) {
        return await("every site UP and every unit ACTIVE, as " + observer + " sees it").atMost(within)
                .pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> routingTable(observer), Sites::settled);
    }

    /**
     * Waits until every Kafka partition has its three in-sync replicas again, asked through the
     * broker of {@code site}. A broker that was killed or cut off catches up for a minute or more on
     * two cores, and load or a fault started meanwhile would measure that catch-up (partitions at
     * their minimum ISR, every acks=all write waiting on the slowest replica), not the system.
     */
    void awaitKafkaInSync(String site, Duration within) {
        long started = System.nanoTime();
        await("every Kafka partition with 3 in-sync replicas").atMost(within).pollInterval(Duration.ofSeconds(5))
                .ignoreExceptions().until(() -> compose.exec(service("kafka", site), "kafka-tool", "topics", "--bootstrap-server",
                        "kafka-a:9092,kafka-b:9092,kafka-c:9092", "--describe", "--under-replicated-partitions").isBlank());
        log.info("every Kafka partition in sync ({} ms waited)", Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    /** Ids of the running containers of the site, found by their label as the chaos tooling does. */
    List<String> containersOf(String site) {
        return compose.containersOfSite(site).lines().toList();
    }

    /**
     * Brings a killed site back: only its own services. A plain {@code up} would also recreate
     * services of the other sites (their controllers depend on every broker), and a whole site
     * restarting at once looks dead.
     */
    void restore(String site) {
        List<String> up = new ArrayList<>(List.of("up", "-d", "--wait", "--wait-timeout", "900", "--no-deps"));
        SERVICES.forEach(name -> up.add(service(name, site)));
        compose.compose(Duration.ofMinutes(16), up.toArray(String[]::new));
    }

}
