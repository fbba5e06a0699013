package io.multisite.account.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.multisite.account.Api;
import io.multisite.account.IntegrationTestSupport;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger under concurrent load, through the HTTP API: the materialised balance stays equal to
 * the sum of entries, nothing is lost or paid twice, no balance goes negative, and transfers in
 * both directions between the same two accounts never deadlock.
 */
class LedgerConcurrencyIntegrationTests extends IntegrationTestSupport {

    private static final Logger log = LoggerFactory.getLogger(LedgerConcurrencyIntegrationTests.class);
    private static final int THREADS = 16;
    private static final long OPENING = 10_000;

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    private final List<String> users = new ArrayList<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();

    @BeforeEach
    void users() {
        for (String name : List.of("ann", "ben", "cat")) {
            String user = TestUsers.homedAt("site-a", name);
            users.add(user);
            tokens.put(user, api.registerAndLogin(user, OPENING));
        }
    }

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void keepsEveryBalanceEqualToItsEntriesUnderConcurrentTransfers() throws Exception {
        String hot = users.get(0);
        int perThread = 40;
        AtomicInteger created = new AtomicInteger();
        AtomicInteger insufficient = new AtomicInteger();
        AtomicInteger busyRetries = new AtomicInteger();
        List<String> unexpected = new CopyOnWriteArrayList<>();
        Set<String> transferIds = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            workers.add(pool.submit(() -> {
                start.await();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < perThread; i++) {
                    // Most transfers leave the same payer; the rest cross between all three accounts.
                    String payer = random.nextInt(10) < 6 ? hot : users.get(random.nextInt(users.size()));
                    String payee = users.get(random.nextInt(users.size()));
                    if (payee.equals(payer)) {
                        payee = users.get((users.indexOf(payer) + 1) % users.size());
                    }
                    long amount = 1 + random.nextLong(700);
                    String key = UUID.randomUUID().toString();
                    Api.Response answer = transfer(payer, payee, amount, key, busyRetries);
                    switch (answer.status()) {
                        case 201 -> {
                            created.incrementAndGet();
                            transferIds.add(answer.json().path("transferId").asString());
                        }
                        case 409 -> insufficient.incrementAndGet();
                        default -> unexpected.add(answer.status() + " " + answer.text());
                    }
                }
                return null;
            }));
        }
        long started = System.nanoTime();
        start.countDown();
        for (Future<?> worker : workers) {
            worker.get(5, TimeUnit.MINUTES);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        int attempts = THREADS * perThread;
        log.info("{} transfer requests from {} threads in {} s: {}/s; {} created, {} insufficient funds, {} busy retries",
                attempts, THREADS, String.format("%.2f", seconds), String.format("%.0f", attempts / seconds),
                created.get(), insufficient.get(), busyRetries.get());

        assertThat(unexpected).as("no deadlock, timeout or 5xx").isEmpty();
        assertThat(created.get() + insufficient.get()).isEqualTo(attempts);
        assertThat(created.get()).as("the load actually moved money").isGreaterThan(attempts / 4);
        assertThat(insufficient.get()).as("the hot payer ran dry at some point").isPositive();
        assertThat(transferIds).hasSize(created.get());
        assertThat(count("transfers")).isEqualTo(created.get());
        assertThat(count("ledger_entry")).isEqualTo(users.size() + 2L * created.get());
        for (String user : users) {
            assertThat(balance(user)).as("balance of %s", user).isEqualTo(entrySum(user)).isNotNegative();
        }
        long total = jdbc.sql("SELECT sum(balance) FROM accounts").query(Long.class).single();
        assertThat(total).as("money is neither created nor destroyed").isEqualTo(OPENING * users.size());
        assertThat(jdbc.sql("""
                SELECT count(*) FROM transfers t
                WHERE (SELECT sum(amount) FROM ledger_entry e WHERE e.transfer_id = t.transfer_id) <> 0
                   OR (SELECT count(*) FROM ledger_entry e WHERE e.transfer_id = t.transfer_id) <> 2""")
                .query(Long.class).single()).as("each transfer is one debit and one matching credit").isZero();
    }

    @Test
    void neverDeadlocksBetweenTransfersInOppositeDirections() throws Exception {
        String ann = users.get(0);
        String ben = users.get(1);
        AtomicInteger busyRetries = new AtomicInteger();
        List<String> unexpected = new CopyOnWriteArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            boolean annPays = t % 2 == 0;
            workers.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 25; i++) {
                    String key = UUID.randomUUID().toString();
                    Api.Response answer = annPays ? transfer(ann, ben, 1, key, busyRetries) : transfer(ben, ann, 1, key, busyRetries);
                    if (answer.status() != 201) {
                        unexpected.add(answer.status() + " " + answer.text());
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> worker : workers) {
            worker.get(5, TimeUnit.MINUTES);
        }

        assertThat(unexpected).isEmpty();
        assertThat(count("transfers")).isEqualTo(THREADS * 25L);
        assertThat(balance(ann)).isEqualTo(OPENING).isEqualTo(entrySum(ann));
        assertThat(balance(ben)).isEqualTo(OPENING).isEqualTo(entrySum(ben));
    }

    @Test
    void paysOnceForConcurrentRequestsWithTheSameKey() throws Exception {
        String ann = users.get(0);
        String ben = users.get(1);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Api.Response>> answers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            answers.add(pool.submit(() -> {
                start.await();
                return transfer(ann, ben, 1_234, "double-click", new AtomicInteger());
            }));
        }
        start.countDown();
        List<Api.Response> responses = new ArrayList<>();
        for (Future<Api.Response> answer : answers) {
            responses.add(answer.get(1, TimeUnit.MINUTES));
        }

        assertThat(responses).allSatisfy(answer -> assertThat(answer.status()).as(answer.text()).isEqualTo(201));
        assertThat(responses.stream().map(Api.Response::text).distinct()).hasSize(1);
        assertThat(count("transfers")).isEqualTo(1);
        assertThat(balance(ann)).isEqualTo(OPENING - 1_234).isEqualTo(entrySum(ann));
        assertThat(balance(ben)).isEqualTo(OPENING + 1_234).isEqualTo(entrySum(ben));
    }

    /**
     * A debit that waited longer than its statement timeout for a row lock is answered 503 busy;
     * a client retries it with the same idempotency key, as this does.
     */
    private Api.Response transfer(String payer, String payee, long amount, String key, AtomicInteger busyRetries) {
        Api.Response answer = api.transfer(tokens.get(payer), payee, amount, key);
        while (answer.status() == 503 && "busy".equals(answer.error())) {
            busyRetries.incrementAndGet();
            answer = api.transfer(tokens.get(payer), payee, amount, key);
        }
        return answer;
    }
}
