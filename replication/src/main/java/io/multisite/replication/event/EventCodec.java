package io.multisite.replication.event;

import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The wire format, UTF-8 JSON:
 *
 * <pre>
 * {"kind":"row","origin":"site-a","database":"accounts","table":"users","op":"c",
 *  "lsn":23456789,"committedAt":1764000000123,"row":{"user_id":"alice",...}}
 * {"kind":"watermark","origin":"site-a","database":"accounts","lsn":23456999,"committedAt":1764000000456}
 * </pre>
 */
public final class EventCodec {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> ROW = new TypeReference<>() {
    };

    private EventCodec() {
    }

    public static byte[] encode(ReplicationEvent event) {
        Map<String, Object> json;
        if (event instanceof RowChange change) {
            json = Map.of("kind", "row", "origin", change.origin(), "database", change.database(), "table", change.table(),
                    "op", change.operation(), "lsn", change.lsn(), "committedAt", change.committedAtMillis(), "row", change.row());
        } else {
            json = Map.of("kind", "watermark", "origin", event.origin(), "database", event.database(), "lsn", event.lsn(),
                    "committedAt", event.committedAtMillis());
        }
        return JSON.writeValueAsBytes(json);
    }

    /**
     * @throws MalformedEventException when the bytes are not an event of this format; the sink
     *                                 dead-letters such a record rather than stopping on it
     */
    public static ReplicationEvent decode(byte[] bytes) {
        if (bytes == null) {
            throw new MalformedEventException("empty record (null value)");
        }
        try {
            JsonNode node = JSON.readTree(bytes);
            String kind = text(node, "kind");
            String origin = text(node, "origin");
            String database = text(node, "database");
            long lsn = number(node, "lsn");
            long committedAt = number(node, "committedAt");
            if ("watermark".equals(kind)) {
                return new WatermarkMarker(origin, database, lsn, committedAt);
            }
            if (!"row".equals(kind)) {
                throw new MalformedEventException("unknown kind '" + kind + "'");
            }
            JsonNode row = node.get("row");
            if (row == null || !row.isObject()) {
                throw new MalformedEventException("no row object");
            }
            return new RowChange(origin, database, text(node, "table"), text(node, "op"), lsn, committedAt,
                    JSON.convertValue(row, ROW));
        } catch (JacksonException e) {
            throw new MalformedEventException("not JSON: " + e.getOriginalMessage());
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isString()) {
            throw new MalformedEventException("missing or non-text field '" + field + "'");
        }
        return value.asString();
    }

    private static long number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToLong()) {
            throw new MalformedEventException("missing or non-integer field '" + field + "'");
        }
        return value.asLong();
    }

    public static final class MalformedEventException extends RuntimeException {
        MalformedEventException(String message) {
            super(message);
        }
    }
}
