package io.multisite.replication.watermark;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.PositionReport;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Publishes this site's watermarks to the compacted {@link MultisiteTopics#WATERMARKS} topic, keyed
 * {@code <site>/<origin>/<database>}, so that the controller can wait for "site B has applied
 * everything site A wrote before it was fenced" instead of waiting for a timer.
 *
 * <p>A watermark goes out as soon as it advances (a hand-over waits for it), on this publisher's
 * own thread so the sink never waits for Kafka; a periodic run resends whatever a failed send left
 * behind.
 */
public final class WatermarkPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WatermarkPublisher.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Watermarks watermarks;
    private final Producer<String, byte[]> producer;
    private final Map<String, Long> published = new HashMap<>();
    private final AtomicBoolean publishRequested = new AtomicBoolean();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "watermark-publisher");
        thread.setDaemon(true);
        return thread;
    });

    public WatermarkPublisher(Watermarks watermarks, Producer<String, byte[]> producer) {
        this.watermarks = watermarks;
        this.producer = producer;
    }

    /**
     * Publishes every watermark as it advances, and every {@code retryInterval} whatever has not
     * been acknowledged yet.
     */
    public WatermarkPublisher start(Duration retryInterval) {
        watermarks.onAdvance(this::publishSoon);
        scheduler.scheduleWithFixedDelay(this::publishSafely, retryInterval.toMillis(), retryInterval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Requests made while one is queued are served by that one. */
    private void publishSoon() {
        if (publishRequested.compareAndSet(false, true)) {
            try {
                scheduler.execute(() -> {
                    publishRequested.set(false);
                    publishSafely();
                });
            } catch (RejectedExecutionException e) {
                // closing: the sink stops too
            }
        }
    }

    private void publishSafely() {
        try {
            publishChanged();
        } catch (RuntimeException e) {
            // Not acknowledged, so not marked published: the next run sends it again.
            log.warn("watermarks not published: {}", e.toString());
        }
    }

    /** Sends the watermarks that moved since the last call; failures are retried by the next call. */
    public synchronized void publishChanged() {
        for (Watermark watermark : watermarks.all()) {
            String key = PositionReport.key(watermark.site(), watermark.origin(), watermark.database());
            if (published.getOrDefault(key, -1L) == watermark.lsn()) {
                continue;
            }
            producer.send(new ProducerRecord<>(MultisiteTopics.WATERMARKS, key, JSON.writeValueAsBytes(json(watermark))), (metadata, error) -> {
                if (error == null) {
                    synchronized (this) {
                        published.merge(key, watermark.lsn(), Math::max);
                    }
                }
            });
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    public static Map<String, Object> json(Watermark watermark) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("site", watermark.site());
        json.put("origin", watermark.origin());
        json.put("database", watermark.database());
        json.put("lsn", watermark.lsnText());
        json.put("lsnValue", watermark.lsn());
        json.put("committedAt", watermark.committedAt().toString());
        json.put("appliedAt", watermark.appliedAt().toString());
        return json;
    }
}
