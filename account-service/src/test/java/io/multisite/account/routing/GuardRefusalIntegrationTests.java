package io.multisite.account.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.account.Api;
import io.multisite.account.IntegrationTestSupport;
import io.multisite.routing.RefusalReason;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.Units;
import io.multisite.testsupport.TestRouting;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;

/** Every reason the guard can give, as the HTTP answer a client sees, with nothing written. */
class GuardRefusalIntegrationTests extends IntegrationTestSupport {

    @Autowired
    MeterRegistry meters;

    @ParameterizedTest
    @EnumSource(RefusalReason.class)
    void answersEveryRefusedDebitWithItsStatusAndWritesNothing(RefusalReason reason) {
        Scenario scenario = arrange(reason);
        double refusalsBefore = refusals(reason, "debit");
        double outcomesBefore = meters.counter("multisite.transfers", "outcome", reason.code()).count();
        String before = allRowCounts();

        Api.Response answer = api.transfer(scenario.token(), scenario.payee(), 100, "k-" + reason);

        assertThat(answer.status()).as(answer.text()).isEqualTo(reason.httpStatus());
        assertThat(answer.error()).isEqualTo(reason.code());
        assertThat(answer.json().path("message").asString()).isNotBlank();
        assertThat(answer.json().path("unit").asInt()).isEqualTo(scenario.unit());
        assertThat(answer.header("X-Unit")).contains(String.valueOf(scenario.unit()));
        assertThat(answer.header("X-Served-By")).contains("site-a");
        if (reason == RefusalReason.NO_ROUTING_TABLE) {
            assertThat(answer.json().path("epoch").asLong()).isZero();
            assertThat(answer.header("X-Routing-Epoch")).isEmpty();
        } else {
            assertThat(answer.json().path("epoch").asLong()).isEqualTo(routing.table().epoch());
            assertThat(answer.header("X-Routing-Epoch")).contains(String.valueOf(routing.table().epoch()));
        }
        if (reason == RefusalReason.NOT_OWNER) {
            assertThat(answer.header("X-Owner-Site")).contains("site-b");
            assertThat(answer.json().path("owner").asString()).isEqualTo("site-b");
            assertThat(answer.header("Retry-After")).isEmpty();
        } else {
            assertThat(answer.header("Retry-After")).contains(String.valueOf(reason.retryAfter().toSeconds()));
            assertThat(answer.json().has("owner")).isFalse();
        }
        assertThat(allRowCounts()).isEqualTo(before);
        assertThat(balance(scenario.payer())).isEqualTo(1_000);
        assertThat(refusals(reason, "debit") - refusalsBefore).isEqualTo(1);
        assertThat(meters.counter("multisite.transfers", "outcome", reason.code()).count() - outcomesBefore).isEqualTo(1);
    }

    @Test
    void registersAndLogsInWhileARecoveringUnitRefusesDebits() {
        // Credits cannot overdraw anything, so a taken-over unit accepts them before it is reconciled.
        String user = TestUsers.homedAt("site-b", "dora");
        int unit = Units.DEFAULT.of(user);
        routing.set(TestRouting.INITIAL.change().markDead("site-b").takeOver(unit, "site-a").apply());

        Api.Response registered = api.register(user, 1_000);
        String token = api.token(user);
        Api.Response debit = api.transfer(token, payee(), 1, "k");

        assertThat(registered.status()).isEqualTo(201);
        assertThat(registered.json().path("homeSite").asString()).isEqualTo("site-a");
        assertThat(debit.status()).isEqualTo(503);
        assertThat(debit.error()).isEqualTo("unit_recovering");
    }

    @Test
    void sendsRegistrationsAndLoginsForAnotherSitesUsersToTheOwner() {
        String user = TestUsers.homedAt("site-c", "carl");

        Api.Response registered = api.register(user, 1_000);
        Api.Response login = api.login(user, Api.PASSWORD);

        for (Api.Response answer : new Api.Response[] {registered, login}) {
            assertThat(answer.status()).isEqualTo(421);
            assertThat(answer.error()).isEqualTo("not_owner");
            assertThat(answer.header("X-Owner-Site")).contains("site-c");
        }
        assertThat(allRowCounts()).isEqualTo("users=0 accounts=0 ledger_entry=0 transfers=0 sessions=0");
    }

    @Test
    void refusesRegistrationsButNotLoginsWithoutALease() {
        String user = TestUsers.homedAt("site-a", "lena");
        api.register(user, 1_000);
        routing.advance(Duration.ofSeconds(4));

        Api.Response registration = api.register(TestUsers.homedAt("site-a", "late"), 1_000);
        Api.Response login = api.login(user, Api.PASSWORD);

        assertThat(registration.status()).isEqualTo(503);
        assertThat(registration.error()).isEqualTo("lease_expired");
        assertThat(login.status()).as("sessions are the tolerant tier").isEqualTo(201);
        assertThat(count("users")).isEqualTo(1);
        assertThat(count("sessions")).isEqualTo(1);
    }

    @Test
    void refusesALogoutWhileTheUnitIsFenced() {
        String user = TestUsers.homedAt("site-a", "finn");
        String token = api.registerAndLogin(user, 0);
        routing.set(routing.table().fence(Units.DEFAULT.of(user), "site-b"));

        Api.Response logout = api.delete("/api/sessions/current", token);

        assertThat(logout.status()).isEqualTo(503);
        assertThat(logout.error()).isEqualTo("unit_fenced");
        assertThat(jdbc.sql("SELECT count(*) FROM sessions WHERE revoked").query(Long.class).single()).isZero();
    }

    private record Scenario(String payer, String token, String payee, int unit) {
    }

    /** A payer with 1,000 and a session, then the routing or lease state that makes the guard give {@code reason}. */
    private Scenario arrange(RefusalReason reason) {
        String payee = payee();
        if (reason == RefusalReason.UNIT_RECOVERING) {
            // The payer's unit was site-b's and has been taken over by site-a, not yet reconciled.
            String payer = TestUsers.homedAt("site-b", "payer");
            int unit = Units.DEFAULT.of(payer);
            routing.set(TestRouting.INITIAL.change().markDead("site-b").takeOver(unit, "site-a").apply());
            String token = api.registerAndLogin(payer, 1_000);
            return new Scenario(payer, token, payee, unit);
        }
        String payer = TestUsers.homedAt("site-a", "payer");
        int unit = Units.DEFAULT.of(payer);
        String token = api.registerAndLogin(payer, 1_000);
        RoutingTable table = routing.table();
        switch (reason) {
            case NO_ROUTING_TABLE -> routing.clear();
            case SITE_DEAD -> routing.set(table.markDead("site-a"));
            case NOT_OWNER -> routing.set(table.change().fence(unit, "site-b").apply().completeMove(unit));
            case UNIT_FENCED -> routing.set(table.fence(unit, "site-b"));
            case LEASE_EXPIRED -> routing.advance(Duration.ofMillis(3_001));
            // 400 ms of lease left, less than the 500 ms a debit needs to be sure to finish
            case LEASE_TOO_SHORT -> routing.advance(Duration.ofMillis(2_600));
            default -> throw new IllegalArgumentException("no scenario for " + reason);
        }
        return new Scenario(payer, token, payee, unit);
    }

    private String payee() {
        String payee = TestUsers.homedAt("site-a", "payee");
        api.register(payee, 0);
        return payee;
    }

    private double refusals(RefusalReason reason, String tier) {
        return meters.counter("multisite.guard.refusals", "reason", reason.code(), "tier", tier).count();
    }
}
