package io.multisite.routing;

import java.time.Instant;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A record of the watermarks topic, of one of two kinds, told apart by {@code site == origin}:
 *
 * <ul>
 *   <li><b>watermark</b> ({@code site != origin}), written by the replication service of {@code site}:
 *       everything {@code origin} committed in {@code database} before {@code lsn} has been applied at
 *       {@code site};</li>
 *   <li><b>own position</b> ({@code site == origin}), written by the service that guards writes at
 *       {@code site}: holding the table of {@code epoch}, with every write it had admitted for a unit it
 *       may no longer write finished, its database had written up to {@code lsn}. A unit that left
 *       {@code site} at epoch {@code e} may become ACTIVE elsewhere once the new owner's watermark for
 *       {@code site} reaches the {@code lsn} of an own position with {@code epoch >= e}.</li>
 * </ul>
 *
 * Keyed {@code <site>/<origin>/<database>} on a compacted topic, so the latest of each survives.
 *
 * @param epoch own positions only: the routing epoch held when the position was taken; else 0
 */
public record PositionReport(String site, String origin, String database, long lsn, long epoch, Instant at) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public static PositionReport own(String site, String database, long lsn, long epoch, Instant at) {
        return new PositionReport(site, site, database, lsn, epoch, at);
    }

    public boolean isOwnPosition() {
        return site.equals(origin);
    }

    public String key() {
        return key(site, origin, database);
    }

    public static String key(String site, String origin, String database) {
        return site + "/" + origin + "/" + database;
    }

    public String toJson() {
        var json = JSON.createObjectNode()
                .put("site", site).put("origin", origin).put("database", database)
                .put("lsn", Lsn.format(lsn)).put("lsnValue", lsn);
        if (isOwnPosition()) {
            json.put("epoch", epoch);
        }
        json.put("at", at.toString());
        return JSON.writeValueAsString(json);
    }

    /**
     * Reads either kind; a watermark's time is when it was applied.
     *
     * @throws IllegalArgumentException when the text is not a position report
     */
    public static PositionReport fromJson(String text) {
        try {
            JsonNode json = JSON.readTree(text);
            String at = json.has("at") ? json.get("at").asString() : json.path("appliedAt").asString();
            return new PositionReport(json.get("site").asString(), json.get("origin").asString(), json.get("database").asString(),
                    json.get("lsnValue").asLong(), json.path("epoch").asLong(0), Instant.parse(at));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a position report: " + text, e);
        }
    }
}
