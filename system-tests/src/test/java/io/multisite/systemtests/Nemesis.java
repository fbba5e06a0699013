package io.multisite.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.SiteState;
import io.multisite.routing.Units;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The faults of the bank test, one at a time, through {@code deploy/chaos.sh} and compose: each
 * step injects a fault, waits for what the routing table should show (measured, bounded), keeps
 * the fault for its hold time while watching the table, undoes it and waits until every site is
 * UP and every unit ACTIVE again, and until the clients are acknowledged again. Whatever happens,
 * every fault still in place is undone before {@link #call()} returns.
 */
final class Nemesis implements Callable<List<Nemesis.Step>> {

    /** What one step did and saw; {@code took} is from the injection to the system being settled again. */
    record Step(int round, String name, Duration took, String observed) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "round %d, %-28s %6.1f s  %s", round, name, took.toMillis() / 1000.0, observed);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(Nemesis.class);
    private static final int LOSS_PERCENT = 30;
    private static final String LATENCY_PROFILE = "cross-city";
    private static final Duration DEAD_WITHIN = Duration.ofSeconds(60);
    private static final Duration UP_WITHIN = Duration.ofMinutes(2);
    // Generous: a returning site first replays everything it missed, on a loaded two-core machine.
    private static final Duration SETTLED_WITHIN = Duration.ofMinutes(5);
    private static final Duration PROGRESS_WITHIN = Duration.ofSeconds(60);
    private static final Duration OBSERVE_PACE = Duration.ofSeconds(2);

    private final Compose compose;
    private final Sites sites;
    private final Path chaosScript;
    private final BankHistory history;
    private final long clientsDeadlineNanos;
    private final int rounds;
    private final Duration hold;
    private final boolean failBack;
    private final List<Step> steps = new ArrayList<>();
    private final Set<String> partitioned = new LinkedHashSet<>();
    private final Set<String> degraded = new LinkedHashSet<>();
    private final Set<String> killed = new LinkedHashSet<>();

    Nemesis(Compose compose, Sites sites, Path root, BankHistory history, long clientsDeadlineNanos, int rounds, Duration hold,
            boolean failBack) {
        this.compose = compose;
        this.sites = sites;
        this.chaosScript = root.resolve("deploy/chaos.sh");
        this.history = history;
        this.clientsDeadlineNanos = clientsDeadlineNanos;
        this.rounds = rounds;
        this.hold = hold;
        this.failBack = failBack;
    }

    @Override
    public List<Step> call() {
        try {
            // The first fault should meet clients that are already being served.
            String warmUp = awaitProgress(20);
            log.info("nemesis: clients running ({})", warmUp);
            for (int round = 1; round <= rounds; round++) {
                if (round > 1 && clientsStopped()) {
                    log.info("nemesis: round {} of {} not started, the clients' window is over", round, rounds);
                    break;
                }
                int r = round;
                step(r, "partition site-b", () -> partition("site-b"));
                step(r, "wan site-a lossy " + LOSS_PERCENT + "%", () -> degrade("site-a", "lossy", String.valueOf(LOSS_PERCENT)));
                step(r, "wan site-c latency " + LATENCY_PROFILE, () -> degrade("site-c", "latency", LATENCY_PROFILE));
                step(r, "kill site-c", () -> killAndRestore("site-c"));
            }
            return List.copyOf(steps);
        } finally {
            undoAll();
        }
    }

    List<Step> steps() {
        return List.copyOf(steps);
    }

    private void step(int round, String name, Callable<String> action) {
        log.info("nemesis round {}: {}", round, name);
        long started = System.nanoTime();
        String observed;
        try {
            observed = action.call();
        } catch (Exception e) {
            throw new IllegalStateException(name + " failed", e);
        }
        Step step = new Step(round, name, Duration.ofNanos(System.nanoTime() - started), observed);
        steps.add(step);
        log.info("nemesis step done: {}", step);
    }

    // ---- the faults --------------------------------------------------------------------------

    private String partition(String site) {
        String observer = observerOf(site);
        long started = System.nanoTime();
        chaos("partition", site);
        partitioned.add(site);
        List<String> seen = new ArrayList<>();
        seen.add("DEAD after " + seconds(awaitTable(observer, DEAD_WITHIN, t -> t.siteState(site) == SiteState.DEAD, site + " DEAD"), started));
        seen.addAll(observeUntil(observer, started + hold.toNanos(), started));
        long healed = System.nanoTime();
        chaos("heal", site);
        partitioned.remove(site);
        seen.add("healed at " + seconds(healed, started));
        seen.addAll(settle(site, observer, healed));
        return String.join("; ", seen);
    }

    /** Lossy or latency on the site's WAN links; a latency profile without netem is refused (exit 3) and skipped. */
    private String degrade(String site, String mode, String value) {
        String observer = observerOf(site);
        long started = System.nanoTime();
        if (mode.equals("latency")) {
            Chaos result = chaosExitCode("wan", site, mode, value);
            if (result.exitCode() == 3) {
                return "refused (exit 3): this kernel has no netem, nothing changed";
            }
            assertThat(result.exitCode()).as("chaos.sh wan %s %s %s: %s", site, mode, value, result.output()).isZero();
        } else {
            chaos("wan", site, mode, value);
        }
        degraded.add(site);
        List<String> seen = new ArrayList<>(observeUntil(observer, started + hold.toNanos(), started));
        long restored = System.nanoTime();
        chaos("wan", site, "off");
        degraded.remove(site);
        seen.add("off at " + seconds(restored, started));
        seen.addAll(settle(site, observer, restored));
        return String.join("; ", seen);
    }

    private String killAndRestore(String site) {
        String observer = observerOf(site);
        long started = System.nanoTime();
        chaos("kill", site);
        killed.add(site);
        List<String> seen = new ArrayList<>();
        seen.add("DEAD after " + seconds(awaitTable(observer, DEAD_WITHIN, t -> t.siteState(site) == SiteState.DEAD, site + " DEAD"), started));
        seen.addAll(observeUntil(observer, started + hold.toNanos(), started));
        long restoring = System.nanoTime();
        restore(site);
        seen.add("restored (containers healthy) " + seconds(System.nanoTime(), restoring) + " after the restart began");
        seen.addAll(settle(site, observer, restoring));
        return String.join("; ", seen);
    }

    /** After a site's fault is undone: UP, every unit ACTIVE, optionally its units back, clients served again. */
    private List<String> settle(String site, String observer, long undone) {
        List<String> seen = new ArrayList<>();
        seen.add("UP after " + seconds(awaitTable(observer, UP_WITHIN, t -> t.siteState(site) == SiteState.UP, site + " UP"), undone));
        seen.add("all units ACTIVE after " + seconds(awaitTable(observer, SETTLED_WITHIN, Sites::settled,
                "every site UP, every unit ACTIVE"), undone));
        // Home = the first table's deal, in the configured order of the sites, as the controller computes it.
        List<Integer> home = RoutingTable.initial(Sites.ALL, Units.DEFAULT_COUNT).unitsOwnedBy(site);
        Predicate<RoutingTable> atHome = t -> home.stream().allMatch(u -> t.owner(u).equals(site));
        if (failBack && !atHome.test(sites.routingTable(observer))) {
            long asked = System.nanoTime();
            String accepted = sites.admin("/admin/sites/" + site + "/failback?reason=bank-test");
            assertThat(accepted).contains("HTTP/1.1 202");
            seen.add("failed back (" + home.size() + " units ACTIVE at home) after " + seconds(awaitTable(observer, SETTLED_WITHIN,
                    t -> atHome.test(t) && Sites.settled(t), site + " owns its home units again"), asked));
        }
        seen.add(awaitProgress(10));
        return seen;
    }

    private void restore(String site) {
        sites.restore(site);
        killed.remove(site);
    }

    /** Every fault still in place, undone; failures are logged so that the others are still undone. */
    private void undoAll() {
        for (String site : List.copyOf(partitioned)) {
            undo("heal " + site, () -> chaos("heal", site));
        }
        for (String site : List.copyOf(degraded)) {
            undo("wan " + site + " off", () -> chaos("wan", site, "off"));
        }
        for (String site : List.copyOf(killed)) {
            undo("restore " + site, () -> restore(site));
        }
    }

    private static void undo(String what, Runnable action) {
        log.warn("nemesis: undoing a fault left in place: {}", what);
        try {
            action.run();
        } catch (RuntimeException | AssertionError e) {
            log.error("nemesis: could not undo ({}); the deployment may need a hand", what, e);
        }
    }

    // ---- measuring ---------------------------------------------------------------------------

    /** Polls the routing table as one controller sees it until the condition holds; returns when it did (nanoTime). */
    private long awaitTable(String observer, Duration atMost, Predicate<RoutingTable> condition, String what) {
        await(what + " (as failover-controller of " + observer + " sees it)").atMost(atMost).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> sites.routingTable(observer), condition);
        return System.nanoTime();
    }

    /** The changes of site states one controller shows until {@code untilNanos}: the fault's hold time, watched. */
    private List<String> observeUntil(String observer, long untilNanos, long started) {
        List<String> changes = new ArrayList<>();
        Map<String, SiteState> last = null;
        while (System.nanoTime() - untilNanos < 0) {
            try {
                RoutingTable table = sites.routingTable(observer);
                if (last != null && !table.sites().equals(last)) {
                    changes.add("at " + seconds(System.nanoTime(), started) + " " + table.sites() + " (epoch " + table.epoch() + ")");
                }
                last = table.sites();
            } catch (RuntimeException | AssertionError e) {
                changes.add("at " + seconds(System.nanoTime(), started) + " table unreadable");
            }
            long left = TimeUnit.NANOSECONDS.toMillis(untilNanos - System.nanoTime());
            // Paces the watch over the fault's hold time; the hold itself is the fault's length.
            sleep(Math.max(0, Math.min(left, OBSERVE_PACE.toMillis())));
        }
        return changes;
    }

    /** Waits (bounded) until the clients have had {@code count} more transfers acknowledged; says how long it took. */
    private String awaitProgress(long count) {
        if (clientsStopped()) {
            return "clients already stopped";
        }
        long from = history.acknowledgedCount();
        long started = System.nanoTime();
        try {
            await("clients acknowledged again").atMost(PROGRESS_WITHIN).pollInterval(Duration.ofMillis(200))
                    .until(() -> history.acknowledgedCount() >= from + count || clientsStopped());
        } catch (ConditionTimeoutException e) {
            log.warn("nemesis: fewer than {} transfers acknowledged within {} s", count, PROGRESS_WITHIN.toSeconds());
            return "fewer than " + count + " acknowledgements within " + PROGRESS_WITHIN.toSeconds() + " s";
        }
        return clientsStopped() ? "clients stopped meanwhile" : count + " more acknowledged after " + seconds(System.nanoTime(), started);
    }

    private boolean clientsStopped() {
        return System.nanoTime() - clientsDeadlineNanos >= 0;
    }

    /** A controller of another site: the faulty site's own is cut off, dead or behind. */
    private static String observerOf(String site) {
        return Sites.ALL.stream().filter(s -> !s.equals(site)).findFirst().orElseThrow();
    }

    private static String seconds(long nanos, long since) {
        return String.format(Locale.ROOT, "%.1f s", (nanos - since) / 1e9);
    }

    /** Paces the observation loop of a held fault (bounded by the hold), not a wait for readiness. */
    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    // ---- chaos.sh ----------------------------------------------------------------------------

    /** chaos.sh, which must succeed; its report goes to the log. */
    private void chaos(String... args) {
        long started = System.nanoTime();
        String output = compose.chaos(args);
        log.info("chaos.sh {} ({}):\n{}", String.join(" ", args), seconds(System.nanoTime(), started), output.strip());
    }

    record Chaos(int exitCode, String output) {
    }

    /** chaos.sh where an exit code other than 0 is an answer (3: no netem), not a failure. */
    private Chaos chaosExitCode(String... args) {
        List<String> command = new ArrayList<>();
        command.add(chaosScript.toString());
        command.addAll(List.of(args));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(chaosScript.getParent().getParent().toFile())
                    .redirectErrorStream(true);
            builder.environment().put("COMPOSE_PROJECT_NAME", Compose.PROJECT);
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                    process.getInputStream().transferTo(buffer);
                    return buffer.toString(StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("chaos.sh " + String.join(" ", args) + " did not finish within 5 minutes");
            }
            Chaos result = new Chaos(process.exitValue(), output.join().strip());
            log.info("chaos.sh {} -> exit {}:\n{}", String.join(" ", args), result.exitCode(), result.output());
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
