package io.multisite.account.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.multisite.account.IntegrationTestSupport;
import io.multisite.testsupport.TestDatabase;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DuplicateKeyException;

/**
 * The apply functions the replication service calls (V2__replicated_apply.sql): applying a change
 * twice is applying it once, and mutable rows converge last-writer-wins whatever the order.
 */
class ReplicatedApplyIntegrationTests extends IntegrationTestSupport {

    private static final OffsetDateTime T1 = OffsetDateTime.of(2026, 1, 1, 12, 0, 0, 0, ZoneOffset.UTC);
    private static final OffsetDateTime T2 = T1.plusNanos(1_000); // one microsecond later: the clock's resolution

    @Test
    void insertsALedgerEntryOnceAndBumpsTheBalanceOnce() {
        UUID entry = UUID.randomUUID();

        boolean first = applyEntry(entry, "zoe", 500, "CREDIT");
        boolean second = applyEntry(entry, "zoe", 500, "CREDIT");

        assertThat(first).isTrue();
        assertThat(second).isFalse();
        assertThat(count("ledger_entry")).isEqualTo(1);
        assertThat(balance("zoe")).as("the account row is created by the first entry").isEqualTo(500).isEqualTo(entrySum("zoe"));
        assertThat(jdbc.sql("SELECT origin_site || ':' || (created_at = updated_at) FROM ledger_entry").query(String.class).single())
                .isEqualTo("site-b:true");
    }

    @Test
    void addsReplicatedCreditsAndDebitsToALocalBalance() {
        String local = TestUsers.homedAt("site-a", "local");
        api.register(local, 1_000);

        applyEntry(UUID.randomUUID(), local, 300, "CREDIT");
        applyEntry(UUID.randomUUID(), local, -200, "DEBIT");

        assertThat(balance(local)).isEqualTo(1_100).isEqualTo(entrySum(local));
    }

    @Test
    void appliesConcurrentDeliveriesOfTheSameEntryOnce() throws Exception {
        UUID entry = UUID.randomUUID();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> applied = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                applied.add(pool.submit(() -> {
                    start.await();
                    return applyEntry(entry, "zoe", 700, "CREDIT");
                }));
            }
            start.countDown();
            int inserted = 0;
            for (Future<Boolean> result : applied) {
                inserted += result.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }

            assertThat(inserted).isEqualTo(1);
            assertThat(balance("zoe")).isEqualTo(700).isEqualTo(entrySum("zoe"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rejectsAnEntryThatBreaksTheLedgerRulesAndLeavesTheBalanceAlone() {
        assertThatThrownBy(() -> applyEntry(UUID.randomUUID(), "zoe", 100, "DEBIT")).hasMessageContaining("check");
        assertThatThrownBy(() -> applyEntry(UUID.randomUUID(), "zoe", 0, "CREDIT")).hasMessageContaining("check");

        assertThat(count("accounts")).isZero();
        assertThat(count("ledger_entry")).isZero();
    }

    @Test
    void insertsATransferOnce() {
        UUID transfer = UUID.randomUUID();

        assertThat(applyTransfer(transfer, "key-1")).isTrue();
        assertThat(applyTransfer(transfer, "key-1")).isFalse();
        assertThat(count("transfers")).isEqualTo(1);
    }

    @Test
    void refusesASecondTransferUnderTheSameIdempotencyKey() {
        applyTransfer(UUID.randomUUID(), "key-1");

        assertThatThrownBy(() -> applyTransfer(UUID.randomUUID(), "key-1")).isInstanceOf(DuplicateKeyException.class);
    }

    @Test
    void mergesUsersLastWriterWinsInEitherOrder() {
        applyUser("u1", "old", T1, "site-a");
        applyUser("u1", "new", T2, "site-b");
        assertThat(applyUser("u2", "new", T2, "site-b")).isTrue();
        assertThat(applyUser("u2", "old", T1, "site-a")).as("an older version changes nothing").isFalse();

        assertThat(hashOf("u1")).isEqualTo("new");
        assertThat(hashOf("u2")).isEqualTo("new");
    }

    @Test
    void breaksUpdatedAtTiesByOriginSite() {
        applyUser("u1", "from-a", T1, "site-a");
        applyUser("u1", "from-c", T1, "site-c");
        applyUser("u2", "from-c", T1, "site-c");
        applyUser("u2", "from-a", T1, "site-a");

        assertThat(hashOf("u1")).isEqualTo("from-c");
        assertThat(hashOf("u2")).isEqualTo("from-c");
    }

    @Test
    void treatsTheSameVersionAgainAsANoOp() {
        UUID session = UUID.randomUUID();

        assertThat(applyUser("u1", "h", T1, "site-a")).isTrue();
        assertThat(applyUser("u1", "h", T1, "site-a")).isFalse();
        assertThat(applySession(session, false, T1, "site-a")).isTrue();
        assertThat(applySession(session, false, T1, "site-a")).isFalse();
    }

    @Test
    void mergesSessionRevocationsLastWriterWinsInEitherOrder() {
        UUID inOrder = UUID.randomUUID();
        UUID reversed = UUID.randomUUID();

        applySession(inOrder, false, T1, "site-a");
        applySession(inOrder, true, T2, "site-a");
        applySession(reversed, true, T2, "site-a");
        boolean stale = applySession(reversed, false, T1, "site-a");

        assertThat(stale).isFalse();
        assertThat(jdbc.sql("SELECT bool_and(revoked) FROM sessions").query(Boolean.class).single()).isTrue();
        assertThat(applySession(reversed, true, T2, "site-a")).as("applying twice is applying once").isFalse();
    }

    @Test
    void canBeCalledByTheReplicationRole() throws Exception {
        // deploy/postgres/entrypoint.sh makes `replication` a member of account_service: it may apply.
        try (Connection connection = DriverManager.getConnection(TestDatabase.jdbcUrl(TestDatabase.ACCOUNTS),
                "replication", TestDatabase.PASSWORD);
             PreparedStatement apply = connection.prepareStatement(
                     "SELECT apply_ledger_entry(?, 'zoe', 42, 'CREDIT', ?, 'site-c', now())")) {
            apply.setObject(1, UUID.randomUUID());
            apply.setObject(2, UUID.randomUUID());
            try (ResultSet result = apply.executeQuery()) {
                assertThat(result.next()).isTrue();
                assertThat(result.getBoolean(1)).isTrue();
            }
        }
        assertThat(balance("zoe")).isEqualTo(42);
    }

    private boolean applyEntry(UUID id, String account, long amount, String kind) {
        return jdbc.sql("SELECT apply_ledger_entry(:id, :account, :amount, :kind, :transfer, 'site-b', :created)")
                .param("id", id)
                .param("account", account)
                .param("amount", amount)
                .param("kind", kind)
                .param("transfer", UUID.randomUUID())
                .param("created", T1)
                .query(Boolean.class)
                .single();
    }

    private boolean applyTransfer(UUID id, String key) {
        return jdbc.sql("SELECT apply_transfer(:id, 'payer', 'payee', 10, :key, 90, 'site-b', :created)")
                .param("id", id)
                .param("key", key)
                .param("created", T1)
                .query(Boolean.class)
                .single();
    }

    private boolean applyUser(String userId, String hash, OffsetDateTime updatedAt, String origin) {
        return jdbc.sql("SELECT apply_user(:user, :hash, :created, :updated, :origin)")
                .param("user", userId)
                .param("hash", hash)
                .param("created", T1)
                .param("updated", updatedAt)
                .param("origin", origin)
                .query(Boolean.class)
                .single();
    }

    private boolean applySession(UUID sessionId, boolean revoked, OffsetDateTime updatedAt, String origin) {
        return jdbc.sql("SELECT apply_session(:id, 'u1', :expires, :revoked, :updated, :origin)")
                .param("id", sessionId)
                .param("expires", T1.plusHours(12))
                .param("revoked", revoked)
                .param("updated", updatedAt)
                .param("origin", origin)
                .query(Boolean.class)
                .single();
    }

    private String hashOf(String userId) {
        return jdbc.sql("SELECT password_hash FROM users WHERE user_id = ?").param(userId).query(String.class).single();
    }
}
