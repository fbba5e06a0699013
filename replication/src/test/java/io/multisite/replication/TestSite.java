package io.multisite.replication;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.testsupport.TestDatabase;
import org.flywaydb.core.Flyway;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One site of a replication test: its own PostgreSQL server with the services' real schemas (their
 * Flyway migrations), and the replication service running in this JVM as the site would run it.
 * Local writes are plain SQL, exactly the rows the services write (origin_site = this site).
 */
final class TestSite implements AutoCloseable {

    static final String ACCOUNTS = "accounts";
    static final String NEWS = "news";
    private static final SecureRandom RANDOM = new SecureRandom();

    final String id;
    final TestDatabase.Server server;
    private final String bootstrapServers;
    private final int brokers;
    private final Map<String, HikariDataSource> pools = new HashMap<>();
    private ConfigurableApplicationContext context;

    TestSite(String id, String bootstrapServers, int brokers) {
        this.id = id;
        this.bootstrapServers = bootstrapServers;
        this.brokers = brokers;
        this.server = TestDatabase.server(id);
        migrate(ACCOUNTS, "account-service");
        migrate(NEWS, "news-service");
    }

    private void migrate(String database, String service) {
        String root = System.getProperty("multisite.root", "..");
        Flyway.configure()
                .dataSource(server.jdbcUrl(database), TestDatabase.owner(database), TestDatabase.PASSWORD)
                .locations("filesystem:" + root + "/" + service + "/src/main/resources/db/migration")
                .load().migrate();
    }

    /** Starts (or restarts) this site's replication service. */
    TestSite start() {
        return start(Map.of());
    }

    /** Starts (or restarts) this site's replication service with some settings of its own. */
    TestSite start(Map<String, String> overrides) {
        // Command-line arguments, because they outrank application.yml (default properties would not).
        Map<String, String> settings = new HashMap<>(Map.of(
                "multisite.site", id,
                "multisite.kafka.bootstrap-servers", bootstrapServers,
                "multisite.kafka.brokers", String.valueOf(brokers),
                "multisite.databases.accounts.url", server.jdbcUrl(ACCOUNTS),
                "multisite.databases.news.url", server.jdbcUrl(NEWS),
                "multisite.databases.accounts.username", "replication",
                "multisite.databases.news.username", "replication",
                "server.port", "0",
                "spring.main.banner-mode", "off"));
        settings.putAll(overrides);
        context = new SpringApplicationBuilder(ReplicationApplication.class)
                .run(settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new));
        return this;
    }

    void stop() {
        if (context != null) {
            context.close();
            context = null;
        }
    }

    boolean ready() {
        return context != null && context.getBean(Replication.class).health().getStatus().getCode().equals("UP");
    }

    int port() {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    MeterRegistry meters() {
        return context.getBean(MeterRegistry.class);
    }

    /** A setting as the running service resolved it (defaults, environment, system properties). */
    String setting(String key) {
        return context.getEnvironment().getProperty(key);
    }

    double count(String meter, String origin, String table) {
        var counter = meters().find(meter).tags("origin", origin, "table", table).counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    public void close() {
        stop();
        synchronized (pools) {
            pools.values().forEach(HikariDataSource::close);
            pools.clear();
        }
    }

    // ---- local writes, as the services make them -------------------------------------------

    void registerUser(String userId, Instant at) {
        update(ACCOUNTS, "INSERT INTO users (user_id, password_hash, created_at, updated_at, origin_site) VALUES (?, 'hash', ?, ?, ?)",
                userId, Timestamp.from(at), Timestamp.from(at), id);
    }

    /** An opening credit: the entry and the local balance in one transaction, as account-service writes it. */
    UUID openAccount(String userId, long amount) {
        UUID entry = UUID.randomUUID();
        Timestamp now = Timestamp.from(Instant.now());
        transaction(ACCOUNTS, connection -> {
            execute(connection, "INSERT INTO ledger_entry (id, account_id, amount, kind, transfer_id, origin_site, created_at, updated_at) "
                    + "VALUES (?, ?, ?, 'OPENING', NULL, ?, ?, ?)", entry, userId, amount, id, now, now);
            execute(connection, "INSERT INTO accounts (user_id, balance, updated_at) VALUES (?, ?, ?) "
                    + "ON CONFLICT (user_id) DO UPDATE SET balance = accounts.balance + excluded.balance", userId, amount, now);
        });
        return entry;
    }

    void createSession(UUID sessionId, String userId, Instant expiresAt, Instant at) {
        update(ACCOUNTS, "INSERT INTO sessions (session_id, user_id, expires_at, revoked, updated_at, origin_site) VALUES (?, ?, ?, false, ?, ?)",
                sessionId, userId, Timestamp.from(expiresAt), Timestamp.from(at), id);
    }

    /** A local revocation or extension: this site's version of the row, stamped by this site. */
    void updateSession(UUID sessionId, boolean revoked, Instant expiresAt, Instant at) {
        update(ACCOUNTS, "UPDATE sessions SET revoked = ?, expires_at = ?, updated_at = ?, origin_site = ? WHERE session_id = ?",
                revoked, Timestamp.from(expiresAt), Timestamp.from(at), id, sessionId);
    }

    UUID createPost(String authorId, String body) {
        long millis = Instant.now().toEpochMilli();
        UUID postId = uuidV7(millis);
        Timestamp at = Timestamp.from(Instant.ofEpochMilli(millis));
        update(NEWS, "INSERT INTO posts (post_id, author_id, body, created_at, updated_at, origin_site, deleted, deleted_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, false, NULL)", postId, authorId, body, at, at, id);
        return postId;
    }

    // ---- reads ---------------------------------------------------------------------------------

    List<Map<String, Object>> query(String database, String sql, Object... parameters) {
        try (Connection connection = connect(database); PreparedStatement statement = prepare(connection, sql, parameters);
             ResultSet result = statement.executeQuery()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= columns; i++) {
                    row.put(result.getMetaData().getColumnName(i), result.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    long scalar(String database, String sql, Object... parameters) {
        Object value = query(database, sql, parameters).get(0).values().iterator().next();
        return value == null ? 0 : ((Number) value).longValue();
    }

    // ---- plumbing ------------------------------------------------------------------------------

    /** Pooled, as the services' are: the benchmark writes a thousand transactions a second. */
    private Connection connect(String database) throws SQLException {
        HikariDataSource pool;
        synchronized (pools) {
            pool = pools.computeIfAbsent(database, name -> {
                HikariConfig config = new HikariConfig();
                config.setJdbcUrl(server.jdbcUrl(name));
                config.setUsername(TestDatabase.owner(name));
                config.setPassword(TestDatabase.PASSWORD);
                config.setMaximumPoolSize(4);
                config.setPoolName("test-" + id + "-" + name);
                return new HikariDataSource(config);
            });
        }
        return pool.getConnection();
    }

    private void update(String database, String sql, Object... parameters) {
        transaction(database, connection -> execute(connection, sql, parameters));
    }

    private void transaction(String database, SqlWork work) {
        try (Connection connection = connect(database)) {
            connection.setAutoCommit(false);
            work.run(connection);
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void execute(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql, parameters)) {
            statement.executeUpdate();
        }
    }

    private static PreparedStatement prepare(Connection connection, String sql, Object... parameters) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < parameters.length; i++) {
            statement.setObject(i + 1, parameters[i]);
        }
        return statement;
    }

    static UUID uuidV7(long millis) {
        long msb = (millis << 16) | 0x7000L | (RANDOM.nextInt() & 0x0FFFL);
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    private interface SqlWork {
        void run(Connection connection) throws SQLException;
    }
}
