package io.multisite.account.user;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.multisite.account.Api;
import io.multisite.account.IntegrationTestSupport;
import io.multisite.routing.Units;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.Test;

class RegistrationIntegrationTests extends IntegrationTestSupport {

    @Test
    void registersAUserAtItsHomeSiteWithAnOpeningCredit() {
        String alice = TestUsers.homedAt("site-a", "alice");

        Api.Response answer = api.register(alice, 10_000);

        assertThat(answer.status()).isEqualTo(201);
        assertThat(answer.json().path("userId").asString()).isEqualTo(alice);
        assertThat(answer.json().path("unit").asInt()).isEqualTo(Units.DEFAULT.of(alice));
        assertThat(answer.json().path("homeSite").asString()).isEqualTo("site-a");
        assertThat(answer.header("X-Served-By")).contains("site-a");
        assertThat(answer.header("X-Unit")).contains(String.valueOf(Units.DEFAULT.of(alice)));
        assertThat(answer.header("X-Routing-Epoch")).contains("1");
        assertThat(balance(alice)).isEqualTo(10_000).isEqualTo(entrySum(alice));
        assertThat(jdbc.sql("SELECT kind || ':' || origin_site FROM ledger_entry WHERE account_id = ?").param(alice)
                .query(String.class).list()).containsExactly("OPENING:site-a");
        String hash = jdbc.sql("SELECT password_hash FROM users WHERE user_id = ?").param(alice).query(String.class).single();
        assertThat(hash).startsWith("$2").doesNotContain(Api.PASSWORD);
    }

    @Test
    void writesNoLedgerEntryForAZeroOpeningBalance() {
        String bob = TestUsers.homedAt("site-a", "bob");

        assertThat(api.register(bob, 0).status()).isEqualTo(201);

        assertThat(balance(bob)).isZero();
        assertThat(count("ledger_entry")).isZero();
    }

    @Test
    void answersConflictWhenTheUserIdIsTakenAndChangesNothing() {
        String alice = TestUsers.homedAt("site-a", "alice");
        api.register(alice, 500);
        String before = allRowCounts();

        Api.Response again = api.register(alice, 9_999);

        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).isEqualTo("user_exists");
        assertThat(allRowCounts()).isEqualTo(before);
        assertThat(balance(alice)).isEqualTo(500);
    }

    @Test
    void rejectsPasswordsBcryptWouldTruncate() {
        String carol = TestUsers.homedAt("site-a", "carol");

        Api.Response answer = api.post("/api/users", null,
                Api.json(Map.of("userId", carol, "password", "x".repeat(73), "initialBalance", 0)));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.error()).isEqualTo("invalid_request");
        assertThat(count("users")).isZero();
    }
}
