package io.multisite.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.multisite.routing.RoutingTable;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transfers per second at one site, against what the same PostgreSQL does with pgbench's
 * TPC-B-like script at the same concurrency: how much of the database's transaction rate the
 * service path (gateway, account-service, ownership guard, ledger rows, CDC of every row) turns
 * into acknowledged transfers. Target: at least half (ratio >= 0.5).
 *
 * <p>First a closed loop of transfers sent straight to site-a's gateway by payers homed at
 * site-a; then, once that is over and replicated, pgbench inside site-a's PostgreSQL container
 * on a throwaway database. Never both at once.
 *
 * <p>Not part of {@code verify}: the class name does not end in Tests. Run it against a fresh
 * deployment, or with MULTISITE_REUSE_RUNNING=true against a kept one:
 *
 * <pre>
 * ./mvnw -B -pl system-tests -am test -Dtest=TransferThroughputBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>Properties: {@code multisite.bench.tps.payers} (32), {@code multisite.bench.tps.payees} (1),
 * {@code multisite.bench.tps.clients} (16, also pgbench's {@code -c}), {@code multisite.bench.tps.warmup}
 * (60 s: the gateway's C2 compiler is still busy after 10), {@code multisite.bench.tps.seconds} (30, also pgbench's {@code -T}),
 * {@code multisite.bench.tps.scale} (10, pgbench's {@code -s}). See docs/benchmarks.md.
 */
final class TransferThroughputBenchmark {

    private static final Logger log = LoggerFactory.getLogger(TransferThroughputBenchmark.class);
    private static final String SITE = "site-a";
    private static final String POSTGRES = Sites.service("postgres", SITE);
    /** The largest opening balance account-service accepts (UserService.MAX_INITIAL_BALANCE): never short of funds. */
    private static final long OPENING = 100_000_000;
    private static final double TARGET_RATIO = 0.5;
    private static final String PGBENCH_DATABASE = "pgbench";
    private static final Pattern PGBENCH_TPS = Pattern.compile("(?m)^tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern PGBENCH_LATENCY = Pattern.compile("(?m)^latency average = ([0-9.]+) ms");
    private static final Pattern PGBENCH_FAILED = Pattern.compile("(?m)^number of failed transactions: (\\d+)");
    /** Per client, far above what one client can send in the run: a bound, not a goal. */
    private static final int MAX_REQUESTS_PER_CLIENT = 1_000_000;
    /** After a refusal a client waits this long before its next transfer, so that an instant error does not spin. */
    private static final Duration REFUSED_PACE = Duration.ofMillis(50);

    private static Compose compose;
    private static Sites sites;

    @BeforeAll
    static void deploy() {
        compose = Deployment.up();
        sites = new Sites(compose);
    }

    record Settings(int payers, int payees, int clients, int warmupSeconds, int seconds, int scale) {

        static Settings fromProperties() {
            Settings settings = new Settings(Integer.getInteger("multisite.bench.tps.payers", 32),
                    Integer.getInteger("multisite.bench.tps.payees", 1), Integer.getInteger("multisite.bench.tps.clients", 16),
                    Integer.getInteger("multisite.bench.tps.warmup", 60), Integer.getInteger("multisite.bench.tps.seconds", 30),
                    Integer.getInteger("multisite.bench.tps.scale", 10));
            assertThat(List.of(settings.payers(), settings.payees(), settings.clients(), settings.seconds(), settings.scale()))
                    .as("payers, payees, clients, seconds and scale are positive: %s", settings).allMatch(value -> value > 0);
            assertThat(settings.warmupSeconds()).as("warm-up seconds").isNotNegative();
            return settings;
        }
    }

    /** A registered, logged-in user. */
    record Account(String userId, String token) {
    }

    /** The measured window of the closed loop. */
    record TransferRun(String keyPrefix, long acknowledged, long[] perSecond, List<Duration> sortedLatencies, Map<String, Long> refused) {

        double tps() {
            return (double) acknowledged / perSecond.length;
        }
    }

    record Pgbench(double tps, String latencyAverage, String failed) {
    }

    @Test
    void transfersAtOneSiteAgainstPgbench() throws Exception {
        Settings settings = Settings.fromProperties();
        // Every unit ACTIVE: site-a owns its units and takes debits.
        RoutingTable table = sites.awaitSettled(SITE, Duration.ofMinutes(8));
        List<Account> payers = new ArrayList<>();
        for (int i = 0; i < settings.payers(); i++) {
            payers.add(registerAndLogIn(table, "tps-payer-"));
        }
        List<String> payees = new ArrayList<>();
        for (int i = 0; i < settings.payees(); i++) {
            payees.add(registerAndLogIn(table, "tps-payee-").userId());
        }
        log.info("{} payers and {} payee(s) registered at {} and logged in", payers.size(), payees.size(), SITE);

        TransferRun run = runTransfers(settings, payers, payees);
        Optional<Duration> replicated = awaitReplicated(run.keyPrefix());
        Optional<Pgbench> pgbench;
        try {
            pgbench = runPgbench(settings);
        } catch (AssertionError | RuntimeException e) {
            // The transfer numbers are measured already; they are not lost with the comparison.
            summary(settings, run, replicated, Optional.empty(), "failed: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("")).log(log);
            throw e;
        }
        summary(settings, run, replicated, pgbench, "not available in " + POSTGRES).log(log);
    }

    // ---- transfers ---------------------------------------------------------------------------

    /** A fresh user homed at site-a, registered through site-a's gateway and logged in there. */
    private static Account registerAndLogIn(RoutingTable table, String prefix) {
        String userId = Sites.userHomedAt(table, SITE, prefix);
        // 503 only while the site (re)gains its lease after a fault; a 409 follows an earlier try
        // that was written but not answered.
        Gateways.Answer registered = await("registration of " + userId).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Gateways.register(SITE, userId, OPENING), answer -> answer.status() == 201 || answer.status() == 409);
        assertThat(registered.servedBy()).as("%s served by its home site: %s", userId, registered).isEqualTo(SITE);
        Gateways.Answer login = Gateways.login(SITE, userId);
        assertThat(login.status()).as("login of %s: %s", userId, login).isEqualTo(201);
        return new Account(userId, login.json().path("token").asString());
    }

    /**
     * Closed loop: each client sends its next transfer when the last one is answered. Client c
     * pays from payers c, c + C, c + 2C... in turn, so that no two clients share a payer (and its
     * row lock) unless there are fewer payers than clients.
     */
    private static TransferRun runTransfers(Settings settings, List<Account> payers, List<String> payees) throws Exception {
        String keyPrefix = "tps-" + Long.toString(System.nanoTime(), 36) + "-";
        AtomicLongArray perSecond = new AtomicLongArray(settings.seconds());
        Map<String, LongAdder> refused = new ConcurrentHashMap<>();
        long started = System.nanoTime();
        long measureFrom = started + TimeUnit.SECONDS.toNanos(settings.warmupSeconds());
        long measureUntil = measureFrom + TimeUnit.SECONDS.toNanos(settings.seconds());
        log.info("closed loop: {} clients to {}'s gateway, {} s warm-up, then {} s measured", settings.clients(), SITE,
                settings.warmupSeconds(), settings.seconds());

        ExecutorService pool = Executors.newFixedThreadPool(settings.clients());
        List<Future<List<Duration>>> clients = new ArrayList<>();
        try {
            for (int c = 0; c < settings.clients(); c++) {
                int client = c;
                List<Account> mine = IntStream.range(0, payers.size()).filter(i -> i % settings.clients() == client)
                        .mapToObj(payers::get).toList();
                List<Account> own = mine.isEmpty() ? List.of(payers.get(client % payers.size())) : mine;
                clients.add(pool.submit(() -> transferUntil(client, own, payees, keyPrefix, measureFrom, measureUntil, perSecond, refused)));
            }
            pool.shutdown();
            // A transfer in flight at the end takes at most the client's 15 s request timeout.
            assertThat(pool.awaitTermination(settings.warmupSeconds() + settings.seconds() + 60L, TimeUnit.SECONDS))
                    .as("every client ended").isTrue();
        } finally {
            pool.shutdownNow();
        }

        List<Duration> latencies = new ArrayList<>();
        for (Future<List<Duration>> client : clients) {
            latencies.addAll(client.get());
        }
        long[] counts = IntStream.range(0, perSecond.length()).mapToLong(perSecond::get).toArray();
        Map<String, Long> refusals = new TreeMap<>();
        refused.forEach((outcome, count) -> refusals.put(outcome, count.sum()));
        return new TransferRun(keyPrefix, latencies.size(), counts, latencies.stream().sorted().toList(), refusals);
    }

    /** One client's loop; returns the latencies of its 201s answered inside the measured window. */
    private static List<Duration> transferUntil(int client, List<Account> own, List<String> payees, String keyPrefix, long measureFrom,
                                                long measureUntil, AtomicLongArray perSecond, Map<String, LongAdder> refused) {
        List<Duration> latencies = new ArrayList<>();
        for (int sequence = 0; sequence < MAX_REQUESTS_PER_CLIENT && System.nanoTime() - measureUntil < 0
                && !Thread.currentThread().isInterrupted(); sequence++) {
            Account payer = own.get(sequence % own.size());
            String payee = payees.get((client + sequence) % payees.size());
            long sent = System.nanoTime();
            Gateways.Answer answer = Gateways.transfer(SITE, payer.token(), payee, 1, keyPrefix + client + "-" + sequence);
            long answered = System.nanoTime();
            boolean measured = answered - measureFrom >= 0 && answered - measureUntil < 0;
            if (answer.status() == 201) {
                if (measured) {
                    latencies.add(Duration.ofNanos(answered - sent));
                    perSecond.incrementAndGet((int) TimeUnit.NANOSECONDS.toSeconds(answered - measureFrom));
                }
            } else {
                if (measured) {
                    refused.computeIfAbsent(outcome(answer), key -> new LongAdder()).increment();
                }
                if (!pace()) {
                    break;
                }
            }
        }
        return latencies;
    }

    /** Status and error code of an answer that was not a 201, the way the summary counts them. */
    private static String outcome(Gateways.Answer answer) {
        if (answer.status() < 0) {
            return "no answer";
        }
        try {
            String error = answer.error();
            return answer.status() + (error.isEmpty() ? "" : " " + error);
        } catch (RuntimeException e) {
            return answer.status() + " (body not JSON)";
        }
    }

    /** Paces a client after a refusal (a bounded loop, not a wait for readiness). */
    private static boolean pace() {
        try {
            Thread.sleep(REFUSED_PACE.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Until the other sites hold every transfer of the run: pgbench should find a quiet
     * deployment, not replication still applying the burst. Empty if that took too long (the
     * pgbench number is then taken beside the tail of it, which the summary says).
     */
    private static Optional<Duration> awaitReplicated(String keyPrefix) {
        String count = "SELECT count(*) FROM transfers WHERE idempotency_key LIKE '" + keyPrefix + "%'";
        long from = System.nanoTime();
        String written = sites.accountsQuery(SITE, count);
        try {
            await("the run's transfers at every site").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                    .until(() -> Sites.ALL.stream().allMatch(site -> sites.accountsQuery(site, count).equals(written)));
            return Optional.of(Duration.ofNanos(System.nanoTime() - from));
        } catch (ConditionTimeoutException e) {
            log.warn("the other sites did not hold all {} transfers of the run within 5 minutes; pgbench runs anyway", written);
            return Optional.empty();
        }
    }

    // ---- pgbench -----------------------------------------------------------------------------

    /** pgbench's default (TPC-B-like) script on a throwaway database of site-a's PostgreSQL; empty if the image has no pgbench. */
    private static Optional<Pgbench> runPgbench(Settings settings) {
        Compose.Result found = compose.execResult(POSTGRES, null, "sh", "-c",
                "command -v pgbench || { test -x /usr/lib/postgresql/15/bin/pgbench && echo /usr/lib/postgresql/15/bin/pgbench; }");
        if (found.exitCode() != 0 || found.output().isBlank()) {
            log.warn("no pgbench in {} ({}): the comparison is left out", POSTGRES, found.output().strip());
            return Optional.empty();
        }
        String pgbench = found.output().strip().lines().reduce((first, second) -> second).orElseThrow();
        // The entrypoint makes postgres the superuser, trusted on the local socket (deploy/postgres/entrypoint.sh).
        psql("DROP DATABASE IF EXISTS " + PGBENCH_DATABASE + " WITH (FORCE)");
        psql("CREATE DATABASE " + PGBENCH_DATABASE);
        try {
            long initialising = System.nanoTime();
            inPostgres(Duration.ofMinutes(20), pgbench, "-U", "postgres", "-i", "-q", "-s", String.valueOf(settings.scale()), PGBENCH_DATABASE);
            log.info("pgbench -i -s {} took {} s", settings.scale(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - initialising));
            String output = inPostgres(Duration.ofSeconds(settings.seconds()).plusMinutes(5), pgbench, "-U", "postgres",
                    "-c", String.valueOf(settings.clients()), "-j", "2", "-T", String.valueOf(settings.seconds()), "-M", "prepared",
                    PGBENCH_DATABASE);
            log.info("pgbench:\n{}", output.strip());
            Matcher tps = PGBENCH_TPS.matcher(output);
            assertThat(tps.find()).as("a tps line in pgbench's output:%n%s", output).isTrue();
            return Optional.of(new Pgbench(Double.parseDouble(tps.group(1)), group(PGBENCH_LATENCY, output).map(ms -> ms + " ms").orElse("not printed"),
                    group(PGBENCH_FAILED, output).orElse("not printed")));
        } finally {
            psql("DROP DATABASE IF EXISTS " + PGBENCH_DATABASE + " WITH (FORCE)");
        }
    }

    private static void psql(String sql) {
        compose.exec(POSTGRES, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", "postgres", "-c", sql);
    }

    /**
     * {@code docker exec} with a timeout of its own: Compose.exec allows two minutes, which
     * pgbench's initialisation on a loaded machine, or a longer run, can exceed.
     */
    private static String inPostgres(Duration timeout, String... command) {
        String container = Compose.PROJECT + "-" + POSTGRES + "-1";
        return compose.docker(timeout, Stream.concat(Stream.of("exec", container), Stream.of(command)).toArray(String[]::new));
    }

    private static Optional<String> group(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    // ---- summary -----------------------------------------------------------------------------

    private static BenchmarkSummary summary(Settings settings, TransferRun run, Optional<Duration> replicated, Optional<Pgbench> pgbench,
                                            String withoutPgbench) {
        BenchmarkSummary summary = new BenchmarkSummary("TransferThroughputBenchmark")
                .add("setup", settings.payers() + " payers and " + settings.payees() + " payee(s) homed at " + SITE + ", " + settings.clients()
                        + " clients (closed loop) to localhost:" + Gateways.PORTS.get(SITE) + ", amount 1, " + settings.warmupSeconds()
                        + " s warm-up, " + settings.seconds() + " s measured")
                .add("transfers acknowledged (201) in the measured window", String.valueOf(run.acknowledged()))
                .add("transfers per second (201s / measured seconds)", String.format(Locale.ROOT, "%.1f", run.tps()))
                .add("201s per second, min / max over the seconds", Arrays.stream(run.perSecond()).min().orElse(0) + " / "
                        + Arrays.stream(run.perSecond()).max().orElse(0))
                .add("201s in each second", Arrays.stream(run.perSecond()).mapToObj(String::valueOf).collect(Collectors.joining(" ")))
                .add("latency of the 201s p50 / p99 / max", run.sortedLatencies().isEmpty() ? "none"
                        : BenchmarkSummary.millis(BenchmarkSummary.percentile(run.sortedLatencies(), 50)) + " / "
                        + BenchmarkSummary.millis(BenchmarkSummary.percentile(run.sortedLatencies(), 99)) + " / "
                        + BenchmarkSummary.millis(run.sortedLatencies().get(run.sortedLatencies().size() - 1)))
                .add("answers other than 201 in the measured window", run.refused().isEmpty() ? "none"
                        : run.refused().entrySet().stream().map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.joining(", ")))
                .add("replicated to every site before pgbench", replicated.map(d -> "after " + BenchmarkSummary.millis(d))
                        .orElse("not within 5 minutes (pgbench ran beside the tail)"));
        if (pgbench.isEmpty()) {
            return summary.add("pgbench", withoutPgbench).add("ratio transfers / pgbench", "not measured");
        }
        Pgbench bench = pgbench.get();
        double ratio = run.tps() / bench.tps();
        return summary
                .add("pgbench (TPC-B-like, -s " + settings.scale() + " -c " + settings.clients() + " -j 2 -T " + settings.seconds()
                        + " -M prepared) tps", String.format(Locale.ROOT, "%.1f", bench.tps()))
                .add("pgbench latency average", bench.latencyAverage())
                .add("pgbench failed transactions", bench.failed())
                .add("ratio transfers / pgbench", String.format(Locale.ROOT, "%.2f", ratio))
                .add("target ratio >= " + TARGET_RATIO, ratio >= TARGET_RATIO ? "met" : "missed");
    }
}
