package io.multisite.account.transfer;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.account.routing.GuardedWrite;
import io.multisite.account.routing.WriteGuard;
import io.multisite.account.routing.WriteRefusedException;
import io.multisite.account.web.ApiException;
import io.multisite.routing.SiteTimings;
import io.multisite.routing.Tier;
import io.multisite.routing.Units;

import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Transfers: one local transaction at the payer's home site (design section 4). Only the owner of
 * the payer's unit, with the unit ACTIVE and its lease valid, ever inserts the payer's debits;
 * everything else that reaches an account is a credit. So the balance this site sees is never
 * above the truth, and checking it under the row lock is enough to prevent an overdraft.
 */
@Service
class TransferService {

    /** A transfer is at most 1,000,000,000.00 in minor units; anything above is a client bug. */
    static final long MAX_AMOUNT = 1_000_000_000_00L;
    static final int MAX_KEY_LENGTH = 64;

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final WriteGuard guard;
    private final String statementTimeout;
    private final MeterRegistry meters;

    TransferService(JdbcClient jdbc, TransactionTemplate transactions, WriteGuard guard, SiteTimings timings,
                    MeterRegistry meters) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.guard = guard;
        this.statementTimeout = timings.debitStatementTimeout().toMillis() + "ms";
        this.meters = meters;
    }

    Transferred transfer(String payerId, TransferRequest request) {
        validate(payerId, request);
        try {
            Transferred transferred;
            try {
                transferred = admittedDebit(payerId, request);
            } catch (QueryTimeoutException | PessimisticLockingFailureException e) {
                // The timed-out attempt rolled back. A second one is what the client would send next
                // (same idempotency key), sent at once and under an admission of its own: the lease
                // is checked again, and its statements get the same timeout. Once only, so a row
                // held for long still ends in 503 busy.
                count("busy_retried");
                transferred = admittedDebit(payerId, request);
            }
            count(transferred.duplicate() ? "duplicate" : "ok");
            return transferred;
        } catch (WriteRefusedException e) {
            count(e.refusal().reason().code());
            throw e;
        } catch (ApiException e) {
            count(e.code());
            throw e;
        } catch (QueryTimeoutException | PessimisticLockingFailureException e) {
            count("busy");
            throw e;
        }
    }

    private Transferred admittedDebit(String payerId, TransferRequest request) {
        try (GuardedWrite write = guard.admit(payerId, Tier.DEBIT)) {
            return transactions.execute(status -> debit(write, payerId, request));
        }
    }

    private Transferred debit(GuardedWrite write, String payerId, TransferRequest request) {
        String payeeId = request.toUserId();
        long amount = request.amount();
        // No statement of the debit, lock waits included, may take longer than the timeout that
        // SiteTimings checks against the debit margin; a slow debit is then caught by the
        // lease check before commit instead of committing after the lease has ended.
        jdbc.sql("SELECT set_config('statement_timeout', :timeout, true)")
                .param("timeout", statementTimeout)
                .query(String.class)
                .single();

        boolean payeeKnown = jdbc.sql("SELECT EXISTS (SELECT 1 FROM users WHERE user_id = :payee)")
                .param("payee", payeeId)
                .query(Boolean.class)
                .single();
        if (!payeeKnown) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "unknown_payee", "no user " + payeeId + " is known at this site");
        }

        // Both ids in one order everywhere: two transfers A->B and B->A lock the same rows in
        // the same order and cannot deadlock.
        String first = payerId.compareTo(payeeId) < 0 ? payerId : payeeId;
        String second = first.equals(payerId) ? payeeId : payerId;
        // An account row may be missing here (a payee whose first entry has not been
        // replicated yet); it starts at zero, which is the sum of no entries.
        jdbc.sql("""
                        INSERT INTO accounts (user_id, balance, updated_at)
                        VALUES (:first, 0, now()), (:second, 0, now())
                        ON CONFLICT (user_id) DO NOTHING""")
                .param("first", first)
                .param("second", second)
                .update();
        Map<String, Long> balances = new HashMap<>();
        jdbc.sql("SELECT user_id, balance FROM accounts WHERE user_id IN (:first, :second) ORDER BY user_id FOR UPDATE")
                .param("first", first)
                .param("second", second)
                .query(rs -> {
                    balances.put(rs.getString("user_id"), rs.getLong("balance"));
                });

        // Checked under the payer's lock: a concurrent request with the same key waited for the
        // lock and now sees the first one's transfer, so it returns that answer instead of paying twice.
        Optional<Stored> stored = jdbc.sql("""
                        SELECT transfer_id, payee_id, amount, balance_after FROM transfers
                        WHERE payer_id = :payer AND idempotency_key = :key""")
                .param("payer", payerId)
                .param("key", request.idempotencyKey())
                .query(TransferService::stored)
                .optional();
        if (stored.isPresent()) {
            Stored previous = stored.get();
            if (!previous.payeeId().equals(payeeId) || previous.amount() != amount) {
                throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "idempotency_key_reused",
                        "idempotency key was already used for a different transfer");
            }
            return new Transferred(new TransferReceipt(previous.transferId(), previous.balanceAfter()), write.unit(),
                    write.epoch(), true);
        }

        long balance = balances.get(payerId);
        if (balance < amount) {
            throw new ApiException(HttpStatus.CONFLICT, "insufficient_funds",
                    "the balance is " + balance + ", the transfer needs " + amount);
        }

        UUID transferId = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO ledger_entry (id, account_id, amount, kind, transfer_id, origin_site, created_at, updated_at)
                        VALUES (:debitId, :payer, :debit, 'DEBIT', :transferId, :site, now(), now()),
                               (:creditId, :payee, :credit, 'CREDIT', :transferId, :site, now(), now())""")
                .param("debitId", UUID.randomUUID())
                .param("payer", payerId)
                .param("debit", -amount)
                .param("creditId", UUID.randomUUID())
                .param("payee", payeeId)
                .param("credit", amount)
                .param("transferId", transferId)
                .param("site", guard.site())
                .update();
        long balanceAfter = jdbc.sql("UPDATE accounts SET balance = balance - :amount, updated_at = now() WHERE user_id = :payer RETURNING balance")
                .param("amount", amount)
                .param("payer", payerId)
                .query(Long.class)
                .single();
        jdbc.sql("UPDATE accounts SET balance = balance + :amount, updated_at = now() WHERE user_id = :payee")
                .param("amount", amount)
                .param("payee", payeeId)
                .update();
        jdbc.sql("""
                        INSERT INTO transfers (transfer_id, payer_id, payee_id, amount, idempotency_key, balance_after,
                                               created_at, updated_at, origin_site)
                        VALUES (:transferId, :payer, :payee, :amount, :key, :balanceAfter, now(), now(), :site)""")
                .param("transferId", transferId)
                .param("payer", payerId)
                .param("payee", payeeId)
                .param("amount", amount)
                .param("key", request.idempotencyKey())
                .param("balanceAfter", balanceAfter)
                .param("site", guard.site())
                .update();
        write.confirmLease();
        return new Transferred(new TransferReceipt(transferId, balanceAfter), write.unit(), write.epoch(), false);
    }

    /** The caller's transfers, as payer or payee, newest first. */
    List<TransferView> recent(String userId, int limit) {
        return jdbc.sql("""
                        SELECT * FROM (
                            (SELECT transfer_id, payer_id, payee_id, amount, created_at FROM transfers
                              WHERE payer_id = :user ORDER BY created_at DESC, transfer_id DESC LIMIT :limit)
                            UNION ALL
                            (SELECT transfer_id, payer_id, payee_id, amount, created_at FROM transfers
                              WHERE payee_id = :user ORDER BY created_at DESC, transfer_id DESC LIMIT :limit)
                        ) mine
                        ORDER BY created_at DESC, transfer_id DESC
                        LIMIT :limit""")
                .param("user", userId)
                .param("limit", limit)
                .query(TransferService::view)
                .list();
    }

    /** A transfer the caller took part in; someone else's is answered as if it did not exist. */
    Optional<TransferView> find(String userId, UUID transferId) {
        return jdbc.sql("""
                        SELECT transfer_id, payer_id, payee_id, amount, created_at FROM transfers
                        WHERE transfer_id = :id AND (payer_id = :user OR payee_id = :user)""")
                .param("id", transferId)
                .param("user", userId)
                .query(TransferService::view)
                .optional();
    }

    private static void validate(String payerId, TransferRequest request) {
        if (!Units.isValidUserId(request.toUserId())) {
            throw ApiException.invalid("toUserId must be 1-64 characters of [A-Za-z0-9_-]");
        }
        if (request.amount() == null || request.amount() <= 0 || request.amount() > MAX_AMOUNT) {
            throw ApiException.invalid("amount must be an integer number of minor units from 1 to " + MAX_AMOUNT);
        }
        String key = request.idempotencyKey();
        if (key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH || key.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.invalid("idempotencyKey must be 1-" + MAX_KEY_LENGTH + " characters without control characters");
        }
        if (request.toUserId().equals(payerId)) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "self_transfer", "a transfer needs two different accounts");
        }
    }

    private void count(String outcome) {
        meters.counter("multisite.transfers", "outcome", outcome).increment();
    }

    private static TransferView view(ResultSet rs, int row) throws SQLException {
        return new TransferView(rs.getObject("transfer_id", UUID.class), rs.getString("payer_id"), rs.getString("payee_id"),
                rs.getLong("amount"), rs.getObject("created_at", OffsetDateTime.class).toInstant());
    }

    private static Stored stored(ResultSet rs, int row) throws SQLException {
        return new Stored(rs.getObject("transfer_id", UUID.class), rs.getString("payee_id"), rs.getLong("amount"),
                rs.getLong("balance_after"));
    }

    private record Stored(UUID transferId, String payeeId, long amount, long balanceAfter) {
    }
}
