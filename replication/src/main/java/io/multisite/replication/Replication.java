package io.multisite.replication;

import java.util.List;

import io.multisite.replication.catalog.TopicSetup;
import io.multisite.replication.sink.ChangeApplier;
import io.multisite.replication.source.DatabaseCapture;
import io.multisite.replication.source.HandOverBeats;
import io.multisite.replication.watermark.WatermarkPublisher;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/**
 * The site's replication: one capture per local database (source), one applier for the other sites'
 * changes (sink), the watermark publication, and the heartbeats a hand-over pulls forward.
 * Healthy (ready) when every capture streams and the applier's last batch went through.
 */
final class Replication implements SmartLifecycle, HealthIndicator {

    private final ReplicationProperties properties;
    private final List<DatabaseCapture> captures;
    private final ChangeApplier applier;
    private final WatermarkPublisher publisher;
    private final HandOverBeats handOverBeats;
    private volatile boolean running;

    Replication(ReplicationProperties properties, List<DatabaseCapture> captures, ChangeApplier applier, WatermarkPublisher publisher) {
        this.properties = properties;
        this.captures = captures;
        this.applier = applier;
        this.publisher = publisher;
        this.handOverBeats = HandOverBeats.of(properties.site(), captures);
    }

    @Override
    public void start() {
        TopicSetup.ensureCreated(properties.kafka().bootstrapServers(), properties.site(), properties.kafka().brokers(),
                properties.kafka().partitions());
        // Before the sink starts, so that no advance of a watermark goes unpublished.
        publisher.start(properties.capture().heartbeatInterval());
        captures.forEach(DatabaseCapture::start);
        handOverBeats.start(properties.kafka().bootstrapServers());
        applier.start();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        publisher.close();
        applier.close();
        handOverBeats.close();
        captures.forEach(DatabaseCapture::close);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public Health health() {
        Health.Builder health = applier.healthy() && captures.stream().allMatch(DatabaseCapture::streaming) ? Health.up() : Health.down();
        health.withDetail("sink", applier.healthy() ? "applying" : "retrying");
        for (DatabaseCapture capture : captures) {
            health.withDetail("capture." + capture.database(), capture.streaming() ? "streaming" : "down: " + capture.lastError());
        }
        return health.build();
    }
}
