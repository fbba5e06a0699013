package io.multisite.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableJson;
import io.multisite.routing.SiteState;
import io.multisite.routing.UnitState;
import io.multisite.routing.Units;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long a site's users wait when their units change hands: after the whole site is killed
 * (unplanned failover: the time until their writes are taken again, against RTO &lt;= 10 s), and
 * when one unit is moved on purpose while its user keeps debiting (planned switchover: the longest
 * pause between two acknowledged debits, against 1 s).
 *
 * <p>Not part of {@code verify}: the class name does not end in Tests. Run it against a fresh
 * deployment, or with MULTISITE_REUSE_RUNNING=true against a kept one:
 *
 * <pre>
 * ./mvnw -B -pl system-tests -am test -Dtest=FailoverBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>Properties: {@code multisite.bench.rto.rounds} (5), {@code multisite.bench.rto.site} (the
 * three sites in turn), {@code multisite.bench.rto.budget} (PT2H: no round starts after it),
 * {@code multisite.bench.switchover.units} (5), {@code multisite.bench.switchover.budget} (PT1H).
 * What is measured and how: docs/benchmarks.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class FailoverBenchmark {

    private static final Logger log = LoggerFactory.getLogger(FailoverBenchmark.class);
    private static final String ADMIN_REASON = "reason=benchmark";
    /** The resolution of the measured times, at the cost of one request per poll. */
    private static final Duration POLL = Duration.ofMillis(150);
    private static final Duration RTO_TARGET = Duration.ofSeconds(10);
    private static final Duration PAUSE_TARGET = Duration.ofSeconds(1);
    /** A measured time beyond this is reported as not observed: the deployment is then broken, not slow. */
    private static final Duration MEASURE_WITHIN = Duration.ofMinutes(2);
    /**
     * Waits that restore the stage, not measured. Generous: on the two-core machine a restored
     * site has taken minutes to catch up (docs/benchmarks.md, "Hand-over times").
     */
    private static final Duration SETTLE_WITHIN = Duration.ofMinutes(8);
    private static final long OPENING = 1_000_000;
    /** Bounds the switchover writer: its whole run, and each debit's retries under one key. */
    private static final Duration WRITER_LIMIT = Duration.ofMinutes(5);
    private static final int WRITER_MAX_DEBITS = 10_000;
    private static final int WRITER_MAX_ATTEMPTS = 3_000;
    /** Acknowledged debits wanted before the move request and again after the unit is ACTIVE at its target. */
    private static final int DEBITS_AROUND_MOVE = 10;

    private static Compose compose;
    private static Sites sites;

    @BeforeAll
    static void deploy() {
        compose = Deployment.up();
        sites = new Sites(compose);
    }

    /** A probe's answer and the moment (System.nanoTime) it arrived. */
    record Timed<T>(T value, long atNanos) {
    }

    /** What one kill cost the site's users; a null time was not observed within {@link #MEASURE_WITHIN}. */
    record Outage(Duration writeBack, String servedBy, Duration dead) {
    }

    /** One round of the unplanned failover; the last three are the stage being restored, not the target. */
    record RecoveryRound(int round, String site, int units, String survivor, Outage outage, Duration restore,
                         Duration reconcile, Duration failBack) {

        String describe() {
            return "round " + round + ": " + site + " (" + units + " units) killed; through " + survivor + ": write (login 201) after "
                    + orNotWithin(outage.writeBack()) + (outage.servedBy().isEmpty() ? "" : " served by " + outage.servedBy())
                    + ", " + site + " DEAD in the table after " + orNotWithin(outage.dead())
                    + "; restore " + BenchmarkSummary.millis(restore) + ", then reconciled " + BenchmarkSummary.millis(reconcile)
                    + ", failed back " + BenchmarkSummary.millis(failBack);
        }
    }

    /** One debit the writer got a 201 for: its sequence, when, and which site answered. */
    record Ack(int sequence, long atNanos, String servedBy) {
    }

    /** One unit moved under continuous debits. */
    record Switchover(int unit, String from, String to, Duration requestToActive, Duration pause, Duration pauseStartAfterRequest,
                      int acknowledged, String servedBy, Duration medianGap) {

        String describe() {
            // Signed: a longest gap that began before the request was not the move's.
            return "unit " + unit + " " + from + " -> " + to + ": pause " + BenchmarkSummary.millis(pause) + " (began at request "
                    + String.format(Locale.ROOT, "%+,d ms", pauseStartAfterRequest.toMillis()) + "), request -> ACTIVE "
                    + BenchmarkSummary.millis(requestToActive) + "; " + acknowledged + " debits served by " + servedBy
                    + ", median gap " + BenchmarkSummary.millis(medianGap);
        }
    }

    @Test
    @Order(1)
    void unplannedRecoveryTime() throws Exception {
        int rounds = Integer.getInteger("multisite.bench.rto.rounds", 5);
        String fixedSite = System.getProperty("multisite.bench.rto.site", "");
        assertThat(fixedSite.isEmpty() || Sites.ALL.contains(fixedSite)).as("multisite.bench.rto.site is one of %s", Sites.ALL).isTrue();
        long deadline = System.nanoTime() + Duration.parse(System.getProperty("multisite.bench.rto.budget", "PT2H")).toNanos();
        List<RecoveryRound> done = new ArrayList<>();
        try {
            for (int round = 1; round <= rounds; round++) {
                if (System.nanoTime() - deadline >= 0) {
                    log.warn("multisite.bench.rto.budget spent: {} of {} rounds done", done.size(), rounds);
                    break;
                }
                String site = fixedSite.isEmpty() ? Sites.ALL.get((round - 1) % Sites.ALL.size()) : fixedSite;
                RecoveryRound result = killAndRecover(round, site);
                // Each round on its own line at once: a later round that fails loses nothing measured.
                log.info("{}", result.describe());
                done.add(result);
            }
        } finally {
            recoverySummary(rounds, done).log(log);
        }
    }

    @Test
    @Order(2)
    void plannedSwitchoverPause() throws Exception {
        int count = Integer.getInteger("multisite.bench.switchover.units", 5);
        long deadline = System.nanoTime() + Duration.parse(System.getProperty("multisite.bench.switchover.budget", "PT1H")).toNanos();
        RoutingTable table = sites.awaitSettled("site-a", SETTLE_WITHIN);
        String payee = Sites.userHomedAt(table, "site-c", "switchover-bench-payee-");
        sites.registerAtHomeAndAwaitEverywhere(payee, 1);
        Set<Integer> used = new HashSet<>();
        List<Switchover> done = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                if (System.nanoTime() - deadline >= 0) {
                    log.warn("multisite.bench.switchover.budget spent: {} of {} units done", done.size(), count);
                    break;
                }
                // Owners and targets in turn, so that every site both hands over and takes over.
                String from = Sites.ALL.get(i % Sites.ALL.size());
                String to = Sites.ALL.get((i + 1) % Sites.ALL.size());
                RoutingTable before = sites.awaitSettled(to, SETTLE_WITHIN);
                String payer = userOnUnusedUnit(before, from, used);
                int unit = Units.DEFAULT.of(payer);
                used.add(unit);
                Switchover result = switchOver(payer, payee, unit, from, to);
                log.info("{}", result.describe());
                done.add(result);
            }
        } finally {
            switchoverSummary(count, done).log(log);
        }
    }

    // ---- unplanned failover ------------------------------------------------------------------

    private RecoveryRound killAndRecover(int round, String site) throws Exception {
        String survivor = survivorOf(site);
        RoutingTable before = sites.awaitSettled(survivor, SETTLE_WITHIN);
        sites.awaitKafkaInSync(survivor, SETTLE_WITHIN);
        List<Integer> owned = before.unitsOwnedBy(site);
        assertThat(owned).as("%s owns units before it is killed", site).isNotEmpty();
        String user = Sites.userHomedAt(before, site, "rto-");
        sites.registerAtHomeAndAwaitEverywhere(user, 1000);
        List<String> containers = sites.containersOf(site);
        assertThat(containers).as("running containers of %s", site).hasSizeGreaterThanOrEqualTo(5);

        Outage outage;
        long restoring;
        long restored;
        try {
            outage = killAndWatch(site, survivor, user, containers);
        } finally {
            // Whatever was measured, the site comes back, so that the next round starts from three.
            restoring = System.nanoTime();
            sites.restore(site);
            restored = System.nanoTime();
        }

        await(site + " UP again").atMost(SETTLE_WITHIN).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> sites.routingTable(survivor), t -> t.siteState(site) == SiteState.UP);
        // The units the survivors took over turn ACTIVE once they have applied the returned site's tail.
        sites.awaitSettled(survivor, SETTLE_WITHIN);
        long reconciled = System.nanoTime();

        assertThat(sites.admin("/admin/sites/" + site + "/failback?" + ADMIN_REASON)).contains("HTTP/1.1 202");
        long asked = System.nanoTime();
        // Home = the first table's deal in the configured order of the sites, as the controller computes it.
        List<Integer> home = RoutingTable.initial(Sites.ALL, before.unitCount()).unitsOwnedBy(site);
        await(site + " owns its home units again, every unit ACTIVE").atMost(SETTLE_WITHIN).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().until(() -> sites.routingTable(survivor),
                        t -> home.stream().allMatch(u -> t.owner(u).equals(site)) && Sites.settled(t));
        long failedBack = System.nanoTime();

        return new RecoveryRound(round, site, owned.size(), survivor, outage, Duration.ofNanos(restored - restoring),
                Duration.ofNanos(reconciled - restored), Duration.ofNanos(failedBack - asked));
    }

    /** Kills every container of the site, then times, from that moment, the first write through a survivor and DEAD in its table. */
    private static Outage killAndWatch(String site, String survivor, String user, List<String> containers) throws Exception {
        ExecutorService watcher = Executors.newSingleThreadExecutor();
        try {
            // SIGKILL to the whole site, found by its label, as the chaos tooling and the README do it.
            compose.docker(Duration.ofMinutes(1), Stream.concat(Stream.of("kill"), containers.stream()).toArray(String[]::new));
            // Counted from when docker kill returned: by then no container of the site runs.
            long killedAt = System.nanoTime();
            // Watched side by side: the table usually changes before the first login succeeds, and
            // watching one after the other would time the second from the end of the first.
            Future<Optional<Timed<Optional<RoutingTable>>>> dead = watcher.submit(() -> firstMoment(
                    site + " DEAD in the table of " + survivor, () -> tableThroughGateway(survivor),
                    table -> table.map(t -> t.siteState(site) == SiteState.DEAD).orElse(false)));
            // A login writes a session, which needs only the unit's new owner, not a reconciled ledger.
            Optional<Timed<Gateways.Answer>> login = firstMoment("a login of " + user + " through " + survivor,
                    () -> Gateways.login(survivor, user), answer -> answer.status() == 201);
            Optional<Timed<Optional<RoutingTable>>> deadSeen = dead.get(MEASURE_WITHIN.plusMinutes(1).toMillis(), TimeUnit.MILLISECONDS);
            return new Outage(login.map(l -> Duration.ofNanos(l.atNanos() - killedAt)).orElse(null),
                    login.map(l -> l.value().servedBy()).orElse(""),
                    deadSeen.map(d -> Duration.ofNanos(d.atNanos() - killedAt)).orElse(null));
        } finally {
            watcher.shutdownNow();
        }
    }

    private static BenchmarkSummary recoverySummary(int rounds, List<RecoveryRound> done) {
        BenchmarkSummary summary = new BenchmarkSummary("FailoverBenchmark.unplannedRecoveryTime")
                .add("rounds", done.size() + " of " + rounds + " (" + done.stream().map(RecoveryRound::site).collect(Collectors.joining(", ")) + ")");
        for (RecoveryRound round : done) {
            summary.add("round " + round.round() + " " + round.site(), "kill -> write accepted " + orNotWithin(round.outage().writeBack())
                    + ", kill -> DEAD " + orNotWithin(round.outage().dead()));
        }
        List<Duration> writeBack = done.stream().map(r -> r.outage().writeBack()).filter(d -> d != null).toList();
        List<Duration> dead = done.stream().map(r -> r.outage().dead()).filter(d -> d != null).toList();
        summary.add("kill -> write accepted (login 201 through a surviving gateway)", spread(writeBack, done.size()));
        summary.add("kill -> site DEAD in a surviving site's table", spread(dead, done.size()));
        summary.add("target RTO <= " + RTO_TARGET.toSeconds() + " s (kill -> write accepted)", verdict(writeBack, RTO_TARGET, done.size(), "rounds"));
        summary.add("restore (compose up --wait), not a target", spread(done.stream().map(RecoveryRound::restore).toList(), done.size()));
        summary.add("restored -> reconciled (every unit ACTIVE), not a target", spread(done.stream().map(RecoveryRound::reconcile).toList(), done.size()));
        summary.add("fail back requested -> home units ACTIVE, not a target", spread(done.stream().map(RecoveryRound::failBack).toList(), done.size()));
        return summary;
    }

    // ---- planned switchover ------------------------------------------------------------------

    private Switchover switchOver(String payer, String payee, int unit, String from, String to) throws Exception {
        sites.registerAtHomeAndAwaitEverywhere(payer, OPENING);
        Gateways.Answer login = Gateways.login(from, payer);
        assertThat(login.status()).as("login of %s: %s", payer, login).isEqualTo(201);
        String token = login.json().path("token").asString();
        // The new owner checks the writer's token against its own copy of the sessions table.
        for (String site : Sites.ALL) {
            await("session of " + payer + " at " + site).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(sites.accountsQuery(site, "SELECT count(*) FROM sessions WHERE user_id = '" + payer + "'"))
                            .isEqualTo("1"));
        }

        List<Ack> acks = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        String keys = "sb-" + Long.toString(System.nanoTime(), 36) + "-";
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            long writerDeadline = System.nanoTime() + WRITER_LIMIT.toNanos();
            Future<?> writer = pool.submit(() -> debitOneAtATime(token, payee, keys, acks, stop, writerDeadline));
            await("first debits of " + payer).atMost(Duration.ofSeconds(60)).until(() -> acks.size() >= DEBITS_AROUND_MOVE || writer.isDone());
            assertThat(writer).as("the writer runs").isNotDone();

            assertThat(sites.admin("/admin/units/" + unit + "/move?to=" + to + "&" + ADMIN_REASON)).contains("HTTP/1.1 202")
                    .contains("\"action\":\"MOVE\"");
            long requested = System.nanoTime();
            Optional<Timed<Optional<RoutingTable>>> active = firstMoment("unit " + unit + " ACTIVE at " + to,
                    () -> tableThroughGateway(to), table -> table.map(t -> t.owner(unit).equals(to) && t.unitState(unit) == UnitState.ACTIVE)
                            .orElse(false));
            assertThat(active).as("unit %d ACTIVE at %s within %s", unit, to, MEASURE_WITHIN).isPresent();
            int acksAtActive = acks.size();
            await("debits after the move").atMost(Duration.ofSeconds(60))
                    .until(() -> acks.size() >= acksAtActive + DEBITS_AROUND_MOVE || writer.isDone());
            stop.set(true);
            // Surfaces the writer's own failure (a debit refused for good).
            writer.get(WRITER_LIMIT.toSeconds(), TimeUnit.SECONDS);

            List<Ack> acknowledged = List.copyOf(acks);
            long longest = 0;
            long longestFrom = requested;
            List<Duration> gaps = new ArrayList<>();
            for (int i = 1; i < acknowledged.size(); i++) {
                long gap = acknowledged.get(i).atNanos() - acknowledged.get(i - 1).atNanos();
                gaps.add(Duration.ofNanos(gap));
                if (gap > longest) {
                    longest = gap;
                    longestFrom = acknowledged.get(i - 1).atNanos();
                }
            }
            // Through every gateway in turn, so the answering site shows who owned the unit at each debit.
            String servedBy = acknowledged.stream().map(Ack::servedBy).distinct().collect(Collectors.joining(" then "));
            return new Switchover(unit, from, to, Duration.ofNanos(active.get().atNanos() - requested), Duration.ofNanos(longest),
                    Duration.ofNanos(longestFrom - requested), acknowledged.size(), servedBy,
                    BenchmarkSummary.Spread.of(gaps).map(BenchmarkSummary.Spread::median).orElse(Duration.ZERO));
        } finally {
            stop.set(true);
            pool.shutdownNow();
            moveBack(unit, from);
        }
    }

    /**
     * One client, one debit at a time, through the gateways in turn; a refused or unanswered debit
     * is sent again under the same key until it is acknowledged, as a real client would.
     */
    private static void debitOneAtATime(String token, String payee, String keys, List<Ack> acks, AtomicBoolean stop, long deadline) {
        for (int sequence = 0; sequence < WRITER_MAX_DEBITS && !stop.get() && System.nanoTime() - deadline < 0; sequence++) {
            String gateway = Sites.ALL.get(sequence % Sites.ALL.size());
            Gateways.Answer answer;
            int attempt = 0;
            do {
                answer = Gateways.transfer(gateway, token, payee, 1, keys + sequence);
                attempt++;
            } while (answer.status() != 201 && answer.worthRetrying() && attempt < WRITER_MAX_ATTEMPTS && !stop.get()
                    && System.nanoTime() - deadline < 0 && Gateways.paceRetry(attempt));
            if (answer.status() == 201) {
                acks.add(new Ack(sequence, System.nanoTime(), answer.servedBy()));
            } else if (!stop.get()) {
                throw new AssertionError("debit " + sequence + " was not acknowledged: " + answer);
            }
        }
    }

    /** Back where it was, so that the next unit (or a later test) finds the layout it started from. */
    private static void moveBack(int unit, String owner) {
        RoutingTable table = await("unit " + unit + " ACTIVE").atMost(SETTLE_WITHIN).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> sites.routingTable(owner), t -> t.unitState(unit) == UnitState.ACTIVE);
        if (table.owner(unit).equals(owner)) {
            return;
        }
        assertThat(sites.admin("/admin/units/" + unit + "/move?to=" + owner + "&" + ADMIN_REASON)).contains("HTTP/1.1 202");
        await("unit " + unit + " back at " + owner).atMost(SETTLE_WITHIN).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> sites.routingTable(owner), t -> t.owner(unit).equals(owner) && t.unitState(unit) == UnitState.ACTIVE);
    }

    /** A fresh user of {@code site} whose unit no earlier round has moved. */
    private static String userOnUnusedUnit(RoutingTable table, String site, Set<Integer> used) {
        assertThat(table.unitsOwnedBy(site)).as("units of %s not moved yet", site).anyMatch(unit -> !used.contains(unit));
        // Bounded: with at least one unused unit of 21 a try hits it with probability 1/21 or more.
        for (int attempt = 0; attempt < 2_000; attempt++) {
            String userId = Sites.userHomedAt(table, site, "switchover-bench-");
            if (!used.contains(Units.DEFAULT.of(userId))) {
                return userId;
            }
        }
        throw new AssertionError("no user on an unused unit of " + site + " in 2,000 tries");
    }

    private static BenchmarkSummary switchoverSummary(int count, List<Switchover> done) {
        BenchmarkSummary summary = new BenchmarkSummary("FailoverBenchmark.plannedSwitchoverPause")
                .add("units", done.size() + " of " + count);
        for (Switchover switchover : done) {
            summary.add("unit " + switchover.unit() + " " + switchover.from() + " -> " + switchover.to(),
                    "pause " + BenchmarkSummary.millis(switchover.pause()) + ", request -> ACTIVE " + BenchmarkSummary.millis(switchover.requestToActive()));
        }
        List<Duration> pauses = done.stream().map(Switchover::pause).toList();
        summary.add("pause (longest gap between two acknowledged debits)", spread(pauses, done.size()));
        summary.add("request -> ACTIVE at the target", spread(done.stream().map(Switchover::requestToActive).toList(), done.size()));
        summary.add("typical gap between two debits (each unit's median gap)",
                spread(done.stream().map(Switchover::medianGap).toList(), done.size()));
        summary.add("target pause <= " + PAUSE_TARGET.toSeconds() + " s", verdict(pauses, PAUSE_TARGET, done.size(), "units"));
        return summary;
    }

    // ---- shared ------------------------------------------------------------------------------

    /** Polls from now on until the answer satisfies the condition; the answer and when it came, or empty after {@link #MEASURE_WITHIN}. */
    private static <T> Optional<Timed<T>> firstMoment(String what, Callable<T> probe, Predicate<T> condition) {
        try {
            return Optional.of(await(what).atMost(MEASURE_WITHIN).pollDelay(Duration.ZERO).pollInterval(POLL)
                    .until(() -> new Timed<>(probe.call(), System.nanoTime()), timed -> condition.test(timed.value())));
        } catch (ConditionTimeoutException e) {
            log.warn("not within {} s: {}", MEASURE_WITHIN.toSeconds(), what);
            return Optional.empty();
        }
    }

    /**
     * The table as the site's controller holds it, through the site's gateway: a plain HTTP call,
     * cheap enough to poll several times a second (a {@code docker exec} costs the engine ~0.1 s).
     */
    private static Optional<RoutingTable> tableThroughGateway(String site) {
        Gateways.Answer answer = Gateways.get(site, "/api/routing", null);
        if (answer.status() != 200) {
            return Optional.empty();
        }
        try {
            return Optional.of(RoutingTableJson.read(answer.body()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The first other site: its gateway and controller are the ones that survive. */
    private static String survivorOf(String site) {
        return Sites.ALL.stream().filter(s -> !s.equals(site)).findFirst().orElseThrow();
    }

    private static String spread(List<Duration> measured, int attempted) {
        String missing = measured.size() < attempted ? "; " + (attempted - measured.size()) + " not within " + MEASURE_WITHIN.toSeconds() + " s" : "";
        return BenchmarkSummary.Spread.of(measured).map(BenchmarkSummary.Spread::describe).orElse("none measured") + missing;
    }

    /** "met" only if every attempt was measured and within the target. */
    private static String verdict(List<Duration> measured, Duration target, int attempted, String what) {
        if (attempted == 0) {
            return "not measured";
        }
        long within = measured.stream().filter(d -> d.compareTo(target) <= 0).count();
        return (within == attempted ? "met" : "missed") + " (" + within + " of " + attempted + " " + what + " within it)";
    }

    private static String orNotWithin(Duration duration) {
        return duration == null ? "not within " + MEASURE_WITHIN.toSeconds() + " s" : BenchmarkSummary.millis(duration);
    }
}
