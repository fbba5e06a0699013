package io.multisite.routing;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports this site's own WAL position to the watermarks topic every interval, as a
 * {@link PositionReport#own own position}: the half of a hand-over that only the old owner can
 * give. The controller turns a FENCED or RECOVERING unit ACTIVE at its new owner once that owner's
 * replication has applied this site's changes up to a position reported at or after the epoch in
 * which the unit left.
 *
 * <p>The order within one report is what makes the position cover every write: read the held
 * table; wait until no write admitted earlier is still in flight for any unit this site may not
 * write under that table (the {@link OwnershipGuard} counts them before it reads the table, so none
 * can slip in afterwards); only then read the WAL position. A report is skipped, not sent with a
 * position that might miss a write, when the wait times out.
 *
 * <p>A report runs every interval, and also as soon as a table with a new epoch is held
 * ({@link #reportSoon()}, called by the routing follower's listener): a fenced unit's hand-over
 * waits for this site's first report at the fence's epoch, and without that it waited for the
 * next interval. The periodic run stays as the fallback (a report skipped or lost, a listener
 * that missed a table).
 */
public final class PositionReporter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PositionReporter.class);

    private final String site;
    private final RoutingTableSource routing;
    private final OwnershipGuard guard;
    private final WalPosition wal;
    private final Producer<String, String> producer;
    private final Duration interval;
    private final Duration quiescenceTimeout;
    private final Clock clock;
    private final AtomicBoolean reportRequested = new AtomicBoolean();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "position-reporter");
        thread.setDaemon(true);
        return thread;
    });

    public PositionReporter(String site, RoutingTableSource routing, OwnershipGuard guard, WalPosition wal,
                            Producer<String, String> producer, Duration interval, Duration quiescenceTimeout, Clock clock) {
        this.site = RoutingTable.requireValidSiteId(site);
        this.routing = routing;
        this.guard = guard;
        this.wal = wal;
        this.producer = producer;
        this.interval = interval;
        this.quiescenceTimeout = quiescenceTimeout;
        this.clock = clock;
    }

    public PositionReporter start() {
        scheduler.scheduleWithFixedDelay(this::reportSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Takes and sends a report soon on the reporter's own thread, never on the caller's: the
     * routing follower calls this for every new table, and the report may wait for in-flight
     * writes. Requests made while one is queued are served by that one; a request made while a
     * report runs queues another, so a table read after that report's table is still reported.
     */
    public void reportSoon() {
        if (reportRequested.compareAndSet(false, true)) {
            try {
                scheduler.execute(() -> {
                    reportRequested.set(false);
                    reportSafely();
                });
            } catch (RejectedExecutionException e) {
                // closing: nothing more to report
            }
        }
    }

    /**
     * Takes and sends one report.
     *
     * @return the report sent, or empty when there was no table yet or admitted writes did not finish in time
     */
    public Optional<PositionReport> report() throws InterruptedException {
        Optional<RoutingTable> held = routing.current();
        if (held.isEmpty()) {
            return Optional.empty();
        }
        RoutingTable table = held.get();
        for (int unit = 0; unit < table.unitCount(); unit++) {
            if (!maySiteWrite(table, unit) && !guard.awaitQuiescent(unit, quiescenceTimeout)) {
                log.warn("writes admitted for unit {} still in flight after {}; position not reported this round", unit, quiescenceTimeout);
                return Optional.empty();
            }
        }
        WalPosition.Position position = wal.current();
        PositionReport report = PositionReport.own(site, position.database(), position.lsn(), table.epoch(), clock.instant());
        producer.send(new ProducerRecord<>(MultisiteTopics.WATERMARKS, report.key(), report.toJson()));
        return Optional.of(report);
    }

    private boolean maySiteWrite(RoutingTable table, int unit) {
        UnitAssignment assignment = table.unit(unit);
        return assignment.owner().equals(site) && assignment.state() != UnitState.FENCED && table.siteState(site) != SiteState.DEAD;
    }

    private void reportSafely() {
        try {
            report();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // The next round tries again; until then the controller simply waits longer.
            log.warn("position of {} not reported: {}", site, e.toString());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        producer.close(Duration.ofSeconds(1));
    }
}
