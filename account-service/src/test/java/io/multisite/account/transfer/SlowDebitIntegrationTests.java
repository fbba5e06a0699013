package io.multisite.account.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.account.Api;
import io.multisite.account.TestApplication;
import io.multisite.routing.SiteTimings;
import io.multisite.testsupport.Docker;
import io.multisite.testsupport.TestDatabase;
import io.multisite.testsupport.TestRouting;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A debit that is admitted with enough lease but is then held up (here: another transaction holds
 * the payer's row) must not commit once the lease has run out, and must not wait forever.
 *
 * <p>Runs with the longest statement timeout the timing rules allow (1.8 s, margin 1.9 s), so that
 * the test has time to act while the debit waits.
 */
class SlowDebitIntegrationTests {

    private static final TestRouting routing = new TestRouting(SiteTimings.DEFAULTS.leaseDuration());
    private static ConfigurableApplicationContext context;
    private static Api api;
    private static JdbcClient jdbc;

    private String payer;
    private String payee;
    private String token;

    @BeforeAll
    static void start() {
        Docker.require();
        routing.reset();
        context = TestApplication.start("site-a", TestDatabase.ACCOUNTS, routing,
                "--multisite.timings.debit-margin=1900ms", "--multisite.timings.debit-statement-timeout=1800ms");
        api = new Api(TestApplication.port(context));
        jdbc = TestApplication.jdbc(context);
    }

    @AfterAll
    static void stop() {
        if (context != null) {
            context.close();
        }
    }

    @BeforeEach
    void users() {
        jdbc.sql("TRUNCATE users, accounts, ledger_entry, transfers, sessions").update();
        routing.reset();
        payer = TestUsers.homedAt("site-a", "slow");
        payee = TestUsers.homedAt("site-a", "payee");
        token = api.registerAndLogin(payer, 1_000);
        api.register(payee, 0);
    }

    @Test
    void completesADebitThatWaitedBrieflyForALock() throws Exception {
        Api.Response answer = whileThePayerIsLocked(() -> { });

        assertThat(answer.status()).as(answer.text()).isEqualTo(201);
    }

    @Test
    void rollsBackADebitWhoseLeaseRanOutWhileItWaited() throws Exception {
        Api.Response answer = whileThePayerIsLocked(() -> routing.advance(Duration.ofSeconds(4)));

        assertThat(answer.status()).as(answer.text()).isEqualTo(503);
        assertThat(answer.error()).isEqualTo("lease_expired");
        assertNothingWritten();
    }

    @Test
    void retriesOnceADebitWhoseStatementTimedOutAndCompletesIt() throws Exception {
        double retriedBefore = retried();
        try (Connection blocker = lockPayer()) {
            CompletableFuture<Api.Response> answer = CompletableFuture.supplyAsync(() -> api.transfer(token, payee, 100, "k"));
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> retried() > retriedBefore);
            blocker.rollback();

            assertThat(answer.get().status()).as(answer.get().text()).isEqualTo(201);
        }
        assertThat(jdbc.sql("SELECT count(*) FROM transfers").query(Long.class).single()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT balance FROM accounts WHERE user_id = ?").param(payer).query(Long.class).single()).isEqualTo(900);
    }

    @Test
    void givesUpOnALockHeldLongerThanTwoStatementTimeouts() throws Exception {
        try (Connection blocker = lockPayer()) {
            Api.Response answer = api.transfer(token, payee, 100, "k");

            assertThat(answer.status()).as(answer.text()).isEqualTo(503);
            assertThat(answer.error()).isEqualTo("busy");
            assertThat(answer.header("Retry-After")).contains("1");
            blocker.rollback();
        }
        assertNothingWritten();
    }

    /** Starts a debit while another transaction holds the payer's row, runs {@code meanwhile}, then lets go. */
    private Api.Response whileThePayerIsLocked(Runnable meanwhile) throws Exception {
        try (Connection blocker = lockPayer()) {
            CompletableFuture<Api.Response> answer = CompletableFuture.supplyAsync(() -> api.transfer(token, payee, 100, "k"));
            await().atMost(Duration.ofMillis(1_500)).pollInterval(Duration.ofMillis(10))
                    .until(() -> jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'")
                            .query(Long.class).single() == 1);
            meanwhile.run();
            blocker.commit();
            return answer.get();
        }
    }

    private Connection lockPayer() throws Exception {
        Connection connection = DriverManager.getConnection(TestDatabase.jdbcUrl(TestDatabase.ACCOUNTS),
                TestDatabase.owner(TestDatabase.ACCOUNTS), TestDatabase.PASSWORD);
        connection.setAutoCommit(false);
        try (PreparedStatement lock = connection.prepareStatement("SELECT balance FROM accounts WHERE user_id = ? FOR UPDATE")) {
            lock.setString(1, payer);
            lock.executeQuery().close();
        }
        return connection;
    }

    private static double retried() {
        return context.getBean(MeterRegistry.class).counter("multisite.transfers", "outcome", "busy_retried").count();
    }

    private void assertNothingWritten() {
        assertThat(jdbc.sql("SELECT count(*) FROM transfers").query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM ledger_entry WHERE kind <> 'OPENING'").query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT balance FROM accounts WHERE user_id = ?").param(payer).query(Long.class).single()).isEqualTo(1_000);
    }
}
