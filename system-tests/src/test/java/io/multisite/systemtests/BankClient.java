package io.multisite.systemtests;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

import tools.jackson.databind.JsonNode;

/**
 * One client of the bank: until its deadline, random transfers between the test's accounts
 * through random gateways, each under a fresh idempotency key, retried with the same key while
 * the outcome is unclear. It logs in when it holds no session for the payer, and again after a
 * 401 (a session written just before its site died may not have reached the new owner).
 */
final class BankClient implements Callable<Void> {

    static final long MAX_AMOUNT = 300;
    /** Attempts per key in the run: enough to ride out a gateway that lost its site for a moment. */
    static final int ATTEMPTS = 4;

    private static final Duration RETRY_PACE = Duration.ofSeconds(1);
    private static final Duration REFUSED_PACE = Duration.ofMillis(250);

    private final int id;
    private final List<String> accounts;
    private final List<String> gateways;
    private final Map<String, String> tokens;
    private final BankHistory history;
    private final long deadlineNanos;
    private long sequence;

    BankClient(int id, List<String> accounts, List<String> gateways, Map<String, String> tokens, BankHistory history,
               long deadlineNanos) {
        this.id = id;
        this.accounts = accounts;
        this.gateways = gateways;
        this.tokens = tokens;
        this.history = history;
        this.deadlineNanos = deadlineNanos;
    }

    @Override
    public Void call() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (System.nanoTime() - deadlineNanos < 0 && !Thread.currentThread().isInterrupted()) {
            String payer = accounts.get(random.nextInt(accounts.size()));
            String payee = payer;
            while (payee.equals(payer)) {
                payee = accounts.get(random.nextInt(accounts.size()));
            }
            long amount = 1 + random.nextLong(MAX_AMOUNT);
            String key = "c" + id + "-" + (++sequence);
            BankHistory.Transfer transfer = transfer(key, payer, payee, amount, ATTEMPTS);
            history.record(transfer);
            if (transfer.fate() != BankHistory.Fate.ACKNOWLEDGED) {
                // Paces a client whose payer is refused for now (a dead site's units wait for
                // reconciliation): without it, it would spin on instant 503s.
                pause(REFUSED_PACE);
            }
        }
        return null;
    }

    /**
     * Up to {@code attempts} tries of one transfer under one key. A definite answer to the first
     * try ends it; after an unclear one only a 201 tells the truth (a refusal of a retry says
     * nothing about the earlier try, which may still be on its way), so it keeps trying.
     */
    BankHistory.Transfer transfer(String key, String payer, String payee, long amount, int attempts) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        boolean unclear = false;
        int sent = 0;
        String last = "not sent: no session";
        for (int attempt = 1; attempt <= attempts && !Thread.currentThread().isInterrupted(); attempt++) {
            String gateway = gateways.get(random.nextInt(gateways.size()));
            String token = token(payer, gateway);
            if (token != null) {
                Gateways.Answer answer = Gateways.transfer(gateway, token, payee, amount, key);
                Instant answered = Instant.now();
                sent++;
                history.count("transfer", answer);
                last = BankHistory.label(answer) + " via " + gateway;
                switch (BankHistory.verdict(answer)) {
                    case WRITTEN -> {
                        JsonNode body = answer.json();
                        return new BankHistory.Transfer(key, payer, payee, amount, BankHistory.Fate.ACKNOWLEDGED, sent, last,
                                UUID.fromString(body.path("transferId").asString()), body.path("balanceAfter").asLong(),
                                BankHistory.micros(answered));
                    }
                    case UNAUTHENTICATED -> tokens.remove(payer, token);
                    case NOT_WRITTEN -> {
                        if (!unclear) {
                            return new BankHistory.Transfer(key, payer, payee, amount, BankHistory.Fate.REFUSED, sent, last, null, 0, 0);
                        }
                    }
                    case UNCLEAR -> unclear = true;
                }
            }
            if (attempt < attempts) {
                // Paces the retries of one key, as a client honouring Retry-After (1-5 s) would.
                pause(RETRY_PACE);
            }
        }
        return new BankHistory.Transfer(key, payer, payee, amount, unclear ? BankHistory.Fate.UNKNOWN : BankHistory.Fate.REFUSED,
                sent, last, null, 0, 0);
    }

    /**
     * One more try of a key whose outcome stayed unknown, made once the faults are over, every
     * unit is ACTIVE and no earlier try can still be on its way (the gateways give up on a site
     * after 5 s). A 201 says it is written. So does nothing else but 409 insufficient_funds: that
     * answer comes after the owner looked the key up under the payer's lock and found nothing, so
     * the earlier tries wrote nothing. Anything else (a refusal before the lookup, no answer) is
     * tried again until {@code within} has passed; then the key stays UNKNOWN.
     */
    BankHistory.Transfer resolve(BankHistory.Transfer unknown, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        int attempts = unknown.attempts();
        String last = unknown.lastAnswer();
        while (System.nanoTime() - deadline < 0 && !Thread.currentThread().isInterrupted()) {
            BankHistory.Transfer retried = transfer(unknown.key(), unknown.payer(), unknown.payee(), unknown.amount(), 1);
            attempts += retried.attempts();
            last = retried.lastAnswer();
            if (retried.fate() == BankHistory.Fate.ACKNOWLEDGED) {
                return new BankHistory.Transfer(retried.key(), retried.payer(), retried.payee(), retried.amount(), retried.fate(),
                        attempts, last, retried.transferId(), retried.balanceAfter(), retried.acknowledgedAtMicros());
            }
            if (last.startsWith("409 insufficient_funds")) {
                return new BankHistory.Transfer(unknown.key(), unknown.payer(), unknown.payee(), unknown.amount(),
                        BankHistory.Fate.REFUSED, attempts, last, null, 0, 0);
            }
            // Paces the retries of one key, as in the run.
            pause(RETRY_PACE);
        }
        return new BankHistory.Transfer(unknown.key(), unknown.payer(), unknown.payee(), unknown.amount(), BankHistory.Fate.UNKNOWN,
                attempts, last, null, 0, 0);
    }

    /** The cached session of the user, or a new one from this gateway; null if the login was refused. */
    private String token(String user, String gateway) {
        String cached = tokens.get(user);
        if (cached != null) {
            return cached;
        }
        Gateways.Answer login = Gateways.login(gateway, user);
        history.count("login", login);
        if (login.status() != 201) {
            return null;
        }
        String token = login.json().path("token").asString();
        tokens.put(user, token);
        return token;
    }

    /** Paces a client after a refusal or before a bounded retry under the same key; nothing waits on it for readiness. */
    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
