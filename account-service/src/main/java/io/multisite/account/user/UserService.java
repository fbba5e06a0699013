package io.multisite.account.user;

import java.util.UUID;

import io.multisite.account.routing.GuardedWrite;
import io.multisite.account.routing.WriteGuard;
import io.multisite.account.web.ApiException;
import io.multisite.routing.Tier;
import io.multisite.routing.Units;

import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

@Service
class UserService {

    /** The demo opening credit is capped: 1,000,000.00 in minor units. */
    static final long MAX_INITIAL_BALANCE = 1_000_000_00L;

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final WriteGuard guard;
    private final Passwords passwords;

    UserService(JdbcClient jdbc, TransactionTemplate transactions, WriteGuard guard, Passwords passwords) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.guard = guard;
        this.passwords = passwords;
    }

    /**
     * Registers a user at their home site. The guard tier is CREDIT because the opening balance
     * is a ledger entry: like any credit it needs the owner and a valid lease, which is also what
     * stops two sites from registering the same id during a partition.
     */
    Registration register(RegistrationRequest request) {
        validate(request);
        String userId = request.userId();
        guard.precheck(userId, Tier.CREDIT);
        String hash = passwords.hash(request.password());
        long opening = request.initialBalance();
        try (GuardedWrite write = guard.admit(userId, Tier.CREDIT)) {
            transactions.executeWithoutResult(status -> {
                int inserted = jdbc.sql("""
                                INSERT INTO users (user_id, password_hash, created_at, updated_at, origin_site)
                                VALUES (:userId, :hash, now(), now(), :site)
                                ON CONFLICT (user_id) DO NOTHING""")
                        .param("userId", userId)
                        .param("hash", hash)
                        .param("site", guard.site())
                        .update();
                if (inserted == 0) {
                    throw new ApiException(HttpStatus.CONFLICT, "user_exists", "user id " + userId + " is taken");
                }
                // The row may exist already: entries for this id can have been replicated here first.
                jdbc.sql("""
                                INSERT INTO accounts AS a (user_id, balance, updated_at) VALUES (:userId, :opening, now())
                                ON CONFLICT (user_id) DO UPDATE SET balance = a.balance + EXCLUDED.balance, updated_at = now()""")
                        .param("userId", userId)
                        .param("opening", opening)
                        .update();
                if (opening > 0) {
                    jdbc.sql("""
                                    INSERT INTO ledger_entry (id, account_id, amount, kind, transfer_id, origin_site, created_at, updated_at)
                                    VALUES (:id, :userId, :amount, 'OPENING', NULL, :site, now(), now())""")
                            .param("id", UUID.randomUUID())
                            .param("userId", userId)
                            .param("amount", opening)
                            .param("site", guard.site())
                            .update();
                }
                write.confirmLease();
            });
            return new Registration(new RegistrationResponse(userId, write.unit(), guard.site()), write.unit(), write.epoch());
        }
    }

    private static void validate(RegistrationRequest request) {
        if (!Units.isValidUserId(request.userId())) {
            throw ApiException.invalid("userId must be 1-64 characters of [A-Za-z0-9_-]");
        }
        Passwords.validate(request.password());
        Long opening = request.initialBalance();
        if (opening == null || opening < 0 || opening > MAX_INITIAL_BALANCE) {
            throw ApiException.invalid("initialBalance must be an integer number of minor units from 0 to " + MAX_INITIAL_BALANCE);
        }
    }
}
