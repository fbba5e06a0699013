package io.multisite.controller.console;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.multisite.routing.RoutingTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The console's Server-Sent Events: a snapshot on connect, on every routing table this instance
 * reads, and every heartbeat interval, which also keeps proxies (the gateway drops a response
 * silent for 5 s) from closing the stream. At most {@code maxStreams} at once. A stream whose
 * client has gone is dropped at the next write that fails, without a stack trace.
 */
final class ConsoleStreams implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ConsoleStreams.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String EVENT = "snapshot";

    /** Every stream slot is taken. */
    static final class TooManyStreams extends RuntimeException {
        TooManyStreams(int max) {
            super("this console already serves " + max + " event streams; try again later");
        }
    }

    private final ConsoleState state;
    private final int maxStreams;
    private final Duration heartbeat;
    private final Duration streamTimeout;
    private final Semaphore slots;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "console-streams");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean running;

    ConsoleStreams(ConsoleState state, int maxStreams, Duration heartbeat, Duration streamTimeout) {
        this.state = state;
        this.maxStreams = maxStreams;
        this.heartbeat = heartbeat;
        this.streamTimeout = streamTimeout;
        this.slots = new Semaphore(maxStreams);
    }

    /**
     * Opens a stream whose first event is the current snapshot.
     *
     * @throws TooManyStreams when every slot is taken
     */
    SseEmitter open() {
        if (!slots.tryAcquire()) {
            throw new TooManyStreams(maxStreams);
        }
        SseEmitter emitter = new SseEmitter(streamTimeout.toMillis());
        Stream stream = new Stream(emitter);
        emitter.onCompletion(stream::close);
        emitter.onError(error -> stream.close());
        emitter.onTimeout(() -> {
            stream.close();
            emitter.complete();
        });
        // Sent before the stream joins the broadcast, so the snapshot is always its first event.
        if (stream.send(snapshotJson(), true)) {
            streams.add(stream);
            if (stream.closed.get()) {
                streams.remove(stream);
            }
        }
        return emitter;
    }

    /** The current snapshot as JSON, as every stream receives it. */
    String snapshotJson() {
        return JSON.writeValueAsString(state.snapshot());
    }

    int openStreams() {
        return maxStreams - slots.availablePermits();
    }

    /** Called on the routing follower's thread for every newer table: push it now rather than at the next beat. */
    void routingChanged(RoutingTable table) {
        if (state.observe(table) && running) {
            try {
                scheduler.execute(this::broadcastSafely);
            } catch (RejectedExecutionException e) {
                // stopping: nobody left to tell
            }
        }
    }

    private void broadcastSafely() {
        try {
            if (streams.isEmpty()) {
                // Nobody to send to, but the timeline must not miss an epoch or a change of leader.
                state.refresh();
                return;
            }
            String json = snapshotJson();
            for (Stream stream : streams) {
                stream.send(json, false);
            }
        } catch (RuntimeException e) {
            log.warn("console broadcast failed: {}", e.toString());
        }
    }

    @Override
    public void start() {
        running = true;
        scheduler.scheduleAtFixedRate(this::broadcastSafely, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Ends every stream first, so that a graceful shutdown does not wait for browsers to hang up. */
    @Override
    public void stop() {
        running = false;
        scheduler.shutdownNow();
        for (Stream stream : streams) {
            stream.close();
            try {
                stream.emitter.complete();
            } catch (RuntimeException e) {
                log.debug("console stream already gone: {}", e.toString());
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private final class Stream {

        private final SseEmitter emitter;
        private final AtomicBoolean closed = new AtomicBoolean();

        Stream(SseEmitter emitter) {
            this.emitter = emitter;
        }

        /** @return false if the client is gone, in which case the stream is closed */
        boolean send(String json, boolean first) {
            SseEmitter.SseEventBuilder event = SseEmitter.event().name(EVENT).data(json);
            if (first) {
                // EventSource otherwise waits about 3 s before reconnecting.
                event.reconnectTime(1000);
            }
            try {
                emitter.send(event);
                return true;
            } catch (IOException | IllegalStateException e) {
                // The client went away (the container reports it to the emitter as well); nothing to log loudly.
                log.debug("console client gone: {}", e.toString());
                close();
                return false;
            }
        }

        void close() {
            if (closed.compareAndSet(false, true)) {
                streams.remove(this);
                slots.release();
            }
        }
    }
}
