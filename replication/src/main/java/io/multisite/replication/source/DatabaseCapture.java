package io.multisite.replication.source;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.multisite.replication.ReplicationProperties;
import io.multisite.replication.catalog.Catalog;
import io.multisite.replication.catalog.ReplicatedTable;
import io.multisite.replication.catalog.Topics;
import io.multisite.replication.event.EventCodec;
import io.multisite.replication.event.RowChange;
import io.multisite.replication.event.WatermarkMarker;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures one local database with the Debezium embedded engine (pgoutput) and publishes the rows
 * this site wrote to {@code multisite.cdc.<site>.<database>.<table>}.
 *
 * <p><b>Loop prevention.</b> Rows whose {@code origin_site} is another site were applied here by
 * the sink; they are dropped, so nothing ever travels back to where it came from.
 *
 * <p><b>Nothing skipped, at most a little repeated.</b> A batch's source offsets are marked
 * processed only after Kafka acknowledged every record of it ({@code acks=all}), and Debezium
 * confirms a position to the replication slot only once its offset is stored. A crash therefore
 * re-sends at most the batches since the last offset flush; the sink's apply is idempotent.
 *
 * <p><b>Watermarks.</b> Debezium's heartbeat action query updates {@code replication_heartbeat}
 * every heartbeat interval, so even an idle database produces a change with a fresh LSN. When one
 * arrives, every earlier change has been acknowledged, and a {@link WatermarkMarker} with its LSN is
 * written to every partition of every topic of the database. A hand-over does not wait for the next
 * interval: {@link HandOverBeats} calls {@link #beatNow()} when this site reports its position at a
 * new routing epoch.
 */
public final class DatabaseCapture implements AutoCloseable {

    static final String HEARTBEAT_TABLE = "replication_heartbeat";
    static final String PUBLICATION = "multisite_cdc";
    private static final String HEARTBEAT_QUERY = "INSERT INTO " + HEARTBEAT_TABLE + " (id, beat_at) VALUES (1, now()) "
            + "ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at";

    private static final Logger log = LoggerFactory.getLogger(DatabaseCapture.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final String site;
    private final String database;
    private final ReplicationProperties.Database connection;
    private final ReplicationProperties properties;
    private final Producer<String, byte[]> producer;
    private final MeterRegistry meters;
    private final List<ReplicatedTable> tables;
    private final Map<String, PublishedMeters> publishedMeters = new ConcurrentHashMap<>();
    private final Thread thread;

    private volatile boolean closed;
    private volatile boolean streaming;
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private volatile String lastError = "not started";

    public DatabaseCapture(String database, ReplicationProperties properties, Producer<String, byte[]> producer, MeterRegistry meters) {
        this.site = properties.site();
        this.database = database;
        this.connection = properties.databases().get(database);
        if (connection == null) {
            throw new IllegalArgumentException("no connection settings for database " + database);
        }
        this.properties = properties;
        this.producer = producer;
        this.meters = meters;
        this.tables = Catalog.tablesOf(database);
        this.thread = new Thread(this::runUntilClosed, "cdc-" + database);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** True while the engine streams changes; readiness depends on it. */
    public boolean streaming() {
        return streaming;
    }

    public String database() {
        return database;
    }

    /** The name of the PostgreSQL database captured, as {@code current_database()} gives it. */
    public String databaseName() {
        return PostgresTarget.parse(connection.url()).database();
    }

    /**
     * Writes the heartbeat row now rather than at the next heartbeat interval: the watermark marker
     * that follows it covers every change committed before this call returns.
     */
    public void beatNow() throws SQLException {
        try (Connection db = DriverManager.getConnection(connection.url(), connection.username(), connection.password());
             Statement statement = db.createStatement()) {
            statement.execute(HEARTBEAT_QUERY);
        }
    }

    public String lastError() {
        return lastError;
    }

    /**
     * Runs the engine; when it stops on an error (database restarted, Kafka unreachable), starts it
     * again from the stored offsets after a growing pause.
     */
    private void runUntilClosed() {
        Duration backoff = Duration.ofMillis(500);
        while (!closed) {
            try {
                prepareDatabase();
                DebeziumEngine<RecordChangeEvent<SourceRecord>> built = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                        .using(engineProperties())
                        .using(new DebeziumEngine.ConnectorCallback() {
                            @Override
                            public void taskStarted() {
                                streaming = true;
                                lastError = null;
                                log.info("capturing {} of {}", database, site);
                            }

                            @Override
                            public void taskStopped() {
                                streaming = false;
                            }
                        })
                        .using((success, message, error) -> {
                            streaming = false;
                            if (!success && !closed) {
                                lastError = message;
                                log.warn("capture of {} stopped: {}", database, message, error);
                            }
                        })
                        .notifying(this::publish)
                        .build();
                engine = built;
                if (closed) {
                    break;
                }
                long started = System.nanoTime();
                built.run();
                if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(1)) {
                    backoff = Duration.ofMillis(500);
                }
            } catch (Exception e) {
                lastError = e.getMessage();
                log.warn("capture of {} could not start: {}", database, e.toString());
            } finally {
                streaming = false;
            }
            if (!closed) {
                sleepQuietly(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /**
     * The heartbeat table and the publication, idempotently. The owning service creates its tables;
     * until it has, this fails and the capture retries.
     */
    private void prepareDatabase() throws SQLException {
        try (Connection db = DriverManager.getConnection(connection.url(), connection.username(), connection.password());
             Statement statement = db.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + HEARTBEAT_TABLE
                    + " (id integer PRIMARY KEY, beat_at timestamptz NOT NULL)");
            String tableList = tables.stream().map(ReplicatedTable::table).collect(Collectors.joining(", "))
                    + ", " + HEARTBEAT_TABLE;
            boolean exists;
            try (PreparedStatement query = db.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
                query.setString(1, PUBLICATION);
                try (ResultSet result = query.executeQuery()) {
                    exists = result.next();
                }
            }
            statement.execute((exists ? "ALTER PUBLICATION " + PUBLICATION + " SET TABLE " : "CREATE PUBLICATION " + PUBLICATION + " FOR TABLE ")
                    + tableList);
        }
    }

    private Properties engineProperties() {
        PostgresTarget target = PostgresTarget.parse(connection.url());
        ReplicationProperties.Capture capture = properties.capture();
        Properties p = new Properties();
        p.setProperty("name", "cdc-" + site + "-" + database);
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("database.hostname", target.host());
        p.setProperty("database.port", String.valueOf(target.port()));
        p.setProperty("database.dbname", target.database());
        p.setProperty("database.user", connection.username());
        p.setProperty("database.password", connection.password());
        // Only used to name Debezium's internal topics; the project's topics are named in Topics.
        p.setProperty("topic.prefix", "cdc-" + site + "-" + database);
        // Slots are per server, so the name carries the database.
        p.setProperty("slot.name", "multisite_cdc_" + target.database());
        p.setProperty("publication.name", PUBLICATION);
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("table.include.list", tables.stream().map(ReplicatedTable::qualifiedName).collect(Collectors.joining(","))
                + ",public." + HEARTBEAT_TABLE);
        // Snapshot on first start, and again only if the slot lost the stored position: rows are
        // re-published, which the idempotent apply absorbs, instead of a gap.
        p.setProperty("snapshot.mode", "when_needed");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("poll.interval.ms", String.valueOf(capture.pollInterval().toMillis()));
        p.setProperty("heartbeat.interval.ms", String.valueOf(capture.heartbeatInterval().toMillis()));
        p.setProperty("heartbeat.action.query", HEARTBEAT_QUERY);
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.setProperty("offset.storage.topic", Topics.OFFSETS);
        p.setProperty("offset.storage.partitions", "1");
        p.setProperty("offset.storage.replication.factor", String.valueOf(properties.kafka().brokers()));
        p.setProperty("offset.flush.interval.ms", String.valueOf(capture.offsetFlushInterval().toMillis()));
        p.setProperty("bootstrap.servers", properties.kafka().bootstrapServers());
        return p;
    }

    private void publish(List<RecordChangeEvent<SourceRecord>> records,
                         DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        long handedOverAt = System.currentTimeMillis();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        List<RowChange> published = new ArrayList<>();
        WatermarkMarker marker = null;
        for (RecordChangeEvent<SourceRecord> event : records) {
            if (!(event.record().value() instanceof Struct envelope) || envelope.schema().field("source") == null) {
                continue; // Debezium's own heartbeat records and tombstones carry no row
            }
            Struct source = envelope.getStruct("source");
            String table = source.getString("table");
            long lsn = source.getInt64("lsn") == null ? 0 : source.getInt64("lsn");
            long committedAt = source.getInt64("ts_ms");
            if (HEARTBEAT_TABLE.equals(table)) {
                marker = new WatermarkMarker(site, database, lsn, committedAt);
                continue;
            }
            String operation = envelope.getString("op");
            Struct after = envelope.getStruct("after");
            if (after == null) {
                // This schema never deletes a replicated row (a delete is a tombstone version), so a
                // physical delete is someone's manual intervention: counted, not replicated.
                meters.counter("replication.capture.ignored", "table", table, "reason", "delete").increment();
                continue;
            }
            Map<String, Object> row = toMap(after);
            if (!site.equals(row.get("origin_site"))) {
                meters.counter("replication.capture.ignored", "table", table, "reason", "foreign_origin").increment();
                continue;
            }
            ReplicatedTable replicated = Catalog.find(database, table).orElseThrow();
            RowChange change = new RowChange(site, database, table, operation, lsn, committedAt, row);
            sent.add(producer.send(new ProducerRecord<>(Topics.of(site, replicated), String.valueOf(row.get(replicated.key())),
                    EventCodec.encode(change))));
            published.add(change);
        }
        awaitAll(sent);
        long acknowledgedAt = System.currentTimeMillis();
        for (RowChange change : published) {
            PublishedMeters counted = publishedMeters.computeIfAbsent(change.table(), this::publishedMeters);
            counted.published().increment();
            counted.read().record(Math.max(0, handedOverAt - change.committedAtMillis()), TimeUnit.MILLISECONDS);
            counted.lag().record(Math.max(0, acknowledgedAt - change.committedAtMillis()), TimeUnit.MILLISECONDS);
        }
        if (marker != null) {
            awaitAll(sendMarker(marker));
        }
        for (RecordChangeEvent<SourceRecord> event : records) {
            committer.markProcessed(event);
        }
        committer.markBatchFinished();
    }

    /**
     * The capture's lag in two parts: {@code read} ends when Debezium hands the change over (the
     * slot, the WAL sender and Debezium's queue), {@code lag} when Kafka acknowledged it.
     */
    private PublishedMeters publishedMeters(String table) {
        return new PublishedMeters(meters.counter("replication.capture.published", "table", table),
                Timer.builder("replication.capture.read").description("origin commit to handed over by Debezium")
                        .tags("table", table).register(meters),
                Timer.builder("replication.capture.lag").description("origin commit to acknowledged by Kafka")
                        .tags("table", table).register(meters));
    }

    private record PublishedMeters(Counter published, Timer read, Timer lag) {
    }

    private List<Future<RecordMetadata>> sendMarker(WatermarkMarker marker) {
        byte[] value = EventCodec.encode(marker);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (ReplicatedTable table : tables) {
            String topic = Topics.of(site, table);
            int partitions = producer.partitionsFor(topic).size();
            for (int partition = 0; partition < partitions; partition++) {
                sent.add(producer.send(new ProducerRecord<>(topic, partition, null, value)));
            }
        }
        return sent;
    }

    /** A failed send fails the batch: the engine stops and restarts from the last stored offset. */
    private static void awaitAll(List<Future<RecordMetadata>> sent) throws InterruptedException {
        for (Future<RecordMetadata> future : sent) {
            try {
                future.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("Kafka did not acknowledge a change: " + e.getCause(), e.getCause());
            }
        }
    }

    private static Map<String, Object> toMap(Struct struct) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (Field field : struct.schema().fields()) {
            row.put(field.name(), struct.get(field));
        }
        return row;
    }

    private static void sleepQuietly(Duration duration) {
        try {
            // Paces the engine restart loop (growing backoff); nothing waits on this for readiness.
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        DebeziumEngine<RecordChangeEvent<SourceRecord>> running = engine;
        if (running != null) {
            try {
                running.close();
            } catch (Exception e) {
                log.warn("closing the capture of {}: {}", database, e.toString());
            }
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
