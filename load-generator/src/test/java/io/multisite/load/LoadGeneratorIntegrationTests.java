package io.multisite.load;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LoadGeneratorIntegrationTests {

    private static final Pattern SECOND_LINE = Pattern.compile(
            "t=\\d+s ops=\\d+ ok=(\\d+\\.\\d%|-) p50=(\\d+ms|-) p99=(\\d+ms|-) refused\\[[^]]*] errors\\[[^]]*] unanswered=\\d+ switched\\[[^]]*]");
    private static final Pattern ACKNOWLEDGED = Pattern.compile("summary: transfers acknowledged=(\\d+) sum=(\\d+)");

    private final FakeBank bank = new FakeBank();
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(new Tee(captured, System.out), true, StandardCharsets.UTF_8);
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
    void runsTheWholeMixAndAcknowledgesExactlyTheTransfersThatWereWritten() {
        long started = System.nanoTime();

        int status = LoadGenerator.run(Map.of("GATEWAYS", a.uri() + "," + b.uri(), "USERS", "6", "RATE", "40",
                "DURATION", "PT3S", "SEED", "7", "RUN_ID", "whole"), out, System.err);

        Duration ran = Duration.ofNanos(System.nanoTime() - started);
        assertThat(status).isZero();
        assertThat(output()).contains("setup: 6/6 users registered and logged in");
        List<String> seconds = secondLines();
        assertThat(seconds).hasSizeGreaterThanOrEqualTo(2).allMatch(line -> SECOND_LINE.matcher(line).matches());
        assertThat(seconds).extracting(line -> line.substring(0, line.indexOf(' ')))
                .startsWith("t=1s", "t=2s").doesNotHaveDuplicates();
        assertThat(seconds.get(0)).contains(" ok=100.0% ");
        Matcher acknowledged = ACKNOWLEDGED.matcher(output());
        assertThat(acknowledged.find()).isTrue();
        assertThat(Long.parseLong(acknowledged.group(1))).isPositive().isEqualTo(bank.transfers().size());
        assertThat(Long.parseLong(acknowledged.group(2)))
                .isEqualTo(bank.transfers().stream().mapToLong(FakeBank.Transfer::amount).sum());
        assertThat(bank.transfers()).allMatch(t -> t.amount() >= 1 && t.amount() <= Mix.MAX_AMOUNT && !t.payer().equals(t.payee()));
        assertThat(bank.transfers()).extracting(FakeBank.Transfer::idempotencyKey).doesNotHaveDuplicates();
        assertThat(bank.balances()).hasSize(6).containsKey("load-whole-1");
        assertThat(bank.balances().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(6 * 100_000L);
        // Each client stays at its own gateway, so both gateways carry the mix, and all of it.
        for (FakeGateway gateway : List.of(a, b)) {
            assertThat(gateway.received()).extracting(FakeGateway.Received::path).map(path -> path.replaceFirst("\\?.*", ""))
                    .contains("/api/transfers", "/api/accounts/me", "/api/feed", "/api/posts", "/api/sessions");
        }
        // Open loop at 40/s: never more than RATE x DURATION operations, and DURATION ends the run.
        long ops = seconds.stream().mapToLong(LoadGeneratorIntegrationTests::ops).sum();
        assertThat(ops).isBetween(60L, 120L);
        assertThat(ran).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(4));
    }

    @Test
    void movesTheClientsOfAGatewayThatStopsMidRunToTheOtherGateway() {
        LoadGenerator generator = new LoadGenerator(config(List.of(a, b), 4, 40, Duration.ofSeconds(3), Duration.ofSeconds(1)), out);
        CompletableFuture<Stats.Totals> run = CompletableFuture.supplyAsync(generator::run);
        await().atMost(Duration.ofSeconds(3)).until(() -> a.received("POST", "/api/transfers").size() >= 5);
        int beforeStop = b.received().size();

        a.stopAfterAnswering();
        Stats.Totals totals = run.join();

        assertThat(totals.switched()).containsOnlyKeys(a.uri().getAuthority());
        assertThat(output()).contains("switched[" + a.uri().getAuthority() + "=");
        assertThat(generator.clients()).allMatch(client -> client.gateway().equals(b.uri()));
        assertThat(b.received().size()).isGreaterThan(beforeStop);
        // Connections to a stopped gateway are refused, so every request was sent again, and answered.
        assertThat(totals.unanswered()).isZero();
        assertThat(totals.ok()).isEqualTo(totals.ops());
    }

    @Test
    void countsRefusedDebitsByTheirErrorCodeInTheLinesAndTheSummary() {
        a.refuseTransfers(503, "unit_recovering");

        Stats.Totals totals = new LoadGenerator(config(List.of(a), 4, 40, Duration.ofSeconds(2), Duration.ofSeconds(1)), out).run();

        int refused = a.received("POST", "/api/transfers").size();
        assertThat(refused).isPositive();
        assertThat(totals.refusedDebits()).isEqualTo(Map.of("unit_recovering", (long) refused));
        assertThat(totals.transfersAcknowledged()).isZero();
        assertThat(secondLines()).anyMatch(line -> line.contains(" refused[unit_recovering="));
        assertThat(output()).contains("summary: refused debits [unit_recovering=" + refused + "]");
        assertThat(bank.transfers()).isEmpty();
    }

    @Test
    void stopsAtDurationEvenWhenAnswersNeverCome() {
        a.holdAnswers(request -> !request.is("POST", "/api/users") && !request.is("POST", "/api/sessions"));
        b.holdAnswers(request -> !request.is("POST", "/api/users") && !request.is("POST", "/api/sessions"));
        Duration requestTimeout = Duration.ofMillis(800);
        long started = System.nanoTime();

        Stats.Totals totals = new LoadGenerator(config(List.of(a, b), 3, 20, Duration.ofSeconds(2), requestTimeout), out).run();

        Duration ran = Duration.ofNanos(System.nanoTime() - started);
        // Sending stops at DURATION; answers still on their way get one request timeout more.
        assertThat(ran).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(2).plus(requestTimeout).plusMillis(500 + 500));
        assertThat(totals.unanswered()).isPositive();
        Matcher unfinished = Pattern.compile("unfinished=(\\d+)").matcher(output());
        assertThat(unfinished.find()).isTrue();
        assertThat(Long.parseLong(unfinished.group(1))).isPositive();
    }

    @Test
    void exitsWithOneWhenNothingEverSucceeded() {
        a.stop();
        long started = System.nanoTime();

        int status = LoadGenerator.run(Map.of("GATEWAYS", a.uri().toString(), "USERS", "2", "DURATION", "PT2S"), out, out);

        assertThat(status).isEqualTo(1);
        // Setup keeps trying, a second apart, until DURATION is over.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofSeconds(2), Duration.ofMillis(2_900));
        assertThat(output()).contains("setup: 0/2 users registered and logged in (last refusal: unreachable)",
                "setup: DURATION ran out before every user had registered and logged in",
                "summary: ops=0 ok=0", "load-generator: no operation succeeded");
    }

    private LoadConfig config(List<FakeGateway> gateways, int users, double rate, Duration duration, Duration requestTimeout) {
        return new LoadConfig(gateways.stream().map(FakeGateway::uri).toList(), users, rate, duration, 100_000, 11,
                "r" + System.nanoTime() % 100_000, Duration.ofMillis(500), requestTimeout);
    }

    private String output() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    private List<String> secondLines() {
        return output().lines().filter(line -> line.startsWith("t=")).toList();
    }

    private static long ops(String line) {
        Matcher matcher = Pattern.compile(" ops=(\\d+) ").matcher(line);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    /** Keeps what the run printed for the assertions and shows it in the build log too. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public synchronized void write(int b) throws java.io.IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) throws java.io.IOException {
            first.write(bytes, offset, length);
            second.write(bytes, offset, length);
        }
    }
}
