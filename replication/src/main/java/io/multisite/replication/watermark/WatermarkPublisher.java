package io.multisite.replication.watermark;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.PositionReport;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import tools.jackson.databind.json.JsonMapper;

/**
 * Publishes this site's watermarks to the compacted {@link MultisiteTopics#WATERMARKS} topic, keyed
 * {@code <site>/<origin>/<database>}, so that the controller can wait for "site B has applied
 * everything site A wrote before it was fenced" instead of waiting for a timer.
 */
public final class WatermarkPublisher {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Watermarks watermarks;
    private final Producer<String, byte[]> producer;
    private final Map<String, Long> published = new HashMap<>();

    public WatermarkPublisher(Watermarks watermarks, Producer<String, byte[]> producer) {
        this.watermarks = watermarks;
        this.producer = producer;
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
