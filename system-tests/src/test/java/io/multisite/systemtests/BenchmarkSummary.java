package io.multisite.systemtests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.slf4j.Logger;

/**
 * The closing block of a benchmark: a line {@code BENCHMARK <name>}, then one line per number, ready
 * to be copied into docs/benchmarks.md. Logged as one message, so that nothing another thread logs
 * at the same moment lands in the middle of it.
 */
final class BenchmarkSummary {

    private final String name;
    private final List<String> lines = new ArrayList<>();

    BenchmarkSummary(String name) {
        this.name = name;
    }

    BenchmarkSummary add(String label, String value) {
        lines.add(label + ": " + value);
        return this;
    }

    String text() {
        StringBuilder text = new StringBuilder("BENCHMARK ").append(name);
        lines.forEach(line -> text.append('\n').append("  ").append(line));
        return text.toString();
    }

    void log(Logger log) {
        log.info("{}", text());
    }

    static String millis(Duration duration) {
        return String.format(Locale.ROOT, "%,d ms", duration.toMillis());
    }

    /** Nearest rank: the smallest value with at least {@code percent} % of the values at or below it. */
    static Duration percentile(List<Duration> sorted, double percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size(), rank) - 1));
    }

    /** Median, smallest and largest of some measured times. */
    record Spread(int count, Duration median, Duration min, Duration max) {

        static Optional<Spread> of(Collection<Duration> values) {
            if (values.isEmpty()) {
                return Optional.empty();
            }
            List<Duration> sorted = values.stream().sorted().toList();
            int n = sorted.size();
            Duration median = n % 2 == 1 ? sorted.get(n / 2) : sorted.get(n / 2 - 1).plus(sorted.get(n / 2)).dividedBy(2);
            return Optional.of(new Spread(n, median, sorted.get(0), sorted.get(n - 1)));
        }

        String describe() {
            return "median " + millis(median) + ", min " + millis(min) + ", max " + millis(max) + " (n=" + count + ")";
        }
    }
}
