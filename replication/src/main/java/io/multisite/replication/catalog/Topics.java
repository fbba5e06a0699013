package io.multisite.replication.catalog;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Topic names: {@code multisite.cdc.<origin-site>.<database>.<table>}, one topic per origin and
 * table, so that a sink subscribes by origin and every topic has exactly one writer (the origin's
 * replication service). Site ids are {@code [a-z0-9-]}, so the dots separate unambiguously.
 */
public final class Topics {

    public static final String PREFIX = "multisite.cdc.";
    /** Poison events, with the reason in headers; kept a week for someone to look at. */
    public static final String DEAD_LETTER = "multisite.cdc-dead-letter";
    /** Debezium's source offsets (Kafka Connect's offset store), one compacted partition. */
    public static final String OFFSETS = "multisite.cdc-offsets";

    private static final Pattern NAME = Pattern.compile("multisite\\.cdc\\.([a-z0-9-]+)\\.([a-z_]+)\\.([a-z_]+)");

    private Topics() {
    }

    public static String of(String origin, ReplicatedTable table) {
        return PREFIX + origin + "." + table.database() + "." + table.table();
    }

    /**
     * What a sink at {@code self} reads: every other site's topics, plus its own sessions (the
     * one table this site applies locally, into news; see {@link Catalog#targets}).
     */
    public static Pattern subscription(String self) {
        String own = Pattern.quote(self + ".");
        return Pattern.compile("multisite\\.cdc\\.((?!" + own + ")[a-z0-9-]+\\.[a-z_]+\\.[a-z_]+|" + own + "accounts\\.sessions)");
    }

    /** The origin site and table a topic carries, if it is a replication topic of a known table. */
    public static Optional<Source> parse(String topic) {
        var matcher = NAME.matcher(topic);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        return Catalog.find(matcher.group(2), matcher.group(3)).map(table -> new Source(matcher.group(1), table));
    }

    public record Source(String origin, ReplicatedTable table) {
    }
}
