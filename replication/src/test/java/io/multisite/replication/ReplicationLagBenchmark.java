package io.multisite.replication;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.multisite.testsupport.Docker;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Replication lag between two sites at a fixed write rate: rows committed at site-a, one row per
 * transaction, on a fixed schedule (open loop: a slow apply does not slow the writers down); lag is
 * the sink's own {@code replication.lag} timer at site-b, origin commit to local apply commit.
 *
 * <p>The warm-up (45 s by default) is long because the JIT is not done sooner: in a fresh JVM on two
 * cores the C2 compiler thread alone used 40% of a core for the first minute, and a 15 s warm-up left
 * p99 at 0.4-1.5 s instead of under 0.15 s (docs/benchmarks.md).
 *
 * <p>Not part of {@code verify} (the class name does not end in Tests). Run it with:
 *
 * <pre>
 * ./mvnw -B -pl replication -am test -Dtest=ReplicationLagBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dbench.rate=1000 -Dbench.seconds=60 -Dmultisite.capture.poll-interval=10ms
 * </pre>
 *
 * The last property is the services' own setting ({@code CDC_POLL_INTERVAL}), read from the
 * system properties like any other; the output says which value was in effect.
 */
class ReplicationLagBenchmark {

    @Test
    void measureLag() throws Exception {
        int rate = Integer.getInteger("bench.rate", 1000);
        int seconds = Integer.getInteger("bench.seconds", 60);
        int warmupSeconds = Integer.getInteger("bench.warmup", 45);
        Docker.require();
        EmbeddedKafkaBroker broker = new EmbeddedKafkaKraftBroker(1, 1).brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        try (TestSite a = new TestSite("bench-a", broker.getBrokersAsString(), 1).start();
             TestSite b = new TestSite("bench-b", broker.getBrokersAsString(), 1).start()) {
            await().atMost(Duration.ofMinutes(2)).until(() -> a.ready() && b.ready());

            // Warm-up on another table (posts), so the measured timer (users) holds steady-state only;
            // drained first, so that no backlog of it is counted as the users' lag.
            long warmup = run(rate, warmupSeconds, i -> a.createPost("bench-author", "warm-up " + i));
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
                    .until(() -> b.count("replication.apply.applied", "bench-a", "posts") >= warmup);
            long started = System.nanoTime();
            long expected = run(rate, seconds, i -> a.registerUser("bench-" + i, Instant.now()));
            double achieved = expected / (Duration.ofNanos(System.nanoTime() - started).toMillis() / 1000.0);
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
                    .until(() -> b.count("replication.apply.applied", "bench-a", "users") >= expected);

            System.out.printf("replication bench-a -> bench-b: %d rows at %d rows/s asked, %.0f rows/s written, for %d s, CDC poll interval %s%n",
                    expected, rate, achieved, seconds, a.setting("multisite.capture.poll-interval"));
            System.out.println("  " + clockOffset(a));
            System.out.println("  commit at a -> read by Debezium: " + describe(a.meters().get("replication.capture.read").tags("table", "users").timer()));
            System.out.println("  commit at a -> acked by Kafka:    " + describe(a.meters().get("replication.capture.lag").tags("table", "users").timer()));
            System.out.println("  commit at a -> applied at b:      " + describe(b.meters().get("replication.lag").tags("origin", "bench-a", "table", "users").timer()));
        } finally {
            broker.destroy();
        }
    }

    /** Writes at a fixed rate for a while, four writers, and returns how many rows were written. */
    private static long run(int rate, int seconds, Write write) throws InterruptedException {
        ScheduledExecutorService writers = Executors.newScheduledThreadPool(4);
        AtomicLong next = new AtomicLong();
        long total = (long) rate * seconds;
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        for (int w = 0; w < 4; w++) {
            writers.scheduleAtFixedRate(() -> {
                long i = next.getAndIncrement();
                if (i < total) {
                    write.row(i);
                }
            }, w * periodNanos, periodNanos * 4, TimeUnit.NANOSECONDS);
        }
        await().atMost(Duration.ofSeconds(seconds * 3L)).pollInterval(Duration.ofMillis(100)).until(() -> next.get() >= total);
        writers.shutdownNow();
        writers.awaitTermination(10, TimeUnit.SECONDS);
        return total;
    }

    /**
     * Both lags subtract the database's commit timestamp from this JVM's clock, so a database
     * clock that differs (a container in a VM) shifts every number by that much: shown, not corrected.
     */
    private static String clockOffset(TestSite site) {
        long bestRoundTrip = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 20; i++) {
            long before = System.currentTimeMillis();
            long database = site.scalar(TestSite.ACCOUNTS, "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint");
            long after = System.currentTimeMillis();
            if (after - before < bestRoundTrip) {
                bestRoundTrip = after - before;
                offset = database - (before + after) / 2;
            }
        }
        return String.format("database clock at a minus this JVM's: %d ms (+/- %d ms)", offset, (bestRoundTrip + 1) / 2);
    }

    private static String describe(Timer timer) {
        StringBuilder text = new StringBuilder();
        for (ValueAtPercentile percentile : timer.takeSnapshot().percentileValues()) {
            text.append(String.format("p%s=%.1f ms ", trim(percentile.percentile() * 100), percentile.value(TimeUnit.MILLISECONDS)));
        }
        return text.append(String.format("max=%.1f ms (n=%d)", timer.max(TimeUnit.MILLISECONDS), timer.count())).toString();
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    private interface Write {
        void row(long i);
    }
}
