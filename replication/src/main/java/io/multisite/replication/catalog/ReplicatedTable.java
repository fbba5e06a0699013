package io.multisite.replication.catalog;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One replicated table: where it lives, its key, and the PL/pgSQL function of the owning
 * service that applies a row of it idempotently (insert-if-absent for immutable tables, last
 * writer wins for mutable ones). The merge rule lives in the function, next to the schema it
 * protects; the replication service only transports rows and calls it.
 *
 * @param database    the database the table is captured from
 * @param table       the table name (schema {@code public})
 * @param key         the primary-key column: the Kafka key, so all versions of a row share a partition
 * @param applyFunction the function that merges one row into a database
 * @param columns     the function's parameters, in order
 */
public record ReplicatedTable(String database, String table, String key, String applyFunction, List<Column> columns) {

    public ReplicatedTable {
        columns = List.copyOf(columns);
    }

    /** {@code SELECT apply_x(?::uuid, ?, ...)}: one row in, {@code true} if it changed anything. */
    public String applySql() {
        return "SELECT " + applyFunction + "(" + columns.stream().map(Column::placeholder).collect(Collectors.joining(", ")) + ")";
    }

    /**
     * The same call for many rows in one statement: one text array per column, unnested and cast
     * back to the parameter types. Row order is irrelevant: every apply function is commutative
     * (last writer wins, insert-if-absent), which is what makes redelivery in any order safe too.
     */
    public String applyAllSql() {
        StringBuilder sql = new StringBuilder("SELECT ").append(applyFunction).append("(");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("c").append(i).append(columns.get(i).cast());
        }
        sql.append(") FROM unnest(");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("?::text[]");
        }
        sql.append(") AS u(");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("c").append(i);
        }
        return sql.append(")").toString();
    }

    /** The function's arguments, read from a captured row; a missing column is an error, not a null. */
    public Object[] arguments(Map<String, Object> row) {
        Object[] arguments = new Object[columns.size()];
        for (int i = 0; i < arguments.length; i++) {
            String name = columns.get(i).name();
            if (!row.containsKey(name)) {
                throw new IllegalArgumentException(database + "." + table + " row has no column " + name);
            }
            arguments[i] = row.get(name);
        }
        return arguments;
    }

    /** {@code public.users}: how Debezium names it in {@code table.include.list}. */
    public String qualifiedName() {
        return "public." + table;
    }
}
