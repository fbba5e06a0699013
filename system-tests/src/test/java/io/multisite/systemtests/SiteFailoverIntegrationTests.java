package io.multisite.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableJson;
import io.multisite.routing.SiteState;
import io.multisite.routing.UnitState;
import io.multisite.routing.Units;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployed services: a user is written only at the home site of its unit, and when a site's
 * services die, the controller moves its units to the survivors in seconds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SiteFailoverIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(SiteFailoverIntegrationTests.class);

    private static Compose compose;

    @BeforeAll
    static void deploy() {
        compose = Deployment.up();
    }

    @Test
    @Order(1)
    void aUserIsRegisteredOnlyAtTheHomeSiteOfItsUnit() {
        RoutingTable table = routingTable("a");
        String userId = "routing-" + System.nanoTime();
        String home = table.owner(Units.DEFAULT.of(userId));
        String body = "{\"userId\":\"" + userId + "\",\"password\":\"correct-horse\",\"initialBalance\":100}";
        for (String site : List.of("a", "b", "c")) {
            String service = "account-service-" + site;
            if (("site-" + site).equals(home)) {
                // 503 only while the site (re)gains its lease after the broker tests; then 201.
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                        assertThat(register(service, body)).contains("HTTP/1.1 201").contains("\"homeSite\":\"" + home + "\""));
            } else {
                assertThat(register(service, body)).contains("HTTP/1.1 421").contains("X-Owner-Site: " + home);
            }
        }
    }

    @Test
    @Order(2)
    void aUserRegisteredAtHomeReachesEverySiteWithItsBalance() {
        registerAtHomeAndAwaitEverywhere("replicated-" + System.nanoTime(), 2500);
    }

    @Test
    @Order(3)
    void replicationCarriesOnWhileOneKafkaBrokerIsDown() {
        compose.compose(Duration.ofMinutes(2), "kill", "kafka-b");
        try {
            registerAtHomeAndAwaitEverywhere("broker-down-" + System.nanoTime(), 700);
        } finally {
            compose.compose(Duration.ofMinutes(11), "up", "-d", "--wait", "--wait-timeout", "600", "kafka-b");
        }
    }

    /** Registers at the user's home site, then waits for the user and the balance at every site. */
    private static void registerAtHomeAndAwaitEverywhere(String userId, long balance) {
        String home = routingTable("a").owner(Units.DEFAULT.of(userId));
        String body = "{\"userId\":\"" + userId + "\",\"password\":\"correct-horse\",\"initialBalance\":" + balance + "}";
        String homeService = "account-service-" + home.substring("site-".length());
        // 503 only while the site (re)gains its lease after a broker was lost.
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(register(homeService, body)).contains("HTTP/1.1 201"));
        long registered = System.nanoTime();

        // The user row and the opening ledger entry travel by CDC; each site derives the balance.
        // Generous: with a broker down and the machine loaded this has taken 80 s (13-17 s otherwise).
        for (String site : List.of("a", "b", "c")) {
            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(accountsQuery(site, "SELECT count(*) || ':' || coalesce(sum(balance), 0) FROM accounts a JOIN users u USING (user_id) "
                            + "WHERE user_id = '" + userId + "'")).isEqualTo("1:" + balance));
        }
        log.info("{} registered at {} and visible with its balance at every site {} ms later", userId, home,
                Duration.ofNanos(System.nanoTime() - registered).toMillis());
    }

    @Test
    @Order(4)
    void aSiteThatDiesLosesItsUnitsWithinSeconds() {
        RoutingTable before = routingTable("a");
        assertThat(before.siteState("site-c")).isEqualTo(SiteState.UP);
        List<Integer> siteCUnits = before.unitsOwnedBy("site-c");

        // The whole site, found by its label, as the chaos tooling and the README do it.
        String siteC = compose.containersOfSite("site-c");
        assertThat(siteC.lines()).hasSizeGreaterThanOrEqualTo(5);
        compose.docker(Duration.ofMinutes(1), concat("kill", siteC.lines().toArray(String[]::new)));
        long killedAt = System.nanoTime();
        try {
            RoutingTable after = await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(500))
                    .until(() -> routingTable("a"), t -> t.siteState("site-c") == SiteState.DEAD);
            Duration failover = Duration.ofNanos(System.nanoTime() - killedAt);
            log.info("site-c declared DEAD and its {} units re-homed {} ms after the site was killed", siteCUnits.size(), failover.toMillis());
            // Detection takes DEAD_AFTER (6 s) plus Kafka electing new partition leaders; on a loaded
            // two-core machine running the whole deployment that has taken up to 16 s.
            assertThat(failover).isLessThan(Duration.ofSeconds(30));
            assertThat(after.unitsOwnedBy("site-c")).isEmpty();
            for (int unit : siteCUnits) {
                assertThat(after.unitState(unit)).isEqualTo(UnitState.RECOVERING);
                assertThat(after.siteState(after.owner(unit))).isEqualTo(SiteState.UP);
            }
            assertThat(routingTable("b").epoch()).as("every controller follows the same table").isEqualTo(after.epoch());
        } finally {
            compose.compose(Duration.ofMinutes(16), "up", "-d", "--wait", "--wait-timeout", "900");
        }
        long restoredAt = System.nanoTime();
        RoutingTable rejoined = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> routingTable("a"), t -> t.siteState("site-c") == SiteState.UP);
        assertThat(rejoined.unitsOwnedBy("site-c")).as("a returning site owns nothing until units are moved back").isEmpty();

        // Reconciliation: site-c reports its WAL position, the new owners apply site-c's changes up
        // to it, and only then do the units take debits again. Generous: the returning site's
        // replication first catches up on everything it missed.
        RoutingTable reconciled = await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                .until(() -> routingTable("a"), t -> siteCUnits.stream().allMatch(u -> t.unitState(u) == UnitState.ACTIVE));
        log.info("site-c's {} former units reconciled and ACTIVE {} ms after the site was restored", siteCUnits.size(),
                Duration.ofNanos(System.nanoTime() - restoredAt).toMillis());
        assertThat(reconciled.unitsOwnedBy("site-c")).isEmpty();
    }

    @Test
    @Order(5)
    void aReturnedSiteGetsItsUnitsBackByFailBack() {
        RoutingTable before = routingTable("a");
        assertThat(before.unitsOwnedBy("site-c")).as("left empty by the failover test").isEmpty();
        String accepted = admin("/admin/sites/site-c/failback?reason=system-test");
        assertThat(accepted).contains("HTTP/1.1 202").contains("\"action\":\"FAIL_BACK\"");
        long requested = System.nanoTime();
        // Home = the first table's deal, in the configured order of SITES.
        List<Integer> home = RoutingTable.initial(List.of("site-a", "site-b", "site-c"), 64).unitsOwnedBy("site-c");
        RoutingTable back = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> routingTable("a"), t -> t.unitsOwnedBy("site-c").equals(home)
                        && t.units().stream().allMatch(u -> u.state() == UnitState.ACTIVE));
        log.info("{} units failed back to site-c and ACTIVE there {} ms after the request", back.unitsOwnedBy("site-c").size(),
                Duration.ofNanos(System.nanoTime() - requested).toMillis());
    }

    @Test
    @Order(6)
    void anOperatorMovesAUnitAndItsNewOwnerServesItOnceCaughtUp() {
        String userId = "moved-" + System.nanoTime();
        registerAtHomeAndAwaitEverywhere(userId, 300);
        int unit = Units.DEFAULT.of(userId);
        RoutingTable before = routingTable("a");
        String from = before.owner(unit);
        String to = List.of("site-a", "site-b", "site-c").stream()
                .filter(s -> !s.equals(from) && before.siteState(s) == SiteState.UP).findFirst().orElseThrow();

        String accepted = admin("/admin/units/" + unit + "/move?to=" + to + "&reason=system-test");
        assertThat(accepted).contains("HTTP/1.1 202").contains("\"action\":\"MOVE\"");
        long requested = System.nanoTime();
        RoutingTable moved = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> routingTable("a"), t -> t.owner(unit).equals(to) && t.unitState(unit) == UnitState.ACTIVE);
        log.info("unit {} moved from {} to {}: ACTIVE there {} ms after the request (epoch {})", unit, from, to,
                Duration.ofNanos(System.nanoTime() - requested).toMillis(), moved.epoch());

        String body = "{\"userId\":\"" + userId + "\",\"password\":\"correct-horse\",\"initialBalance\":1}";
        // The new owner takes the unit's writes, and knows the user already; the old owner sends clients on.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(register("account-service-" + to.substring("site-".length()), body)).contains("HTTP/1.1 409").contains("user_exists"));
        assertThat(register("account-service-" + from.substring("site-".length()), body)).contains("HTTP/1.1 421").contains("X-Owner-Site: " + to);
    }

    /** An admin call, as an operator makes it: to any controller instance, with the admin token. */
    private static String admin(String pathAndQuery) {
        return compose.exec("failover-controller-b", "curl", "-s", "-i", "-X", "POST",
                "-H", "Authorization: Bearer development-only-admin-token", "localhost:8080" + pathAndQuery);
    }

    private static String register(String service, String body) {
        return compose.exec(service, "curl", "-s", "-i", "-X", "POST", "localhost:8080/api/users",
                "-H", "Content-Type: application/json", "-d", body);
    }

    private static String accountsQuery(String site, String sql) {
        return compose.exec("postgres-" + site, "psql", "-X", "-U", "account_service", "-d", "accounts", "-tAc", sql).strip();
    }

    private static String[] concat(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private static RoutingTable routingTable(String site) {
        return RoutingTableJson.read(compose.exec("failover-controller-" + site, "curl", "-fsS", "localhost:8080/api/routing"));
    }
}
