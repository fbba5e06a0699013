package io.multisite.load;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import io.multisite.load.VirtualClient.Answer;

/**
 * Draws the next operation: mostly transfers (the guarded tier the demo is about), then reads,
 * posts and logins. Every draw comes from one seeded {@link Random} on the scheduling thread, so a
 * seed replays the same sequence of operations, payers, payees and amounts.
 */
final class Mix {

    enum Kind { TRANSFER, ACCOUNT, FEED, POST, LOGIN }

    /** One operation to run; {@code amount} is the transfer's amount in minor units, else 0. */
    record Operation(Kind kind, long amount, Supplier<Answer> call) {

        Answer run() {
            return call.get();
        }
    }

    static final int MAX_AMOUNT = 100;

    // Weights in percent, in the order of Kind.
    private static final int[] WEIGHTS = {50, 20, 15, 10, 5};

    private final List<VirtualClient> clients;
    private final Random random;
    private final String runId;
    private long sequence;

    Mix(List<VirtualClient> clients, long seed, String runId) {
        if (clients.size() < 2) {
            throw new IllegalArgumentException("a mix needs at least two clients, has " + clients.size());
        }
        this.clients = List.copyOf(clients);
        this.random = new Random(seed);
        this.runId = runId;
    }

    /** Not thread-safe: call from the one scheduling thread. */
    Operation next() {
        long n = ++sequence;
        int index = random.nextInt(clients.size());
        VirtualClient client = clients.get(index);
        switch (kind(random.nextInt(100))) {
            case TRANSFER:
                // Uniform over everyone but the payer: skip over the payer's own index.
                int other = random.nextInt(clients.size() - 1);
                String toUserId = clients.get(other >= index ? other + 1 : other).userId();
                long amount = 1 + random.nextInt(MAX_AMOUNT);
                String key = "load-" + runId + "-t" + n;
                return new Operation(Kind.TRANSFER, amount, () -> client.transfer(toUserId, amount, key));
            case ACCOUNT:
                return new Operation(Kind.ACCOUNT, 0, client::account);
            case FEED:
                return new Operation(Kind.FEED, 0, client::feed);
            case POST:
                String text = "load " + runId + " post " + n + " by " + client.userId();
                return new Operation(Kind.POST, 0, () -> client.post(text));
            default:
                return new Operation(Kind.LOGIN, 0, client::login);
        }
    }

    private static Kind kind(int percent) {
        int bound = 0;
        for (Kind kind : Kind.values()) {
            bound += WEIGHTS[kind.ordinal()];
            if (percent < bound) {
                return kind;
            }
        }
        throw new IllegalStateException("weights do not add up to 100");
    }
}
