package io.multisite.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.SiteTimings;
import io.multisite.routing.Units;
import io.multisite.testsupport.Docker;
import io.multisite.testsupport.TestDatabase;
import io.multisite.testsupport.TestRouting;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The classic double spend of design section 1, against two running instances of the service
 * ("site-a" and "site-b", each with its own database). alice has 10,000 and is homed at site-a;
 * every step sends a debit of hers to both sites at once. Whatever the routing tables and leases
 * the two sites hold, at most one of them admits, and in total no more than 10,000 leaves her
 * account.
 *
 * <p>Replication is simulated by copying each site's rows into the other database through the
 * same apply functions the replication service calls; a partition is simply not doing so.
 */
class DoubleSpendIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(DoubleSpendIntegrationTests.class);
    private static final long OPENING = 10_000;

    private final TestRouting siteA = new TestRouting(SiteTimings.DEFAULTS.leaseDuration());
    private final TestRouting siteB = new TestRouting(SiteTimings.DEFAULTS.leaseDuration());
    private final List<String> history = new ArrayList<>();
    private ConfigurableApplicationContext contextA;
    private ConfigurableApplicationContext contextB;
    private Api apiA;
    private Api apiB;
    private JdbcClient dbA;
    private JdbcClient dbB;
    private String alice;
    private String bob;
    private String token;

    @BeforeAll
    static void requireDocker() {
        Docker.require();
    }

    @BeforeEach
    void startBothSites() {
        siteA.reset();
        siteB.reset();
        contextA = TestApplication.start("site-a", TestDatabase.ACCOUNTS, siteA);
        contextB = TestApplication.start("site-b", TestDatabase.ACCOUNTS_B, siteB);
        apiA = new Api(TestApplication.port(contextA));
        apiB = new Api(TestApplication.port(contextB));
        dbA = TestApplication.jdbc(contextA);
        dbB = TestApplication.jdbc(contextB);
        for (JdbcClient db : List.of(dbA, dbB)) {
            db.sql("TRUNCATE users, accounts, ledger_entry, transfers, sessions").update();
        }
    }

    @AfterEach
    void stopBothSites() {
        if (contextA != null) {
            contextA.close();
        }
        if (contextB != null) {
            contextB.close();
        }
    }

    @Test
    void neverLetsTwoSitesDebitTheSameUser() {
        alice = TestUsers.homedAt("site-a", "alice");
        bob = TestUsers.homedAt("site-b", "bob");
        int unit = Units.DEFAULT.of(alice);
        assertThat(apiA.register(alice, OPENING).status()).isEqualTo(201);
        assertThat(apiB.register(bob, 0).status()).isEqualTo(201);
        token = apiA.token(alice);
        replicate(dbA, dbB, "site-a");
        replicate(dbB, dbA, "site-b");

        // Healthy: both sites hold epoch 1, where site-a owns alice's unit.
        step("healthy", 5_000, 5_000, 201, 421);
        replicate(dbA, dbB, "site-a");

        // site-a is cut off: its heartbeats no longer reach a Kafka majority, so its lease is
        // not renewed, and it receives no new routing table. It may still debit while its lease
        // lasts, which is safe: nobody else owns the unit yet.
        siteA.advance(Duration.ofSeconds(1));
        siteB.renewLease();
        step("partitioned, site-a lease still valid", 4_000, 10_000, 201, 421);
        siteA.advance(Duration.ofMillis(1_600));
        siteB.renewLease();
        step("partitioned, site-a lease too short for a debit", 1_000, 1_000, 503, 421);
        siteA.advance(Duration.ofMillis(500));
        siteB.renewLease();
        step("partitioned, site-a lease expired", 1_000, 1_000, 503, 421);

        // dead-after (6 s) after site-a's last heartbeat, the controller gives its units to site-b,
        // RECOVERING until site-a's tail is reconciled. site-a, still cut off, does not hear of it.
        siteA.advance(Duration.ofMillis(2_900));
        RoutingTable takenOver = TestRouting.INITIAL.change().markDead("site-a").takeOver(unit, "site-b").apply();
        siteB.set(takenOver);
        siteB.renewLease();
        step("taken over, not reconciled", 1_000, 10_000, 503, 503);

        // The partition heals: site-a learns it is DEAD, and its tail (the 4,000) reaches site-b.
        siteA.set(takenOver);
        replicate(dbA, dbB, "site-a");
        step("site-a back but DEAD", 1_000, 1_000, 503, 503);

        // Reconciled: the controller activates the unit at site-b.
        RoutingTable activated = takenOver.activate(unit);
        siteA.set(activated);
        siteB.set(activated);
        step("activated at site-b, more than is left", 1_000, 10_000, 503, 409);
        step("activated at site-b", 1_000, 1_000, 503, 201);

        // site-a rejoins and is UP again, but alice's unit stays with site-b.
        RoutingTable rejoined = activated.markUp("site-a");
        siteA.set(rejoined);
        siteB.set(rejoined);
        siteA.renewLease();
        siteB.renewLease();
        step("site-a rejoined", 1, 1, 421, 409);

        replicate(dbB, dbA, "site-b");
        log.info("double-spend steps:\n  {}", String.join("\n  ", history));
        long debitedA = debited(dbA);
        long debitedB = debited(dbB);
        assertThat(debitedA).as("both sites converge on the same ledger").isEqualTo(debitedB);
        assertThat(debitedB).isEqualTo(OPENING);
        for (JdbcClient db : List.of(dbA, dbB)) {
            long balance = db.sql("SELECT balance FROM accounts WHERE user_id = ?").param(alice).query(Long.class).single();
            long entries = db.sql("SELECT sum(amount) FROM ledger_entry WHERE account_id = ?").param(alice).query(Long.class).single();
            assertThat(balance).isZero().isEqualTo(entries);
        }
    }

    /** Sends a debit of alice's to both sites at the same time and checks who admitted it. */
    private void step(String name, long amountAtA, long amountAtB, int expectedA, int expectedB) {
        CompletableFuture<Api.Response> atA = CompletableFuture.supplyAsync(
                () -> apiA.transfer(token, bob, amountAtA, UUID.randomUUID().toString()));
        CompletableFuture<Api.Response> atB = CompletableFuture.supplyAsync(
                () -> apiB.transfer(token, bob, amountAtB, UUID.randomUUID().toString()));
        Api.Response a = atA.join();
        Api.Response b = atB.join();
        history.add(String.format("%-48s site-a %d %-20s site-b %d %s", name, a.status(), a.error(), b.status(), b.error()));

        assertThat(a.status() == 201 && b.status() == 201).as("both sites admitted a debit at step '%s'", name).isFalse();
        assertThat(a.status()).as("site-a at step '%s': %s", name, a.text()).isEqualTo(expectedA);
        assertThat(b.status()).as("site-b at step '%s': %s", name, b.text()).isEqualTo(expectedB);
    }

    private long debited(JdbcClient db) {
        return -db.sql("SELECT coalesce(sum(amount), 0) FROM ledger_entry WHERE account_id = ? AND kind = 'DEBIT'")
                .param(alice).query(Long.class).single();
    }

    /** What the replication service does: the origin's own rows, applied idempotently at the other site. */
    private static void replicate(JdbcClient from, JdbcClient to, String origin) {
        from.sql("SELECT user_id, password_hash, created_at, updated_at FROM users WHERE origin_site = ?").param(origin)
                .query((rs, n) -> to.sql("SELECT apply_user(?, ?, ?, ?, ?)")
                        .params(rs.getString(1), rs.getString(2), rs.getObject(3, OffsetDateTime.class), rs.getObject(4, OffsetDateTime.class), origin)
                        .query(Boolean.class).single())
                .list();
        from.sql("SELECT session_id, user_id, expires_at, revoked, updated_at FROM sessions WHERE origin_site = ?").param(origin)
                .query((rs, n) -> to.sql("SELECT apply_session(?, ?, ?, ?, ?, ?)")
                        .params(rs.getObject(1, UUID.class), rs.getString(2), rs.getObject(3, OffsetDateTime.class), rs.getBoolean(4), rs.getObject(5, OffsetDateTime.class), origin)
                        .query(Boolean.class).single())
                .list();
        from.sql("SELECT id, account_id, amount, kind, transfer_id, created_at FROM ledger_entry WHERE origin_site = ?").param(origin)
                .query((rs, n) -> to.sql("SELECT apply_ledger_entry(?, ?, ?, ?, ?, ?, ?)")
                        .params(rs.getObject(1, UUID.class), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getObject(5, UUID.class), origin,
                                rs.getObject(6, OffsetDateTime.class))
                        .query(Boolean.class).single())
                .list();
        from.sql("SELECT transfer_id, payer_id, payee_id, amount, idempotency_key, balance_after, created_at FROM transfers WHERE origin_site = ?")
                .param(origin)
                .query((rs, n) -> to.sql("SELECT apply_transfer(?, ?, ?, ?, ?, ?, ?, ?)")
                        .params(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5), rs.getLong(6),
                                origin, rs.getObject(7, OffsetDateTime.class))
                        .query(Boolean.class).single())
                .list();
    }
}
