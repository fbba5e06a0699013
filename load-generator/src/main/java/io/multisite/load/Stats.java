package io.multisite.load;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import io.multisite.load.Mix.Kind;
import io.multisite.load.VirtualClient.Answer;

/**
 * Outcomes of the mix: a window that is printed and emptied once per second, and totals for the
 * summary. A refused debit is counted by the {@code error} code of its body, not by its status,
 * because one status (503) covers many different reasons.
 */
final class Stats implements VirtualClient.SwitchListener {

    /** The totals of a run, for the summary and the exit code. */
    record Totals(long ops, long ok, long unanswered, long transfersAcknowledged, long acknowledgedSum,
                  Map<String, Long> refusedDebits, Map<String, Long> errors, Map<String, Long> switched) {
    }

    private static final class Counts {
        long ops;
        long ok;
        long unanswered;
        long acknowledged;
        long acknowledgedSum;
        final Map<String, Long> refused = new HashMap<>();
        final Map<String, Long> errors = new HashMap<>();
        final Map<String, Long> switched = new HashMap<>();

        void add(Kind kind, Answer answer, long amount) {
            ops++;
            if (answer.ok()) {
                ok++;
                if (kind == Kind.TRANSFER) {
                    acknowledged++;
                    acknowledgedSum += amount;
                }
            } else if (answer.status() == 0) {
                unanswered++;
            } else if (kind == Kind.TRANSFER) {
                refused.merge(answer.error(), 1L, Long::sum);
            } else {
                errors.merge(answer.error(), 1L, Long::sum);
            }
        }
    }

    private Counts window = new Counts();
    private List<Long> latencies = new ArrayList<>();
    private final Counts totals = new Counts();

    synchronized void record(Kind kind, Answer answer, long latencyNanos, long amount) {
        window.add(kind, answer, amount);
        totals.add(kind, answer, amount);
        latencies.add(latencyNanos);
    }

    @Override
    public synchronized void switchedAway(URI gateway) {
        window.switched.merge(gateway.getAuthority(), 1L, Long::sum);
        totals.switched.merge(gateway.getAuthority(), 1L, Long::sum);
    }

    synchronized boolean windowEmpty() {
        return window.ops == 0 && window.switched.isEmpty();
    }

    /** The line for the window that just ended, which is then emptied. */
    String roll(long elapsedSeconds) {
        Counts ended;
        List<Long> measured;
        synchronized (this) {
            ended = window;
            measured = latencies;
            window = new Counts();
            latencies = new ArrayList<>();
        }
        long[] sorted = measured.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format(Locale.ROOT, "t=%ds ops=%d ok=%s p50=%s p99=%s refused[%s] errors[%s] unanswered=%d switched[%s]",
                elapsedSeconds, ended.ops, percent(ended.ok, ended.ops), millis(sorted, 0.50), millis(sorted, 0.99),
                counts(ended.refused), counts(ended.errors), ended.unanswered, counts(ended.switched));
    }

    synchronized Totals totals() {
        return new Totals(totals.ops, totals.ok, totals.unanswered, totals.acknowledged, totals.acknowledgedSum,
                Map.copyOf(totals.refused), Map.copyOf(totals.errors), Map.copyOf(totals.switched));
    }

    List<String> summary(long unfinished) {
        Totals t = totals();
        return List.of(
                String.format(Locale.ROOT, "summary: ops=%d ok=%d (%s) unanswered=%d unfinished=%d",
                        t.ops(), t.ok(), percent(t.ok(), t.ops()), t.unanswered(), unfinished),
                String.format(Locale.ROOT, "summary: transfers acknowledged=%d sum=%d", t.transfersAcknowledged(), t.acknowledgedSum()),
                "summary: refused debits [" + counts(t.refusedDebits()) + "]",
                "summary: other errors [" + counts(t.errors()) + "]",
                "summary: switched away from [" + counts(t.switched()) + "]");
    }

    /** Nearest-rank percentile of sorted nanosecond latencies, in whole milliseconds. */
    static String millis(long[] sorted, double percentile) {
        if (sorted.length == 0) {
            return "-";
        }
        int rank = (int) Math.ceil(percentile * sorted.length);
        long nanos = sorted[Math.max(rank, 1) - 1];
        return Math.round(nanos / 1_000_000.0) + "ms";
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
    }

    /** Largest count first, so the main reason leads the list. */
    private static String counts(Map<String, Long> counts) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
    }
}
