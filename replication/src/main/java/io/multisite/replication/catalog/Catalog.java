package io.multisite.replication.catalog;

import static io.multisite.replication.catalog.Column.bigint;
import static io.multisite.replication.catalog.Column.bool;
import static io.multisite.replication.catalog.Column.plain;
import static io.multisite.replication.catalog.Column.timestamp;
import static io.multisite.replication.catalog.Column.uuid;

import java.util.List;
import java.util.Optional;

/**
 * What replicates, agreed with the services that own the tables (their V2 migrations define the
 * apply functions). {@code accounts.accounts} (balances) is missing on purpose: every site derives
 * it from the ledger entries it holds. {@code news.sessions} is missing too: it is itself a replica,
 * filled from {@code accounts.sessions} (see {@link #targets}).
 */
public final class Catalog {

    public static final String ACCOUNTS = "accounts";
    public static final String NEWS = "news";

    private static final List<ReplicatedTable> TABLES = List.of(
            new ReplicatedTable(ACCOUNTS, "users", "user_id", "apply_user", List.of(
                    plain("user_id"), plain("password_hash"), timestamp("created_at"), timestamp("updated_at"),
                    plain("origin_site"))),
            new ReplicatedTable(ACCOUNTS, "ledger_entry", "id", "apply_ledger_entry", List.of(
                    uuid("id"), plain("account_id"), bigint("amount"), plain("kind"), uuid("transfer_id"),
                    plain("origin_site"), timestamp("created_at"))),
            new ReplicatedTable(ACCOUNTS, "transfers", "transfer_id", "apply_transfer", List.of(
                    uuid("transfer_id"), plain("payer_id"), plain("payee_id"), bigint("amount"),
                    plain("idempotency_key"), bigint("balance_after"), plain("origin_site"), timestamp("created_at"))),
            new ReplicatedTable(ACCOUNTS, "sessions", "session_id", "apply_session", List.of(
                    uuid("session_id"), plain("user_id"), timestamp("expires_at"), bool("revoked"),
                    timestamp("updated_at"), plain("origin_site"))),
            new ReplicatedTable(NEWS, "posts", "post_id", "apply_post", List.of(
                    uuid("post_id"), plain("author_id"), plain("body"), timestamp("created_at"),
                    timestamp("updated_at"), plain("origin_site"), bool("deleted"), timestamp("deleted_at"))));

    private Catalog() {
    }

    public static List<ReplicatedTable> tables() {
        return TABLES;
    }

    public static List<ReplicatedTable> tablesOf(String database) {
        return TABLES.stream().filter(t -> t.database().equals(database)).toList();
    }

    public static List<String> databases() {
        return TABLES.stream().map(ReplicatedTable::database).distinct().toList();
    }

    public static Optional<ReplicatedTable> find(String database, String table) {
        return TABLES.stream().filter(t -> t.database().equals(database) && t.table().equals(table)).findFirst();
    }

    /**
     * The local databases a captured table is applied to. A row never goes back into the database
     * it came from (loop prevention, together with the source's origin filter), with one exception
     * that is not a loop: this site's own sessions feed this site's news-service, whose sessions
     * table is never captured.
     */
    public static List<String> targets(ReplicatedTable table, String origin, String self) {
        boolean foreign = !origin.equals(self);
        if (table.database().equals(ACCOUNTS) && table.table().equals("sessions")) {
            return foreign ? List.of(ACCOUNTS, NEWS) : List.of(NEWS);
        }
        return foreign ? List.of(table.database()) : List.of();
    }
}
