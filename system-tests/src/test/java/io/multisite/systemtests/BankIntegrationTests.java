package io.multisite.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.Units;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jepsen-style bank: concurrent clients move money between a fixed set of accounts through
 * every gateway while a nemesis partitions a site, makes a site's WAN lossy, tries a latency
 * profile and kills a site. Once the faults are over and the sites have converged, the history
 * the clients recorded and every site's database must agree: no money created or lost, no
 * balance ever below zero, every acknowledged transfer recorded exactly once with its two
 * entries, nothing refused written, and the same replicated rows everywhere. docs/reliability.md
 * explains each check, the schedule and the longer run.
 *
 * <p>Runs last of the end-to-end classes: its faults are the broadest, and the classes before it
 * expect the units where the first table dealt them. It puts them back there when it is done. It
 * needs only every site UP and every unit ACTIVE to start. Properties: {@code multisite.bank.accounts} (12),
 * {@code .clients} (4), {@code .duration} (seconds, 150), {@code .rounds} (1), {@code .hold}
 * (seconds a fault lasts, 20), {@code .failback} (false: after a site is back, give it its units
 * back, a planned move under load).
 */
@Order(8)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BankIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(BankIntegrationTests.class);
    private static final List<String> SITES = Sites.ALL;
    private static final int ACCOUNTS = Integer.getInteger("multisite.bank.accounts", 12);
    private static final int CLIENTS = Integer.getInteger("multisite.bank.clients", 4);
    private static final Duration DURATION = Duration.ofSeconds(Long.getLong("multisite.bank.duration", 150));
    private static final int ROUNDS = Integer.getInteger("multisite.bank.rounds", 1);
    private static final Duration HOLD = Duration.ofSeconds(Long.getLong("multisite.bank.hold", 20));
    private static final boolean FAIL_BACK = Boolean.getBoolean("multisite.bank.failback");
    private static final long OPENING = 1_000;
    /**
     * How long after its transaction began a debit that no client saw acknowledged is taken to
     * have committed, at the latest: far beyond what one takes (nine statements, each cut off by
     * the 400 ms statement timeout). An assumption, unlike the 201's arrival for acknowledged ones.
     */
    private static final Duration UNACKNOWLEDGED_DEBIT_BOUND = Duration.ofSeconds(10);
    private static final Duration RESOLVE_WITHIN = Duration.ofMinutes(3);

    private static Compose compose;
    private static Sites sites;
    private static SiteDatabases databases;
    private static Path root;

    // One run, shared by the checks below (each reported on its own).
    private static List<String> accounts = List.of();
    private static BankHistory history;
    private static List<Nemesis.Step> steps = List.of();
    private static long clockSlackMicros;
    private static Map<String, SiteDatabases.Snapshot> snapshots = Map.of();

    @BeforeAll
    static void deploy() {
        compose = Deployment.up();
        sites = new Sites(compose);
        databases = new SiteDatabases(sites);
        root = Path.of(System.getProperty("multisite.root", "..")).toAbsolutePath().normalize();
    }

    /**
     * Leaves every unit where the first table dealt it, as the other end-to-end classes expect:
     * a site that was declared dead comes back owning nothing.
     */
    @AfterAll
    static void giveEverySiteItsHomeUnitsBack() {
        if (sites == null) {
            return;
        }
        for (String site : SITES) {
            List<Integer> home = RoutingTable.initial(SITES, Units.DEFAULT_COUNT).unitsOwnedBy(site);
            Predicate<RoutingTable> atHome = t -> home.stream().allMatch(u -> t.owner(u).equals(site));
            if (atHome.test(awaitSettled("before " + site + " gets its home units back"))) {
                continue;
            }
            assertThat(sites.admin("/admin/sites/" + site + "/failback?reason=bank-test-done")).contains("HTTP/1.1 202");
            await(site + " owns its home units again").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .until(() -> sites.routingTable("site-a"), t -> atHome.test(t) && Sites.settled(t));
            log.info("{} owns its {} home units again", site, home.size());
        }
    }

    @Test
    @Order(1)
    void clientsTransferThroughEveryGatewayWhileSitesArePartitionedDegradedAndKilled() throws Exception {
        assertThat(Files.isExecutable(root.resolve("deploy/chaos.sh"))).as("deploy/chaos.sh is there and executable").isTrue();
        // The failover tests may have left sites without units; only a settled table matters.
        RoutingTable table = awaitSettled("before the run");
        accounts = chooseAccounts(table);
        registerEverywhere();
        clockSlackMicros = Math.max(0, SITES.stream().mapToLong(databases::clockAheadMicros).max().orElseThrow());
        log.info("database clocks at most {} ms ahead of the test's (docker exec latency included)", clockSlackMicros / 1000);

        history = new BankHistory();
        Map<String, String> tokens = new ConcurrentHashMap<>();
        long started = System.nanoTime();
        long deadline = started + DURATION.toNanos();
        Nemesis nemesis = new Nemesis(compose, sites, root, history, deadline, ROUNDS, HOLD, FAIL_BACK);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
        Throwable nemesisFailure = null;
        try {
            Future<List<Nemesis.Step>> faults = pool.submit(nemesis);
            List<Future<Void>> clients = new ArrayList<>();
            for (int c = 1; c <= CLIENTS; c++) {
                clients.add(pool.submit(new BankClient(c, accounts, SITES, tokens, history, deadline)));
            }
            try {
                for (Future<Void> client : clients) {
                    // A client's last key may still be retrying when the window closes.
                    client.get(DURATION.plusMinutes(5).toMillis(), TimeUnit.MILLISECONDS);
                }
            } finally {
                // The faults are always undone (the nemesis does it itself) before anything else happens.
                nemesisFailure = nemesisOutcome(faults);
            }
        } finally {
            pool.shutdownNow();
        }
        steps = nemesis.steps();
        log.info("clients stopped after {} s; nemesis ran {} step(s) in {} s:\n  {}", DURATION.toSeconds(), steps.size(),
                Duration.ofNanos(System.nanoTime() - started).toSeconds(),
                steps.stream().map(Nemesis.Step::toString).collect(Collectors.joining("\n  ")));

        awaitSettled("after the faults");
        resolveUnknown(tokens);
        logSummary();

        if (nemesisFailure != null) {
            throw new AssertionError("the nemesis failed (its faults were undone; the checks of the following tests still run on the history)",
                    nemesisFailure);
        }
        assertThat(steps).as("every step of every round that started").hasSizeGreaterThanOrEqualTo(4);
        assertThat(history.acknowledgedCount()).as("transfers acknowledged").isPositive();
    }

    @Test
    @Order(2)
    void everySiteConvergesOnTheSameTransfersAndLedgerOnceTheFaultsAreOver() {
        assertRunRecorded();
        awaitSettled("before convergence");
        long started = System.nanoTime();
        List<SiteDatabases.Table> tables = List.of(SiteDatabases.TRANSFERS, SiteDatabases.LEDGER);
        try {
            // Generous: a site that was dead or cut off replays everything it missed on a loaded machine.
            await("every site holds the same transfers and ledger entries").atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofSeconds(3)).untilAsserted(() -> assertSameEverywhere(databases.checksumsEverywhere(tables)));
        } catch (ConditionTimeoutException e) {
            fail(e.getMessage() + databases.differences(tables, 10));
        }
        log.info("transfers and ledger entries identical at every site {} ms after the routing table settled",
                Duration.ofNanos(System.nanoTime() - started).toMillis());
        Map<String, SiteDatabases.Snapshot> read = new LinkedHashMap<>();
        for (String site : SITES) {
            read.put(site, databases.snapshot(site, accounts));
        }
        snapshots = read;
    }

    /** (a) Transfers only move money: the accounts hold what they were opened with, at every site. */
    @Test
    @Order(3)
    void noMoneyIsCreatedOrLostAtAnySite() {
        assertConverged();
        long opened = OPENING * accounts.size();
        List<String> anomalies = new ArrayList<>();
        snapshots.forEach((site, snapshot) -> {
            if (!snapshot.balances().keySet().containsAll(accounts)) {
                anomalies.add(site + ": accounts without a balance row: "
                        + accounts.stream().filter(a -> !snapshot.balances().containsKey(a)).toList());
            }
            long balances = snapshot.balances().values().stream().mapToLong(Long::longValue).sum();
            if (balances != opened) {
                anomalies.add(site + ": balances sum to " + balances + ", the accounts were opened with " + opened);
            }
            long entries = snapshot.entries().stream().mapToLong(LedgerReplay.Entry::amount).sum();
            if (entries != opened) {
                anomalies.add(site + ": ledger entries sum to " + entries + ", the accounts were opened with " + opened);
            }
            // The stored balance is derived from the entries, at every site and for every account.
            snapshot.unmaterialised().forEach(a -> anomalies.add(site + ": stored balance is not the sum of the entries: " + a));
        });
        log.info("final balances at site-a: {}", snapshots.get("site-a").balances());
        assertThat(anomalies).as("money created or lost").isEmpty();
    }

    /**
     * (b) No balance ever went negative: not in the payer's home's view at any debit (each
     * transfer's balance_after, and what its 201 said), not at the end, and not at any moment of
     * the history (LedgerReplay explains why that replay never reports an overdraft that did not happen).
     */
    @Test
    @Order(4)
    void noBalanceEverWentNegative() {
        assertConverged();
        List<String> anomalies = new ArrayList<>();
        Map<UUID, Long> acknowledgedAt = new HashMap<>();
        for (BankHistory.Transfer t : history.withFate(BankHistory.Fate.ACKNOWLEDGED)) {
            acknowledgedAt.put(t.transferId(), t.acknowledgedAtMicros() + clockSlackMicros);
            if (t.balanceAfter() < 0) {
                anomalies.add("acknowledged with a negative balance: " + t);
            }
        }
        long unacknowledgedBound = UNACKNOWLEDGED_DEBIT_BOUND.toNanos() / 1000;
        snapshots.forEach((site, snapshot) -> {
            Map<UUID, SiteDatabases.TransferRow> rows = snapshot.transfers().stream()
                    .collect(Collectors.toMap(SiteDatabases.TransferRow::transferId, r -> r));
            for (SiteDatabases.TransferRow row : snapshot.transfers()) {
                if (row.balanceAfter() < 0) {
                    anomalies.add(site + ": debited into the negative at its home: " + row);
                }
            }
            for (BankHistory.Transfer t : history.withFate(BankHistory.Fate.ACKNOWLEDGED)) {
                SiteDatabases.TransferRow row = rows.get(t.transferId());
                if (row != null && row.balanceAfter() != t.balanceAfter()) {
                    anomalies.add(site + ": " + t.key() + " acknowledged balanceAfter " + t.balanceAfter() + ", recorded " + row.balanceAfter());
                }
            }
            snapshot.balances().forEach((account, balance) -> {
                if (balance < 0) {
                    anomalies.add(site + ": " + account + " ends at " + balance);
                }
            });
            Map<String, LedgerReplay.Low> lows = LedgerReplay.lowestBalances(snapshot.entries(),
                    e -> acknowledgedAt.getOrDefault(e.transferId(), e.createdAtMicros() + unacknowledgedBound));
            lows.values().stream().filter(low -> low.lowest() < 0).forEach(low -> anomalies.add(site + ": overdraft in the history: " + low));
            if (site.equals("site-a")) {
                log.info("lowest balance of each account over its history (entries, lowest, final): {}", lows.values().stream()
                        .sorted((x, y) -> x.account().compareTo(y.account()))
                        .map(low -> low.account() + " " + low.entries() + "/" + low.lowest() + "/" + low.finalBalance())
                        .collect(Collectors.joining(", ")));
            }
        });
        assertThat(anomalies).as("negative balances").isEmpty();
    }

    /**
     * (c) Every acknowledged transfer is recorded exactly once at every site with its debit and its
     * credit; nothing the clients were refused is recorded; nothing is recorded that no client asked for.
     */
    @Test
    @Order(5)
    void everyAcknowledgedTransferIsRecordedOnceWithItsTwoEntriesAndNothingRefusedIsRecorded() {
        assertConverged();
        List<String> anomalies = new ArrayList<>();
        Map<String, Integer> unknownButWritten = new TreeMap<>();
        snapshots.forEach((site, snapshot) -> {
            Map<UUID, List<SiteDatabases.TransferRow>> rowsById = snapshot.transfers().stream()
                    .collect(Collectors.groupingBy(SiteDatabases.TransferRow::transferId));
            Map<String, List<SiteDatabases.TransferRow>> rowsByKey = snapshot.transfers().stream()
                    .collect(Collectors.groupingBy(r -> r.payer() + "/" + r.key()));
            Map<UUID, List<LedgerReplay.Entry>> entriesByTransfer = snapshot.entries().stream().filter(e -> e.transferId() != null)
                    .collect(Collectors.groupingBy(LedgerReplay.Entry::transferId));

            for (BankHistory.Transfer t : history.withFate(BankHistory.Fate.ACKNOWLEDGED)) {
                List<SiteDatabases.TransferRow> rows = rowsById.getOrDefault(t.transferId(), List.of());
                List<SiteDatabases.TransferRow> sameKey = rowsByKey.getOrDefault(t.payer() + "/" + t.key(), List.of());
                if (rows.size() != 1 || sameKey.size() != 1) {
                    anomalies.add(site + ": acknowledged " + t.key() + " (" + t.transferId() + ") recorded " + rows.size()
                            + " time(s) by id, " + sameKey.size() + " by key");
                    continue;
                }
                SiteDatabases.TransferRow row = rows.get(0);
                if (!row.payer().equals(t.payer()) || !row.payee().equals(t.payee()) || row.amount() != t.amount() || !row.key().equals(t.key())) {
                    anomalies.add(site + ": acknowledged " + t + " recorded as " + row);
                }
            }
            for (SiteDatabases.TransferRow row : snapshot.transfers()) {
                BankHistory.Transfer asked = history.byKey(row.key());
                if (asked == null || !asked.payer().equals(row.payer())) {
                    anomalies.add(site + ": recorded but never asked for: " + row);
                } else if (asked.fate() == BankHistory.Fate.REFUSED) {
                    anomalies.add(site + ": recorded although every answer said it was not: " + row + " (last answer " + asked.lastAnswer() + ")");
                } else if (asked.fate() == BankHistory.Fate.UNKNOWN) {
                    unknownButWritten.merge(site, 1, Integer::sum);
                }
                List<String> legs = entriesByTransfer.getOrDefault(row.transferId(), List.of()).stream()
                        .map(e -> e.kind() + " " + e.account() + " " + e.amount()).sorted().toList();
                List<String> expected = List.of("CREDIT " + row.payee() + " " + row.amount(), "DEBIT " + row.payer() + " " + -row.amount());
                if (!legs.equals(expected)) {
                    anomalies.add(site + ": transfer " + row.transferId() + " has entries " + legs + ", expected " + expected);
                }
            }
            entriesByTransfer.keySet().stream().filter(id -> !rowsById.containsKey(id))
                    .forEach(id -> anomalies.add(site + ": ledger entries of an unrecorded transfer " + id + ": " + entriesByTransfer.get(id)));
            Map<String, Long> openings = snapshot.entries().stream().filter(e -> e.kind().equals("OPENING"))
                    .collect(Collectors.groupingBy(LedgerReplay.Entry::account, TreeMap::new, Collectors.summingLong(LedgerReplay.Entry::amount)));
            Map<String, Long> opened = accounts.stream().collect(Collectors.toMap(a -> a, a -> OPENING, (x, y) -> x, TreeMap::new));
            if (!openings.equals(opened)) {
                anomalies.add(site + ": opening credits " + openings + ", expected " + OPENING + " once per account");
            }
            long openingRows = snapshot.entries().stream().filter(e -> e.kind().equals("OPENING")).count();
            if (openingRows != accounts.size()) {
                anomalies.add(site + ": " + openingRows + " opening entries for " + accounts.size() + " accounts");
            }
        });
        log.info("transfers whose clients never learnt the outcome but which were written, per site: {} (of {} unknown)",
                unknownButWritten, history.withFate(BankHistory.Fate.UNKNOWN).size());
        assertThat(anomalies).as("acknowledged transfers lost or doubled, refused ones written").isEmpty();
    }

    /** (d) Users, sessions (in both databases) and posts: the same rows, byte for byte, at every site. */
    @Test
    @Order(6)
    void everySiteHoldsTheSameUsersSessionsAndPosts() {
        assertRunRecorded();
        List<SiteDatabases.Table> tables = List.of(SiteDatabases.USERS, SiteDatabases.SESSIONS, SiteDatabases.NEWS_SESSIONS,
                SiteDatabases.POSTS);
        try {
            await("every site holds the same users, sessions and posts").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(3))
                    .untilAsserted(() -> {
                        Map<String, Map<SiteDatabases.Table, String>> sums = databases.checksumsEverywhere(tables);
                        assertSameEverywhere(sums);
                        sums.forEach((site, own) -> assertThat(own.get(SiteDatabases.NEWS_SESSIONS))
                                .as("%s: news-service's sessions are account-service's", site).isEqualTo(own.get(SiteDatabases.SESSIONS)));
                    });
        } catch (ConditionTimeoutException e) {
            fail(e.getMessage() + databases.differences(tables, 10));
        }
        log.info("users, sessions and posts identical at every site: {}", databases.checksums("site-a", tables).entrySet().stream()
                .map(s -> s.getKey().label() + " " + s.getValue().substring(0, s.getValue().indexOf('|')) + " rows")
                .collect(Collectors.joining(", ")));
    }

    // ---- set-up ------------------------------------------------------------------------------

    /** Fresh user ids, dealt in turn to the sites that own units now, so that every home site pays and is paid. */
    private static List<String> chooseAccounts(RoutingTable table) {
        List<String> owners = SITES.stream().filter(s -> !table.unitsOwnedBy(s).isEmpty()).toList();
        String run = Long.toString(System.currentTimeMillis(), 36);
        List<String> chosen = new ArrayList<>();
        Map<String, Integer> perHome = new TreeMap<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            String home = owners.get(i % owners.size());
            for (int k = 0; ; k++) {
                String userId = "bank-" + run + "-" + i + "-" + k;
                if (table.owner(Units.DEFAULT.of(userId)).equals(home)) {
                    chosen.add(userId);
                    perHome.merge(home, 1, Integer::sum);
                    break;
                }
            }
        }
        log.info("{} accounts by home site: {}", chosen.size(), perHome);
        return List.copyOf(chosen);
    }

    /** Registers every account at its home (through the gateways in turn) and waits until every site has them all. */
    private static void registerEverywhere() {
        for (int i = 0; i < accounts.size(); i++) {
            String userId = accounts.get(i);
            String gateway = SITES.get(i % SITES.size());
            // 503 while a site (re)gains its lease after the earlier tests; 409 user_exists only
            // after an earlier try that went unanswered but registered.
            await("register " + userId).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> Gateways.register(gateway, userId, OPENING),
                            answer -> answer.status() == 201 || (answer.status() == 409 && BankHistory.code(answer).equals("user_exists")));
        }
        String ids = "ARRAY[" + accounts.stream().map(a -> "'" + a + "'").collect(Collectors.joining(",")) + "]";
        String expected = accounts.size() + ":" + OPENING * accounts.size();
        long registered = System.nanoTime();
        for (String site : SITES) {
            await("every account with its opening balance at " + site).atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(databases.query(site, "accounts", "SELECT count(*) || ':' || coalesce(sum(a.balance), 0) "
                            + "FROM users u JOIN accounts a USING (user_id) WHERE user_id = ANY(" + ids + ")")).isEqualTo(expected));
        }
        log.info("{} accounts registered and visible with their balances at every site {} ms later", accounts.size(),
                Duration.ofNanos(System.nanoTime() - registered).toMillis());
    }

    private static RoutingTable awaitSettled(String when) {
        long started = System.nanoTime();
        // Generous: reconciliation waits for a returning site to replay what it missed.
        RoutingTable table = sites.awaitSettled("site-a", Duration.ofMinutes(5));
        log.info("routing table settled {} (epoch {}, waited {} ms): units per site {}", when, table.epoch(),
                Duration.ofNanos(System.nanoTime() - started).toMillis(),
                SITES.stream().collect(Collectors.toMap(s -> s, s -> table.unitsOwnedBy(s).size(), (x, y) -> x, TreeMap::new)));
        return table;
    }

    // ---- after the run -----------------------------------------------------------------------

    /** The nemesis's failure, if any, once it has finished (and undone its faults). */
    private static Throwable nemesisOutcome(Future<List<Nemesis.Step>> faults) throws InterruptedException {
        try {
            // Bounded by its own steps' bounds; this is the backstop.
            faults.get(ROUNDS * 60L, TimeUnit.MINUTES);
            return null;
        } catch (ExecutionException e) {
            log.error("nemesis failed; its faults were undone", e.getCause());
            return e.getCause();
        } catch (TimeoutException e) {
            return new AssertionError("the nemesis did not finish within " + ROUNDS * 60 + " minutes", e);
        }
    }

    /** Keys whose outcome no client learnt are tried once more, now that nothing can still be in flight. */
    private static void resolveUnknown(Map<String, String> tokens) {
        List<BankHistory.Transfer> unknown = history.withFate(BankHistory.Fate.UNKNOWN);
        if (unknown.isEmpty()) {
            return;
        }
        BankClient resolver = new BankClient(0, accounts, SITES, tokens, history, System.nanoTime());
        long deadline = System.nanoTime() + RESOLVE_WITHIN.toNanos();
        Map<BankHistory.Fate, Integer> resolved = new EnumMap<>(BankHistory.Fate.class);
        for (BankHistory.Transfer transfer : unknown) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            BankHistory.Transfer after = resolver.resolve(transfer, left.compareTo(Duration.ofSeconds(30)) < 0 ? left : Duration.ofSeconds(30));
            history.record(after);
            resolved.merge(after.fate(), 1, Integer::sum);
        }
        log.info("{} key(s) without a known outcome after the run, retried once the faults were over: {}", unknown.size(), resolved);
    }

    private static void logSummary() {
        Map<BankHistory.Fate, Long> fates = new EnumMap<>(BankHistory.Fate.class);
        for (BankHistory.Transfer t : history.transfers()) {
            fates.merge(t.fate(), 1L, Long::sum);
        }
        double seconds = DURATION.toMillis() / 1000.0;
        log.info(String.format(Locale.ROOT, "bank: %d accounts, %d clients, %d s, %d round(s): %d keys, %s (%.1f acknowledged/s)",
                accounts.size(), CLIENTS, DURATION.toSeconds(), ROUNDS, history.transfers().size(), fates,
                fates.getOrDefault(BankHistory.Fate.ACKNOWLEDGED, 0L) / seconds));
        log.info("answers:\n  {}", history.answerCounts().entrySet().stream().map(e -> e.getKey() + " = " + e.getValue())
                .collect(Collectors.joining("\n  ")));
        history.withFate(BankHistory.Fate.UNKNOWN).forEach(t -> log.info("still unknown: {}", t));
    }

    // ---- assertions --------------------------------------------------------------------------

    private static void assertSameEverywhere(Map<String, Map<SiteDatabases.Table, String>> bySite) {
        Map<SiteDatabases.Table, String> first = bySite.get(SITES.get(0));
        for (SiteDatabases.Table table : first.keySet()) {
            Map<String, String> perSite = new LinkedHashMap<>();
            bySite.forEach((site, sums) -> perSite.put(site, sums.get(table)));
            assertThat(Set.copyOf(perSite.values())).as("%s (count|md5) per site: %s", table.label(), perSite).hasSize(1);
        }
    }

    private static void assertRunRecorded() {
        assertThat(history).as("the run (first test of this class) recorded a history").isNotNull();
        assertThat(accounts).hasSize(ACCOUNTS);
    }

    private static void assertConverged() {
        assertRunRecorded();
        assertThat(snapshots).as("the sites converged (second test of this class)").containsOnlyKeys(SITES);
    }
}
