package io.multisite.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.SiteState;
import io.multisite.routing.UnitState;
import io.multisite.routing.Units;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic double spend: a user's home site is cut off from the others while the user, or
 * someone holding the user's session, tries to spend the same money at home and elsewhere. The
 * single-writer rule (one owner per unit, a lease that ends before the unit can move) must keep
 * the total debited within the balance, and the sites must agree once the partition heals.
 */
@Order(6)
class DoubleSpendUnderPartitionIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(DoubleSpendUnderPartitionIntegrationTests.class);
    private static final long OPENING = 10_000;

    private static Compose compose;
    private static Sites sites;

    @BeforeAll
    static void deploy() {
        compose = Deployment.up();
        sites = new Sites(compose);
    }

    @Test
    void aPartitionedHomeSiteNeverLetsAUserSpendMoreThanItHas() {
        // site-b: the failover tests before this one broke site-c.
        String home = "site-b";
        String elsewhere = "site-a";
        RoutingTable before = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> sites.routingTable(elsewhere), t -> Sites.settled(t) && !t.unitsOwnedBy(home).isEmpty());
        List<Integer> homeUnits = before.unitsOwnedBy(home);
        String spender = Sites.userHomedAt(before, home, "spender-");
        String payee = Sites.userHomedAt(before, elsewhere, "merchant-");
        sites.registerAtHomeAndAwaitEverywhere(spender, OPENING);
        sites.registerAtHomeAndAwaitEverywhere(payee, 1);
        String token = Gateways.login(home, spender).json().path("token").asString();
        // The session must be known wherever a debit may be tried, or the answer there is 401, not a refusal.
        for (String site : Sites.ALL) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(sites.accountsQuery(site, "SELECT count(*) FROM sessions WHERE user_id = '" + spender + "'")).isEqualTo("1"));
        }

        Map<String, Gateways.Answer> attempts = new LinkedHashMap<>();
        attempts.put("home-first", Gateways.transfer(home, token, payee, 5_000, "home-first"));
        assertThat(attempts.get("home-first")).returns(201, Gateways.Answer::status).returns(home, Gateways.Answer::servedBy);

        compose.chaos("partition", home);
        long partitionedAt = System.nanoTime();
        try {
            // At once, before the others notice: home may still hold its lease for a moment; elsewhere
            // the owner is still home, which cannot be reached.
            attempts.put("elsewhere-at-once", Gateways.transfer(elsewhere, token, payee, 10_000, "elsewhere-at-once"));
            attempts.put("home-at-once", transferInside(home, token, payee, 5_000, "home-at-once"));

            // Cut off the WAN, home still serves what needs no other site: its gateway reaches the
            // site's own services over the LAN, and a feed is read locally.
            Gateways.Answer feed = inside(home, "localhost:8080/api/feed?limit=1");
            assertThat(feed).as(feed.toString()).returns(200, Gateways.Answer::status).returns(home, Gateways.Answer::servedBy);

            // A cut-off site goes silent rather than away: clients that kept waiting on its broker
            // for Kafka's default 30 s request timeout once made this 33-36 s (KafkaClientDefaults);
            // since then 6.7-17.4 s, the slowest on a freshly started deployment.
            RoutingTable dead = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> sites.routingTable(elsewhere), t -> t.siteState(home) == SiteState.DEAD);
            log.info("{} partitioned: DEAD and its {} units re-homed {} ms later", home, homeUnits.size(),
                    Duration.ofNanos(System.nanoTime() - partitionedAt).toMillis());
            assertThat(dead.unitsOwnedBy(home)).isEmpty();

            // Now the unit has a new owner, which must not debit what it may not have seen, and home
            // has lost its lease: both refuse.
            for (String gateway : List.of(elsewhere, "site-c")) {
                Gateways.Answer refused = Gateways.transfer(gateway, token, payee, 10_000, "elsewhere-after-failover-" + gateway);
                attempts.put("elsewhere-after-failover-" + gateway, refused);
                assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
                assertThat(refused.error()).isEqualTo("unit_recovering");
            }
            Gateways.Answer atHome = transferInside(home, token, payee, 5_000, "home-after-failover");
            attempts.put("home-after-failover", atHome);
            assertThat(atHome.status()).as(atHome.toString()).isEqualTo(503);
        } finally {
            compose.chaos("heal", home);
        }
        long healedAt = System.nanoTime();
        attempts.forEach((key, answer) -> log.info("during the partition: {} -> {}", key, answer));

        // The returning site reports how far it wrote; the new owners apply that much, then take debits.
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                .until(() -> sites.routingTable(elsewhere), t -> t.siteState(home) == SiteState.UP
                        && homeUnits.stream().allMatch(u -> t.unitState(u) == UnitState.ACTIVE));
        log.info("{} healed: its former units reconciled and ACTIVE {} ms later", home, Duration.ofNanos(System.nanoTime() - healedAt).toMillis());

        // Every site agrees on what was debited: nothing acknowledged is missing, nothing beyond the balance.
        List<String> acknowledged = new ArrayList<>();
        attempts.forEach((key, answer) -> {
            if (answer.status() == 201) {
                acknowledged.add(key);
            }
        });
        String query = "SELECT coalesce(sum(amount), 0) || '|' || coalesce(string_agg(idempotency_key, ',' ORDER BY idempotency_key), '') "
                + "|| '|' || (SELECT balance FROM accounts WHERE user_id = '" + spender + "') FROM transfers WHERE payer_id = '" + spender + "'";
        // Converged: the same transfers and balance at every site, polled until the last site has them.
        List<String> rows = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Sites.ALL.stream().map(site -> sites.accountsQuery(site, query)).toList(),
                        all -> all.stream().distinct().count() == 1 && consistent(all.get(0)));
        String[] row = rows.get(0).split("\\|", -1);
        long debited = Long.parseLong(row[0]);
        log.info("every site: {} debited {} of {} ({}), balance {}", spender, debited, OPENING, row[1], row[2]);
        assertThat(debited).as("total debited").isLessThanOrEqualTo(OPENING);
        assertThat(Long.parseLong(row[2])).as("balance").isEqualTo(OPENING - debited).isNotNegative();
        assertThat(List.of(row[1].split(","))).as("every acknowledged debit, once").containsAll(acknowledged).doesNotHaveDuplicates();

        // Home gets its units back, so that the tests after this one find three working sites. Fail
        // back returns the units the first table dealt it, which need not be the ones it held before
        // the partition (an earlier test may have moved one of them away).
        List<Integer> dealt = RoutingTable.initial(Sites.ALL, Units.DEFAULT_COUNT).unitsOwnedBy(home);
        assertThat(sites.admin("/admin/sites/" + home + "/failback?reason=system-test")).contains("HTTP/1.1 202");
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> sites.routingTable(elsewhere), t -> t.unitsOwnedBy(home).containsAll(dealt) && Sites.settled(t));

        // Every gateway reaches home's services again. A site that rejoins the WAN may come back with
        // other addresses, and an old one may now be another container's: a gateway that kept the old
        // address sent home's users there (Docker's DNS answers with a 600 s TTL).
        for (String gateway : Sites.ALL) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(Gateways.get(gateway, "/api/accounts/me", token))
                            .returns(200, Gateways.Answer::status).returns(home, Gateways.Answer::servedBy));
        }
        log.info("{}'s users served by {} through every gateway {} ms after the heal", spender, home,
                Duration.ofNanos(System.nanoTime() - healedAt).toMillis());
    }

    /** The sum of the transfers and the balance agree: balance = opening - debited. */
    private static boolean consistent(String row) {
        String[] parts = row.split("\\|", -1);
        return !parts[2].isEmpty() && Long.parseLong(parts[2]) == OPENING - Long.parseLong(parts[0]);
    }

    /**
     * A transfer sent from inside the partitioned site (a client on its LAN), to its own gateway:
     * the host's published port is not a reliable way in while the site is off the WAN.
     */
    private static Gateways.Answer transferInside(String site, String token, String toUserId, long amount, String key) {
        return inside(site, "-X", "POST", "localhost:8080/api/transfers", "-H", "Content-Type: application/json",
                "-H", "Authorization: Bearer " + token,
                "-d", "{\"toUserId\":\"" + toUserId + "\",\"amount\":" + amount + ",\"idempotencyKey\":\"" + key + "\"}");
    }

    /** A request sent to a site's gateway from inside the site: curl's arguments after {@code -s -i -m 15}. */
    private static Gateways.Answer inside(String site, String... request) {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "-i", "-m", "15"));
        command.addAll(List.of(request));
        return Gateways.Answer.fromRawHttp(compose.execResult(Sites.service("gateway", site), null, command.toArray(String[]::new)).output());
    }
}
