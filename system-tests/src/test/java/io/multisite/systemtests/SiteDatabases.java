package io.multisite.systemtests;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The three sites' PostgreSQL, read with psql inside their containers: per-table checksums of the
 * replicated rows, and the bank accounts' rows for the checks.
 */
final class SiteDatabases {

    /**
     * A replicated table and the columns that must converge: every column its apply function
     * writes (V2__replicated_apply.sql of account-service and news-service), which is every column
     * of these tables. Timestamps are compared as exact epoch seconds (microseconds included), so
     * that a session's time zone cannot make equal rows look different; text keys are ordered
     * byte-wise, the same everywhere.
     */
    record Table(String database, String name, String key, String orderBy, String columns) {

        String label() {
            return database + "." + name;
        }

        String checksumSql() {
            return "SELECT '" + label() + "|' || count(*) || '|' || md5(coalesce(string_agg(ROW(" + columns + ")::text, ',' ORDER BY "
                    + orderBy + "), '')) FROM " + name;
        }

        String rowsSql() {
            return "SELECT " + key + "::text || '|' || md5(ROW(" + columns + ")::text) FROM " + name;
        }
    }

    private static final String SESSION_COLUMNS = "session_id, user_id, extract(epoch FROM expires_at), revoked, "
            + "extract(epoch FROM updated_at), origin_site";

    static final Table USERS = new Table("accounts", "users", "user_id", "user_id COLLATE \"C\"",
            "user_id, password_hash, extract(epoch FROM created_at), extract(epoch FROM updated_at), origin_site");
    static final Table LEDGER = new Table("accounts", "ledger_entry", "id", "id",
            "id, account_id, amount, kind, transfer_id, origin_site, extract(epoch FROM created_at), extract(epoch FROM updated_at)");
    static final Table TRANSFERS = new Table("accounts", "transfers", "transfer_id", "transfer_id",
            "transfer_id, payer_id, payee_id, amount, idempotency_key, balance_after, extract(epoch FROM created_at), "
                    + "extract(epoch FROM updated_at), origin_site");
    static final Table SESSIONS = new Table("accounts", "sessions", "session_id", "session_id", SESSION_COLUMNS);
    /** news-service's replica of every site's sessions, its own site's included: the same rows as {@link #SESSIONS}. */
    static final Table NEWS_SESSIONS = new Table("news", "sessions", "session_id", "session_id", SESSION_COLUMNS);
    static final Table POSTS = new Table("news", "posts", "post_id", "post_id",
            "post_id, author_id, body, extract(epoch FROM created_at), extract(epoch FROM updated_at), origin_site, deleted, "
                    + "extract(epoch FROM deleted_at)");

    record TransferRow(UUID transferId, String payer, String payee, long amount, String key, long balanceAfter) {
    }

    /**
     * One site's rows about the bank's accounts. {@code unmaterialised}: accounts of the whole
     * table whose stored balance is not the sum of the entries the site holds.
     */
    record Snapshot(String site, List<TransferRow> transfers, List<LedgerReplay.Entry> entries, Map<String, Long> balances,
                    List<String> unmaterialised) {
    }

    private final Sites sites;

    SiteDatabases(Sites sites) {
        this.sites = sites;
    }

    String query(String site, String database, String sql) {
        return database.equals("news") ? sites.newsQuery(site, sql) : sites.accountsQuery(site, sql);
    }

    /** "count|md5" per table, one psql call per database. */
    Map<Table, String> checksums(String site, List<Table> tables) {
        Map<Table, String> sums = new LinkedHashMap<>();
        Map<String, List<Table>> byDatabase = tables.stream().collect(Collectors.groupingBy(Table::database, LinkedHashMap::new,
                Collectors.toList()));
        byDatabase.forEach((database, own) -> {
            String sql = own.stream().map(Table::checksumSql).collect(Collectors.joining(" UNION ALL "));
            Map<String, String> byLabel = new HashMap<>();
            for (String line : lines(query(site, database, sql))) {
                int bar = line.indexOf('|');
                byLabel.put(line.substring(0, bar), line.substring(bar + 1));
            }
            for (Table table : own) {
                sums.put(table, Objects.requireNonNull(byLabel.get(table.label()), table.label()));
            }
        });
        return sums;
    }

    Map<String, Map<Table, String>> checksumsEverywhere(List<Table> tables) {
        Map<String, Map<Table, String>> bySite = new LinkedHashMap<>();
        for (String site : Sites.ALL) {
            bySite.put(site, checksums(site, tables));
        }
        return bySite;
    }

    /**
     * Which rows differ between the sites (up to {@code limit} per table), for a failure message:
     * key, then per site the row's md5 or "absent".
     */
    String differences(List<Table> tables, int limit) {
        StringBuilder out = new StringBuilder();
        for (Table table : tables) {
            Map<String, Map<String, String>> rowsBySite = new LinkedHashMap<>();
            for (String site : Sites.ALL) {
                Map<String, String> rows = new HashMap<>();
                for (String line : lines(query(site, table.database(), table.rowsSql()))) {
                    int bar = line.lastIndexOf('|');
                    rows.put(line.substring(0, bar), line.substring(bar + 1));
                }
                rowsBySite.put(site, rows);
            }
            TreeSet<String> keys = new TreeSet<>();
            rowsBySite.values().forEach(rows -> keys.addAll(rows.keySet()));
            List<String> differing = new ArrayList<>();
            for (String key : keys) {
                List<String> versions = Sites.ALL.stream().map(site -> rowsBySite.get(site).getOrDefault(key, "absent")).toList();
                if (versions.stream().distinct().count() > 1) {
                    differing.add(key + ": " + String.join(" / ", versions));
                }
            }
            if (!differing.isEmpty()) {
                out.append('\n').append(table.label()).append(": ").append(differing.size()).append(" row(s) differ (")
                        .append(String.join(" / ", Sites.ALL)).append("):");
                differing.stream().limit(limit).forEach(d -> out.append("\n  ").append(d));
            }
        }
        return out.toString();
    }

    Snapshot snapshot(String site, List<String> accounts) {
        String ids = "ARRAY[" + accounts.stream().map(a -> "'" + a + "'").collect(Collectors.joining(",")) + "]";
        List<TransferRow> transfers = new ArrayList<>();
        for (String line : lines(query(site, "accounts", "SELECT transfer_id, payer_id, payee_id, amount, idempotency_key, balance_after "
                + "FROM transfers WHERE payer_id = ANY(" + ids + ") OR payee_id = ANY(" + ids + ")"))) {
            String[] f = line.split("\\|", -1);
            transfers.add(new TransferRow(UUID.fromString(f[0]), f[1], f[2], Long.parseLong(f[3]), f[4], Long.parseLong(f[5])));
        }
        List<LedgerReplay.Entry> entries = new ArrayList<>();
        for (String line : lines(query(site, "accounts", "SELECT account_id, amount, kind, coalesce(transfer_id::text, ''), "
                + "(extract(epoch FROM created_at) * 1000000)::bigint FROM ledger_entry WHERE account_id = ANY(" + ids + ")"))) {
            String[] f = line.split("\\|", -1);
            entries.add(new LedgerReplay.Entry(f[0], Long.parseLong(f[1]), f[2], f[3].isEmpty() ? null : UUID.fromString(f[3]),
                    Long.parseLong(f[4])));
        }
        Map<String, Long> balances = new TreeMap<>();
        for (String line : lines(query(site, "accounts", "SELECT user_id, balance FROM accounts WHERE user_id = ANY(" + ids + ")"))) {
            String[] f = line.split("\\|", -1);
            balances.put(f[0], Long.parseLong(f[1]));
        }
        List<String> unmaterialised = lines(query(site, "accounts", """
                SELECT coalesce(a.user_id, l.account_id) || ': balance ' || coalesce(a.balance::text, 'missing')
                       || ', entries ' || coalesce(l.total::text, 'none')
                FROM accounts a FULL JOIN (SELECT account_id, sum(amount) AS total FROM ledger_entry GROUP BY account_id) l
                  ON l.account_id = a.user_id
                WHERE coalesce(a.balance, 0) <> coalesce(l.total, 0)
                LIMIT 20"""));
        return new Snapshot(site, transfers, entries, balances, unmaterialised);
    }

    /**
     * How far this site's database clock can be ahead of the test's: its clock read minus the
     * test's clock just before the read (so the docker exec's own latency is included, which only
     * makes the bound more generous).
     */
    long clockAheadMicros(String site) {
        long before = BankHistory.micros(Instant.now());
        long database = Long.parseLong(query(site, "accounts", "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint"));
        return database - before;
    }

    private static List<String> lines(String output) {
        return output.isBlank() ? List.of() : output.lines().filter(l -> !l.isBlank()).toList();
    }
}
