package io.multisite.replication.event;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One version of one row, as committed at its origin. {@code row} holds the columns by name with
 * JSON-friendly values: text, numbers, booleans, and uuids and timestamps as strings.
 *
 * @param operation {@code c} insert, {@code u} update, {@code r} snapshot read
 */
public record RowChange(String origin, String database, String table, String operation, long lsn,
                        long committedAtMillis, Map<String, Object> row) implements ReplicationEvent {

    public RowChange {
        row = Collections.unmodifiableMap(new LinkedHashMap<>(row));
    }
}
