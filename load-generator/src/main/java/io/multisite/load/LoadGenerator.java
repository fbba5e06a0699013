package io.multisite.load;

import java.io.PrintStream;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.multisite.load.Mix.Operation;
import io.multisite.load.VirtualClient.Answer;

/**
 * Registers and logs in the run's users, then sends the mix open-loop at {@code RATE} until
 * {@code DURATION} is over, printing one line per second and a summary. Exit status: 0 if any
 * operation of the mix succeeded, 1 if none did, 2 for a bad configuration.
 */
public final class LoadGenerator {

    // Enough for RATE x request timeout x gateways in flight at the demo's rates; beyond that,
    // operations queue and their latency (measured from when they were due) shows it.
    private static final int WORKERS = 200;
    private static final int SETUP_WORKERS = 8;
    private static final long SETUP_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final LoadConfig config;
    private final PrintStream out;
    private final Stats stats = new Stats();
    private final List<VirtualClient> clients = new ArrayList<>();

    LoadGenerator(LoadConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                .build();
        String password = "load-" + config.runId() + "-password";
        for (int n = 1; n <= config.users(); n++) {
            // Spread the clients over the gateways; each then sticks to its own.
            clients.add(new VirtualClient(config.userId(n), password, http, config.gateways(), n - 1,
                    config.requestTimeout(), stats));
        }
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv(), System.out, System.err));
    }

    static int run(Map<String, String> env, PrintStream out, PrintStream err) {
        LoadConfig config;
        try {
            config = LoadConfig.fromEnv(env);
        } catch (IllegalArgumentException e) {
            err.println("load-generator: bad configuration: " + e.getMessage());
            return 2;
        }
        Stats.Totals totals = new LoadGenerator(config, out).run();
        if (totals.ok() == 0) {
            err.println("load-generator: no operation succeeded");
            return 1;
        }
        return 0;
    }

    List<VirtualClient> clients() {
        return List.copyOf(clients);
    }

    Stats.Totals run() {
        long start = System.nanoTime();
        long deadline = start + config.duration().toNanos();
        out.printf(Locale.ROOT, "load-generator: run=%s seed=%d users=%d rate=%s/s duration=%s gateways=%s%n",
                config.runId(), config.seed(), config.users(), config.rate(), config.duration(), config.gateways());
        long unfinished = 0;
        if (setUp(deadline)) {
            unfinished = drive(deadline);
        } else {
            out.println("setup: DURATION ran out before every user had registered and logged in");
        }
        stats.summary(unfinished).forEach(out::println);
        out.printf(Locale.ROOT, "summary: ran %.1f s%n", (System.nanoTime() - start) / 1e9);
        return stats.totals();
    }

    /** Registers and logs in every user, in rounds a second apart, until all are in or time is up. */
    boolean setUp(long deadline) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(SETUP_WORKERS, clients.size()), daemon("load-setup"));
        List<VirtualClient> pending = new ArrayList<>(clients);
        try {
            while (true) {
                List<Callable<Answer>> tasks = new ArrayList<>();
                pending.forEach(client -> tasks.add(() -> registerAndLogIn(client)));
                List<Future<Answer>> results = pool.invokeAll(tasks, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                String lastRefusal = null;
                List<VirtualClient> stillPending = new ArrayList<>();
                for (int i = 0; i < results.size(); i++) {
                    Answer answer = outcome(results.get(i));
                    if (answer == null || !answer.ok()) {
                        stillPending.add(pending.get(i));
                        lastRefusal = answer == null ? "out of time" : answer.error();
                    }
                }
                pending = stillPending;
                out.printf(Locale.ROOT, "setup: %d/%d users registered and logged in%s%n", clients.size() - pending.size(),
                        clients.size(), pending.isEmpty() ? "" : " (last refusal: " + lastRefusal + ")");
                if (pending.isEmpty()) {
                    return true;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                // Paces the setup retry loop: refusals here are 503s with Retry-After (1 s) or
                // gateways that are still starting.
                TimeUnit.NANOSECONDS.sleep(Math.min(SETUP_RETRY_NANOS, remaining));
                if (deadline - System.nanoTime() <= 0) {
                    return false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            pool.shutdownNow();
        }
    }

    private Answer registerAndLogIn(VirtualClient client) {
        Answer registration = client.register(config.openingBalance());
        // user_exists: an earlier round's registration arrived although its answer did not.
        if (!registration.ok() && !"user_exists".equals(registration.error())) {
            return registration;
        }
        return client.login();
    }

    private static Answer outcome(Future<Answer> future) {
        try {
            return future.get();
        } catch (CancellationException | ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Sends the mix open-loop: operation i is due at {@code i / RATE} seconds and is sent then,
     * however many earlier ones are still waiting, so a slow site cannot slow the offered load down.
     * Latency is measured from the due time. Returns how many operations were still unanswered when
     * the grace period after the deadline ended.
     */
    long drive(long deadline) {
        Mix mix = new Mix(clients, config.seed(), config.runId());
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS, daemon("load-worker"));
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(daemon("load-report"));
        AtomicLong inFlight = new AtomicLong();
        long mixStart = System.nanoTime();
        AtomicLong seconds = new AtomicLong();
        reporter.scheduleAtFixedRate(() -> out.println(stats.roll(seconds.incrementAndGet())), 1, 1, TimeUnit.SECONDS);
        double intervalNanos = 1e9 / config.rate();
        long unfinished = 0;
        try {
            for (long i = 0; ; i++) {
                long due = mixStart + (long) (i * intervalNanos);
                if (due - deadline >= 0) {
                    break;
                }
                // Paces the open loop: waits for this operation's due time, not for any answer.
                parkUntil(due);
                Operation operation = mix.next();
                inFlight.incrementAndGet();
                workers.execute(() -> {
                    try {
                        Answer answer = operation.run();
                        if (!Thread.currentThread().isInterrupted()) {
                            stats.record(operation.kind(), answer, System.nanoTime() - due, operation.amount());
                        }
                    } finally {
                        inFlight.decrementAndGet();
                    }
                });
            }
            // The last operation is due up to one interval before DURATION ends; the run still lasts DURATION.
            parkUntil(deadline);
            // Answers already on their way still count; past one request timeout, give up on them.
            workers.shutdown();
            workers.awaitTermination(config.requestTimeout().plus(config.connectTimeout()).toNanos(), TimeUnit.NANOSECONDS);
            unfinished = inFlight.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            workers.shutdownNow();
            reporter.shutdownNow();
        }
        try {
            // A line being printed right now comes before the last one.
            reporter.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!stats.windowEmpty()) {
            // The last, partial second: labelled with the second it ends in, after every full one.
            out.println(stats.roll((long) Math.ceil((System.nanoTime() - mixStart) / 1e9)));
        }
        return unfinished;
    }

    private static void parkUntil(long nanoTime) {
        for (long wait = nanoTime - System.nanoTime(); wait > 0; wait = nanoTime - System.nanoTime()) {
            LockSupport.parkNanos(wait);
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
