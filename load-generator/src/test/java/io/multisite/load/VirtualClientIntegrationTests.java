package io.multisite.load;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.multisite.load.VirtualClient.Answer;

import static org.assertj.core.api.Assertions.assertThat;

class VirtualClientIntegrationTests {

    private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(400);

    private final FakeBank bank = new FakeBank();
    private final Stats stats = new Stats();
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofMillis(500)).build();
    private FakeGateway a;
    private FakeGateway b;

    @BeforeEach
    void startGateways() throws Exception {
        a = new FakeGateway("site-a", bank);
        b = new FakeGateway("site-b", bank);
    }

    @AfterEach
    void stopGateways() {
        a.close();
        b.close();
    }

    @Test
    void registersLogsInAndThenUsesItsSessionAtItsOwnGateway() {
        VirtualClient alice = client("alice", 0);

        Answer registration = alice.register(1_000);
        Answer login = alice.login();
        Answer account = alice.account();

        assertThat(registration.status()).isEqualTo(201);
        assertThat(login.status()).isEqualTo(201);
        assertThat(alice.loggedIn()).isTrue();
        assertThat(account.status()).isEqualTo(200);
        assertThat(account.servedBy()).isEqualTo("site-a");
        assertThat(account.body().path("balance").asLong()).isEqualTo(1_000);
        assertThat(a.received("POST", "/api/users").get(0).body().path("initialBalance").asLong()).isEqualTo(1_000);
        assertThat(a.received("GET", "/api/accounts/me").get(0).bearer()).startsWith("alice.");
        assertThat(b.received()).isEmpty();
        assertThat(alice.register(1_000).error()).isEqualTo("user_exists");
    }

    @Test
    void logsInFirstWhenAnOperationNeedsASessionItDoesNotHave() {
        client("bob", 1).register(0);
        VirtualClient alice = client("alice", 0);
        alice.register(500);

        Answer transfer = alice.transfer("bob", 30, "k-1");

        assertThat(transfer.status()).isEqualTo(201);
        assertThat(transfer.body().path("balanceAfter").asLong()).isEqualTo(470);
        assertThat(a.received()).extracting(FakeGateway.Received::path)
                .containsExactly("/api/users", "/api/sessions", "/api/transfers");
    }

    @Test
    void switchesToTheNextGatewayForGoodWhenItsOwnIsDown() {
        VirtualClient alice = client("alice", 0);
        alice.register(100);
        alice.login();
        a.stop();

        Answer first = alice.account();
        Answer second = alice.feed();

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.servedBy()).isEqualTo("site-b");
        assertThat(second.servedBy()).isEqualTo("site-b");
        assertThat(alice.gateway()).isEqualTo(b.uri());
        // One switch: the second request went straight to b.
        assertThat(stats.totals().switched()).isEqualTo(Map.of(a.uri().getAuthority(), 1L));
    }

    @Test
    void retriesATimedOutTransferOnAnotherGatewayWithTheSameIdempotencyKey() {
        VirtualClient alice = client("alice", 0);
        alice.register(100);
        alice.login();
        client("bob", 1).register(0);
        // Site a carries the transfer out, but its answer never comes back in time.
        a.holdAnswers(request -> request.is("POST", "/api/transfers"));

        Answer transfer = alice.transfer("bob", 25, "key-7");

        List<FakeGateway.Received> atA = a.received("POST", "/api/transfers");
        List<FakeGateway.Received> atB = b.received("POST", "/api/transfers");
        assertThat(atA).hasSize(1);
        assertThat(atB).hasSize(1);
        assertThat(atB.get(0).body()).isEqualTo(atA.get(0).body());
        assertThat(atB.get(0).body().path("idempotencyKey").asString()).isEqualTo("key-7");
        assertThat(transfer.status()).isEqualTo(201);
        assertThat(transfer.servedBy()).isEqualTo("site-b");
        // The resend was answered with the first attempt's result: one transfer, debited once.
        assertThat(bank.transfers()).hasSize(1);
        assertThat(transfer.body().path("transferId").asString()).isEqualTo(bank.transfers().get(0).transferId());
        assertThat(bank.balances()).containsEntry("alice", 75L).containsEntry("bob", 25L);
    }

    @Test
    void doesNotResendAPostThatTimedOutButMovesToTheNextGateway() {
        VirtualClient alice = client("alice", 0);
        alice.register(100);
        alice.login();
        a.holdAnswers(request -> request.is("POST", "/api/posts"));

        Answer post = alice.post("hello");

        assertThat(post.status()).isZero();
        assertThat(a.received("POST", "/api/posts")).hasSize(1);
        assertThat(b.received("POST", "/api/posts")).isEmpty();
        assertThat(alice.gateway()).isEqualTo(b.uri());
    }

    @Test
    void resendsAPostWhoseGatewayRefusedTheConnection() {
        VirtualClient alice = client("alice", 0);
        alice.register(100);
        alice.login();
        a.stop();

        Answer post = alice.post("hello");

        assertThat(post.status()).isEqualTo(201);
        assertThat(post.servedBy()).isEqualTo("site-b");
    }

    @Test
    void readsTheErrorCodeFromTheBodyAndForgetsARejectedSession() {
        VirtualClient alice = client("alice", 0);
        alice.register(100);
        alice.login();
        client("bob", 1).register(0);
        a.refuseTransfers(503, "unit_recovering");

        Answer refused = alice.transfer("bob", 10, "k-2");

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.error()).isEqualTo("unit_recovering");
        assertThat(bank.transfers()).isEmpty();
        a.refuseTransfers(401, "unauthenticated");
        assertThat(alice.transfer("bob", 10, "k-4").error()).isEqualTo("unauthenticated");
        assertThat(alice.loggedIn()).isFalse();
    }

    @Test
    void answersUnreachableWhenNoGatewayAnswers() {
        VirtualClient alice = client("alice", 0);
        a.stop();
        b.stop();

        Answer answer = alice.register(100);

        assertThat(answer.status()).isZero();
        assertThat(answer.error()).isEqualTo("unreachable");
        assertThat(stats.totals().switched()).containsOnlyKeys(a.uri().getAuthority(), b.uri().getAuthority());
    }

    private VirtualClient client(String userId, int firstGateway) {
        return new VirtualClient(userId, "password-" + userId, http, List.of(a.uri(), b.uri()), firstGateway, REQUEST_TIMEOUT, stats);
    }
}
