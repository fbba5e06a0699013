package io.multisite.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.UnitState;
import io.multisite.routing.Units;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A planned switchover while a client keeps debiting: the unit's old owner stops, the new owner
 * starts only once it has everything the old one wrote, and the client sees a pause, not a loss.
 */
@Order(7)
class PlannedSwitchoverIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(PlannedSwitchoverIntegrationTests.class);
    private static final long OPENING = 1_000_000;
    /** Bounds the writer: the whole test, and each debit's retries under one key. */
    private static final Duration WRITER_LIMIT = Duration.ofMinutes(5);

    private static Compose compose;
    private static Sites sites;

    @BeforeAll
    static void deploy() {
        compose = Deployment.up();
        sites = new Sites(compose);
    }

    /** One debit the client got a 201 for: its key, when, and which site answered. */
    record Ack(int sequence, long atNanos, String servedBy) {
    }

    @Test
    void aUnitMovesUnderContinuousDebitsWithoutLosingOneOrHavingTwoOwners() throws Exception {
        RoutingTable before = sites.awaitSettled("site-a", Duration.ofMinutes(3));
        String payer = Sites.userHomedAt(before, "site-a", "switchover-");
        String payee = Sites.userHomedAt(before, "site-c", "switchover-payee-");
        int unit = Units.DEFAULT.of(payer);
        String from = "site-a";
        String to = "site-b";
        sites.registerAtHomeAndAwaitEverywhere(payer, OPENING);
        sites.registerAtHomeAndAwaitEverywhere(payee, 1);
        String token = Gateways.login("site-c", payer).json().path("token").asString();
        for (String site : Sites.ALL) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(sites.accountsQuery(site, "SELECT count(*) FROM sessions WHERE user_id = '" + payer + "'")).isEqualTo("1"));
        }

        // One client, one debit at a time, through the gateways in turn; a refused or unanswered
        // debit is sent again under the same key until it is acknowledged, as a real client would.
        List<Ack> acks = new CopyOnWriteArrayList<>();
        List<String> refusals = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        long writerDeadline = System.nanoTime() + WRITER_LIMIT.toNanos();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (int sequence = 0; !stop.get() && System.nanoTime() < writerDeadline; sequence++) {
                String gateway = Sites.ALL.get(sequence % Sites.ALL.size());
                Gateways.Answer answer;
                int attempt = 0;
                do {
                    answer = Gateways.transfer(gateway, token, payee, 1, "switchover-" + sequence);
                    attempt++;
                    if (answer.status() != 201) {
                        refusals.add("debit " + sequence + " attempt " + attempt + " via " + gateway + ": " + answer);
                    }
                } while (answer.status() != 201 && answer.worthRetrying() && System.nanoTime() < writerDeadline && Gateways.paceRetry(attempt));
                if (answer.status() != 201) {
                    throw new AssertionError("debit " + sequence + " was not acknowledged: " + answer);
                }
                acks.add(new Ack(sequence, System.nanoTime(), answer.servedBy()));
            }
        });

        await().atMost(Duration.ofSeconds(60)).until(() -> acks.size() >= 10 || writer.isDone());
        assertThat(writer).isNotDone();
        String accepted = sites.admin("/admin/units/" + unit + "/move?to=" + to + "&reason=switchover-under-load");
        assertThat(accepted).contains("HTTP/1.1 202").contains("\"action\":\"MOVE\"");
        long requested = System.nanoTime();
        RoutingTable moved = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                .until(() -> sites.routingTable("site-a"), t -> t.owner(unit).equals(to) && t.unitState(unit) == UnitState.ACTIVE);
        long activeAt = System.nanoTime();
        int acksAtSwitch = acks.size();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> acks.size() >= acksAtSwitch + 10 || writer.isDone());
        } catch (ConditionTimeoutException stalled) {
            throw new AssertionError("the writer stalled after the switch: " + (acks.size() - acksAtSwitch)
                    + " debits acknowledged in 60 s; last refusals: " + refusals.subList(Math.max(0, refusals.size() - 5), refusals.size()), stalled);
        }
        stop.set(true);
        writer.get(WRITER_LIMIT.toSeconds(), TimeUnit.SECONDS);

        // The pause: the longest wait between two acknowledged debits around the switchover.
        long longestGap = 0;
        for (int i = 1; i < acks.size(); i++) {
            longestGap = Math.max(longestGap, acks.get(i).atNanos() - acks.get(i - 1).atNanos());
        }
        log.info("unit {} moved {} -> {} under continuous debits: ACTIVE at {} {} ms after the request (epoch {}); "
                        + "{} debits acknowledged, longest pause between two of them {} ms",
                unit, from, to, to, Duration.ofNanos(activeAt - requested).toMillis(), moved.epoch(), acks.size(),
                Duration.ofNanos(longestGap).toMillis());

        // One owner at a time: the debits, in the order the client made them, were written by the
        // old owner and then by the new one, never interleaved; every site holds each exactly once.
        String query = "SELECT string_agg(substr(idempotency_key, length('switchover-') + 1) || '@' || origin_site, ',' "
                + "ORDER BY substr(idempotency_key, length('switchover-') + 1)::int) || '|' || count(*) || '|' || count(DISTINCT idempotency_key) "
                + "|| '|' || (SELECT balance FROM accounts WHERE user_id = '" + payer + "') FROM transfers WHERE payer_id = '" + payer + "'";
        List<String> rows = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Sites.ALL.stream().map(site -> sites.accountsQuery(site, query)).toList(),
                        all -> all.stream().distinct().count() == 1 && all.get(0).contains("|" + acks.size() + "|"));
        String[] row = rows.get(0).split("\\|");
        assertThat(row[1]).as("transfers").isEqualTo(String.valueOf(acks.size()));
        assertThat(row[2]).as("distinct keys").isEqualTo(String.valueOf(acks.size()));
        assertThat(Long.parseLong(row[3])).as("balance").isEqualTo(OPENING - acks.size());
        List<String> writers = List.of(row[0].split(",")).stream().map(entry -> entry.substring(entry.indexOf('@') + 1)).toList();
        int firstAtNewOwner = writers.indexOf(to);
        assertThat(firstAtNewOwner).as("the new owner took debits").isPositive();
        assertThat(writers.subList(0, firstAtNewOwner)).as("before the switch").containsOnly(from);
        assertThat(writers.subList(firstAtNewOwner, writers.size())).as("after the switch").containsOnly(to);

        // Back where it was, so that later tests find the initial layout.
        assertThat(sites.admin("/admin/units/" + unit + "/move?to=" + from + "&reason=system-test")).contains("HTTP/1.1 202");
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> sites.routingTable("site-a"), t -> t.owner(unit).equals(from) && t.unitState(unit) == UnitState.ACTIVE);
    }
}
