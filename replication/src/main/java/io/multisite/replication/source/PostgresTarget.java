package io.multisite.replication.source;

import java.net.URI;

/** Host, port and database of a {@code jdbc:postgresql://host:port/db} URL, as Debezium wants them. */
record PostgresTarget(String host, int port, String database) {

    static PostgresTarget parse(String jdbcUrl) {
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("not a jdbc:postgresql:// URL: " + jdbcUrl);
        }
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        String path = uri.getPath();
        if (uri.getHost() == null || path == null || path.length() < 2) {
            throw new IllegalArgumentException("expected jdbc:postgresql://host[:port]/database, got " + jdbcUrl);
        }
        return new PostgresTarget(uri.getHost(), uri.getPort() == -1 ? 5432 : uri.getPort(), path.substring(1));
    }
}
