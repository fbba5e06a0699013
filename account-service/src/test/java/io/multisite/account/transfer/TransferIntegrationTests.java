package io.multisite.account.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import io.multisite.account.Api;
import io.multisite.account.IntegrationTestSupport;
import io.multisite.routing.Units;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class TransferIntegrationTests extends IntegrationTestSupport {

    private String alice;
    private String bob;
    private String aliceToken;
    private String bobToken;

    @BeforeEach
    void users() {
        alice = TestUsers.homedAt("site-a", "alice");
        bob = TestUsers.homedAt("site-a", "bob");
        aliceToken = api.registerAndLogin(alice, 10_000);
        bobToken = api.registerAndLogin(bob, 500);
    }

    @Test
    void movesMoneyInOneTransactionWithADebitAndACreditEntry() {
        Api.Response answer = api.transfer(aliceToken, bob, 2_500, "order-1");

        assertThat(answer.status()).as(answer.text()).isEqualTo(201);
        assertThat(answer.json().path("balanceAfter").asLong()).isEqualTo(7_500);
        UUID transferId = UUID.fromString(answer.json().path("transferId").asString());
        assertThat(answer.header("X-Unit")).contains(String.valueOf(Units.DEFAULT.of(alice)));
        assertThat(answer.header("X-Routing-Epoch")).contains("1");
        assertThat(answer.header("X-Served-By")).contains("site-a");
        assertThat(balance(alice)).isEqualTo(7_500).isEqualTo(entrySum(alice));
        assertThat(balance(bob)).isEqualTo(3_000).isEqualTo(entrySum(bob));
        assertThat(jdbc.sql("SELECT kind || ':' || account_id || ':' || amount FROM ledger_entry WHERE transfer_id = ? ORDER BY amount")
                .param(transferId).query(String.class).list())
                .containsExactly("DEBIT:" + alice + ":-2500", "CREDIT:" + bob + ":2500");
        assertThat(jdbc.sql("SELECT payer_id || '>' || payee_id || ':' || amount || ':' || balance_after || ':' || origin_site FROM transfers")
                .query(String.class).single()).isEqualTo(alice + ">" + bob + ":2500:7500:site-a");
    }

    @Test
    void answersARetryWithTheSameKeyWithTheFirstAnswerAndWritesNothing() {
        Api.Response first = api.transfer(aliceToken, bob, 1_000, "retry-me");
        String after = allRowCounts();

        Api.Response second = api.transfer(aliceToken, bob, 1_000, "retry-me");

        assertThat(second.status()).isEqualTo(first.status()).isEqualTo(201);
        assertThat(second.text()).isEqualTo(first.text());
        assertThat(allRowCounts()).isEqualTo(after);
        assertThat(balance(alice)).isEqualTo(9_000);
    }

    @Test
    void refusesToReuseAKeyForADifferentTransfer() {
        api.transfer(aliceToken, bob, 1_000, "once");
        String after = allRowCounts();

        Api.Response reused = api.transfer(aliceToken, bob, 2_000, "once");

        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.error()).isEqualTo("idempotency_key_reused");
        assertThat(allRowCounts()).isEqualTo(after);
    }

    @Test
    void keysArePerPayer() {
        assertThat(api.transfer(aliceToken, bob, 100, "shared-key").status()).isEqualTo(201);
        assertThat(api.transfer(bobToken, alice, 100, "shared-key").status()).isEqualTo(201);
    }

    @Test
    void refusesAnOverdraftAndWritesNothing() {
        String before = allRowCounts();

        Api.Response answer = api.transfer(aliceToken, bob, 10_001, "too-much");

        assertThat(answer.status()).isEqualTo(409);
        assertThat(answer.error()).isEqualTo("insufficient_funds");
        assertThat(allRowCounts()).isEqualTo(before);
        assertThat(balance(alice)).isEqualTo(10_000);
    }

    @Test
    void spendsTheWholeBalanceButNotOneUnitMore() {
        assertThat(api.transfer(aliceToken, bob, 10_000, "all").status()).isEqualTo(201);
        assertThat(api.transfer(aliceToken, bob, 1, "one-more").status()).isEqualTo(409);
        assertThat(balance(alice)).isZero();
    }

    @Test
    void paysAUserWhoseAccountRowIsNotHereYet() {
        // carol registered at another site: her user row was replicated here, none of her entries yet.
        String carol = TestUsers.homedAt("site-b", "carol");
        jdbc.sql("SELECT apply_user(?, 'hash', now(), now(), 'site-b')").param(carol).query(Boolean.class).single();

        Api.Response answer = api.transfer(aliceToken, carol, 300, "to-carol");

        assertThat(answer.status()).as(answer.text()).isEqualTo(201);
        assertThat(balance(carol)).isEqualTo(300).isEqualTo(entrySum(carol));
    }

    @Test
    void listsTheCallersTransfersNewestFirst() {
        String carol = TestUsers.homedAt("site-a", "carol");
        String carolToken = api.registerAndLogin(carol, 1_000);
        api.transfer(aliceToken, bob, 1, "t1");
        api.transfer(bobToken, alice, 2, "t2");
        api.transfer(carolToken, bob, 3, "t3"); // not alice's business
        api.transfer(aliceToken, carol, 4, "t4");

        Api.Response all = api.get("/api/transfers", aliceToken);
        Api.Response two = api.get("/api/transfers?limit=2", aliceToken);

        assertThat(all.status()).isEqualTo(200);
        assertThat(amounts(all.json())).containsExactly(4L, 2L, 1L);
        assertThat(amounts(two.json())).containsExactly(4L, 2L);
        JsonNode newest = all.json().path("items").get(0);
        assertThat(newest.path("fromUserId").asString()).isEqualTo(alice);
        assertThat(newest.path("toUserId").asString()).isEqualTo(carol);
        assertThat(OffsetDateTime.parse(newest.path("createdAt").asString())).isNotNull();
        assertThat(newest.has("balanceAfter")).as("the payer's balance is not shown to the payee").isFalse();
    }

    @Test
    void showsATransferOnlyToItsParties() {
        String carol = TestUsers.homedAt("site-a", "carol");
        String carolToken = api.registerAndLogin(carol, 0);
        String transferId = api.transfer(aliceToken, bob, 10, "mine").json().path("transferId").asString();

        assertThat(api.get("/api/transfers/" + transferId, aliceToken).status()).isEqualTo(200);
        assertThat(api.get("/api/transfers/" + transferId, bobToken).json().path("amount").asLong()).isEqualTo(10);
        Api.Response stranger = api.get("/api/transfers/" + transferId, carolToken);
        assertThat(stranger.status()).isEqualTo(404);
        assertThat(stranger.error()).isEqualTo("not_found");
        assertThat(api.get("/api/transfers", carolToken).json().path("items").size()).isZero();
    }

    @Test
    void showsTheCallersOwnAccountWithItsRouting() {
        api.transfer(aliceToken, bob, 250, "coffee");

        Api.Response me = api.get("/api/accounts/me", aliceToken);

        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().path("userId").asString()).isEqualTo(alice);
        assertThat(me.json().path("balance").asLong()).isEqualTo(9_750);
        assertThat(me.json().path("unit").asInt()).isEqualTo(Units.DEFAULT.of(alice));
        assertThat(me.json().path("homeSite").asString()).isEqualTo("site-a");
        assertThat(me.json().path("unitState").asString()).isEqualTo("ACTIVE");
        assertThat(me.header("X-Routing-Epoch")).contains("1");
    }

    private static List<Long> amounts(JsonNode list) {
        return list.path("items").valueStream().map(item -> item.path("amount").asLong()).toList();
    }
}
