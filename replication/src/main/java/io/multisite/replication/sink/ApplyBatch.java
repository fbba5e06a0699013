package io.multisite.replication.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Types;
import java.util.HashMap;
import java.util.Map;

import javax.sql.DataSource;

import io.multisite.replication.catalog.ReplicatedTable;

/**
 * One transaction per local database for a polled batch. Each row is applied under a savepoint,
 * so a row the database rejects (a poison event) is rolled back alone and the rest of the batch
 * commits. The batch commits before the consumer commits its offsets.
 */
final class ApplyBatch implements AutoCloseable {

    private final Map<String, DataSource> dataSources;
    private final Map<String, Connection> open = new HashMap<>();

    ApplyBatch(Map<String, DataSource> dataSources) {
        this.dataSources = dataSources;
    }

    /**
     * @return true if the row changed the database, false if it was already there or lost the merge
     * @throws RejectedRowException when the database refuses this row for what it contains
     * @throws SQLException         for anything else (connection lost, function missing): the batch is retried
     */
    boolean apply(String database, ReplicatedTable table, Object[] arguments) throws SQLException {
        Connection connection = connection(database);
        Savepoint savepoint = connection.setSavepoint();
        try (PreparedStatement statement = connection.prepareStatement(table.applySql())) {
            for (int i = 0; i < arguments.length; i++) {
                if (arguments[i] == null) {
                    statement.setNull(i + 1, Types.VARCHAR);
                } else {
                    statement.setObject(i + 1, arguments[i]);
                }
            }
            boolean changed;
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                changed = result.getBoolean(1);
            }
            connection.releaseSavepoint(savepoint);
            return changed;
        } catch (SQLException e) {
            if (!rejectsTheRow(e)) {
                throw e;
            }
            connection.rollback(savepoint);
            throw new RejectedRowException(e.getSQLState() + ": " + e.getMessage());
        }
    }

    /**
     * Data exceptions (22), integrity violations (23) and raised exceptions (P0) are about the row:
     * retrying cannot help. Everything else, including an undefined function (the service has not
     * migrated yet), is about the moment and is retried.
     */
    private static boolean rejectsTheRow(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("P0"));
    }

    private Connection connection(String database) throws SQLException {
        Connection connection = open.get(database);
        if (connection == null) {
            DataSource dataSource = dataSources.get(database);
            if (dataSource == null) {
                throw new IllegalStateException("no local database " + database);
            }
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            open.put(database, connection);
        }
        return connection;
    }

    void commit() throws SQLException {
        for (Connection connection : open.values()) {
            connection.commit();
        }
    }

    @Override
    public void close() {
        for (Connection connection : open.values()) {
            try {
                if (!connection.getAutoCommit()) {
                    connection.rollback();
                }
                connection.close();
            } catch (SQLException ignored) {
                // the connection is broken; the pool discards it
            }
        }
        open.clear();
    }

    static final class RejectedRowException extends RuntimeException {
        RejectedRowException(String message) {
            super(message);
        }
    }
}
