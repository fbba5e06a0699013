package io.multisite.systemtests;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.ToLongFunction;

/**
 * "No balance ever went negative", checked against the whole history of an account rather than
 * against what any one site saw.
 *
 * <p>The schema has no order in which the entries were committed: {@code created_at} is
 * {@code now()}, the start of the writing transaction (taken before the row lock, so two debits
 * of one payer can commit in the opposite order), the ids are random, and commit timestamps are
 * not tracked. What is known is an interval for each entry's commit: not before its
 * {@code created_at}, and, for a debit, not after the moment the client received its 201 (the
 * service answers after the commit). So each account is replayed with every credit counted from
 * the start of its transaction and every debit only from the latest moment it can have committed.
 * At every instant that replay holds at least what the account really held, so a negative running
 * balance in it is an overdraft that really happened, never an artefact of the order. It can miss
 * an overdraft that a credit started within the same window made good again; a debit written on a
 * view that lacked an earlier debit (two writers for one payer, the failure this guards against)
 * is seconds apart from that debit and is caught.
 */
final class LedgerReplay {

    /** One ledger row; {@code transferId} is null for an opening credit. */
    record Entry(String account, long amount, String kind, UUID transferId, long createdAtMicros) {

        boolean isDebit() {
            return amount < 0;
        }
    }

    /** The lowest running balance of an account, where it was reached, and the final balance. */
    record Low(String account, long lowest, long atMicros, UUID byTransfer, long finalBalance, int entries) {
    }

    private LedgerReplay() {
    }

    /**
     * @param latestCommitMicros for a debit, the latest moment (same clock as {@code created_at})
     *                           at which its transaction can have committed
     */
    static Map<String, Low> lowestBalances(List<Entry> entries, ToLongFunction<Entry> latestCommitMicros) {
        Map<String, List<Entry>> byAccount = new TreeMap<>();
        for (Entry entry : entries) {
            byAccount.computeIfAbsent(entry.account(), a -> new ArrayList<>()).add(entry);
        }
        Map<String, Low> lows = new HashMap<>();
        byAccount.forEach((account, own) -> {
            record Event(long at, Entry entry) {
            }
            List<Event> events = new ArrayList<>();
            for (Entry entry : own) {
                events.add(new Event(entry.isDebit() ? Math.max(entry.createdAtMicros(), latestCommitMicros.applyAsLong(entry))
                        : entry.createdAtMicros(), entry));
            }
            // Ties go to the credit: the order most favourable to the account.
            events.sort(Comparator.comparingLong(Event::at).thenComparing(e -> e.entry().isDebit()));
            long balance = 0;
            long lowest = 0;
            long lowestAt = Long.MIN_VALUE;
            UUID lowestBy = null;
            for (Event event : events) {
                balance += event.entry().amount();
                if (balance < lowest) {
                    lowest = balance;
                    lowestAt = event.at();
                    lowestBy = event.entry().transferId();
                }
            }
            lows.put(account, new Low(account, lowest, lowestAt, lowestBy, balance, own.size()));
        });
        return lows;
    }
}
