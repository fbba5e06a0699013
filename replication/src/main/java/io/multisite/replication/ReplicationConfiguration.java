package io.multisite.replication;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.replication.catalog.Catalog;
import io.multisite.replication.source.DatabaseCapture;
import io.multisite.replication.sink.ChangeApplier;
import io.multisite.replication.watermark.WatermarkPublisher;
import io.multisite.replication.watermark.Watermarks;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ReplicationConfiguration {

    /** Change events, watermark markers, dead letters and watermarks: all durable before acknowledged. */
    @Bean(destroyMethod = "close")
    Producer<String, byte[]> replicationProducer(ReplicationProperties properties) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafka().bootstrapServers());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "replication-" + properties.site());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(config);
    }

    @Bean
    LocalDatabases localDatabases(ReplicationProperties properties) {
        Map<String, DataSource> dataSources = new LinkedHashMap<>();
        for (String database : Catalog.databases()) {
            ReplicationProperties.Database settings = properties.databases().get(database);
            if (settings == null) {
                throw new IllegalStateException("multisite.databases." + database + " is not configured");
            }
            HikariConfig config = new HikariConfig();
            config.setPoolName("apply-" + database);
            config.setJdbcUrl(settings.url());
            config.setUsername(settings.username());
            config.setPassword(settings.password());
            config.setMaximumPoolSize(2);
            // Start even when the database is not up yet: the sink retries until it is.
            config.setInitializationFailTimeout(-1);
            dataSources.put(database, new HikariDataSource(config));
        }
        return new LocalDatabases(dataSources);
    }

    @Bean
    Watermarks watermarks(ReplicationProperties properties, MeterRegistry meters) {
        return new Watermarks(properties.site(), Clock.systemUTC(), meters);
    }

    @Bean
    Replication replication(ReplicationProperties properties, LocalDatabases databases, Producer<String, byte[]> producer,
                            Watermarks watermarks, MeterRegistry meters) {
        List<DatabaseCapture> captures = Catalog.databases().stream()
                .map(database -> new DatabaseCapture(database, properties, producer, meters))
                .toList();
        ChangeApplier applier = new ChangeApplier(properties, databases.dataSources(), producer, watermarks, meters);
        return new Replication(properties, captures, applier, new WatermarkPublisher(watermarks, producer));
    }

    /** The pools, closed with the context. */
    record LocalDatabases(Map<String, DataSource> dataSources) implements AutoCloseable {
        @Override
        public void close() {
            dataSources.values().forEach(dataSource -> ((HikariDataSource) dataSource).close());
        }
    }
}
