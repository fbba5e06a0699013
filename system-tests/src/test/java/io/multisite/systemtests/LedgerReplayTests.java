package io.multisite.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** The history check of {@link BankIntegrationTests}, on histories made by hand (no deployment needed). */
class LedgerReplayTests {

    private static final long SECOND = 1_000_000;

    @Test
    void acceptsAHistoryInWhichEveryDebitWasCovered() {
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        UUID incoming = UUID.randomUUID();
        List<LedgerReplay.Entry> entries = List.of(
                opening("alice", 100, 0),
                debit("alice", 80, first, SECOND),
                credit("alice", 50, incoming, 3 * SECOND),
                debit("alice", 60, second, 5 * SECOND));
        Map<UUID, Long> acknowledged = Map.of(first, 2 * SECOND, second, 6 * SECOND);

        LedgerReplay.Low low = LedgerReplay.lowestBalances(entries, e -> acknowledged.get(e.transferId())).get("alice");

        assertThat(low.lowest()).isZero();
        assertThat(low.finalBalance()).isEqualTo(10);
        assertThat(low.entries()).isEqualTo(4);
    }

    @Test
    void reportsASecondDebitWrittenWithoutTheFirst() {
        // The old owner debits 80 and dies before it replicates; a new owner that did not wait for
        // reconciliation sees the opening 100 only and debits 80 again, eight seconds later.
        UUID beforeFailover = UUID.randomUUID();
        UUID afterFailover = UUID.randomUUID();
        List<LedgerReplay.Entry> entries = List.of(
                opening("bob", 100, 0),
                debit("bob", 80, beforeFailover, SECOND),
                debit("bob", 80, afterFailover, 9 * SECOND),
                credit("bob", 200, UUID.randomUUID(), 30 * SECOND));
        Map<UUID, Long> acknowledged = Map.of(beforeFailover, SECOND + 20_000, afterFailover, 9 * SECOND + 20_000);

        LedgerReplay.Low low = LedgerReplay.lowestBalances(entries, e -> acknowledged.get(e.transferId())).get("bob");

        assertThat(low.lowest()).isEqualTo(-60);
        assertThat(low.byTransfer()).isEqualTo(afterFailover);
        assertThat(low.atMicros()).isEqualTo(9 * SECOND + 20_000);
        assertThat(low.finalBalance()).as("made good later, which the final balance alone would hide").isEqualTo(140);
    }

    @Test
    void countsACreditThatCommittedBeforeADebitTookItsLockEvenIfTheDebitStartedFirst() {
        // The debit's transaction started (created_at) before the credit's, waited for the row lock
        // the credit held, and then saw the credit: ordering by created_at would report -40.
        UUID debit = UUID.randomUUID();
        List<LedgerReplay.Entry> entries = List.of(
                opening("carol", 10, 0),
                debit("carol", 50, debit, SECOND),
                credit("carol", 100, UUID.randomUUID(), SECOND + 1_000));

        LedgerReplay.Low low = LedgerReplay.lowestBalances(entries, e -> SECOND + 300_000).get("carol");

        assertThat(low.lowest()).isZero();
        assertThat(low.finalBalance()).isEqualTo(60);
    }

    @Test
    void neverCountsADebitBeforeItsTransactionStarted() {
        UUID debit = UUID.randomUUID();
        List<LedgerReplay.Entry> entries = List.of(
                opening("dave", 100, 0),
                credit("dave", 50, UUID.randomUUID(), 2 * SECOND),
                debit("dave", 120, debit, 3 * SECOND));

        // A bound below created_at (a clock read wrongly) must not move the debit before the credit.
        LedgerReplay.Low low = LedgerReplay.lowestBalances(entries, e -> SECOND).get("dave");

        assertThat(low.lowest()).isZero();
        assertThat(low.finalBalance()).isEqualTo(30);
    }

    @Test
    void keepsAccountsApart() {
        UUID transfer = UUID.randomUUID();
        List<LedgerReplay.Entry> entries = List.of(
                opening("erin", 100, 0),
                opening("frank", 5, 0),
                debit("erin", 100, transfer, SECOND),
                credit("frank", 100, transfer, SECOND),
                debit("frank", 50, UUID.randomUUID(), 2 * SECOND));

        Map<String, LedgerReplay.Low> lows = LedgerReplay.lowestBalances(entries, e -> e.createdAtMicros() + 1_000);

        assertThat(lows).containsOnlyKeys("erin", "frank");
        assertThat(lows.get("erin").finalBalance()).isZero();
        assertThat(lows.get("frank").finalBalance()).isEqualTo(55);
        assertThat(lows.values()).allSatisfy(low -> assertThat(low.lowest()).isZero());
    }

    private static LedgerReplay.Entry opening(String account, long amount, long at) {
        return new LedgerReplay.Entry(account, amount, "OPENING", null, at);
    }

    private static LedgerReplay.Entry credit(String account, long amount, UUID transfer, long at) {
        return new LedgerReplay.Entry(account, amount, "CREDIT", transfer, at);
    }

    private static LedgerReplay.Entry debit(String account, long amount, UUID transfer, long at) {
        return new LedgerReplay.Entry(account, -amount, "DEBIT", transfer, at);
    }
}
