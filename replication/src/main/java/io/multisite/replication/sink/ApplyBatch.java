package io.multisite.replication.sink;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.multisite.replication.catalog.ReplicatedTable;

/**
 * One transaction per local database for a polled batch. The rows of one table go in one statement
 * (one round trip for hundreds of rows). If the database rejects that statement because of a row's
 * content, the statement is rolled back to its savepoint and its rows are applied one by one, each
 * under its own savepoint, so that only the poison row is left out. The batch commits before the
 * consumer commits its offsets.
 */
final class ApplyBatch implements AutoCloseable {

    private final Map<String, DataSource> dataSources;
    private final Map<String, Connection> open = new HashMap<>();

    ApplyBatch(Map<String, DataSource> dataSources) {
        this.dataSources = dataSources;
    }

    /** What applying one row did. {@code rejection} is set when the database refused the row. */
    record Outcome(boolean changed, String rejection) {
    }

    /**
     * @return one outcome per row, in order
     * @throws SQLException for anything that is about the moment, not the rows (connection lost,
     *                      function missing): the caller retries the whole batch
     */
    List<Outcome> applyAll(String database, ReplicatedTable table, List<Object[]> rows) throws SQLException {
        Connection connection = connection(database);
        Savepoint savepoint = connection.setSavepoint();
        try {
            List<Outcome> outcomes = applyInOneStatement(connection, table, rows);
            connection.releaseSavepoint(savepoint);
            return outcomes;
        } catch (SQLException e) {
            if (!rejectsTheRow(e)) {
                throw e;
            }
            connection.rollback(savepoint);
        }
        List<Outcome> outcomes = new ArrayList<>(rows.size());
        for (Object[] row : rows) {
            outcomes.add(applyOne(connection, table, row));
        }
        return outcomes;
    }

    private static List<Outcome> applyInOneStatement(Connection connection, ReplicatedTable table, List<Object[]> rows) throws SQLException {
        int columns = table.columns().size();
        try (PreparedStatement statement = connection.prepareStatement(table.applyAllSql())) {
            for (int c = 0; c < columns; c++) {
                String[] values = new String[rows.size()];
                for (int r = 0; r < values.length; r++) {
                    Object value = rows.get(r)[c];
                    values[r] = value == null ? null : value.toString();
                }
                Array array = connection.createArrayOf("text", values);
                statement.setArray(c + 1, array);
            }
            List<Outcome> outcomes = new ArrayList<>(rows.size());
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    outcomes.add(new Outcome(result.getBoolean(1), null));
                }
            }
            return outcomes;
        }
    }

    private static Outcome applyOne(Connection connection, ReplicatedTable table, Object[] arguments) throws SQLException {
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
            return new Outcome(changed, null);
        } catch (SQLException e) {
            if (!rejectsTheRow(e)) {
                throw e;
            }
            connection.rollback(savepoint);
            return new Outcome(false, e.getSQLState() + ": " + e.getMessage());
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
                connection.rollback();
                connection.close();
            } catch (SQLException ignored) {
                // the connection is broken; the pool discards it
            }
        }
        open.clear();
    }
}
