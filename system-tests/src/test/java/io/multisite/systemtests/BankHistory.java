package io.multisite.systemtests;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the bank clients asked for and what they were told: every answer counted by operation,
 * status and error code, and for every idempotency key what became of its transfer.
 */
final class BankHistory {

    /** Guard refusals and a debit that gave up on a lock: answered after the write was rolled back or never begun. */
    static final Set<String> REFUSALS = Set.of("no_routing_table", "site_dead", "unit_fenced", "unit_recovering",
            "lease_expired", "lease_too_short", "busy");

    private static final String NOT_CONNECTED = "not_connected";

    /** What one answer says about whether the request wrote anything. */
    enum Verdict {
        /** 201: written, once. */
        WRITTEN,
        /** The session is not known where the request went; nothing written. */
        UNAUTHENTICATED,
        /** A 4xx, a 503 refusal of the guard or of the gateway before any site was asked, or no connection at all: nothing written. */
        NOT_WRITTEN,
        /** No answer after the request went out, or one that cannot say (500, 502, 504, 503 site_unreachable): it may have been written. */
        UNCLEAR
    }

    /** What became of one key, as far as the client knows. */
    enum Fate {
        /** Some attempt was answered 201. */
        ACKNOWLEDGED,
        /** Every attempt was answered, and said nothing was written (or no attempt was sent). */
        REFUSED,
        /** An attempt went unanswered and no later one told the truth: present once or absent. */
        UNKNOWN
    }

    /**
     * One transfer under one idempotency key. {@code transferId}, {@code balanceAfter} and
     * {@code acknowledgedAtMicros} (host clock, when the first 201 arrived) are set for
     * ACKNOWLEDGED only.
     */
    record Transfer(String key, String payer, String payee, long amount, Fate fate, int attempts, String lastAnswer,
                    UUID transferId, long balanceAfter, long acknowledgedAtMicros) {
    }

    private final Map<String, LongAdder> answers = new ConcurrentHashMap<>();
    private final Map<String, Transfer> transfers = new ConcurrentHashMap<>();
    private final AtomicLong acknowledged = new AtomicLong();

    static Verdict verdict(Gateways.Answer answer) {
        int status = answer.status();
        if (status == 201) {
            return Verdict.WRITTEN;
        }
        if (status == 401) {
            return Verdict.UNAUTHENTICATED;
        }
        if (status >= 400 && status < 500) {
            return Verdict.NOT_WRITTEN;
        }
        if (status == 503 && REFUSALS.contains(code(answer))) {
            return Verdict.NOT_WRITTEN;
        }
        // The connection to the gateway was never made, so the request was never sent (the HTTP
        // client does not resend a POST on another connection).
        if (code(answer).equals(NOT_CONNECTED)) {
            return Verdict.NOT_WRITTEN;
        }
        return Verdict.UNCLEAR;
    }

    /**
     * The error code of an answer; without an answer, {@code not_connected} or {@code no_answer}
     * (timed out, or the connection broke after the request went out); "-" for a body without one.
     */
    static String code(Gateways.Answer answer) {
        if (answer.status() < 0) {
            boolean notConnected = answer.body().startsWith("java.net.ConnectException")
                    || answer.body().startsWith("java.net.http.HttpConnectTimeoutException");
            return notConnected ? NOT_CONNECTED : "no_answer";
        }
        try {
            String code = answer.json().path("error").asString("");
            return code.isEmpty() ? "-" : code;
        } catch (RuntimeException notJson) {
            return "not_json";
        }
    }

    static String label(Gateways.Answer answer) {
        return answer.status() < 0 ? code(answer) : answer.status() + " " + code(answer);
    }

    static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
    }

    void count(String operation, Gateways.Answer answer) {
        answers.computeIfAbsent(operation + " " + label(answer), k -> new LongAdder()).increment();
    }

    /** Records (or, after a later retry of the same key, replaces) what became of a key. */
    void record(Transfer transfer) {
        Transfer previous = transfers.put(transfer.key(), transfer);
        boolean newlyAcknowledged = transfer.fate() == Fate.ACKNOWLEDGED && (previous == null || previous.fate() != Fate.ACKNOWLEDGED);
        if (newlyAcknowledged) {
            acknowledged.incrementAndGet();
        }
    }

    long acknowledgedCount() {
        return acknowledged.get();
    }

    Collection<Transfer> transfers() {
        return transfers.values();
    }

    List<Transfer> withFate(Fate fate) {
        List<Transfer> matching = new ArrayList<>();
        for (Transfer transfer : transfers.values()) {
            if (transfer.fate() == fate) {
                matching.add(transfer);
            }
        }
        return matching;
    }

    Transfer byKey(String key) {
        return transfers.get(key);
    }

    /** Answer counts, sorted by label, for the log. */
    Map<String, Long> answerCounts() {
        Map<String, Long> sorted = new TreeMap<>();
        answers.forEach((label, count) -> sorted.put(label, count.sum()));
        return sorted;
    }
}
